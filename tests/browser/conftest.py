"""Fixtures of the browser tests: one small month, served on loopback, and Debian's Chromium.

Chromium runs headless with the flags that keep it off the network: the
machine's network is closed, and without them Chromium keeps trying to
reach Google's services.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.site.month import SiteMonth, build_site_month

from mcg_lib.paths import DataRoot
from mcg_lib.site.server import start_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The site is served under a path prefix, as it may be deployed.
BASE_PATH = "/mcg/"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def site_month(tmp_path_factory) -> SiteMonth:
    return build_site_month(DataRoot(tmp_path_factory.mktemp("browser") / "data"))


@pytest.fixture(scope="session")
def site_url(site_month) -> str:
    server, url = start_in_thread(site_month.site, base_path=BASE_PATH)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}; install Debian's chromium package (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(service_workers="allow", viewport={"width": 1024, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A page that fails the test on an uncaught script error or a dialog (such as an alert)."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught error: {error}"))
    page.on(
        "dialog",
        lambda dialog: (problems.append(f"dialog opened: {dialog.message}"), dialog.dismiss()),
    )
    yield page
    assert problems == []


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
