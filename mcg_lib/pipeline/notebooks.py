"""Write the thin stage notebooks from the stage list.

Each stage notebook is a title, a ``parameters`` cell with the stage's
parameters and defaults, and one call to ``run_stage``. They are generated so
that they cannot drift from pipelines/stages.toml; a test compares the
committed files with this output. Regenerate them with
``mcg pipeline notebooks --write``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from mcg_lib.pipeline.stages import Stage, load_stages


def _source(lines: list[str]) -> str:
    return "\n".join(lines)


def stage_notebook(stage: Stage) -> nbformat.NotebookNode:
    """Return the notebook that runs one stage."""
    params = stage.all_parameters()
    param_lines = [f"{name} = {json.dumps(value) if not isinstance(value, bool) else value}"
                   for name, value in params.items()]
    call_args = ", ".join(f"{name}={name}" for name in params)

    title = nbformat.v4.new_markdown_cell(_source([
        f"# Stage {stage.notebook.split('_')[0]}: {stage.name}",
        "",
        f"{stage.title[0].upper()}{stage.title[1:]}. This notebook is the record of one run of the stage:",
        "papermill fills the parameters below, and the executed copy is kept under",
        "`runs/<snapshot>/` in the data root. The work itself happens in `mcg_lib`.",
    ]))
    parameters = nbformat.v4.new_code_cell(_source(param_lines))
    parameters.metadata["tags"] = ["parameters"]
    run = nbformat.v4.new_code_cell(_source([
        "from mcg_lib.log import configure_logging",
        "from mcg_lib.pipeline import run_stage",
        "",
        "configure_logging()",
        f'manifest = run_stage("{stage.name}", {call_args})',
        'manifest["summary"]',
    ]))

    notebook = nbformat.v4.new_notebook(cells=[title, parameters, run])
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{stage.name}-{index}"
    return notebook


def render_stage_notebook(stage: Stage) -> str:
    return nbformat.writes(stage_notebook(stage)) + "\n"


def write_stage_notebooks() -> list[Path]:
    """Write every stage notebook under notebooks/pipeline/; return the paths written."""
    written = []
    for stage in load_stages():
        path = stage.notebook_path
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render_stage_notebook(stage)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale_stage_notebooks() -> list[Path]:
    """Return the stage notebooks whose committed text differs from the stage list."""
    return [
        stage.notebook_path
        for stage in load_stages()
        if not stage.notebook_path.is_file()
        or stage.notebook_path.read_text(encoding="utf-8") != render_stage_notebook(stage)
    ]
