"""Shortest chains between two artists: bidirectional breadth-first search.

The graph is bipartite (artist - release - artist), so a chain of ``n`` hops
has ``2n`` edges. Both searches expand one whole level at a time, vectorised
with numpy; the side whose frontier has fewer edges goes next.

Tie-breaking (the same rule as the precomputed answers): of all shortest
chains, the one returned is found by walking from the artist with the higher
id towards the other, each step taking the neighbour with the lowest node
index that is still on a shortest chain. Node indices follow ids, so that is
the release with the lowest release id, then the artist with the lowest
artist id, and so on. The chain for (A, B) is therefore the reverse of the
chain for (B, A).

Per-query memory stays small: visited marks and parent pointers live in
arrays allocated once per graph and thread (their pages are touched only
where a search goes), and a query number in the marks makes clearing them
unnecessary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mcg_lib.graph.csr import Adjacency, gather_neighbors

if TYPE_CHECKING:
    from mcg_lib.graph.store import Graph

DEFAULT_MAX_HOPS = 12
DEFAULT_MAX_EXPANDED = 5_000_000

# A frontier with more edges than this is expanded in slices, so that a
# deadline is checked while a hub's neighbourhood is being read.
_SLICE_EDGES = 1 << 20

FOUND = "found"
UNREACHABLE = "unreachable"
BUDGET = "budget"

_LOW = 0  # the search rooted at the artist with the lower id
_HIGH = 1
_ON_PATH = 2  # the mark of nodes found to lie on a shortest chain
_STAMPS = 3


class SearchScratch:
    """Visited marks and parent pointers reused by every search of one thread."""

    def __init__(self, artist_count: int, release_count: int) -> None:
        # np.zeros maps zero pages lazily, so untouched parts cost no memory.
        self.marks = (
            np.zeros(artist_count, dtype=np.uint32),
            np.zeros(release_count, dtype=np.uint32),
        )
        self.parents = (
            np.zeros(artist_count, dtype=np.int32),
            np.zeros(release_count, dtype=np.int32),
        )
        self.query = 0

    def next_stamps(self) -> tuple[np.uint32, np.uint32, np.uint32]:
        """Return fresh marks for the low side, the high side and the chain's nodes.

        Marks of earlier queries then read as unvisited.
        """
        self.query += 1
        if self.query >= (1 << 32) // _STAMPS - 1:
            for marks in self.marks:
                marks.fill(0)
            self.query = 1
        first = _STAMPS * self.query
        return np.uint32(first), np.uint32(first + 1), np.uint32(first + 2)


@dataclass
class PathResult:
    """The outcome of one search; ``to_json`` gives the ``mcg path --json`` object."""

    graph: Graph = field(repr=False)
    from_id: int
    to_id: int
    status: str
    hops: int | None
    artist_nodes: list[int] = field(default_factory=list)
    release_nodes: list[int] = field(default_factory=list)
    max_hops: int = DEFAULT_MAX_HOPS
    expanded: int = 0
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.status == FOUND

    def to_json(self) -> dict[str, Any]:
        """Return {"from", "to", "hops", "path"}; hops is None and path empty unless found."""
        from mcg_lib.graph.describe import describe_chain

        path = (
            describe_chain(self.graph, self.artist_nodes, self.release_nodes) if self.found else []
        )
        return {"from": self.from_id, "to": self.to_id, "hops": self.hops, "path": path}


@dataclass
class _Side:
    root: int
    depth: int = 0
    frontier: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    # Where the frontier's neighbour lists start, and how many edges they hold.
    starts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    degrees: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    cost: int = 0
    # Frontier of each depth; kept for the high side only, to rebuild the chain.
    layers: list[np.ndarray] = field(default_factory=list)

    @property
    def on_artists(self) -> bool:
        return self.depth % 2 == 0

    def advance(self, graph: Graph, frontier: np.ndarray, depth: int) -> None:
        """Move to ``frontier`` at ``depth`` and read its neighbour list bounds once."""
        self.depth, self.frontier = depth, frontier
        offsets = _adjacency(graph, self.on_artists).offsets
        self.starts = offsets[frontier]
        self.degrees = offsets[frontier + 1] - self.starts
        self.cost = int(self.degrees.sum())


@dataclass
class _Meeting:
    nodes: np.ndarray
    high_depth: int
    distance: int


def find_path(
    graph: Graph,
    from_id: int,
    to_id: int,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    max_expanded: int = DEFAULT_MAX_EXPANDED,
    deadline: float | None = None,
) -> PathResult:
    """Find a shortest chain of shared releases from one artist id to another.

    ``max_hops`` bounds the chain length, ``max_expanded`` the number of nodes
    whose neighbours are read, and ``deadline`` (a ``time.monotonic()`` value)
    the wall time. Hitting any of them returns status "budget". Raises
    NotFoundError when an id is not an artist of the graph.
    """
    start = graph.artist_node(from_id)
    end = graph.artist_node(to_id)
    result = PathResult(graph, from_id, to_id, BUDGET, None, max_hops=max_hops)
    if start == end:
        result.status, result.hops, result.artist_nodes = FOUND, 0, [start]
        return result

    low, high = min(start, end), max(start, end)
    outcome = _search(graph, low, high, max_hops, max_expanded, deadline)
    result.expanded = outcome["expanded"]
    result.status = outcome["status"]
    result.reason = outcome.get("reason", "")
    if result.status != FOUND:
        return result

    chain = outcome["chain"]  # from high to low
    if start == low:
        chain = chain[::-1]
    result.hops = (len(chain) - 1) // 2
    result.artist_nodes = [int(n) for n in chain[0::2]]
    result.release_nodes = [int(n) for n in chain[1::2]]
    return result


def _search(
    graph: Graph, low: int, high: int, max_hops: int, max_expanded: int, deadline: float | None
) -> dict[str, Any]:
    scratch = graph.scratch()
    stamps = scratch.next_stamps()

    sides = (_Side(low), _Side(high))
    for side_id, side in enumerate(sides):
        side.advance(graph, np.array([side.root], dtype=np.int32), 0)
        scratch.marks[0][side.root] = stamps[side_id]
    sides[_HIGH].layers.append(sides[_HIGH].frontier)

    expanded = 0
    while True:
        if sides[_LOW].depth + sides[_HIGH].depth + 1 > 2 * max_hops:
            return {
                "status": BUDGET,
                "expanded": expanded,
                "reason": f"no chain within {max_hops} hops",
            }

        # The side whose frontier has fewer edges goes next.
        side_id = _LOW if sides[_LOW].cost <= sides[_HIGH].cost else _HIGH
        side = sides[side_id]
        if expanded + len(side.frontier) > max_expanded:
            return {
                "status": BUDGET,
                "expanded": expanded,
                "reason": f"more than {max_expanded} nodes expanded",
            }
        expanded += len(side.frontier)

        step = _expand(graph, scratch, side, side_id, stamps, deadline)
        if step is None:
            return {"status": BUDGET, "expanded": expanded, "reason": "deadline passed"}
        new_nodes, met = step

        if met is not None:
            high_depth = sides[_HIGH].depth + (1 if side_id == _HIGH else 0)
            distance = sides[_LOW].depth + sides[_HIGH].depth + 1
            meeting = _Meeting(met, high_depth, distance)
            return {
                "status": FOUND,
                "expanded": expanded,
                "chain": _chain(graph, scratch, sides, meeting, stamps[_ON_PATH]),
            }
        if len(new_nodes) == 0:
            return {"status": UNREACHABLE, "expanded": expanded}

        side.advance(graph, new_nodes, side.depth + 1)
        if side_id == _HIGH:
            side.layers.append(new_nodes)


def _adjacency(graph: Graph, on_artists: bool) -> Adjacency:
    return graph.by_artist if on_artists else graph.by_release


def _expand(graph: Graph, scratch: SearchScratch, side: _Side, side_id: int, stamps, deadline):
    """Read the neighbours of one side's frontier.

    Returns (new nodes, meeting nodes or None), or None when the deadline passed.
    New nodes are marked and, on the low side, get the lowest-index frontier
    node as parent (the frontier is sorted and neighbours come in frontier order).
    """
    adjacency = _adjacency(graph, side.on_artists)
    target_type = 1 if side.on_artists else 0
    marks = scratch.marks[target_type]
    own, other = stamps[side_id], stamps[1 - side_id]

    neighbors, parents = [], []
    for part in _slices(side):
        if deadline is not None and time.monotonic() > deadline:
            return None
        chunk = side.frontier[part]
        found, source_index = gather_neighbors(adjacency, chunk, side.starts[part])
        neighbors.append(found)
        parents.append(chunk[source_index])
    found = np.concatenate(neighbors) if len(neighbors) > 1 else neighbors[0]
    parent = np.concatenate(parents) if len(parents) > 1 else parents[0]

    seen = marks[found]
    met_mask = seen == other
    fresh_mask = (seen != own) & ~met_mask
    if met_mask.any():
        met, first = np.unique(found[met_mask], return_index=True)
        if side_id == _LOW:
            scratch.parents[target_type][met] = parent[met_mask][first]
        return np.empty(0, dtype=np.int32), met

    new_nodes, first = np.unique(found[fresh_mask], return_index=True)
    marks[new_nodes] = own
    if side_id == _LOW:
        scratch.parents[target_type][new_nodes] = parent[fresh_mask][first]
    return new_nodes.astype(np.int32, copy=False), None


def _slices(side: _Side):
    """Yield slices of the frontier that hold about ``_SLICE_EDGES`` edges each."""
    if side.cost <= _SLICE_EDGES:
        yield slice(None)
        return
    cumulative = np.cumsum(side.degrees)
    cuts = np.searchsorted(cumulative, np.arange(_SLICE_EDGES, side.cost, _SLICE_EDGES))
    bounds = [0, *np.unique(cuts + 1).tolist(), len(side.frontier)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        if start < end:
            yield slice(start, end)


def _chain(
    graph: Graph,
    scratch: SearchScratch,
    sides: tuple[_Side, _Side],
    meeting: _Meeting,
    on_path_stamp: np.uint32,
) -> list[int]:
    """Rebuild the chain from the high artist to the low one, by the tie-breaking rule."""
    high_side = sides[_HIGH]
    layers = high_side.layers[: meeting.high_depth] + [meeting.nodes]

    # on_path[j]: nodes at distance j from the high artist that lie on a shortest chain.
    # Each is marked once found; the search is over, so its marks are free to reuse.
    on_path = [np.empty(0, dtype=np.int32)] * len(layers)
    on_path[-1] = meeting.nodes
    for depth in range(len(layers) - 2, -1, -1):
        layer_on_artists = depth % 2 == 0
        marks = scratch.marks[1 if layer_on_artists else 0]
        marks[on_path[depth + 1]] = on_path_stamp
        on_path[depth] = _nodes_next_to(
            graph, layers[depth], on_path[depth + 1], layer_on_artists, marks, on_path_stamp
        )

    chain = [high_side.root]
    for depth in range(1, len(layers)):
        neighbors = _adjacency(graph, on_artists=(depth - 1) % 2 == 0).neighbors(chain[-1])
        # Neighbours are sorted, so the first one on a shortest chain has the lowest index.
        step = neighbors[_sorted_contains(on_path[depth], neighbors)]
        chain.append(int(step[0]))

    # From the meeting node, the low side's parents lead to the low artist.
    node, depth = chain[-1], meeting.distance - meeting.high_depth
    while depth > 0:
        node_type = 0 if depth % 2 == 0 else 1
        node = int(scratch.parents[node_type][node])
        depth -= 1
        chain.append(node)
    return chain


def _nodes_next_to(
    graph: Graph,
    layer: np.ndarray,
    targets: np.ndarray,
    layer_on_artists: bool,
    target_marks: np.ndarray,
    on_path_stamp: np.uint32,
) -> np.ndarray:
    """Return the nodes of ``layer`` (sorted) with a neighbour in ``targets`` (sorted), sorted.

    Reads the neighbours of whichever side has fewer edges: the targets of
    a chain may include a hub with millions of releases, while the layer,
    which the search has already expanded, is usually far cheaper. The
    targets carry ``on_path_stamp`` in ``target_marks``; of the other nodes
    so marked, none is next to the layer, being two or more levels further.
    """
    from_layer = _adjacency(graph, layer_on_artists)
    from_targets = _adjacency(graph, not layer_on_artists)
    if _edge_count(from_layer, layer) <= _edge_count(from_targets, targets):
        reached, source_index = gather_neighbors(from_layer, layer)
        hits = source_index[target_marks[reached] == on_path_stamp]
        # source_index ascends, so its distinct values are where it changes.
        return layer[hits[np.r_[True, hits[1:] != hits[:-1]]]] if len(hits) else layer[:0]
    reached, _ = gather_neighbors(from_targets, targets)
    return np.unique(reached[_sorted_contains(layer, reached)])


def _edge_count(adjacency: Adjacency, nodes: np.ndarray) -> int:
    return int((adjacency.offsets[nodes + 1] - adjacency.offsets[nodes]).sum())


def _sorted_contains(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Return whether each query is in ``sorted_values`` (ascending), without sorting the queries."""
    if len(sorted_values) == 0:
        return np.zeros(len(queries), dtype=bool)
    index = np.searchsorted(sorted_values, queries)
    index[index == len(sorted_values)] = 0
    return sorted_values[index] == queries
