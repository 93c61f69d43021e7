"""The threaded release ingest: failures end it cleanly, and output does not depend on threads."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import pytest

from mcg_lib.errors import InputError
from mcg_lib.generate.dumps import write_dumps
from mcg_lib.ingest import runner
from mcg_lib.ingest.runner import ingest_dump
from mcg_lib.ingest.writer import TableWriter


@pytest.fixture(scope="module")
def releases_xml(tmp_path_factory) -> Path:
    """A generated releases dump as plain XML, large enough to be parsed by worker threads."""
    folder = tmp_path_factory.mktemp("dumps")
    dumps = write_dumps(folder, "20250101", releases=2_000, seed=3)
    path = folder / "releases.xml"
    with gzip.open(dumps.files["releases"].path) as source:
        path.write_bytes(source.read())
    assert path.stat().st_size > runner.IN_PROCESS_MAX_BYTES
    return path


def _ingest_threads() -> set[str]:
    return {thread.name for thread in threading.enumerate() if thread.name.startswith("ingest")}


@pytest.mark.parametrize("workers", [1, 3])
def test_thread_counts_write_same_files(releases_xml, tmp_path, workers):
    reference = tmp_path / "two"
    ingest_dump("releases", releases_xml, reference, workers=2)
    out = tmp_path / str(workers)
    ingest_dump("releases", releases_xml, out, workers=workers)

    files = sorted(p.relative_to(reference) for p in reference.rglob("*.parquet"))
    assert files == sorted(p.relative_to(out) for p in out.rglob("*.parquet"))
    for name in files:
        assert (reference / name).read_bytes() == (out / name).read_bytes(), name


def test_write_error_in_thread_ends_ingest(releases_xml, tmp_path, monkeypatch):
    """A failing write in a worker thread is raised by ingest_dump, and no thread is left behind.

    The failure is injected (a disk that fills up cannot be made here, and
    root ignores read-only folders), by replacing TableWriter.write for one table.
    """
    original = TableWriter.write

    def write(self, table, size=None):
        if self.table == "tracks":
            raise OSError(28, "No space left on device")
        return original(self, table, size)

    monkeypatch.setattr(TableWriter, "write", write)
    with pytest.raises(OSError, match="No space left"):
        ingest_dump("releases", releases_xml, tmp_path / "out", workers=2)

    assert _ingest_threads() == set()


def test_truncated_dump_with_threads_raises(releases_xml, tmp_path):
    data = releases_xml.read_bytes()
    cut = tmp_path / "releases.xml"
    cut.write_bytes(data[: len(data) * 2 // 3])

    with pytest.raises(InputError, match="truncated|ends"):
        ingest_dump("releases", cut, tmp_path / "out", workers=2)

    assert _ingest_threads() == set()
