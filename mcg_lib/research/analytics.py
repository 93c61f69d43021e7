"""Whole-graph analytics for the research notebooks, with rustworkx.

A graph snapshot stores adjacency arrays for fast single searches.
``to_rustworkx`` copies them into an in-memory rustworkx graph, in which
artist node ``i`` keeps index ``i`` and release node ``j`` gets index
``artist_count + j``. Because the graph is bipartite, the distance between
two artists is even: ``2 * hops``.

NOTE: the rustworkx copy holds every node and edge in memory (roughly 100
bytes an edge, an estimate), which suits the demo month and the samples but
not a full monthly dump on a small machine.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import rustworkx as rx

from mcg_lib.graph import Graph

SIDES = ("artist", "release")


def to_rustworkx(graph: Graph) -> rx.PyGraph:
    """Return an undirected rustworkx graph with the nodes and edges of ``graph``."""
    artist_count, release_count = graph.artist_count, graph.release_count
    network = rx.PyGraph(
        node_count_hint=artist_count + release_count, edge_count_hint=graph.edge_count
    )
    network.add_nodes_from([None] * (artist_count + release_count))

    degrees = np.diff(graph.by_release.offsets)
    releases = np.repeat(np.arange(release_count, dtype=np.int64), degrees) + artist_count
    artists = np.asarray(graph.by_release.targets, dtype=np.int64)
    network.add_edges_from_no_data(list(zip(artists.tolist(), releases.tolist(), strict=True)))
    return network


def component_sizes(graph: Graph, network: rx.PyGraph | None = None) -> pl.DataFrame:
    """Return one row per connected component: its artists and releases, largest first."""
    network = network if network is not None else to_rustworkx(graph)
    rows = []
    for component in rx.connected_components(network):
        nodes = np.fromiter(component, dtype=np.int64, count=len(component))
        artists = int((nodes < graph.artist_count).sum())
        rows.append((artists, len(nodes) - artists))
    frame = pl.DataFrame(rows, schema={"artists": pl.Int64, "releases": pl.Int64}, orient="row")
    frame = frame.sort(["artists", "releases"], descending=True)
    return frame.with_row_index("component")


def degree_distribution(graph: Graph, side: str = "artist") -> pl.DataFrame:
    """Return how many nodes of one side have each degree.

    For ``side="artist"`` the degree is the number of releases an artist is
    linked to; for ``side="release"`` the number of artists on a release.
    """
    if side not in SIDES:
        raise ValueError(f"invalid side {side!r}: use one of {', '.join(SIDES)}")
    adjacency = graph.by_artist if side == "artist" else graph.by_release
    degrees = np.diff(adjacency.offsets)
    values, counts = np.unique(degrees, return_counts=True)
    return pl.DataFrame({"degree": values.astype(np.int64), "nodes": counts.astype(np.int64)})


def _artist_frame(graph: Graph) -> pl.DataFrame:
    columns = ["artist_id", "name", "name_display", "popularity", "release_count"]
    frame = pl.from_arrow(graph.artists.select(columns))
    return frame.with_columns(pl.Series("releases", np.diff(graph.by_artist.offsets)))


def hub_artists(graph: Graph, n: int = 20) -> pl.DataFrame:
    """Return the ``n`` artists linked to the most releases, with their popularity."""
    frame = _artist_frame(graph).sort(["releases", "artist_id"], descending=[True, False])
    return frame.select("artist_id", "name", "releases", "popularity").head(n)


def hub_releases(graph: Graph, n: int = 20) -> pl.DataFrame:
    """Return the ``n`` releases that link the most artists."""
    frame = pl.from_arrow(graph.releases.select(["release_id", "title", "year", "kind"]))
    frame = frame.with_columns(pl.Series("artists", np.diff(graph.by_release.offsets)))
    frame = frame.sort(["artists", "release_id"], descending=[True, False])
    return frame.select("release_id", "title", "year", "kind", "artists").head(n)


def popular_artists(graph: Graph, n: int = 50) -> pl.DataFrame:
    """Return the ``n`` most popular artists, ranked as the precompute stage ranks them.

    Popularity counts the releases an artist is linked to, and a main credit
    counts more than other credits. Ties go to the lower artist id.
    """
    frame = _artist_frame(graph).sort(["popularity", "artist_id"], descending=[True, False])
    return frame.select("artist_id", "name", "popularity", "releases").head(n)


def distances_among(
    graph: Graph, artist_ids: list[int], network: rx.PyGraph | None = None
) -> pl.DataFrame:
    """Return the distance in hops of every pair of the given artists.

    One row per unordered pair (``from_id`` < ``to_id`` in list order), with
    ``hops`` null when the two are in different components. Each artist costs
    one breadth-first search over the whole graph.
    """
    network = network if network is not None else to_rustworkx(graph)
    nodes = np.array([graph.artist_node(int(a)) for a in artist_ids], dtype=np.int64)

    rows = []
    for index, source in enumerate(nodes[:-1]):
        targets = nodes[index + 1 :]
        found = _layers_of(network, int(source), targets)
        for target_id, layer in zip(artist_ids[index + 1 :], found, strict=True):
            hops = None if layer < 0 else int(layer) // 2
            rows.append((int(artist_ids[index]), int(target_id), hops))
    return pl.DataFrame(
        rows, schema={"from_id": pl.Int64, "to_id": pl.Int64, "hops": pl.Int64}, orient="row"
    )


def _layers_of(network: rx.PyGraph, source: int, targets: np.ndarray) -> np.ndarray:
    """Return the BFS layer of each target seen from ``source``, or -1 if it is not reached."""
    found = np.full(len(targets), -1, dtype=np.int64)
    for depth, layer in enumerate(rx.bfs_layers(network, [source])):
        # Artists sit on even layers only, since every edge joins an artist and a release.
        if depth % 2:
            continue
        hit = np.isin(targets, np.asarray(layer, dtype=np.int64)) & (found < 0)
        found[hit] = depth
        if (found >= 0).all():
            break
    return found
