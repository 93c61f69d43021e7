"""The JupyterLab server of ``mcg lab``: notebooks/ on loopback, with the data root for kernels."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field

from mcg_lib.errors import ConfigError
from mcg_lib.paths import DATA_ROOT_ENV, DataRoot
from mcg_lib.pipeline.stages import project_dir
from mcg_lib.research.snapshots import DEFAULT_RULESET, default_snapshot

LAB_HOST = "127.0.0.1"
DEMO_MODULE = "mcg_lib.cli.demo"


@dataclass(frozen=True)
class LabPlan:
    """The command line and environment of one JupyterLab server."""

    argv: list[str]
    env: dict[str, str] = field(repr=False)
    notebooks_dir: str
    data_root: str

    def describe(self) -> list[str]:
        """Return the lines that ``mcg lab --dry-run`` prints."""
        return [
            f"would run: {' '.join(self.argv)}",
            f"  in environment: {DATA_ROOT_ENV}={self.data_root}",
            f"  notebooks: {self.notebooks_dir}",
            f"  kernel: python3 of this environment ({sys.executable})",
        ]


def demo_available() -> bool:
    """Return whether the ``mcg demo`` verb is installed."""
    return importlib.util.find_spec(DEMO_MODULE) is not None


def built_snapshot(root: DataRoot) -> str | None:
    """Return the snapshot notebooks open by default, or None when nothing is built."""
    if not root.snapshots("curated"):
        return None
    return default_snapshot(root)


def missing_graph(root: DataRoot, snapshot: str) -> bool:
    """Return whether ``snapshot`` lacks the graph that the graph notebooks open by default."""
    return not (root.graph(snapshot, DEFAULT_RULESET) / "manifest.json").is_file()


def plan_lab(root: DataRoot, *, port: int, open_browser: bool) -> LabPlan:
    """Return the JupyterLab command for this checkout; raise ConfigError without JupyterLab."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise ConfigError(
            "JupyterLab is not installed in this environment",
            hint="run 'uv sync' in the checkout, then 'make lab'",
        )

    notebooks = project_dir() / "notebooks"
    # The server's own interpreter runs the python3 kernel, so kernels see
    # this environment's mcg_lib.
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={LAB_HOST}",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={notebooks}",
        # Extensions come from the locked environment, so the lab never
        # queries PyPI for them.
        "--LabApp.extension_manager=readonly",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if os.geteuid() == 0:
        # Jupyter exits when run as root without this flag, and containers often run as root.
        argv.append("--allow-root")

    env = dict(os.environ)
    env[DATA_ROOT_ENV] = str(root.root)
    return LabPlan(argv=argv, env=env, notebooks_dir=str(notebooks), data_root=str(root.root))


def start_lab(plan: LabPlan) -> None:
    """Replace this process with the JupyterLab server; raise OSError if the exec fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(plan.argv[0], plan.argv, plan.env)
