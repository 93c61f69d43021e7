"""The site build: assets, pages, service worker, _headers, budgets, limits, and the server."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures.site.month import RULESETS, SiteMonth, build_site_month

from mcg_lib.errors import ConfigError, NotFoundError, PublishError
from mcg_lib.export.layout import MAX_FILES
from mcg_lib.paths import DataRoot
from mcg_lib.site.assets import build_assets, module_imports
from mcg_lib.site.budgets import SHELL_BUDGET_GZIP_BYTES, measure
from mcg_lib.site.build import templates_dir
from mcg_lib.site.headers import headers_for, parse_headers, read_headers
from mcg_lib.site.server import start_in_thread
from mcg_lib.site.settings import check_api_url, content_security_policy
from mcg_lib.site.stage import run as run_site

HASHED = re.compile(r"\.([0-9a-f]{10})\.[a-z]+$")


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> SiteMonth:
    return build_site_month(DataRoot(tmp_path_factory.mktemp("site") / "data"))


@pytest.fixture(scope="module")
def served(month):
    server, url = start_in_thread(month.site, base_path="/prefix/")
    yield url
    server.shutdown()
    server.server_close()


class References(HTMLParser):
    """Collect the URLs a page loads (scripts, styles, icons, preloads, images) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.json_scripts: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("type") == "application/json":
                self._in_json = True
            elif "src" in attributes:
                self.loads.append(attributes["src"])
        elif tag == "link":
            self.loads.append(attributes["href"])
        elif tag == "img":
            self.loads.append(attributes["src"])
        elif tag == "a":
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_scripts.append(data)


def references(page: Path) -> References:
    parser = References()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_assets_named_by_content_hash(month):
    assets = sorted((month.site / "assets").rglob("*.*"))

    assert assets
    for path in assets:
        match = HASHED.search(path.name)
        assert match, path.name
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:10] == match.group(1)


def test_module_imports_point_at_hashed_files(month):
    for module in (month.site / "assets" / "js").glob("*.js"):
        text = module.read_text(encoding="utf-8")
        for target in module_imports(f"js/{module.name}", text):
            assert HASHED.search(target), f"{module.name} imports unhashed {target}"
            assert (month.site / "assets" / target).is_file(), (
                f"{module.name} imports missing {target}"
            )


def test_dependency_change_renames_dependents(tmp_path):
    source = tmp_path / "assets"
    (source / "js").mkdir(parents=True)
    (source / "js" / "leaf.js").write_text("export const x = 1;\n")
    (source / "js" / "main.js").write_text("import { x } from './leaf.js';\nconsole.log(x);\n")
    first = build_assets(source)
    (source / "js" / "leaf.js").write_text("export const x = 2;\n")
    second = build_assets(source)

    assert first["js/main.js"].path != second["js/main.js"].path
    assert second["js/leaf.js"].path.rsplit("/", 1)[-1] in second["js/main.js"].content.decode()


def test_import_cycle_is_rejected(tmp_path):
    source = tmp_path / "assets"
    source.mkdir()
    (source / "a.js").write_text("import './b.js';\n")
    (source / "b.js").write_text("import './a.js';\n")
    with pytest.raises(ConfigError, match="cycle"):
        build_assets(source)


def test_pages_load_only_local_relative_files(month):
    for page in ("index.html", "about.html"):
        refs = references(month.site / page)
        assert refs.loads, page
        for url in refs.loads:
            assert not re.match(r"^[a-z]+:|^//|^/", url), f"{page} loads {url}"
            assert (month.site / url).is_file(), f"{page} loads missing {url}"


def test_no_script_or_font_from_other_sites(month):
    for path in [
        *(month.site / "assets").rglob("*"),
        month.site / "index.html",
        month.site / "sw.js",
    ]:
        if path.is_file() and path.suffix in (".js", ".css", ".html"):
            text = path.read_text(encoding="utf-8")
            assert "@import" not in text
            assert not re.search(r"""(src|href)\s*=\s*["']https?:""", text), path.name
            assert "fonts.googleapis" not in text


def test_config_embedded_as_json(month):
    refs = references(month.site / "index.html")
    config = json.loads(refs.json_scripts[0])

    assert config["snapshot"] == month.snapshot
    assert [r["name"] for r in config["rulesets"]] == list(RULESETS)
    assert config["api"] == ""
    assert config["defaultRuleset"] == "all-credits"


def test_about_page_explains_data(month):
    text = (month.site / "about.html").read_text(encoding="utf-8")

    assert "CC0" in text
    assert month.snapshot in text
    for ruleset in RULESETS:
        assert f"<dt>{ruleset}</dt>" in text
    assert "This build has no research pages." in text
    assert "invented" in text


def test_dated_snapshot_names_its_dump():
    from mcg_lib.site.build import snapshot_date

    assert snapshot_date("20150101") == "2015-01-01"
    assert snapshot_date("demo") == ""
    assert snapshot_date("20151301") == ""


def test_headers_mark_assets_immutable(month):
    rules = read_headers(month.site / "_headers")
    asset = (
        next((month.site / "assets" / "js").glob("main.*.js")).relative_to(month.site).as_posix()
    )

    def cache(path: str) -> str:
        return dict((n.lower(), v) for n, v in headers_for(rules, path)).get("cache-control", "")

    assert "immutable" in cache(f"/{asset}")
    assert "max-age=31536000" in cache(f"/{asset}")
    for path in ("/", "/index.html", "/about.html", "/sw.js", "/data/all-credits/manifest.json"):
        assert cache(path) == "no-cache", path


