"""The package logger and progress bars.

One logger, ``mcg``, for the whole package; modules take children of it with
``get_logger(__name__)``. Progress bars hide themselves when stderr is not a
terminal, so papermill runs and CI logs stay clean.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

_ROOT = "mcg"


def get_logger(name: str = _ROOT) -> logging.Logger:
    """Return the package logger, or a child of it for a module name."""
    if name == _ROOT or name.startswith(_ROOT + "."):
        return logging.getLogger(name)
    if name.startswith("mcg_lib"):
        return logging.getLogger(_ROOT + name[len("mcg_lib") :])
    return logging.getLogger(f"{_ROOT}.{name}")


def configure_logging(verbose: int = 0, quiet: bool = False) -> None:
    """Send the package's log lines to stderr, aligned, one line per event."""
    level = logging.INFO
    if quiet:
        level = logging.WARNING
    elif verbose:
        level = logging.DEBUG

    logger = logging.getLogger(_ROOT)
    logger.setLevel(level)
    if not any(getattr(h, "_mcg", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
        handler._mcg = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False


def progress_enabled() -> bool:
    """Return whether progress bars should be drawn at all."""
    if os.environ.get("MCG_NO_PROGRESS"):
        return False
    return sys.stderr.isatty()


def progress(iterable: Iterable[T] | None = None, **kwargs) -> Iterator[T] | tqdm:
    """Wrap an iterable (or nothing, for manual updates) in a tqdm bar.

    The bar is disabled when stderr is not a terminal or MCG_NO_PROGRESS is set.
    """
    kwargs.setdefault("disable", not progress_enabled())
    kwargs.setdefault("leave", False)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)
