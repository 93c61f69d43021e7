"""Ingest one dump file: split, parse (in worker processes or not), write."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mcg_lib.errors import InputError
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
# thread: starting workers costs more than it saves on them. Larger files are
# parsed by workers even with one worker. For lxml, parsing and writing in one
# process ran about 25 % slower, even pinned to one core (docs/benchmarks.md),
# and a thread running the compiled converter lets the calling thread write
# meanwhile.
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

    ``workers`` is the number of parsing threads (compiled release batches)
    or processes (lxml); 0 parses in this thread.
    """
    started = time.monotonic()
    stats = DumpStats(kind=kind, source=Path(path).name)
    writers = {table: TableWriter(out_dir, table, SCHEMAS[table], first_part) for table in TABLES_BY_KIND[kind]}

    with damaged_dump(path):
        reader = DumpReader(path)
        stream = reader.open()
        in_process = workers == 0 or reader.size <= IN_PROCESS_MAX_BYTES
        # Decided here once: worker processes may have started under another environment.
        use_compiled = kind == "releases" and compiled.enabled()
        pool = None if in_process else _pool(use_compiled, workers)
        # With one worker the calling thread writes while the worker parses.
        shared = isinstance(pool, ThreadPoolExecutor) and workers > 1
        output = _SharedOutput(writers, pool) if shared else _InlineOutput(writers)
        try:
            splitter = RecordSplitter(stream, RECORD_TAG[kind], path)
            bar = progress(total=reader.size, unit="B", unit_scale=True, desc=f"ingest {kind}")
            part_start = 0
            try:
                for result, batch_end in _parse_all(kind, splitter, str(path), pool, workers, use_compiled):
                    stats.add(result)
                    part_ends = batch_end - part_start >= PART_XML_BYTES
                    output.put(result, part_ends)
                    if part_ends:
                        part_start = batch_end
                    bar.update(reader.position() - bar.n)
            except InputError:
                # Damaged gzip data often decompresses to garbage before its
                # checksum fails, so the XML breaks first. Reading on names the real cause.
                if reader.gzipped:
                    _read_to_end(stream)
                raise
            output.finish()
            bar.close()
            stats.xml_bytes = splitter.bytes_read
        finally:
            output.stop()
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            stream.close()
            reader.close()

    for table, writer in writers.items():
        writer.close()
        stats.rows[table] = writer.rows
    stats.seconds = time.monotonic() - started
    return stats


class _InlineOutput:
    """Write parsed tables in the calling thread, in input order."""

    def __init__(self, writers: dict[str, TableWriter]):
        self.writers = writers

    def put(self, result: BatchResult, part_ends: bool) -> None:
        for table, data in result.tables.items():
            writer = self.writers[table]
            writer.write(data, result.sizes.get(table))
            if part_ends:
                writer.next_part()

    def finish(self) -> None:
        pass

    def stop(self) -> None:
        pass


class _SharedOutput:
    """Write parsed tables in the threads that parse, each table in input order.

    Each table has a queue, and at most one task at a time empties it, so
    a table's rows are written in order while different tables are written
    by whichever thread is free. Parsing and writing then share the worker
    threads instead of competing with extra writing threads.
    """

    # Tables queued and not yet written, across all tables: enough to keep
    # the threads busy, few enough to bound memory.
    LIMIT = 96

    def __init__(self, writers: dict[str, TableWriter], pool: ThreadPoolExecutor):
        self.writers = writers
        self._pool = pool
        self._queues: dict[str, deque] = {table: deque() for table in writers}
        self._draining: set[str] = set()
        self._queued = 0
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    def put(self, result: BatchResult, part_ends: bool) -> None:
        with self._changed:
            self._raise()
            for table, data in result.tables.items():
                self._queues[table].append((data, result.sizes.get(table), part_ends))
                self._queued += 1
                if table not in self._draining:
                    self._draining.add(table)
                    self._pool.submit(self._drain, table)
            while self._queued > self.LIMIT and self._error is None:
                self._changed.wait()
            self._raise()

    def finish(self) -> None:
        """Wait until everything handed over is written, raising what the writing raised."""
        with self._changed:
            while (self._queued or self._draining) and self._error is None:
                self._changed.wait()
            self._raise()

    def stop(self) -> None:
        """Wait for the writing tasks to end. After an error elsewhere, queued tables are dropped."""
        with self._changed:
            if self._error is None:
                self._error = RuntimeError("the ingest stopped")
            while self._draining:
                self._changed.wait()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _drain(self, table: str) -> None:
        writer = self.writers[table]
        while True:
            with self._changed:
                queue = self._queues[table]
                if not queue or self._error is not None:
                    self._draining.discard(table)
                    self._changed.notify_all()
                    return
                data, size, part_ends = queue.popleft()
            try:
                writer.write(data, size)
                if part_ends:
                    writer.next_part()
            except BaseException as error:  # handed to the main thread, which raises it
                with self._changed:
                    self._error = error
            with self._changed:
                self._queued -= 1
                self._changed.notify_all()


def _parse_all(
    kind: str, batches: Iterable[Batch], path: str, pool: Executor | None, workers: int, use_compiled: bool
) -> Iterator[tuple[BatchResult, int]]:
    """Yield (result, end offset) for each batch, in input order; without a pool, parse in this thread."""
    if pool is None:
        for batch in batches:
            result = parse_batch(
                kind, batch.data, index=batch.index, path=path, line=batch.line, use_compiled=use_compiled
            )
            yield result, _end(batch)
        return

    # A few batches in flight per worker keep every worker busy while bounding
    # memory. Threads get more: their batches are not copied, and they also
    # take turns writing. Each process keeps copies of its batches and results.
    depth = (4 if isinstance(pool, ThreadPoolExecutor) else 2) * workers
    window: deque[tuple[Future, int]] = deque()
    for batch in batches:
        future = pool.submit(
            parse_batch, kind, batch.data, index=batch.index, path=path, line=batch.line, use_compiled=use_compiled
        )
        window.append((future, _end(batch)))
        if len(window) >= depth:
            future, end = window.popleft()
            yield future.result(), end
    for future, end in window:
        yield future.result(), end


def _pool(use_compiled: bool, workers: int) -> Executor:
    """Threads for the compiled converter, processes for lxml.

    The compiled converter releases the GIL while it parses, so threads run
    it in parallel and hand its Arrow tables over without copying them. lxml
    parsing and the Python walk keep the GIL, so they need processes.
    """
    if use_compiled:
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["mcg_lib.ingest.batch"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _read_to_end(stream) -> None:
    """Decompress the rest of a stream, so that a damaged gzip file raises its own error."""
    while stream.read(1 << 22):
        pass


def _end(batch: Batch) -> int:
    return batch.offset + len(batch.data)
