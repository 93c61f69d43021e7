"""Ingest one dump file: split, parse (in worker processes or not), write."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mcg_lib.fetch.layout import damaged_dump
from mcg_lib.ingest import compiled
from mcg_lib.ingest.batch import BatchResult, parse_batch
from mcg_lib.ingest.schema import RECORD_TAG, SCHEMAS, TABLES_BY_KIND
from mcg_lib.ingest.stream import Batch, DumpReader, RecordSplitter
from mcg_lib.ingest.writer import TableWriter
from mcg_lib.log import get_logger, progress

log = get_logger(__name__)

# A new part file starts after this many bytes of XML, so parts stay a
# manageable size (a few hundred MB of Parquet at most) at full scale.
PART_XML_BYTES = 1 << 30

# Files up to this size (as stored, often gzipped) are parsed in the calling
# process: starting a worker costs more than it saves on them. Larger files
# are parsed in worker processes even with one worker, because parsing and
# writing in one process ran about 25 % slower, even pinned to one core
# (see docs/benchmarks.md).
IN_PROCESS_MAX_BYTES = 4 << 20


@dataclass
class DumpStats:
    """What the ingest of one dump read, wrote and noticed."""

    kind: str
    source: str
    xml_bytes: int = 0
    records: int = 0
    skipped_without_id: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    elements: Counter = field(default_factory=Counter)
    unknown: Counter = field(default_factory=Counter)
    control_chars_removed: int = 0
    invalid_utf8_replaced: int = 0
    first_id: int | None = None
    last_id: int | None = None
    seconds: float = 0.0

    def add(self, result: BatchResult) -> None:
        self.records += result.records
        self.skipped_without_id += result.skipped_without_id
        self.elements.update(result.elements)
        self.unknown.update(result.unknown)
        self.control_chars_removed += result.control_chars_removed
        self.invalid_utf8_replaced += result.invalid_utf8_replaced
        if self.first_id is None:
            self.first_id = result.first_id
        if result.last_id is not None:
            self.last_id = result.last_id

    def mismatches(self) -> dict[str, dict[str, int]]:
        """Return the tables whose row count differs from the elements counted in the bytes."""
        return {
            table: {"elements": count, "rows": self.rows.get(table, 0)}
            for table, count in sorted(self.elements.items())
            if self.rows.get(table, 0) != count
        }

    def to_json(self, *, timing: bool = True) -> dict:
        """Return the stats as JSON; without timing, the same input always gives the same JSON."""
        data = {
            "kind": self.kind,
            "source": self.source,
            "xml_bytes": self.xml_bytes,
            "records": self.records,
            "skipped_without_id": self.skipped_without_id,
            "rows": dict(sorted(self.rows.items())),
            "elements": dict(sorted(self.elements.items())),
            "reconciliation_mismatches": self.mismatches(),
            "unknown": dict(sorted(self.unknown.items())),
            "control_chars_removed": self.control_chars_removed,
            "invalid_utf8_replaced": self.invalid_utf8_replaced,
            "first_id": self.first_id,
            "last_id": self.last_id,
        }
        if timing:
            data["seconds"] = round(self.seconds, 3)
            data["mb_per_second"] = round(self.xml_bytes / 1e6 / self.seconds, 1) if self.seconds else None
        return data


def ingest_dump(kind: str, path: Path, out_dir: Path, *, workers: int = 1, first_part: int = 0) -> DumpStats:
    """Stream one dump file into Parquet tables under ``out_dir``.

    ``workers`` is the number of parsing processes; 0 parses in this process.
    """
    started = time.monotonic()
    stats = DumpStats(kind=kind, source=Path(path).name)
    writers = {table: TableWriter(out_dir, table, SCHEMAS[table], first_part) for table in TABLES_BY_KIND[kind]}

    with damaged_dump(path):
        reader = DumpReader(path)
        stream = reader.open()
        in_process = workers == 0 or reader.size <= IN_PROCESS_MAX_BYTES
        output = _Output(writers, background=not in_process and workers > 1)
        try:
            splitter = RecordSplitter(stream, RECORD_TAG[kind], path)
            bar = progress(total=reader.size, unit="B", unit_scale=True, desc=f"ingest {kind}")
            part_start = 0
            for result, batch_end in _parse_all(kind, splitter, str(path), 0 if in_process else workers):
                stats.add(result)
                part_ends = batch_end - part_start >= PART_XML_BYTES
                output.put(result.tables, part_ends)
                if part_ends:
                    part_start = batch_end
                bar.update(reader.position() - bar.n)
            output.finish()
            bar.close()
            stats.xml_bytes = splitter.bytes_read
        finally:
            output.stop()
            stream.close()
            reader.close()

    for table, writer in writers.items():
        writer.close()
        stats.rows[table] = writer.rows
    stats.seconds = time.monotonic() - started
    return stats


class _Output:
    """Hand parsed tables to the table writers in input order.

    With several workers the writing runs in a background thread: pyarrow
    releases the GIL while it encodes and compresses, so the writing overlaps
    with splitting and parsing instead of waiting for them. (One thread for
    all tables measured faster than one per table or two.)
    """

    # Results handed over and not yet written: enough to keep the writing
    # thread busy, few enough to bound memory.
    DEPTH = 6

    def __init__(self, writers: dict[str, TableWriter], *, background: bool):
        self.writers = writers
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") if background else None
        self._pending: deque[Future] = deque()

    def put(self, tables: dict, part_ends: bool) -> None:
        if self._pool is None:
            self._write(tables, part_ends)
            return
        self._pending.append(self._pool.submit(self._write, tables, part_ends))
        while len(self._pending) > self.DEPTH:
            self._pending.popleft().result()

    def finish(self) -> None:
        """Wait until everything handed over is written, raising what the writing raised."""
        while self._pending:
            self._pending.popleft().result()

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _write(self, tables: dict, part_ends: bool) -> None:
        for table, data in tables.items():
            self.writers[table].write(data)
        if part_ends:
            for writer in self.writers.values():
                writer.next_part()


def _parse_all(kind: str, batches: Iterable[Batch], path: str, workers: int) -> Iterator[tuple[BatchResult, int]]:
    """Yield (result, end offset) for each batch, in input order; 0 workers parses in this process."""
    if workers == 0:
        for batch in batches:
            yield parse_batch(kind, batch.data, index=batch.index, path=path, line=batch.line), _end(batch)
        return

    window: list[tuple[Future, int]] = []
    with _pool(kind, workers) as pool:
        for batch in batches:
            future = pool.submit(parse_batch, kind, batch.data, index=batch.index, path=path, line=batch.line)
            window.append((future, _end(batch)))
            # Two batches in flight per worker keep every worker busy while
            # bounding memory to a few batches.
            if len(window) >= 4 * workers:
                future, end = window.pop(0)
                yield future.result(), end
        for future, end in window:
            yield future.result(), end


def _pool(kind: str, workers: int) -> Executor:
    """Threads for the compiled converter, processes for lxml.

    The compiled converter releases the GIL while it parses, so threads run
    it in parallel and hand its Arrow tables over without copying them; lxml
    parsing and the Python walk hold the GIL, so they need processes.
    """
    if kind == "releases" and compiled.enabled():
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["mcg_lib.ingest.batch"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _end(batch: Batch) -> int:
    return batch.offset + len(batch.data)
