"""The ingest stage: every dump of a raw snapshot into the Parquet catalog."""

from __future__ import annotations

from pathlib import Path

from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.ingest.enrich import enrich_artist_kinds
from mcg_lib.ingest.runner import DumpStats, ingest_dump
from mcg_lib.ingest.schema import KINDS, SCHEMAS, TABLES_BY_KIND
from mcg_lib.ingest.writer import TableWriter
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import read_json, staged_dir, write_json_atomic

log = get_logger(__name__)

MANIFEST_NAME = "manifest.json"


def raw_dump_paths(root: DataRoot, snapshot: str) -> dict[str, Path]:
    """Return {kind: path} of the dump files of a raw snapshot, from its raw manifest."""
    manifest_path = root.raw_manifest(snapshot)
    if not manifest_path.is_file():
        raise NotFoundError(
            f"no raw snapshot {snapshot} under {root.root} ({manifest_path} is missing)",
            hint=f"run 'mcg fetch --snapshot {snapshot}' or 'mcg fetch --snapshot {snapshot} --from-dir DIR' first",
        )
    files = read_json(manifest_path).get("files", {})
    raw_dir = root.raw(snapshot)
    return {kind: raw_dir / entry["name"] for kind, entry in files.items() if kind in KINDS}


def run(root: DataRoot, snapshot: str, *, force: bool = False, workers: int = 1, step: str = "all",
        chunks: int = 4, index: int = -1) -> StageResult:
    """Ingest a raw snapshot and publish curated/<snapshot>/ atomically."""
    if step != "all":
        from mcg_lib.ingest import fanout

        return fanout.run_step(root, snapshot, force=force, workers=workers, step=step, chunks=chunks, index=index)
    if workers < 1:
        raise ConfigError(f"invalid worker count {workers}", hint="use --workers 1 or more")

    dumps = raw_dump_paths(root, snapshot)
    target = root.curated(snapshot)
    with staged_dir(root, target, replace=force) as work:
        stats = {}
        for kind in KINDS:
            path = dumps.get(kind)
            if path is None:
                log.warning("no %s dump in raw/%s: its tables will be empty", kind, snapshot)
                write_empty_tables(work, kind)
                continue
            log.info("ingesting %s from %s with %d worker(s)", kind, path.name, workers)
            stats[kind] = ingest_dump(kind, path, work, workers=workers)
            _log_dump(stats[kind])
        enrich_artist_kinds(work)
        manifest = build_manifest(snapshot, stats, dumps)
        write_json_atomic(work / MANIFEST_NAME, manifest)

    summary = _summary(manifest)
    summary["timing"] = {
        kind: {"seconds": round(s.seconds, 3), "xml_bytes": s.xml_bytes, "workers": workers,
               "batches_by_converter": dict(s.converters)}
        for kind, s in stats.items()
    }
    return StageResult(outputs=[target], summary=summary)


def write_empty_tables(folder: Path, kind: str) -> None:
    """Write an empty part file for each table of a dump kind that has no file."""
    for table in TABLES_BY_KIND[kind]:
        TableWriter(folder, table, SCHEMAS[table]).close()


def build_manifest(snapshot: str, stats: dict[str, DumpStats], dumps: dict[str, Path]) -> dict:
    """Return the ingest manifest: per dump what was read, per table the rows written.

    It holds no timings or worker counts, so the same dumps always give the
    same manifest and later stages can tell that their input did not change.
    """
    tables = {}
    for kind in KINDS:
        for table in TABLES_BY_KIND[kind]:
            tables[table] = stats[kind].rows.get(table, 0) if kind in stats else 0
    return {
        "snapshot": snapshot,
        "missing_kinds": [kind for kind in KINDS if kind not in dumps],
        "dumps": {kind: s.to_json(timing=False) for kind, s in stats.items()},
        "tables": tables,
    }


def _log_dump(stats: DumpStats) -> None:
    log.info(
        "ingested %s: %d records, %.1f MB of XML in %.1f s",
        stats.kind, stats.records, stats.xml_bytes / 1e6, stats.seconds,
    )
    if stats.unknown:
        log.warning("%s: %d elements or attributes the parser does not know: %s", stats.kind,
                    sum(stats.unknown.values()), ", ".join(sorted(stats.unknown)[:10]))
    if stats.control_chars_removed or stats.invalid_utf8_replaced:
        log.warning("%s: removed %d control characters and replaced %d invalid UTF-8 sequences",
                    stats.kind, stats.control_chars_removed, stats.invalid_utf8_replaced)
    if stats.handed_to_lxml:
        log.info("%s: %d batches parsed with lxml instead of the compiled converter (%s)", stats.kind,
                 sum(stats.handed_to_lxml.values()), ", ".join(sorted(stats.handed_to_lxml)))
    if stats.skipped_without_id:
        log.warning("%s: skipped %d records without an id", stats.kind, stats.skipped_without_id)
    for table, counts in stats.mismatches().items():
        log.warning("%s: %d <%s> elements in the file but %d rows written", table, counts["elements"],
                    table, counts["rows"])


def _summary(manifest: dict) -> dict:
    return {"tables": manifest["tables"], "missing_kinds": manifest["missing_kinds"]}


def read_manifest(root: DataRoot, snapshot: str) -> dict:
    """Return the ingest manifest of a published catalog."""
    return read_json(root.require_curated(snapshot) / MANIFEST_NAME)
