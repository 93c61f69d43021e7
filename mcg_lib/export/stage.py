"""The export stage: publish ``exports/<snapshot>/data/<ruleset>/`` for the game site."""

from __future__ import annotations

import time

from mcg_lib.export.build import export_ruleset
from mcg_lib.graph.store import open_graph
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.precompute.stage import answers_dir
from mcg_lib.publish import staged_dir

log = get_logger(__name__)


def data_dir(root: DataRoot, snapshot: str, ruleset: str):
    """Return ``exports/<snapshot>/data/<ruleset>/``."""
    return root.exports(snapshot) / "data" / ruleset


def run(root: DataRoot, snapshot: str, *, force: bool, ruleset: str) -> StageResult:
    """Export the game data of one ruleset from its graph and precomputed answers, atomically."""
    graph = open_graph(root, snapshot, ruleset)
    answers = answers_dir(root, snapshot, ruleset)
    target = data_dir(root, snapshot, ruleset)

    started = time.monotonic()
    with staged_dir(root, target, replace=force) as work:
        manifest = export_ruleset(graph, answers, work)
        files = sum(1 for path in work.rglob("*") if path.is_file())
    seconds = round(time.monotonic() - started, 3)

    sizes = manifest["sizes"]
    total = sum(sizes.values())
    budget = manifest["day_budget"]
    log.info(
        "export %s/%s: %d days (largest %.1f KB gzipped of %.1f KB allowed), %d artists with "
        "neighbour data, %d in autocomplete, %d files, %.1f MB in %.1f s",
        snapshot,
        ruleset,
        len(manifest["schedule"]),
        budget["largest_gzip_bytes"] / 1000,
        budget["limit_gzip_bytes"] / 1000,
        manifest["neighbours"]["artists"],
        manifest["autocomplete"]["artists"],
        files,
        total / 1e6,
        seconds,
    )
    return StageResult(
        outputs=[target],
        summary={
            "days": len(manifest["schedule"]),
            "largest_day_gzip_bytes": budget["largest_gzip_bytes"],
            "neighbour_artists": manifest["neighbours"]["artists"],
            "autocomplete_artists": manifest["autocomplete"]["artists"],
            "files": files,
            "bytes": total,
            "seconds": seconds,
        },
    )
