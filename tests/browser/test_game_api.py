"""The game with the fallback API: a site built with MCG_API_URL and `mcg api` on loopback."""

from __future__ import annotations

import pytest
from fixtures.site.month import build_site_month
from game_helpers import TIMEOUT_MS, expect_solved, follow_chain
from playwright.sync_api import expect

from mcg_lib.graph import find_path, open_graph
from mcg_lib.paths import DataRoot
from mcg_lib.site.server import start_in_thread

pytestmark = pytest.mark.browser

RULESET = "all-credits"


@pytest.fixture(scope="module")
def api_site(tmp_path_factory):
    """Serve a month's site built against a real API that allows the site's origin."""
    from mcg_lib.api.testing import LOOPBACK, ApiProcess, free_port

    folder = tmp_path_factory.mktemp("api-site")
    site_port = free_port()
    root = DataRoot(folder / "data")
    with pytest.MonkeyPatch.context() as patch:
        # The API's port is chosen before the site is built, so the site can embed its URL.
        api = ApiProcess(
            root.root,
            [
                "--snapshot",
                "sitetest",
                "--rulesets",
                RULESET,
                "--origin",
                f"http://{LOOPBACK}:{site_port}",
            ],
            folder / "api.log",
        )
        patch.setenv("MCG_API_URL", api.base_url)
        month = build_site_month(root)
    server, url = start_in_thread(month.site, host=LOOPBACK, port=site_port)
    try:
        with api:
            yield month, url
    finally:
        server.shutdown()
        server.server_close()


def static_artists(month) -> set[int]:
    """Return the ids of the artists whose neighbour entries ship with the site."""
    import json

    ids: set[int] = set()
    for shard in (month.data(RULESET) / "neighbours").glob("*.json"):
        ids.update(int(key) for key in json.loads(shard.read_text(encoding="utf-8")))
    return ids


def test_free_pair_played_through_api(page, api_site):
    month, url = api_site
    graph = open_graph(month.root, month.snapshot, RULESET)
    shipped = static_artists(month)
    start, end = 1042, 1052
    assert start not in shipped
    assert end not in shipped
    result = find_path(graph, start, end).to_json()

    page.goto(f"{url}#/free/{start}/{end}/{RULESET}")
    expect(page.locator(".goal .to")).to_have_text(
        result["path"][-1]["name_display"], timeout=TIMEOUT_MS
    )
    page.get_by_role("button", name="Reveal the best length (−5)").click()
    expect(page.locator(".hints li")).to_have_text(f"The best chain has {result['hops']} hops.")

    follow_chain(page, result["path"])
    expect_solved(page, result["hops"])
    expect(page.locator(".result .score")).to_contain_text("Score 95 of 100")
    expect(page.locator(".result figure svg")).to_have_count(2)
