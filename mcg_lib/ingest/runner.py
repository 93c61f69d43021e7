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
    # Batches per converter, and why the compiled one handed batches to lxml.
    converters: Counter = field(default_factory=Counter)
    handed_to_lxml: Counter = field(default_factory=Counter)

    def add(self, result: BatchResult) -> None:
        self.converters[result.converter] += 1
        if result.gave_back:
            self.handed_to_lxml[result.gave_back] += 1
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
        """Return the stats as JSON; without timing and converters, the same input always gives the same JSON."""
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
            # How a run went, like its timing: the same dumps give the same
            # tables whichever converter read them.
            data["batches_by_converter"] = dict(sorted(self.converters.items()))
            data["handed_to_lxml"] = dict(sorted(self.handed_to_lxml.items()))
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
                output.put(result, part_ends)
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


# The table of each dump that holds about as many bytes as its others together.
LARGEST_TABLES = frozenset({"release_credits", "master_artists", "artists"})


class _Output:
    """Hand parsed tables to the table writers in input order.

    With several workers the writing runs in two background threads, one for
    the largest table and one for the others: pyarrow releases the GIL while
    it encodes and compresses, so the writing overlaps with splitting and
    parsing. (Two threads measured faster than one, and than one per table.)
    """

    # Results handed over and not yet written, per thread: enough to keep the
    # threads busy, few enough to bound memory.
    DEPTH = 6

    def __init__(self, writers: dict[str, TableWriter], *, background: bool):
        self.writers = writers
        self._lanes = [_writing_thread() for _ in range(2)] if background else []
        self._pending: deque[Future] = deque()

    def put(self, result: BatchResult, part_ends: bool) -> None:
        if not self._lanes:
            self._write(list(result.tables.items()), result.sizes, part_ends)
            return
        for lane, tables in enumerate(_split_largest(result.tables)):
            self._pending.append(self._lanes[lane].submit(self._write, tables, result.sizes, part_ends))
        while len(self._pending) > self.DEPTH * len(self._lanes):
            self._pending.popleft().result()

    def finish(self) -> None:
        """Wait until everything handed over is written, raising what the writing raised."""
        while self._pending:
            self._pending.popleft().result()

    def stop(self) -> None:
        for lane in self._lanes:
            lane.shutdown(wait=True, cancel_futures=True)

    def _write(self, tables: list, sizes: dict[str, int], part_ends: bool) -> None:
        for table, data in tables:
            writer = self.writers[table]
            writer.write(data, sizes.get(table))
            if part_ends:
                writer.next_part()


def _writing_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write")


def _split_largest(tables: dict) -> tuple[list, list]:
    """Split a result's tables into the largest one (about as many bytes as the rest) and the others."""
    largest = [(name, data) for name, data in tables.items() if name in LARGEST_TABLES]
    others = [(name, data) for name, data in tables.items() if name not in LARGEST_TABLES]
    return largest, others


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
