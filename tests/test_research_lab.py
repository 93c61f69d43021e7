"""``mcg lab --dry-run``: what would start, and what happens when no snapshot is built.

No test starts a server. The command line printed by --dry-run is checked
for the loopback address, the notebooks folder and the data root, and
JupyterLab itself validates the planned options with --show-config.
"""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

import mcg_lib.research.lab as lab
from mcg_lib.cli import cli
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.stages import project_dir


def run_lab(root: DataRoot, *args: str):
    return CliRunner().invoke(cli, ["--data-root", str(root.root), "lab", *args])


def make_built(root: DataRoot, snapshot: str, *, graph: bool) -> None:
    """Mark a snapshot as built: a curated folder, and a graph manifest if asked."""
    root.curated(snapshot).mkdir(parents=True)
    if graph:
        root.graph(snapshot, "all-credits").mkdir(parents=True)
        (root.graph(snapshot, "all-credits") / "manifest.json").write_text("{}")


def test_dry_run_prints_the_command(data_root):
    make_built(data_root, "20150101", graph=True)

    result = run_lab(data_root, "--dry-run", "--port", "8899", "--no-browser")

    assert result.exit_code == 0, result.output
    assert "notebooks open snapshot 20150101 by default" in result.output
    assert "--ServerApp.ip=127.0.0.1" in result.output
    assert "--ServerApp.port=8899" in result.output
    assert f"--ServerApp.root_dir={project_dir() / 'notebooks'}" in result.output
    assert "--no-browser" in result.output
    assert f"MCG_DATA_ROOT={data_root.root}" in result.output
    assert "warning" not in result.output


def test_plan_sets_data_root_for_kernels(data_root):
    plan = lab.plan_lab(data_root, port=8888, open_browser=True)

    assert plan.env["MCG_DATA_ROOT"] == str(data_root.root)
    assert plan.argv[1:3] == ["-m", "jupyterlab"]
    assert "--no-browser" not in plan.argv


def test_planned_command_accepted_by_jupyterlab(data_root, tmp_path):
    plan = lab.plan_lab(data_root, port=8899, open_browser=False)
    env = dict(plan.env, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))

    # --show-config checks every option against JupyterLab's settings, prints
    # them and exits before the server binds its port.
    result = subprocess.run(
        [*plan.argv, "--show-config"], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert ".ip = '127.0.0.1'" in result.stdout
    assert ".port = 8899" in result.stdout
    assert f".root_dir = '{project_dir() / 'notebooks'}'" in result.stdout
    assert "Extension Manager is 'readonly'" in result.stderr


def test_dry_run_warns_without_graph(data_root):
    make_built(data_root, "20150101", graph=False)

    result = run_lab(data_root, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "warning: snapshot 20150101 has no all-credits graph" in result.output
    assert "mcg graph --snapshot 20150101" in result.output


def test_dry_run_builds_demo_when_empty(data_root):
    result = run_lab(data_root, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would build the demo month first: mcg demo" in result.output
    assert "would run:" in result.output


def test_empty_root_without_demo_names_the_fix(data_root, monkeypatch):
    """Simulates a checkout without the demo verb by patching ``demo_available``."""
    monkeypatch.setattr(lab, "demo_available", lambda: False)

    result = run_lab(data_root, "--dry-run")

    assert result.exit_code == 3
    assert f"no snapshot is built under {data_root.root}" in result.output
    assert "mcg pipeline run --snapshot YYYYMMDD --raw-dir DIR" in result.output
    assert "--no-build" in result.output
    assert "would run:" not in result.output


def test_no_build_starts_without_snapshot(data_root):
    result = run_lab(data_root, "--dry-run", "--no-build")

    assert result.exit_code == 0, result.output
    assert "warning: no snapshot under" in result.output
    assert "would build" not in result.output
    assert "would run:" in result.output


@pytest.mark.parametrize("port", ["0", "70000"])
def test_invalid_port_rejected(data_root, port):
    result = run_lab(data_root, "--dry-run", "--port", port)

    assert result.exit_code == 2
    assert "--port" in result.output
