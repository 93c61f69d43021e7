"""Helpers for ingest tests: ingest a small XML document and read its tables back."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow.parquet as pq

from mcg_lib.ingest.runner import DumpStats, ingest_dump
from mcg_lib.ingest.schema import TABLES_BY_KIND


def write_dump(folder: Path, kind: str, xml: bytes | str, *, gz: bool = True) -> Path:
    """Write an XML document as a dump file (gzipped unless told otherwise)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"{kind}.xml.gz" if gz else f"{kind}.xml")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def read_table(folder: Path, table: str) -> list[dict]:
    """Read every part of a table as a list of row dicts, in file order."""
    rows = []
    for part in sorted((folder / table).glob("*.parquet")):
        rows.extend(pq.read_table(part).to_pylist())
    return rows


def ingest_xml(tmp_path: Path, kind: str, xml: bytes | str, *, gz: bool = True,
               workers: int = 1) -> tuple[dict[str, list[dict]], DumpStats]:
    """Ingest one document and return ({table: rows}, stats)."""
    source = write_dump(tmp_path / "raw", kind, xml, gz=gz)
    out = tmp_path / "curated"
    stats = ingest_dump(kind, source, out, workers=workers)
    return {table: read_table(out, table) for table in TABLES_BY_KIND[kind]}, stats


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_path(name: str) -> Path:
    """Return the path of a small hand-written fixture under tests/fixtures/."""
    path = FIXTURES / name
    if not path.exists():
        raise FileNotFoundError(f"test fixture {path} is missing")
    return path
