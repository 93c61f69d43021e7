"""Single-source BFS over a graph snapshot, for the chains among popular artists.

One search from the artist with the lower id reaches every other popular
artist; walking parent pointers back from each target gives the chain that
``find_path`` returns for that pair, because both keep the lowest-index
parent on the previous level (see the tie-breaking rule in
``mcg_lib.graph.search``).
"""

from __future__ import annotations

import numpy as np

from mcg_lib.graph.csr import gather_neighbors
from mcg_lib.graph.store import Graph

# Frontiers with more edges than this are expanded in slices, to bound the
# temporary arrays of one level at full Discogs size.
SLICE_EDGES = 1 << 22


class SourceSearch:
    """Reusable single-source BFS with early stop once every target is reached."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.scratch = graph.scratch()
        self.query = 0
        self.edges_read = 0

    def run(self, source: int, targets: np.ndarray) -> int:
        """Search from artist node ``source`` until all ``targets`` (artist nodes) are reached.

        Returns the number of BFS levels expanded. Afterwards ``reached`` and
        ``chain`` answer for the targets.
        """
        scratch = self.scratch
        self.query = scratch.next_query()
        own = np.uint32(2 * self.query)
        artist_marks = scratch.marks[0]
        artist_marks[source] = own

        remaining = targets[artist_marks[targets] != own]
        frontier = np.array([source], dtype=np.int32)
        depth = 0
        while len(frontier) and len(remaining):
            on_artists = depth % 2 == 0
            frontier = self._expand(frontier, on_artists, own)
            depth += 1
            if not on_artists:
                remaining = remaining[artist_marks[remaining] != own]
        return depth

    def _expand(self, frontier: np.ndarray, on_artists: bool, own: np.uint32) -> np.ndarray:
        graph = self.graph
        adjacency = graph.by_artist if on_artists else graph.by_release
        node_type = 1 if on_artists else 0
        marks = self.scratch.marks[node_type]
        parents = self.scratch.parents[node_type]

        # Slices go in ascending frontier order and mark what they find, so a
        # node keeps the lowest-index parent even when two slices reach it.
        found_parts = []
        for part in _slices(adjacency.offsets, frontier):
            found, source_index = gather_neighbors(adjacency, part)
            self.edges_read += len(found)
            fresh = marks[found] != own
            new_nodes, first = np.unique(found[fresh], return_index=True)
            marks[new_nodes] = own
            parents[new_nodes] = part[source_index[fresh][first]]
            found_parts.append(new_nodes)
        if len(found_parts) == 1:
            return found_parts[0].astype(np.int32, copy=False)
        return np.sort(np.concatenate(found_parts)).astype(np.int32, copy=False)

    def reached(self, artist_node: int) -> bool:
        return bool(self.scratch.marks[0][artist_node] == np.uint32(2 * self.query))

    def chain(self, source: int, target: int) -> list[int]:
        """Return the node chain from ``source`` to a reached ``target``: artist, release, ..., artist."""
        artist_parents, release_parents = self.scratch.parents
        chain = [target]
        node = target
        while node != source:
            release = int(artist_parents[node])
            node = int(release_parents[release])
            chain.extend((release, node))
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
