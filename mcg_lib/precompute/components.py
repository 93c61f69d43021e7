"""Connected components of a graph snapshot and analytics of the popular core.

Components come from scipy's ``connected_components`` on the CSR arrays as
they are; ``benchmarks/precompute_components.py`` measures it against
rustworkx and a numpy label propagation. The popular core (the top artists,
linked when they share a release) is small, so rustworkx analyses it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import rustworkx as rx
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from mcg_lib.graph.store import Graph


def bipartite_matrix(graph: Graph) -> sp.csr_array:
    """Return the graph as one square sparse matrix: artists first, then releases.

    Only artist rows have entries (artist -> release); component search
    treats the matrix as undirected, so the release rows may stay empty.
    """
    artists, releases = graph.artist_count, graph.release_count
    size = artists + releases
    indptr = np.empty(size + 1, dtype=np.int64)
    indptr[: artists + 1] = graph.by_artist.offsets
    indptr[artists + 1 :] = graph.by_artist.offsets[-1]
    indices = np.asarray(graph.by_artist.targets, dtype=np.int32) + np.int32(artists)
    data = np.ones(len(indices), dtype=np.int8)
    return sp.csr_array((data, indices, indptr), shape=(size, size))


def artist_components(graph: Graph) -> np.ndarray:
    """Return the component label of every artist node (int32)."""
    if graph.artist_count == 0:
        return np.empty(0, dtype=np.int32)
    _, labels = connected_components(bipartite_matrix(graph), directed=False)
    return labels[: graph.artist_count].astype(np.int32, copy=False)


def component_summary(labels: np.ndarray, popular: np.ndarray) -> dict[str, Any]:
    """Summarise component sizes (in artists) and where the popular artists are."""
    if len(labels) == 0:
        return {"components": 0, "largest_artists": 0, "popular_in_largest": 0}
    sizes = np.bincount(labels)
    largest = int(np.argmax(sizes))
    return {
        "components": int(len(sizes)),
        "largest_artists": int(sizes[largest]),
        "largest_share": round(float(sizes[largest]) / len(labels), 4),
        "popular_in_largest": int(np.count_nonzero(labels[popular] == largest))
        if len(popular)
        else 0,
    }


def core_analytics(
    artist_ids: list[int], hops: dict[tuple[int, int], int | None]
) -> dict[str, Any]:
    """Analyse the popular core: artists linked when a chain between them is one hop.

    Returns its component count, its density, the artists with the highest
    betweenness (the ones most chains among neighbours pass through) and
    the hop-count histogram of all pairs.
    """
    core = rx.PyGraph()
    index = {artist_id: core.add_node(artist_id) for artist_id in artist_ids}
    histogram: dict[str, int] = {}
    for (first, second), hop_count in hops.items():
        key = "none" if hop_count is None else str(hop_count)
        histogram[key] = histogram.get(key, 0) + 1
        if hop_count == 1:
            core.add_edge(index[first], index[second], None)

    nodes = len(artist_ids)
    betweenness = rx.graph_betweenness_centrality(core) if core.num_edges() else {}
    bridges = sorted(betweenness.items(), key=lambda item: (-item[1], core[item[0]]))[:10]
    return {
        "artists": nodes,
        "one_hop_links": core.num_edges(),
        "density": round(2 * core.num_edges() / (nodes * (nodes - 1)), 4) if nodes > 1 else 0.0,
        "components": len(rx.connected_components(core)) if nodes else 0,
        "bridges": [{"id": core[node], "betweenness": round(value, 4)} for node, value in bridges],
        "hops": dict(sorted(histogram.items())),
    }
