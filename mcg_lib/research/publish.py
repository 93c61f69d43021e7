"""Execute the research notebooks on one snapshot and convert them to HTML pages for the site.

Each notebook under notebooks/research/ is run with papermill, and its
executed copy is kept under ``runs/<snapshot>/research/`` like those of the
stage notebooks. nbconvert then turns it into one self-contained page: styles
inline, charts as inline SVG, code folded and no script of any kind. A header
names the snapshot, the ruleset and the time of the run.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from mcg_lib import __version__
from mcg_lib.errors import NotFoundError
from mcg_lib.graph import list_rulesets
from mcg_lib.log import get_logger
from mcg_lib.notebooks import execute_notebook
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.stages import project_dir
from mcg_lib.research.snapshots import DEFAULT_RULESET

log = get_logger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "research_page"

# Seconds one cell may run before the page build fails.
CELL_TIMEOUT = 600

_HEADING = re.compile(r"^#\s+(.+)$", re.MULTILINE)
# vl-convert labels a chart's title element for screen readers.
_SVG_TITLE = re.compile(r"aria-label=\"Title text '(.*?)'\"")


@dataclass(frozen=True)
class ResearchNotebook:
    """One notebook under notebooks/research/, with the title and summary of its first cell."""

    path: Path
    title: str
    description: str

    @property
    def page_name(self) -> str:
        return self.path.with_suffix(".html").name


def research_dir() -> Path:
    return project_dir() / "notebooks" / "research"


def list_research_notebooks(folder: str | os.PathLike | None = None) -> list[ResearchNotebook]:
    """Return the research notebooks in file-name order.

    The title is the first ``# `` heading of the first markdown cell, and the
    description the paragraph that follows it.
    """
    folder = Path(folder or research_dir())
    return [_describe(path) for path in sorted(folder.glob("*.ipynb"))]


def _describe(path: Path) -> ResearchNotebook:
    notebook = nbformat.read(path, as_version=4)
    first = next((cell for cell in notebook.cells if cell.cell_type == "markdown"), None)
    text = first.source if first else ""
    heading = _HEADING.search(text)
    title = heading.group(1).strip() if heading else path.stem
    after = text[heading.end() :] if heading else text
    paragraphs = [p.strip() for p in after.split("\n\n") if p.strip()]
    description = " ".join(paragraphs[0].replace("`", "").split()) if paragraphs else ""
    return ResearchNotebook(path=path, title=title, description=description)


def render_research_pages(
    root: DataRoot | str | os.PathLike,
    snapshot: str,
    out_dir: str | os.PathLike,
    *,
    ruleset: str | None = None,
    notebooks_dir: str | os.PathLike | None = None,
    timeout: int = CELL_TIMEOUT,
) -> list[dict[str, str]]:
    """Run every research notebook on ``snapshot`` and write one HTML page each under ``out_dir``.

    ``ruleset`` defaults to all-credits, or to the first ruleset with a graph
    when all-credits has none. ``notebooks_dir`` defaults to notebooks/research/,
    and ``timeout`` is the limit of one cell, in seconds.

    Returns ``[{"title", "file", "description"}]`` in notebook order, where
    ``file`` is the page's path relative to ``out_dir``. Raises NotFoundError
    if the snapshot has no catalog or no graph, and McgError naming the failed
    cell and the executed notebook if a notebook fails.
    """
    root = root if isinstance(root, DataRoot) else DataRoot.resolve(root)
    root.require_curated(snapshot)
    ruleset = ruleset or _default_ruleset(root, snapshot)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_dir = root.runs(snapshot) / "research"

    pages = []
    for notebook in list_research_notebooks(notebooks_dir):
        log.info("research page %s: executing on snapshot %s", notebook.path.name, snapshot)
        executed = execute_notebook(
            notebook.path,
            run_dir / notebook.path.name,
            {"snapshot": snapshot, "ruleset": ruleset, "data_root": str(root.root)},
            cwd=notebook.path.parent,
            timeout=timeout,
        )
        html = export_page(executed, title=notebook.title, snapshot=snapshot, ruleset=ruleset)
        (out_dir / notebook.page_name).write_text(html, encoding="utf-8")
        page = {"title": notebook.title, "file": notebook.page_name}
        pages.append({**page, "description": notebook.description})
    log.info("research pages: %d written to %s", len(pages), out_dir)
    return pages


def _default_ruleset(root: DataRoot, snapshot: str) -> str:
    built = [
        name for name in list_rulesets() if (root.graph(snapshot, name) / "manifest.json").is_file()
    ]
    if not built:
        raise NotFoundError(
            f"no graph is built for snapshot {snapshot} under {root.root}, "
            "and the research pages need one",
            hint=f"run 'mcg graph --snapshot {snapshot} --ruleset {DEFAULT_RULESET}' first",
        )
    return DEFAULT_RULESET if DEFAULT_RULESET in built else built[0]


def export_page(executed: Path, *, title: str, snapshot: str, ruleset: str) -> str:
    """Convert an executed notebook to the HTML of one research page."""
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata["title"] = f"{title} ({snapshot})"
    _describe_charts(notebook)
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        embed_images=True,
    )
    # Papermill's injected cell repeats the parameters, among them the data
    # root's absolute path on the machine that built the site.
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"injected-parameters"}), enabled=True
    )
    resources = {
        "mcg": {
            "snapshot": snapshot,
            "ruleset": ruleset,
            "executed_at": _executed_at(notebook),
            "version": __version__,
        }
    }
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return body


def _describe_charts(notebook: nbformat.NotebookNode) -> None:
    """Give every SVG output an alternative text for the page: its chart title, or "chart"."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            svg = output.get("data", {}).get("image/svg+xml")
            if svg is None:
                continue
            title = _SVG_TITLE.search(svg)
            metadata = output.setdefault("metadata", {}).setdefault("image/svg+xml", {})
            metadata.setdefault("alt", html.unescape(title.group(1)) if title else "chart")


def _executed_at(notebook: nbformat.NotebookNode) -> str:
    """Return when papermill finished the notebook, as papermill recorded it in UTC."""
    finished = notebook.metadata.get("papermill", {}).get("end_time")
    moment = datetime.fromisoformat(finished) if finished else datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
