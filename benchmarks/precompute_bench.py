"""Precompute benchmark: rustworkx, scipy.sparse.csgraph and mcg's own numpy BFS, job by job.

Run with ``uv run python -m benchmarks.precompute_bench --data-root DIR --snapshot S``
on a graph that ``mcg graph`` built (``benchmarks.graph_bench`` leaves one).
Each job runs with each library on the same graph in one process:

- components: connected components of the whole graph;
- sources: distances from one popular artist to the other top-K artists,
  which the chains among popular artists need once per source;
- core: all-pairs distances in the popular core (top-K artists linked when
  they share a release).

rustworkx needs the graph as a PyGraph first; that conversion is timed
separately, since it is paid once per run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import rustworkx as rx
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, connected_components, shortest_path

from mcg_lib.graph import open_graph
from mcg_lib.graph.store import Graph
from mcg_lib.paths import DataRoot
from mcg_lib.precompute.bfs import SourceSearch
from mcg_lib.precompute.chains import popular_nodes
from mcg_lib.precompute.components import bipartite_matrix

OUT = Path(__file__).resolve().parent / "out" / "graph"


def timed(function, *args, repeat: int = 1):
    """Return (mean seconds, last result) over ``repeat`` calls."""
    result = None
    started = time.perf_counter()
    for _ in range(repeat):
        result = function(*args)
    return (time.perf_counter() - started) / repeat, result


def to_rustworkx(graph: Graph) -> rx.PyGraph:
    """Copy the bipartite graph into a rustworkx PyGraph, artists first, in chunks."""
    artists = graph.artist_count
    result = rx.PyGraph(multigraph=False)
    result.add_nodes_from(range(artists + graph.release_count))
    sources = np.repeat(np.arange(artists, dtype=np.int64), np.diff(graph.by_artist.offsets))
    targets = np.asarray(graph.by_artist.targets, dtype=np.int64) + artists
    chunk = 2_000_000
    for start in range(0, len(targets), chunk):
        pairs = zip(
            sources[start : start + chunk].tolist(),
            targets[start : start + chunk].tolist(),
            strict=True,
        )
        result.add_edges_from_no_data(list(pairs))
    return result


def own_components(graph: Graph) -> np.ndarray:
    """Label propagation with numpy: every node takes the lowest label among its neighbours until stable."""
    artist_labels = np.arange(graph.artist_count, dtype=np.int64)
    offsets = graph.by_release.offsets
    nonempty = np.diff(offsets) > 0
    while True:
        gathered = artist_labels[graph.by_release.targets]
        release_labels = np.full(graph.release_count, np.iinfo(np.int64).max)
        release_labels[nonempty] = np.minimum.reduceat(gathered, offsets[:-1][nonempty])
        back = release_labels[graph.by_artist.targets]
        artist_offsets = graph.by_artist.offsets
        has_releases = np.diff(artist_offsets) > 0
        updated = artist_labels.copy()
        updated[has_releases] = np.minimum(
            artist_labels[has_releases],
            np.minimum.reduceat(back, artist_offsets[:-1][has_releases]),
        )
        if np.array_equal(updated, artist_labels):
            return artist_labels
        artist_labels = updated


def bench_components(graph: Graph, rx_graph: rx.PyGraph) -> dict:
    scipy_seconds, _ = timed(lambda: connected_components(bipartite_matrix(graph), directed=False))
    rx_seconds, _ = timed(lambda: rx.connected_components(rx_graph))
    own_seconds, _ = timed(own_components, graph)
    return {
        "scipy": round(scipy_seconds, 3),
        "rustworkx": round(rx_seconds, 3),
        "own": round(own_seconds, 3),
    }


def bench_sources(graph: Graph, rx_graph: rx.PyGraph, popular: np.ndarray, sources: int) -> dict:
    ordered = np.sort(popular)
    search = SourceSearch(graph)
    matrix = bipartite_matrix(graph)
    times = {"own": [], "scipy": [], "rustworkx": []}
    for index in range(sources):
        source, targets = int(ordered[index]), ordered[index + 1 :]
        times["own"].append(timed(search.run, source, targets)[0])
        scipy_seconds, _ = timed(
            breadth_first_order, matrix, source, False, True  # directed=False, predecessors
        )
        times["scipy"].append(scipy_seconds)
        times["rustworkx"].append(timed(rx.bfs_layers, rx_graph, [source])[0])
    return {name: round(float(np.mean(values)), 4) for name, values in times.items()}


def core_matrix(graph: Graph, popular: np.ndarray) -> csr_array:
    """Adjacency of the popular core: two top artists are linked when they share a release."""
    index = {int(node): position for position, node in enumerate(popular)}
    rows, cols = [], []
    for node in popular:
        for release in graph.releases_of(int(node)):
            for other in graph.artists_of(int(release)):
                if int(other) in index and int(other) != int(node):
                    rows.append(index[int(node)])
                    cols.append(index[int(other)])
    size = len(popular)
    return csr_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))


def own_all_pairs(matrix: csr_array) -> np.ndarray:
    """All-pairs hop counts by one numpy BFS per row of a small symmetric matrix."""
    size = matrix.shape[0]
    distances = np.full((size, size), -1, dtype=np.int32)
    indptr, indices = matrix.indptr, matrix.indices
    for source in range(size):
        row = distances[source]
        row[source] = 0
        frontier, level = np.array([source]), 0
        while len(frontier):
            level += 1
            counts = indptr[frontier + 1] - indptr[frontier]
            starts = np.repeat(indptr[frontier] - np.cumsum(counts) + counts, counts)
            found = indices[starts + np.arange(counts.sum())]
            found = np.unique(found[row[found] < 0])
            row[found] = level
            frontier = found
    return distances


def bench_core(graph: Graph, popular: np.ndarray) -> dict:
    matrix = core_matrix(graph, popular)
    core = rx.PyGraph(multigraph=False)
    core.add_nodes_from(range(matrix.shape[0]))
    coo = matrix.tocoo()
    core.add_edges_from_no_data(
        [(int(r), int(c)) for r, c in zip(coo.row, coo.col, strict=True) if r < c]
    )
    return {
        "links": int(matrix.nnz // 2),
        "scipy": round(timed(lambda: shortest_path(matrix, unweighted=True, directed=False))[0], 3),
        "rustworkx": round(
            timed(lambda: rx.graph_distance_matrix(core, parallel_threshold=300))[0], 3
        ),
        "own": round(timed(own_all_pairs, matrix)[0], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Compare rustworkx, scipy and mcg's BFS per precompute job."
    )
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--snapshot", required=True)
    parser.add_argument("--ruleset", default="all-credits")
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument(
        "--sources", type=int, default=5, help="popular sources timed in the sources job"
    )
    args = parser.parse_args()

    graph = open_graph(DataRoot(args.data_root.absolute()), args.snapshot, args.ruleset)
    popular = popular_nodes(graph, args.top)
    report = {
        "graph": {
            "artists": graph.artist_count,
            "releases": graph.release_count,
            "edges": graph.edge_count,
        }
    }

    started = time.perf_counter()
    rx_graph = to_rustworkx(graph)
    report["rustworkx_conversion_s"] = round(time.perf_counter() - started, 3)
    report["components"] = bench_components(graph, rx_graph)
    print(f"components: {report['components']}", flush=True)
    report["sources"] = bench_sources(graph, rx_graph, popular, args.sources)
    print(f"one source: {report['sources']}", flush=True)
    del rx_graph
    report["core"] = bench_core(graph, popular)
    print(f"popular core all-pairs: {report['core']}", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"precompute_{args.snapshot}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
