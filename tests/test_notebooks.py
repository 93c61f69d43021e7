"""Every committed notebook: stored without outputs, strict about parameters, and runnable.

The research notebooks run with papermill on the real discograph-2015 sample
(all three rulesets built), and the snapshots notebook also on the 2020-08
sample with the 2017-04 one as its previous month. The pipeline notebooks
run in stage order on the discograph-2015 sample. Each notebook has a time
limit: papermill's per-cell timeout, and pytest-timeout on the test.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from test_research import build_month
from test_research_publish import scan_page

from mcg_lib.errors import ConfigError, McgError
from mcg_lib.notebooks import declared_parameters, execute_notebook
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.runner import plan_pipeline
from mcg_lib.pipeline.stages import load_stages, project_dir
from mcg_lib.research.publish import export_page, list_research_notebooks

NOTEBOOKS = sorted((project_dir() / "notebooks").rglob("*.ipynb"))
RESEARCH = list_research_notebooks()
RESEARCH_PARAMETERS = {"snapshot", "ruleset", "data_root"}
RULESETS = ["all-credits", "performers", "studio"]

# Seconds one cell may run; the notebooks take seconds on these samples.
CELL_TIMEOUT = 180
PIPELINE_CELL_TIMEOUT = 600

SNAPSHOT = "20150101"
OLDER, NEWER = "20170401", "20200806"


def notebook_id(path: Path) -> str:
    return path.relative_to(project_dir() / "notebooks").as_posix()


@pytest.fixture(scope="module")
def months(samples_dir, tmp_path_factory) -> DataRoot:
    """Three real months: 20150101 with a quality report and every ruleset, and two older ones."""
    root = DataRoot(tmp_path_factory.mktemp("notebooks") / "data")
    graphs = [["graph", "--ruleset", ruleset] for ruleset in RULESETS]
    build_month(root, samples_dir / "discograph-2015", SNAPSHOT, ["check"], *graphs)
    philipmat = samples_dir / "philipmat-discogs-xml2db"
    build_month(root, philipmat / "20170401-head50", OLDER, graphs[0])
    build_month(root, philipmat / "20200806", NEWER, graphs[0])
    return root


def run_research(
    notebook: Path, root: DataRoot, snapshot: str, tmp_path: Path
) -> nbformat.NotebookNode:
    """Execute a research notebook on ``snapshot`` and return the executed notebook."""
    output = tmp_path / notebook.name
    parameters = {"snapshot": snapshot, "ruleset": "all-credits", "data_root": str(root.root)}
    execute_notebook(notebook, output, parameters, cwd=notebook.parent, timeout=CELL_TIMEOUT)
    return nbformat.read(output, as_version=4)


def stream_text(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "stream"
    )


# stored notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_notebook_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)

    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{notebook_id(path)} cell {cell.id} has outputs"
            assert cell.execution_count is None, f"{notebook_id(path)} cell {cell.id} has a count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_undeclared_parameter_rejected(path, tmp_path):
    declared = declared_parameters(path)

    with pytest.raises(ConfigError) as error:
        execute_notebook(path, tmp_path / "out.ipynb", {"snapshot": SNAPSHOT, "month": "2015-01"})

    assert "does not declare the parameter(s) month" in error.value.message
    assert error.value.hint == f"it declares: {', '.join(sorted(declared))}"
    assert not (tmp_path / "out.ipynb").exists()


@pytest.mark.parametrize("notebook", RESEARCH, ids=lambda n: n.path.name)
def test_research_notebook_declares_parameters(notebook):
    declared = declared_parameters(notebook.path)

    assert RESEARCH_PARAMETERS <= set(declared)
    assert declared["snapshot"] == '""'
    assert declared["data_root"] == '""'


# research notebooks executed


@pytest.mark.timeout(300)
@pytest.mark.parametrize("notebook", RESEARCH, ids=lambda n: n.path.name)
def test_research_notebook_runs(notebook, months, tmp_path):
    executed = run_research(notebook.path, months, SNAPSHOT, tmp_path)

    outputs = [output for cell in executed.cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output for output in outputs if output.get("name") == "stderr"]
    assert f"snapshot {SNAPSHOT}, ruleset all-credits" in stream_text(executed)

    html = export_page(tmp_path / notebook.path.name, title=notebook.title, snapshot=SNAPSHOT,
                       ruleset="all-credits")
    scan = scan_page(html)
    assert scan.remote == []
    assert scan.scripts == 0
    assert str(months.root) not in html


@pytest.mark.timeout(300)
def test_snapshots_notebook_without_previous(months, tmp_path):
    notebook = project_dir() / "notebooks" / "research" / "05_snapshots.ipynb"

    executed = run_research(notebook, months, SNAPSHOT, tmp_path)

    text = stream_text(executed)
    assert f"snapshot {SNAPSHOT} has no previous dated snapshot in this data root" in text
    assert text.count("no previous snapshot: nothing to compare") == 5


@pytest.mark.timeout(300)
def test_snapshots_notebook_compares_previous(months, tmp_path):
    notebook = project_dir() / "notebooks" / "research" / "05_snapshots.ipynb"

    executed = run_research(notebook, months, NEWER, tmp_path)

    text = stream_text(executed)
    assert f"compared with snapshot {OLDER}" in text
    assert "nothing to compare" not in text
    html_outputs = [
        output.data["text/html"]
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]
    assert len(html_outputs) >= 5
    assert any(OLDER in html and NEWER in html for html in html_outputs)


# pipeline notebooks executed


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_pipeline_notebooks_run_in_order(samples_dir, tmp_path):
    root = DataRoot(tmp_path / "data")
    overrides = {"raw_dir": str(samples_dir / "discograph-2015"), "top": 50, "days": 5}
    plan = plan_pipeline(SNAPSHOT, root, rulesets=["all-credits"], overrides=overrides)

    ran = []
    for stage in load_stages():
        for ruleset in plan.rulesets if stage.per_ruleset else [None]:
            parameters = {"snapshot": SNAPSHOT, "data_root": str(root.root), "force": False,
                          **plan.params[stage.name]}
            if ruleset is not None:
                parameters["ruleset"] = ruleset
            output = tmp_path / "runs" / f"{stage.name}.{ruleset or 'all'}.ipynb"

            execute_notebook(stage.notebook_path, output, parameters, cwd=project_dir(),
                             timeout=PIPELINE_CELL_TIMEOUT)

            assert root.stage_manifest(SNAPSHOT, stage.name, ruleset).is_file(), stage.name
            ran.append(stage.notebook)

    committed = (project_dir() / "notebooks" / "pipeline").glob("*.ipynb")
    assert sorted(set(ran)) == sorted(path.name for path in committed)


def test_failed_notebook_keeps_exit_code_of_its_error(tmp_path):
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("name = 'x'")
    parameters.metadata["tags"] = ["parameters"]
    failing = nbformat.v4.new_code_cell(
        "from mcg_lib.errors import InputError\nraise InputError('bad dump', path=name)"
    )
    notebook.cells = [parameters, failing]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "fails.ipynb"
    nbformat.write(notebook, path)

    with pytest.raises(McgError, match="InputError: x: bad dump") as caught:
        execute_notebook(path, tmp_path / "out.ipynb", {"name": "x"}, cwd=project_dir())

    assert caught.value.exit_code == 4
