"""The research publisher: notebooks executed with papermill and converted to self-contained pages.

The notebooks here are small ones written by the tests; the committed
research notebooks are run in test_notebooks.py. The month is the real
2017-04 head50 sample, small enough to build in seconds.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from test_research import build_month

from mcg_lib.errors import ConfigError, McgError, NotFoundError
from mcg_lib.paths import DataRoot
from mcg_lib.research.publish import list_research_notebooks, render_research_pages

SNAPSHOT = "20170401"
SAMPLE = "philipmat-discogs-xml2db/20170401-head50"
CELL_TIMEOUT = 120

PARAMETERS = 'snapshot = ""\nruleset = "all-credits"\ndata_root = ""'
CHART_PAGE = """
import altair as alt
import polars as pl

import mcg_lib.research as rs

rs.use_offline_charts()
snap = rs.open_snapshot(snapshot, ruleset=ruleset, data_root=data_root)
graph = snap.graph()
print(snap)
display(rs.popular_artists(graph, 5))
alt.Chart(rs.degree_distribution(graph), title="Releases per artist").mark_bar().encode(
    x="degree:O", y="nodes:Q"
)
"""

# A URL with a scheme or starting with "//" is fetched from another host; relative
# paths and data: URIs are not.
_REMOTE = re.compile(r"^\s*(?:(?!data:)[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]+)|@import\s+['\"]([^'\"]+)", re.IGNORECASE)
_LOADING_ATTRIBUTES = {"src", "srcset", "data", "poster", "href", "xlink:href", "action"}


class _ResourceScanner(HTMLParser):
    """Collect every resource a browser would load for a page, and count script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self.scripts = 0
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            if value is None:
                continue
            # A link the reader clicks is not loaded with the page.
            loads = name in _LOADING_ATTRIBUTES and not (tag == "a" and name == "href")
            if loads and _REMOTE.match(value):
                self.remote.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self._scan_css(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._scan_css(data)

    def _scan_css(self, css: str) -> None:
        for match in _CSS_URL.finditer(css):
            url = match.group(1) or match.group(2)
            if _REMOTE.match(url):
                self.remote.append(f"css url {url!r}")


def scan_page(html: str) -> _ResourceScanner:
    """Return what a page loads: its remote resources and its number of script elements."""
    scanner = _ResourceScanner()
    scanner.feed(html)
    scanner.close()
    return scanner


def write_notebook(
    folder: Path, name: str, heading: str, *codes: str, parameters: str = PARAMETERS
) -> Path:
    """Write a notebook: a markdown heading and paragraph, a parameters cell, then ``codes``."""
    notebook = nbformat.v4.new_notebook()
    intro = f"# {heading}\n\nAbout `{heading.lower()}`.\n\nMore."
    notebook.cells.append(nbformat.v4.new_markdown_cell(intro))
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    notebook.cells.append(cell)
    notebook.cells.extend(nbformat.v4.new_code_cell(code) for code in codes)
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["kernelspec"] = kernel
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def month(samples_dir, tmp_path_factory) -> DataRoot:
    """A data root with the 2017-04 sample ingested and its all-credits graph built."""
    root = DataRoot(tmp_path_factory.mktemp("publish") / "data")
    build_month(root, samples_dir / SAMPLE, SNAPSHOT, ["graph", "--ruleset", "all-credits"])
    return root


@pytest.fixture(scope="module")
def published(month, tmp_path_factory):
    """Two test notebooks rendered to pages; returns (pages, out folder)."""
    folder = tmp_path_factory.mktemp("notebooks")
    write_notebook(folder, "01_chart.ipynb", "A chart", CHART_PAGE)
    write_notebook(folder, "02_text.ipynb", "Some text", "print('plain text only')")
    out = tmp_path_factory.mktemp("site") / "research"
    pages = render_research_pages(month, SNAPSHOT, out, notebooks_dir=folder, timeout=CELL_TIMEOUT)
    return pages, out


def test_pages_returned_in_notebook_order(published):
    pages, out = published

    assert pages == [
        {"title": "A chart", "file": "01_chart.html", "description": "About a chart."},
        {"title": "Some text", "file": "02_text.html", "description": "About some text."},
    ]
    for page in pages:
        assert (out / page["file"]).is_file()


def test_executed_notebooks_kept_in_runs(published, month):
    executed = month.runs(SNAPSHOT) / "research" / "01_chart.ipynb"

    notebook = nbformat.read(executed, as_version=4)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert any("image/svg+xml" in output.get("data", {}) for output in outputs)
    assert not any(output.output_type == "error" for output in outputs)


def test_pages_load_nothing_from_other_sites(published):
    pages, out = published

    for page in pages:
        scan = scan_page((out / page["file"]).read_text(encoding="utf-8"))
        assert scan.remote == [], page["file"]
        assert scan.scripts == 0, page["file"]


def test_page_scanner_finds_remote_loads():
    html = (
        '<script src="https://cdn.example/x.js"></script><link href="//cdn.example/a.css">'
        '<img src="data:image/png;base64,AAAA"><a href="https://example.org/">a link</a>'
        "<style>@import 'http://example.org/b.css'; p { background: url(a.png) }</style>"
    )

    scan = scan_page(html)

    assert scan.scripts == 1
    assert scan.remote == [
        "<script src='https://cdn.example/x.js'>",
        "<link href='//cdn.example/a.css'>",
        "css url 'http://example.org/b.css'",
    ]


def test_pages_show_the_snapshot(published):
    pages, out = published
    html = (out / pages[0]["file"]).read_text(encoding="utf-8")

    assert f"<title>A chart ({SNAPSHOT})</title>" in html
    assert f"Run on snapshot <strong>{SNAPSHOT}</strong>" in html
    assert "(ruleset all-credits)" in html
    assert 'alt="Releases per artist"' in html


def test_pages_fold_code_and_hide_the_data_root(published, month):
    pages, out = published
    html = (out / pages[0]["file"]).read_text(encoding="utf-8")

    assert html.count('<details class="mcg-code">') == 2
    assert "open_snapshot" in html
    assert str(month.root) not in html


def test_failing_notebook_names_the_cell(month, tmp_path):
    folder = tmp_path / "notebooks"
    write_notebook(folder, "01_fails.ipynb", "Fails", "x = 1", "raise RuntimeError('no chart')")

    with pytest.raises(McgError) as error:
        render_research_pages(
            month, SNAPSHOT, tmp_path / "out", notebooks_dir=folder, timeout=CELL_TIMEOUT
        )

    assert "01_fails.ipynb failed in cell" in error.value.message
    assert "RuntimeError: no chart" in error.value.message
    assert str(month.runs(SNAPSHOT) / "research" / "01_fails.ipynb") in error.value.hint


def test_notebook_without_ruleset_rejected(month, tmp_path):
    folder = tmp_path / "notebooks"
    write_notebook(folder, "01_old.ipynb", "Old", "print(snapshot)",
                   parameters='snapshot = ""\ndata_root = ""')

    with pytest.raises(ConfigError) as error:
        render_research_pages(month, SNAPSHOT, tmp_path / "out", notebooks_dir=folder)

    assert "does not declare the parameter(s) ruleset" in error.value.message
    assert error.value.hint == "it declares: data_root, snapshot"


def test_snapshot_without_graph_rejected(samples_dir, tmp_path):
    root = DataRoot(tmp_path / "data")
    build_month(root, samples_dir / SAMPLE, SNAPSHOT)

    with pytest.raises(NotFoundError) as error:
        render_research_pages(root, SNAPSHOT, tmp_path / "out", notebooks_dir=tmp_path)

    assert "no graph is built" in error.value.message
    assert f"mcg graph --snapshot {SNAPSHOT} --ruleset all-credits" in error.value.hint


def test_committed_notebooks_listed():
    notebooks = list_research_notebooks()

    assert [n.path.name for n in notebooks] == [
        "01_catalog.ipynb",
        "02_credits.ipynb",
        "03_graph.ipynb",
        "04_rulesets.ipynb",
        "05_snapshots.ipynb",
    ]
    for notebook in notebooks:
        assert notebook.title != notebook.path.stem
        assert notebook.description
        assert "`" not in notebook.description
