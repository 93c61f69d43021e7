"""Single-source BFS over a graph snapshot, for the chains among popular artists.

One search from the artist with the lower id gives the distance of every
node it reaches. The chain to each target is then walked back from the
target, each step to the lowest-index neighbour one level closer. That is
the tie-breaking rule of ``mcg_lib.graph.search``, so the chains equal those
``find_path`` returns.

Two things keep a search cheap on a graph of tens of millions of nodes:
distances are one byte per node in arrays reused by every search, and a
search about to expand a release level first checks whether the remaining
targets are one step away, which usually saves the largest level of all.
"""

from __future__ import annotations

import numpy as np

from mcg_lib.graph.csr import Adjacency, gather_neighbors
from mcg_lib.graph.store import Graph

UNSEEN = np.uint8(255)
# Chains longer than this many levels (edges) are not followed; 254 levels
# are 127 hops, far beyond any real chain.
MAX_LEVEL = 254

# Frontiers with more edges than this are expanded in slices, to bound the
# temporary arrays of one level at full Discogs size.
SLICE_EDGES = 1 << 22


class SourceSearch:
    """Reusable single-source BFS that stops once every target is reached."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.distance = (
            np.full(graph.artist_count, UNSEEN, dtype=np.uint8),
            np.full(graph.release_count, UNSEEN, dtype=np.uint8),
        )
        self._touched = False
        self.edges_read = 0

    def run(self, source: int, targets: np.ndarray) -> int:
        """Search from artist node ``source`` until all ``targets`` (artist nodes) are reached.

        Returns the number of levels searched. Afterwards ``reached`` and
        ``chain`` return the results for the targets.
        """
        if self._touched:
            for distance in self.distance:
                distance.fill(UNSEEN)
        self._touched = True

        artist_distance = self.distance[0]
        artist_distance[source] = 0
        remaining = targets[artist_distance[targets] == UNSEEN]
        frontier = np.array([source], dtype=np.int32)
        level = 0
        while len(frontier) and len(remaining) and level < MAX_LEVEL:
            on_artists = level % 2 == 0
            if not on_artists and self._targets_next(remaining, level):
                return level + 1
            frontier = self._expand(frontier, on_artists, level + 1)
            level += 1
            if not on_artists:
                remaining = remaining[artist_distance[remaining] == UNSEEN]
        return level

    def _targets_next(self, remaining: np.ndarray, level: int) -> bool:
        """Mark targets adjacent to the current release level; return whether none is left."""
        releases, owner = gather_neighbors(self.graph.by_artist, remaining)
        self.edges_read += len(releases)
        near = self.distance[1][releases] == level
        hit = np.zeros(len(remaining), dtype=bool)
        hit[owner[near]] = True
        if not hit.all():
            return False
        self.distance[0][remaining] = level + 1
        return True

    def _expand(self, frontier: np.ndarray, on_artists: bool, level: int) -> np.ndarray:
        adjacency: Adjacency = self.graph.by_artist if on_artists else self.graph.by_release
        distance = self.distance[1 if on_artists else 0]
        found_total = 0
        for part in _slices(adjacency.offsets, frontier):
            found, _ = gather_neighbors(adjacency, part)
            self.edges_read += len(found)
            fresh = found[distance[found] == UNSEEN]
            distance[fresh] = level
            found_total += len(fresh)
        # Scanning the whole distance array is cheaper than sorting once a
        # level is a sizeable share of the graph.
        if found_total > len(distance) // 32:
            return np.flatnonzero(distance == level).astype(np.int32)
        return self._small_level(adjacency, frontier, distance, level)

    def _small_level(self, adjacency: Adjacency, frontier, distance, level: int) -> np.ndarray:
        found, _ = gather_neighbors(adjacency, frontier)
        return np.unique(found[distance[found] == level]).astype(np.int32)

    def reached(self, artist_node: int) -> bool:
        return bool(self.distance[0][artist_node] != UNSEEN)

    def chain(self, source: int, target: int) -> list[int]:
        """Return the node chain from ``source`` to a reached ``target``, artist to artist.

        Walks from the target, each step to the lowest-index neighbour one level closer.
        """
        graph = self.graph
        chain = [target]
        node, level = target, int(self.distance[0][target])
        while level > 0:
            on_artist = level % 2 == 0
            neighbors = (graph.by_artist if on_artist else graph.by_release).neighbors(node)
            closer = self.distance[1 if on_artist else 0][neighbors] == level - 1
            node = int(neighbors[int(np.argmax(closer))])
            level -= 1
            chain.append(node)
        return chain[::-1]


def _slices(offsets: np.ndarray, frontier: np.ndarray):
    degrees = offsets[frontier + 1] - offsets[frontier]
    total = int(degrees.sum())
    if total <= SLICE_EDGES:
        yield frontier
        return
    cumulative = np.cumsum(degrees)
    cuts = np.unique(np.searchsorted(cumulative, np.arange(SLICE_EDGES, total, SLICE_EDGES)) + 1)
    yield from (part for part in np.split(frontier, cuts) if len(part))
