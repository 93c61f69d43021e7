"""The threaded release ingest: failures end it cleanly and name their cause, and output does not depend on threads."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import pytest

from mcg_lib.errors import ConfigError, InputError
from mcg_lib.generate.dumps import write_dumps
from mcg_lib.ingest import compiled, runner
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


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_damaged_gzip_named_at_any_worker_count(releases_xml, tmp_path, workers):
    """Damaged gzip data decompresses to garbage before its checksum fails: the error names the gzip damage."""
    data = bytearray(gzip.compress(releases_xml.read_bytes(), mtime=0))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    damaged = tmp_path / "releases.xml.gz"
    damaged.write_bytes(bytes(data))

    with pytest.raises(InputError, match="compressed data is truncated or damaged"):
        ingest_dump("releases", damaged, tmp_path / "out", workers=workers)


def test_unknown_converter_setting_rejected(releases_xml, tmp_path, monkeypatch):
    monkeypatch.setenv(compiled.ENV, "lmxl")

    with pytest.raises(ConfigError, match="invalid MCG_INGEST_CONVERTER='lmxl': not a converter"):
        ingest_dump("releases", releases_xml, tmp_path / "out", workers=2)


def test_lxml_setting_never_loads_the_library(releases_xml, tmp_path, monkeypatch):
    """With MCG_INGEST_CONVERTER=lxml a broken build of the converter does not matter.

    The broken build is a file of random bytes put where the library is looked
    up (a real damaged library cannot be loaded safely to test).
    """
    broken = tmp_path / "_releases.so"
    broken.write_bytes(bytes(range(256)) * 64)
    monkeypatch.setattr(compiled, "LIBRARY", broken)
    monkeypatch.setattr(compiled, "_loaded", None)

    monkeypatch.setenv(compiled.ENV, "lxml")
    stats = ingest_dump("releases", releases_xml, tmp_path / "lxml", workers=2)
    assert stats.converters == {"lxml": stats.converters["lxml"]}

    monkeypatch.setenv(compiled.ENV, "compiled")
    with pytest.raises(ConfigError, match="cannot be loaded"):
        ingest_dump("releases", releases_xml, tmp_path / "compiled", workers=2)
