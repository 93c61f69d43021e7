"""Compare the graphs of two rulesets of one snapshot."""

from __future__ import annotations

from typing import Any

import numpy as np

from mcg_lib.graph.store import Graph
from mcg_lib.precompute.bfs import SourceSearch

HUBS = 10


def hub_artists(graph: Graph, count: int = HUBS) -> list[dict[str, Any]]:
    """Return the artists credited on the most release nodes, most first (ties: lower id)."""
    degrees = np.diff(graph.by_artist.offsets)
    order = np.lexsort((graph.artist_ids, -degrees))[:count]
    return [
        {
            "id": int(graph.artist_ids[n]),
            "name": graph.artist_row(int(n))["name"],
            "releases": int(degrees[n]),
        }
        for n in order
    ]


def popular_ids(graph: Graph, count: int) -> list[int]:
    popularity = graph.artists.column("popularity").to_numpy()
    order = np.lexsort((graph.artist_ids, -popularity))
    return [int(graph.artist_ids[n]) for n in order[:count]]


def pair_hops(graph: Graph, artist_ids: list[int]) -> dict[tuple[int, int], int | None]:
    """Return the hop count of every pair of the given artists (None when unconnected)."""
    nodes = sorted(graph.artist_node(a) for a in artist_ids)
    search = SourceSearch(graph)
    hops: dict[tuple[int, int], int | None] = {}
    for index, source in enumerate(nodes[:-1]):
        targets = np.array(nodes[index + 1 :], dtype=np.int32)
        search.run(source, targets)
        for target in targets:
            pair = (int(graph.artist_ids[source]), int(graph.artist_ids[target]))
            hops[pair] = (
                (len(search.chain(source, int(target))) - 1) // 2
                if search.reached(int(target))
                else None
            )
    return hops


def _distance_summary(hops: dict[tuple[int, int], int | None]) -> dict[str, Any]:
    found = [h for h in hops.values() if h is not None]
    return {
        "pairs": len(hops),
        "connected": len(found),
        "mean_hops": round(sum(found) / len(found), 3) if found else None,
        "max_hops": max(found, default=None),
    }


def compare_graphs(first: Graph, second: Graph, *, popular: int = 50) -> dict[str, Any]:
    """Return sizes, hubs and distances among the popular artists of both graphs.

    Distances use the ``popular`` most popular artists of the first graph
    that are also nodes of the second, so both sides measure the same pairs.
    """
    second_ids = set(second.artist_ids.tolist())
    shared = [a for a in popular_ids(first, len(first.artist_ids)) if a in second_ids][:popular]
    first_hops, second_hops = pair_hops(first, shared), pair_hops(second, shared)
    changed = sum(1 for pair in first_hops if first_hops[pair] != second_hops[pair])

    sides = {}
    for graph, hops in ((first, first_hops), (second, second_hops)):
        sides[graph.ruleset] = {
            "artists": graph.artist_count,
            "releases": graph.release_count,
            "edges": graph.edge_count,
            "hubs": hub_artists(graph),
            "distances": _distance_summary(hops),
        }
    first_set = set(first.artist_ids.tolist())
    return {
        "snapshot": first.snapshot,
        "rulesets": [first.ruleset, second.ruleset],
        "sides": sides,
        "shared_artists": len(first_set & second_ids),
        "popular_compared": len(shared),
        "pairs_with_other_distance": changed,
    }
