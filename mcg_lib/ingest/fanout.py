"""The ingest split across cluster nodes: split, parse chunks, merge.

On the home cluster the releases dump (nearly all of a month's XML) is cut
into record-aligned chunks on the storage node; each Raspberry Pi parses one
chunk as an Indexed Job; the merge step ingests the three small dumps, moves
the chunks' part files into one catalog and publishes it atomically. The
result holds the same rows, in the same order, as ``mcg ingest`` in one go.

Layout under ``staging/ingest-<snapshot>/``::

    plan.json                      chunk count and the source file
    chunks/releases-NNN.xml.gz     one rooted releases document per chunk
    parts/NNN/<table>/part-*.parquet, parts/NNN/stats.json
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.ingest.enrich import enrich_artist_kinds
from mcg_lib.ingest.runner import DumpStats, ingest_dump
from mcg_lib.ingest.schema import KINDS, SCHEMAS, TABLES_BY_KIND
from mcg_lib.ingest.stream import DumpReader, RecordSplitter
from mcg_lib.ingest.writer import TableWriter, part_name
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import read_json, staged_dir, write_json_atomic

log = get_logger(__name__)

FANOUT_KIND = "releases"


def work_dir(root: DataRoot, snapshot: str) -> Path:
    return root.staging / f"ingest-{snapshot}"


def run_step(root: DataRoot, snapshot: str, *, force: bool, workers: int, step: str, chunks: int,
             index: int) -> StageResult:
    """Run one fan-out step; only the merge publishes curated/<snapshot>/."""
    from mcg_lib.ingest.stage import raw_dump_paths

    dumps = raw_dump_paths(root, snapshot)
    if step == "split":
        return split(root, snapshot, dumps, chunks)
    if step == "chunk":
        return parse_chunk(root, snapshot, index, workers)
    if step == "merge":
        return merge(root, snapshot, dumps, workers, force)
    raise ConfigError(f"unknown ingest step {step!r}", hint="use all, split, chunk or merge")


def split(root: DataRoot, snapshot: str, dumps: dict[str, Path], chunks: int) -> StageResult:
    """Cut the releases dump into ``chunks`` rooted, gzipped documents of whole records."""
    if chunks < 1:
        raise ConfigError(f"invalid chunk count {chunks}", hint="use --chunks 1 or more")
    folder = work_dir(root, snapshot)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "chunks").mkdir(parents=True)
    source = dumps.get(FANOUT_KIND)

    written = xml_bytes = 0
    if source is not None:
        reader = DumpReader(source)
        stream = reader.open()
        try:
            written, xml_bytes = _write_chunks(reader, stream, source, folder / "chunks", chunks)
        finally:
            stream.close()
            reader.close()
    # The source's size is kept for the merged manifest: the chunks' own
    # sizes include the root tags each chunk adds.
    write_json_atomic(folder / "plan.json", {"snapshot": snapshot, "chunks": chunks, "written": written,
                                             "source": source.name if source else None, "xml_bytes": xml_bytes})
    log.info("split %s into %d chunks under %s", FANOUT_KIND, written, folder / "chunks")
    return StageResult(outputs=[], summary={"chunks": written}, record=False)


def _write_chunks(reader: DumpReader, stream, source: Path, out: Path, chunks: int) -> tuple[int, int]:
    """Write the chunk files; return how many and the source's decompressed size."""
    # Chunks are cut by position in the (compressed) file, which is known
    # before the end, so they come out roughly equal in size.
    share = max(reader.size // chunks, 1)
    number = 0
    handle = None
    splitter = RecordSplitter(stream, "release", source)
    for batch in splitter:
        wanted = min(reader.position() // share, chunks - 1)
        if handle is None or (wanted > number and number < chunks - 1):
            if handle is not None:
                handle.write(b"\n</releases>\n")
                handle.close()
                number += 1
            handle = gzip.open(out / f"releases-{number:03d}.xml.gz", "wb", compresslevel=1)
            handle.write(b"<releases>")
        handle.write(batch.data)
    if handle is None:
        return 0, splitter.bytes_read
    handle.write(b"\n</releases>\n")
    handle.close()
    # Empty trailing chunks still exist so every index of the Indexed Job finds a file.
    for empty in range(number + 1, chunks):
        with gzip.open(out / f"releases-{empty:03d}.xml.gz", "wb", compresslevel=1) as extra:
            extra.write(b"<releases>\n</releases>\n")
    return chunks, splitter.bytes_read


def parse_chunk(root: DataRoot, snapshot: str, index: int, workers: int) -> StageResult:
    """Parse chunk ``index`` into parts/NNN/, published by a rename when complete."""
    folder = work_dir(root, snapshot)
    plan_path = folder / "plan.json"
    if not plan_path.is_file():
        raise NotFoundError(f"no split plan for snapshot {snapshot} at {plan_path}",
                            hint=f"run 'mcg ingest --snapshot {snapshot} --step split' first")
    plan = read_json(plan_path)
    if not 0 <= index < plan["chunks"]:
        raise ConfigError(f"invalid chunk index {index}", hint=f"use 0 to {plan['chunks'] - 1} "
                          "(the Indexed Job sets JOB_COMPLETION_INDEX)")

    source = folder / "chunks" / f"releases-{index:03d}.xml.gz"
    final = folder / "parts" / f"{index:03d}"
    tmp = folder / "parts" / f".{index:03d}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    stats = ingest_dump(FANOUT_KIND, source, tmp, workers=workers)
    stats.source = plan["source"]
    write_json_atomic(tmp / "stats.json", stats.to_json())
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    log.info("parsed chunk %d of %s: %d records", index, snapshot, stats.records)
    return StageResult(outputs=[], summary={"chunk": index, "records": stats.records}, record=False)


def merge(root: DataRoot, snapshot: str, dumps: dict[str, Path], workers: int, force: bool) -> StageResult:
    """Ingest the small dumps, gather the chunks' parts, and publish curated/<snapshot>/."""
    from mcg_lib.ingest.stage import MANIFEST_NAME, build_manifest, write_empty_tables

    folder = work_dir(root, snapshot)
    plan = read_json(folder / "plan.json") if (folder / "plan.json").is_file() else None
    if plan is None:
        raise NotFoundError(f"no split plan for snapshot {snapshot} under {folder}",
                            hint=f"run 'mcg ingest --snapshot {snapshot} --step split' first")
    missing = [i for i in range(plan["chunks"]) if not (folder / "parts" / f"{i:03d}" / "stats.json").is_file()]
    if dumps.get(FANOUT_KIND) is not None and missing:
        raise NotFoundError(f"chunks {missing} of snapshot {snapshot} are not parsed yet",
                            hint=f"run 'mcg ingest --snapshot {snapshot} --step chunk --index N' for each")

    target = root.curated(snapshot)
    with staged_dir(root, target, replace=force) as work:
        stats: dict[str, DumpStats] = {}
        for kind in KINDS:
            if kind == FANOUT_KIND and dumps.get(kind) is not None:
                stats[kind] = _gather_parts(folder, plan["chunks"], work)
                stats[kind].xml_bytes = plan["xml_bytes"]
            elif dumps.get(kind) is not None:
                stats[kind] = ingest_dump(kind, dumps[kind], work, workers=workers)
            else:
                write_empty_tables(work, kind)
        enrich_artist_kinds(work)
        manifest = build_manifest(snapshot, stats, dumps)
        write_json_atomic(work / MANIFEST_NAME, manifest)

    shutil.rmtree(folder, ignore_errors=True)
    return StageResult(outputs=[target], summary={"tables": manifest["tables"],
                                                  "missing_kinds": manifest["missing_kinds"]})


def _gather_parts(folder: Path, chunks: int, out: Path) -> DumpStats:
    """Move every chunk's part files into ``out``, numbered in chunk order; return the summed stats."""
    total = DumpStats(kind=FANOUT_KIND, source="")
    numbers = Counter()
    for index in range(chunks):
        chunk = folder / "parts" / f"{index:03d}"
        _add_stats(total, read_json(chunk / "stats.json"))
        for table in TABLES_BY_KIND[FANOUT_KIND]:
            (out / table).mkdir(parents=True, exist_ok=True)
            for part in sorted((chunk / table).glob("*.parquet")):
                if pq.ParquetFile(part).metadata.num_rows == 0:
                    continue
                os.rename(part, out / table / part_name(numbers[table]))
                numbers[table] += 1
    for table in TABLES_BY_KIND[FANOUT_KIND]:
        if numbers[table] == 0:
            TableWriter(out, table, SCHEMAS[table]).close()
    return total


def _add_stats(total: DumpStats, data: dict) -> None:
    total.source = data["source"]
    total.xml_bytes += data["xml_bytes"]
    total.records += data["records"]
    total.skipped_without_id += data["skipped_without_id"]
    total.elements.update(data["elements"])
    total.unknown.update(data["unknown"])
    total.control_chars_removed += data["control_chars_removed"]
    total.invalid_utf8_replaced += data["invalid_utf8_replaced"]
    total.seconds += data["seconds"]
    for table, rows in data["rows"].items():
        total.rows[table] = total.rows.get(table, 0) + rows
    if total.first_id is None:
        total.first_id = data["first_id"]
    if data["last_id"] is not None:
        total.last_id = data["last_id"]
