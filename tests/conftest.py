"""Shared fixtures: a temporary data root and the real Discogs samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcg_lib.paths import DataRoot

REPO = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("MCG_SAMPLES_DIR", REPO.parent / "shared" / "discogs-samples"))


@pytest.fixture
def data_root(tmp_path: Path) -> DataRoot:
    """An empty data root in a temporary folder."""
    return DataRoot(tmp_path / "data")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The folder of real Discogs dump excerpts, or a skip when it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"real Discogs samples not found at {SAMPLES}; set MCG_SAMPLES_DIR to run these tests")
    return SAMPLES
