"""Execute a notebook with papermill after checking its parameters.

Papermill only warns about a parameter the notebook does not declare and
injects it anyway; mcg rejects it instead, because a misspelt parameter would
otherwise run the stage silently with its default.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import KernelManager

from mcg_lib import errors
from mcg_lib.errors import ConfigError, McgError
from mcg_lib.log import get_logger

log = get_logger(__name__)

KERNEL_NAME = "python3"


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """Return {name: default} of the notebook's cell tagged ``parameters``."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise ConfigError(f"notebook {notebook} not found")
    info = papermill.inspect_notebook(str(notebook))
    return {name: spec.get("default") for name, spec in info.items()}


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    """Raise ConfigError naming the declared parameters if any given one is not declared."""
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ConfigError(
            f"notebook {Path(notebook).name} does not declare the parameter(s) {', '.join(unknown)}",
            hint=f"it declares: {', '.join(sorted(declared)) or 'none'}",
        )


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    cwd: Path | None = None,
    timeout: int | None = None,
) -> Path:
    """Run ``notebook`` with ``parameters`` and write the executed copy to ``output``.

    The executed copy is written even when a cell fails, so it is the record of
    the run; the error raised then names the cell's exception and that file.
    """
    check_parameters(notebook, parameters)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    log.debug("executing %s -> %s", notebook, output)
    with tempfile.TemporaryDirectory(prefix="mcg-kernel-") as sockets:
        _run(notebook, output, parameters, cwd, timeout, sockets)
    return output


def _run(notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path | None, timeout: int | None,
         sockets: str) -> None:
    # The kernel talks to papermill over Unix sockets in a private folder:
    # nothing listens on a TCP port, even on loopback.
    manager = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(Path(sockets) / "kernel"))
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=str(cwd) if cwd else None,
            execution_timeout=timeout,
            km=manager,
        )
    except papermill.PapermillExecutionError as error:
        failure = McgError(
            f"notebook {Path(notebook).name} failed in cell {error.exec_count}: {error.ename}: {error.evalue}",
            hint=f"the executed notebook with the full traceback is {output}",
        )
        # Exit as the stage's own error would have, so scripts can tell a bad input from a bug.
        raised = getattr(errors, error.ename, None)
        if isinstance(raised, type) and issubclass(raised, McgError):
            failure.exit_code = raised.exit_code
        raise failure from None
    finally:
        # A kernel manager passed in is not shut down by papermill.
        if manager.has_kernel:
            manager.shutdown_kernel()