def test_service_worker_caches_shell_per_snapshot(month):
    text = (month.site / "sw.js").read_text(encoding="utf-8")
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", text).group(1))

    assert f"{{PREFIX}}{month.snapshot}:shell:" in text
    assert f"{{PREFIX}}{month.snapshot}:data:" in text
    assert "caches.delete" in text
    assert {"./", "index.html", "about.html"} <= set(shell)
    assets = {
        p.relative_to(month.site).as_posix()
        for p in (month.site / "assets").rglob("*")
        if p.is_file()
    }
    assert assets <= set(shell)


def test_data_is_hard_linked(month):
    for ruleset in RULESETS:
        source = month.data(ruleset) / "manifest.json"
        copy = month.site / "data" / ruleset / "manifest.json"
        assert os.stat(source).st_ino == os.stat(copy).st_ino


def test_budgets_recorded(month):
    build = json.loads((month.site / "build.json").read_text(encoding="utf-8"))
    budgets = build["budgets"]

    assert 0 < budgets["shell_gzip_bytes"] <= SHELL_BUDGET_GZIP_BYTES
    assert 0 < budgets["largest_day_gzip_bytes"] <= budgets["day_budget_gzip_bytes"] == 20_000
    assert budgets["files"] == sum(1 for p in month.site.rglob("*") if p.is_file()) - 1


def test_file_over_host_limit_fails(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    with open(site / "huge.bin", "wb") as handle:
        handle.truncate(25 * 1024 * 1024 + 1)
    with pytest.raises(PublishError, match="huge.bin"):
        measure(site)


def test_too_many_files_fail(tmp_path):
    site = tmp_path / "site"
    (site / "many").mkdir(parents=True)
    for number in range(MAX_FILES + 1):
        (site / "many" / str(number)).touch()
    with pytest.raises(PublishError, match="20,000-file limit"):
        measure(site)


def test_api_url_setting(month, monkeypatch):
    monkeypatch.setenv("MCG_API_URL", "https://api.example.org/")
    run_site(month.root, month.snapshot, force=True, rulesets="all-credits", research=False)
    try:
        config = json.loads(references(month.site / "index.html").json_scripts[0])
        text = (month.site / "index.html").read_text(encoding="utf-8")

        assert config["api"] == "https://api.example.org"
        assert [r["name"] for r in config["rulesets"]] == ["all-credits"]
        assert "connect-src &#39;self&#39; https://api.example.org" in text
    finally:
        monkeypatch.delenv("MCG_API_URL")
        run_site(month.root, month.snapshot, force=True, research=False)


@pytest.mark.parametrize(
    "value", ["ftp://x.org", "api.example.org", "https://x.org/?q=1", "javascript:alert(1)"]
)
def test_invalid_api_url_rejected(value):
    with pytest.raises(ConfigError, match="MCG_API_URL"):
        check_api_url(value)


def test_csp_allows_only_self_and_api():
    assert "connect-src 'self';" in content_security_policy("")
    assert "connect-src 'self' https://api.example.org:8443;" in content_security_policy(
        "https://api.example.org:8443/base"
    )
    assert "script-src 'self';" in content_security_policy("")


def test_site_rejects_unexported_ruleset(month):
    with pytest.raises(NotFoundError, match="studio") as raised:
        run_site(month.root, month.snapshot, force=True, rulesets="studio", research=False)
    assert "mcg export" in raised.value.hint


def test_site_refuses_to_overwrite(month):
    with pytest.raises(PublishError, match="--force"):
        run_site(month.root, month.snapshot, force=False, research=False)


def test_headers_parser_patterns():
    rules = parse_headers(
        "# comment\n/*\n  X-A: 1\n/data/:ruleset/puzzles/*\n  X-B: 2\n  ! X-A\n/x\n  X-A: 3\n"
    )

    assert headers_for(rules, "/index.html") == [("X-A", "1")]
    assert headers_for(rules, "/data/all-credits/puzzles/2026-01-01.json") == [("X-B", "2")]
    assert headers_for(rules, "/data/a/b/puzzles/x.json") == [("X-A", "1")]
    assert headers_for(rules, "/x") == [("X-A", "1, 3")]


def test_server_applies_headers_under_prefix(served, month):
    status, headers, body = get(served)
    assert status == 200
    assert headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert b'id="mcg-config"' in body

    asset = (
        next((month.site / "assets" / "js").glob("main.*.js")).relative_to(month.site).as_posix()
    )
    status, headers, _ = get(served + asset)
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in headers["Cache-Control"]

    status, headers, _ = get(served + "data/all-credits/manifest.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"


def test_server_rejects_paths_outside_site(served):
    root = served.removesuffix("prefix/")

    assert get(root + "index.html")[0] == 404
    assert get(served + "_headers")[0] == 404
    assert get(served + "%5Fheaders")[0] == 404
    assert get(served + "data/")[0] == 404
    assert get(served + "../../etc/passwd")[0] == 404
    status, headers, _ = get(root + "prefix")
    assert status in (200, 301)


def test_serve_command_prints_url(month):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcg_lib.cli",
            "--data-root",
            str(month.root.root),
            "serve",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=templates_dir().parent,
    )
    try:
        lines = [process.stdout.readline(), process.stdout.readline()]
        url = re.search(r"http://127\.0\.0\.1:\d+/", lines[1]).group(0)
        assert month.snapshot in lines[0]
        assert get(url)[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_rebuild_is_byte_identical(month):
    def contents() -> dict[str, bytes]:
        return {
            str(path.relative_to(month.site)): path.read_bytes()
            for path in sorted(month.site.rglob("*"))
            if path.is_file() and path.name != "build.json"
        }

    before = contents()
    run_site(month.root, month.snapshot, force=True, research=False)

    assert contents() == before
