"""The graph stage: build and publish ``graph/<snapshot>/<ruleset>/``."""

from __future__ import annotations

from mcg_lib.graph.build import build_graph, write_manifest
from mcg_lib.graph.rulesets import load_ruleset
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import staged_dir

log = get_logger(__name__)


def run(root: DataRoot, snapshot: str, *, force: bool, ruleset: str) -> StageResult:
    """Build the graph of one ruleset from the curated catalog and publish it atomically."""
    rules = load_ruleset(ruleset)
    root.require_curated(snapshot)
    target = root.graph(snapshot, ruleset)

    with staged_dir(root, target, replace=force) as work:
        report = build_graph(root, snapshot, rules, work)
        manifest = write_manifest(work, snapshot, rules, report)

    counts = report.counts
    log.info(
        "graph %s/%s: %d artists, %d releases, %d edges in %.1f s",
        snapshot,
        ruleset,
        counts["artists"],
        counts["releases"],
        counts["edges"],
        report.seconds["total"],
    )
    total_bytes = sum(entry["bytes"] for entry in manifest["files"].values())
    return StageResult(
        outputs=[target], summary={**counts, "bytes": total_bytes, "seconds": report.seconds}
    )
