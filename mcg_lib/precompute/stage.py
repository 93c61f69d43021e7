"""The precompute stage: chains among popular artists and the daily puzzles, as static JSON."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mcg_lib.errors import ConfigError
from mcg_lib.graph.store import Graph, open_graph
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.precompute import answers
from mcg_lib.precompute.chains import compute_chains, popular_nodes
from mcg_lib.precompute.components import artist_components, component_summary, core_analytics
from mcg_lib.precompute.puzzles import schedule, start_date_for
from mcg_lib.publish import fingerprint, staged_dir, write_json_atomic

log = get_logger(__name__)

FORMAT_VERSION = 1


def answers_dir(root: DataRoot, snapshot: str, ruleset: str) -> Path:
    """Return ``exports/<snapshot>/answers/<ruleset>/``."""
    return root.exports(snapshot) / "answers" / ruleset


def run(
    root: DataRoot,
    snapshot: str,
    *,
    force: bool,
    ruleset: str,
    top: int = 1000,
    days: int = 400,
    start_date: str = "",
    workers: int = 0,
) -> StageResult:
    """Precompute the answers of one ruleset and publish them atomically."""
    if top < 2:
        raise ConfigError(f"--top is {top}", hint="precompute needs at least 2 artists")
    if days < 1:
        raise ConfigError(f"--days is {days}", hint="schedule at least one day")
    first_day = start_date_for(snapshot, start_date)
    graph = open_graph(root, snapshot, ruleset)
    target = answers_dir(root, snapshot, ruleset)

    started = time.monotonic()
    with staged_dir(root, target, replace=force) as work:
        manifest = write_answers(
            graph, work, top=top, days=days, first_day=first_day, workers=workers
        )
        manifest["seconds"]["total"] = round(time.monotonic() - started, 3)
        write_json_atomic(work / "manifest.json", manifest)

    counts = manifest["counts"]
    log.info(
        "precompute %s/%s: %d pairs (%d found), %d puzzles, %d files, %.1f MB in %.1f s",
        snapshot,
        ruleset,
        counts["pairs"],
        counts["found"],
        counts["puzzles"],
        manifest["size"]["files"],
        manifest["size"]["bytes"] / 1e6,
        manifest["seconds"]["total"],
    )
    return StageResult(
        outputs=[target],
        summary={**counts, **manifest["size"], "seconds": manifest["seconds"]["total"]},
    )


def write_answers(
    graph: Graph, out: Path, *, top: int, days: int, first_day, workers: int = 0
) -> dict[str, Any]:
    """Compute and write every answer file into ``out``; return the manifest (not yet written)."""
    seconds: dict[str, float] = {}
    step = time.monotonic()
    popular = popular_nodes(graph, top)
    labels = artist_components(graph)
    seconds["components"] = round(time.monotonic() - step, 3)

    step = time.monotonic()
    chains = compute_chains(graph, popular, labels, workers=workers or None)
    seconds["chains"] = round(time.monotonic() - step, 3)

    step = time.monotonic()
    popular_list = answers.popular_entries(graph, popular)
    answers.write_file(out, "popular.json", popular_list)
    layout = answers.write_pairs(out, chains)
    records = answers.node_records(graph, chains, popular)
    layout.update(answers.write_nodes(out, records))

    versions = {int(key): value["versions"] for key, value in records["releases"].items()}
    puzzles = schedule(
        chains,
        versions,
        days=days,
        start=first_day,
        seed_text=f"{graph.snapshot}/{graph.ruleset}/{first_day}",
    )
    answers.write_file(out, "puzzles.json", puzzles)
    seconds["write"] = round(time.monotonic() - step, 3)
    if len(puzzles) < days:
        log.warning(
            "precompute %s/%s: only %d puzzles of the %d days requested; the top %d artists have "
            "no more connected pairs",
            graph.snapshot,
            graph.ruleset,
            len(puzzles),
            days,
            len(popular),
        )

    step = time.monotonic()
    hops = {pair: (len(c) - 1) // 2 if c else None for pair, c in chains.items()}
    analytics = {
        "components": component_summary(labels, popular),
        "popular_core": core_analytics(sorted(int(graph.artist_ids[n]) for n in popular), hops),
    }
    seconds["analytics"] = round(time.monotonic() - step, 3)

    found = sum(1 for chain in chains.values() if chain is not None)
    tiers = {
        tier: sum(1 for p in puzzles if p["difficulty"] == tier)
        for tier in ("easy", "medium", "hard")
    }
    return {
        "format_version": FORMAT_VERSION,
        "snapshot": graph.snapshot,
        "ruleset": graph.ruleset,
        # Fingerprint of the graph files these answers were computed from.
        "graph_fingerprint": fingerprint(graph.manifest["files"]),
        "top": top,
        "days": days,
        "start_date": first_day.isoformat(),
        "counts": {
            "popular": len(popular),
            "pairs": len(chains),
            "found": found,
            "unreachable": len(chains) - found,
            "puzzles": len(puzzles),
            "puzzles_by_difficulty": tiers,
        },
        "layout": layout,
        # Size of every file but this manifest, which is small.
        "size": answers.check_limits(out),
        "analytics": analytics,
        "seconds": seconds,
    }
