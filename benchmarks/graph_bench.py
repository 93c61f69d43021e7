"""Graph benchmark: build, single-pair queries with their baselines, and the top-K precompute.

Run with ``uv run python -m benchmarks.graph_bench --releases N`` (add
``--synthetic`` when ``mcg generate catalog`` is not available). In one run:

- graph build from curated Parquet: wall time and peak RSS of the process tree;
- 200 random artist pairs answered by ``find_path`` in a fresh process:
  p50/p95/max latency and that process's RSS, then in the same process the
  baselines rustworkx ``dijkstra_shortest_paths`` with a target and one
  scipy ``breadth_first_order`` per pair, on a few of the same pairs;
- ``mcg precompute --top K``: wall time and peak RSS.

Figures go to ``benchmarks/out/graph/<snapshot>.json`` and are printed as
the Markdown table that ``docs/benchmarks.md`` records.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import anonymous_mb, measure

OUT = Path(__file__).resolve().parent / "out" / "graph"
RULESET = "all-credits"

# Full Discogs size, as the issue states it.
FULL_RELEASES = 17_000_000
FULL_ARTISTS = 9_000_000
FULL_EDGES = 75_000_000


def mcg(data_root: Path, *args: str) -> list[str]:
    # The console script installed next to this interpreter by `uv sync`.
    return [str(Path(sys.executable).parent / "mcg"), "--data-root", str(data_root), "-q", *args]


def write_catalog(args: argparse.Namespace) -> float:
    """Write the curated catalog and return the seconds it took."""
    started = time.monotonic()
    if args.synthetic:
        from benchmarks.graph_synthetic import write_synthetic
        from mcg_lib.paths import DataRoot

        write_synthetic(
            DataRoot(args.data_root), args.snapshot, releases=args.releases, artists=args.artists
        )
    else:
        command = mcg(
            args.data_root,
            "generate",
            "catalog",
            "--snapshot",
            args.snapshot,
            "--out",
            str(args.data_root),
            "--releases",
            str(args.releases),
            "--artists",
            str(args.artists),
            "--edges",
            str(args.edges),
            "--force",
        )
        subprocess.run(command, check=True)
    return time.monotonic() - started


def run_queries(args: argparse.Namespace) -> dict:
    """Search random pairs in this process and report latency, RSS and the baselines."""
    import numpy as np
    import psutil

    from mcg_lib.graph import find_path
    from mcg_lib.graph.store import Graph
    from mcg_lib.paths import DataRoot

    # Opened and prepared as the API opens and prepares it.
    started = time.perf_counter()
    graph = Graph(DataRoot(args.data_root).graph(args.snapshot, RULESET), random_access=True)
    graph.prepare_searches(1)
    open_seconds = time.perf_counter() - started
    # Random nodes, and their ids read one by one, so that picking the pairs
    # does not map the whole id column into this process.
    rng = random.Random(args.seed)
    count = graph.artist_count
    pairs = [
        (artist_id(graph, rng.randrange(count)), artist_id(graph, rng.randrange(count)))
        for _ in range(args.pairs)
    ]

    latencies, hops, statuses = [], [], {}
    for first, second in pairs:
        started = time.perf_counter()
        result = find_path(graph, first, second, deadline=time.monotonic() + 10)
        result.to_json()
        latencies.append((time.perf_counter() - started) * 1000)
        hops.append(result.hops)
        statuses[result.status] = statuses.get(result.status, 0) + 1
    memory = psutil.Process().memory_full_info()
    latency = np.array(latencies)
    report = {
        "open_seconds": round(open_seconds, 2),
        "first_ms": round(latencies[0], 3),
        "pairs": len(pairs),
        "p50_ms": round(float(np.percentile(latency, 50)), 3),
        "p95_ms": round(float(np.percentile(latency, 95)), 3),
        "max_ms": round(float(latency.max()), 3),
        "rss_mb": round(memory.rss / 1e6, 1),
        "anonymous_mb": anonymous_mb(),
        "statuses": statuses,
        "hops": {
            str(h): hops.count(h) for h in sorted(set(hops), key=lambda h: -1 if h is None else h)
        },
    }
    if args.baseline_pairs:
        report["baselines"] = run_baselines(graph, pairs[: args.baseline_pairs])
    return report


def artist_id(graph, node: int) -> int:
    return graph.artist_row(node, ("artist_id",))["artist_id"]


def run_baselines(graph, pairs: list[tuple[int, int]]) -> dict:
    """Time rustworkx dijkstra with a target and scipy breadth_first_order on the same pairs."""
    import numpy as np
    import rustworkx as rx
    from scipy.sparse.csgraph import breadth_first_order

    from mcg_lib.precompute.components import bipartite_matrix

    artists = graph.artist_count
    nodes = [(graph.artist_node(a), graph.artist_node(b)) for a, b in pairs]

    started = time.perf_counter()
    matrix = bipartite_matrix(graph)
    scipy_setup = time.perf_counter() - started
    scipy_times = []
    for first, _ in nodes:
        started = time.perf_counter()
        breadth_first_order(matrix, first, directed=False, return_predecessors=True)
        scipy_times.append(time.perf_counter() - started)
    del matrix

    started = time.perf_counter()
    rx_graph = rx.PyGraph(multigraph=False)
    rx_graph.add_nodes_from(range(artists + graph.release_count))
    chunk = 2_000_000
    offsets = graph.by_artist.offsets
    sources = np.repeat(np.arange(artists, dtype=np.int64), np.diff(offsets))
    targets = np.asarray(graph.by_artist.targets, dtype=np.int64) + artists
    for start in range(0, len(targets), chunk):
        edges = zip(
            sources[start : start + chunk].tolist(),
            targets[start : start + chunk].tolist(),
            strict=True,
        )
        rx_graph.add_edges_from_no_data(list(edges))
    del sources, targets
    rx_setup = time.perf_counter() - started
    rx_times = []
    for first, second in nodes:
        started = time.perf_counter()
        rx.dijkstra_shortest_paths(rx_graph, first, target=second, weight_fn=lambda _: 1.0)
        rx_times.append(time.perf_counter() - started)

    return {
        "pairs": len(pairs),
        "scipy_breadth_first_order_s": round(float(np.mean(scipy_times)), 3),
        "scipy_setup_s": round(scipy_setup, 3),
        "rustworkx_dijkstra_target_s": round(float(np.mean(rx_times)), 3),
        "rustworkx_setup_s": round(rx_setup, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark the graph build, queries and precompute."
    )
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/mcg-graph-bench"))
    parser.add_argument("--snapshot", default="bench")
    parser.add_argument("--releases", type=int, default=FULL_RELEASES)
    parser.add_argument("--artists", type=int, default=0, help="default: releases * 9/17")
    parser.add_argument("--edges", type=int, default=0, help="default: releases * 75/17")
    parser.add_argument(
        "--synthetic", action="store_true", help="write the catalog with benchmarks.graph_synthetic"
    )
    parser.add_argument(
        "--skip-catalog", action="store_true", help="reuse the catalog already in --data-root"
    )
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--baseline-pairs", type=int, default=3)
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="only answer the pairs (and the baselines, unless --baseline-pairs 0) on the built graph",
    )
    args = parser.parse_args()
    args.data_root = args.data_root.absolute()
    args.artists = args.artists or args.releases * FULL_ARTISTS // FULL_RELEASES
    args.edges = args.edges or args.releases * FULL_EDGES // FULL_RELEASES

    if args.queries_only:
        print(json.dumps(run_queries(args)))
        return
    if args.baseline_pairs < 1:
        parser.error("a full run compares with the baselines: give --baseline-pairs 1 or more")

    report: dict = {
        "releases": args.releases,
        "artists": args.artists,
        "edges_requested": args.edges,
    }
    if not args.skip_catalog:
        shutil.rmtree(args.data_root, ignore_errors=True)
        report["catalog_seconds"] = round(write_catalog(args), 1)
    else:
        shutil.rmtree(args.data_root / "graph", ignore_errors=True)
        shutil.rmtree(args.data_root / "exports", ignore_errors=True)

    build = measure(
        "graph build",
        mcg(args.data_root, "graph", "--snapshot", args.snapshot, "--ruleset", RULESET),
    )
    manifest = json.loads(
        (args.data_root / "graph" / args.snapshot / RULESET / "manifest.json").read_text()
    )
    report["graph"] = {
        "seconds": round(build.seconds, 1),
        "peak_pss_mb": round(build.peak_mb),
        **manifest["counts"],
    }
    print(f"graph build: {build.seconds:.1f} s, {build.peak_mb:.0f} MB peak", flush=True)

    query_command = [
        sys.executable,
        "-m",
        "benchmarks.graph_bench",
        "--queries-only",
        *sys.argv[1:],
    ]
    output = subprocess.run(query_command, check=True, capture_output=True, text=True).stdout
    report["queries"] = json.loads(output.strip().splitlines()[-1])
    print(f"queries: {report['queries']}", flush=True)

    precompute = measure(
        "precompute",
        mcg(
            args.data_root,
            "precompute",
            "--snapshot",
            args.snapshot,
            "--ruleset",
            RULESET,
            "--top",
            str(args.top),
        ),
    )
    answers = json.loads(
        (
            args.data_root / "exports" / args.snapshot / "answers" / RULESET / "manifest.json"
        ).read_text()
    )
    report["precompute"] = {
        "top": args.top,
        "seconds": round(precompute.seconds, 1),
        "peak_pss_mb": round(precompute.peak_mb),
        "step_seconds": answers["seconds"],
        "size": answers["size"],
        "hops": answers["analytics"]["popular_core"]["hops"],
    }
    print(f"precompute: {report['precompute']}", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.snapshot}.json").write_text(json.dumps(report, indent=2))
    print_table(report)


def print_table(report: dict) -> None:
    queries, baselines = report["queries"], report["queries"]["baselines"]
    graph, precompute = report["graph"], report["precompute"]
    scipy_s, rx_s = (
        baselines["scipy_breadth_first_order_s"],
        baselines["rustworkx_dijkstra_target_s"],
    )
    print(
        f"| graph | {graph['artists']:,} artists, {graph['releases']:,} releases, {graph['edges']:,} edges |"
    )
    print(f"| build | {graph['seconds']} s, {graph['peak_pss_mb']:,} MB peak |")
    print(
        f"| query p50 / p95 / max | {queries['p50_ms']} / {queries['p95_ms']} / {queries['max_ms']} ms, "
        f"{queries['rss_mb']} MB RSS, {queries.get('anonymous_mb', '?')} MB anonymous |"
    )
    print(
        f"| scipy breadth_first_order | {scipy_s} s a pair ({scipy_s * 1000 / queries['p50_ms']:,.0f}x p50) |"
    )
    print(
        f"| rustworkx dijkstra, target | {rx_s} s a pair ({rx_s * 1000 / queries['p50_ms']:,.0f}x p50) |"
    )
    print(
        f"| precompute top {precompute['top']} | {precompute['seconds']} s, {precompute['peak_pss_mb']:,} MB peak |"
    )


if __name__ == "__main__":
    main()
