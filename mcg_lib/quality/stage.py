"""The quality stage: check a snapshot's catalog and publish the report."""

from __future__ import annotations

from typing import Any

from mcg_lib.catalog import open_catalog
from mcg_lib.errors import ConfigError, NotFoundError, QualityError
from mcg_lib.ingest.stage import read_manifest
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import read_json, staged_dir
from mcg_lib.quality.checks import run_checks, table_counts
from mcg_lib.quality.report import write_report

log = get_logger(__name__)


def series_of(root: DataRoot, snapshot: str) -> str | None:
    """Return the series a raw snapshot belongs to, from its raw manifest."""
    path = root.raw_manifest(snapshot)
    return read_json(path).get("series") if path.is_file() else None


def find_baseline(root: DataRoot, snapshot: str, baseline: str) -> str | None:
    """Return the snapshot to compare counts with: the latest earlier one of the same series.

    ``baseline`` is "auto", "none" or a snapshot name.
    """
    if baseline == "none":
        return None
    if baseline != "auto":
        if not root.curated(baseline).is_dir():
            known = ", ".join(s for s in root.snapshots("curated") if s != snapshot) or "none"
            raise NotFoundError(
                f"baseline snapshot {baseline!r} has no curated catalog under {root.root}",
                hint=f"give an ingested snapshot (here: {known}), or 'auto' or 'none'",
            )
        return baseline
    series = series_of(root, snapshot)
    earlier = [s for s in root.snapshots("curated") if s < snapshot and series_of(root, s) == series]
    return earlier[-1] if earlier and series is not None else None


def run(root: DataRoot, snapshot: str, *, force: bool = False, baseline: str = "auto",
        max_drop: float = 0.1) -> StageResult:
    """Check curated/<snapshot>/ and publish exports/<snapshot>/quality/; raise on hard failures."""
    if not 0 <= max_drop <= 1:
        raise ConfigError(f"invalid max_drop {max_drop}", hint="give a share between 0 and 1, such as 0.1")
    manifest = read_manifest(root, snapshot)
    base = find_baseline(root, snapshot, baseline)
    previous = None
    if base is not None:
        with open_catalog(base, root) as base_con:
            previous = table_counts(base_con)

    with open_catalog(snapshot, root) as con:
        checks, counts = run_checks(con, manifest, previous, base, max_drop)
        report = _report(root, snapshot, base, checks, counts)
        target = root.exports(snapshot) / "quality"
        # The report is derived from the immutable catalog, so rewriting it
        # only ever replaces it with the same checks.
        with staged_dir(root, target, replace=True) as work:
            write_report(work, report, con)

    for check in checks:
        if not check.passed and check.severity != "info":
            log.log(40 if check.severity == "error" else 30, "%s: %s", check.name, check.message)
    if report["status"] == "failed":
        failed = [c.message for c in checks if c.severity == "error" and not c.passed]
        raise QualityError(
            f"snapshot {snapshot} failed {len(failed)} quality check(s): " + "; ".join(failed),
            hint=f"read {target / 'report.html'}; if a count drop compares unrelated snapshots, "
            "rerun with baseline 'none' (mcg check --baseline none)",
        )
    log.info("quality of %s: %s (%d warnings); report in %s", snapshot, report["status"],
             report["warnings"], target)
    return StageResult(outputs=[target], summary={"status": report["status"], "warnings": report["warnings"]})


def _report(root: DataRoot, snapshot: str, baseline: str | None, checks, counts) -> dict[str, Any]:
    errors = sum(1 for c in checks if c.severity == "error" and not c.passed)
    warnings = sum(1 for c in checks if c.severity == "warning" and not c.passed)
    return {
        "snapshot": snapshot,
        "series": series_of(root, snapshot),
        "baseline": baseline,
        "status": "failed" if errors else "passed",
        "errors": errors,
        "warnings": warnings,
        "tables": counts,
        "checks": [c.to_json() for c in checks],
    }
