"""Shortest chains between two artists: bidirectional breadth-first search.

The graph is bipartite (artist - release - artist), so a chain of ``n`` hops
has ``2n`` edges. Both searches expand one whole level at a time; the side
whose deepest level has fewer edges goes next. The search itself runs in a
small C kernel (``bfs.c``, compiled when mcg is installed and loaded with
ctypes), because a query touches up to millions of edges one at a time,
which numpy can only batch per level, with a dozen calls and their
temporaries each.

Tie-breaking (the same rule as the precomputed answers): of all shortest
chains, the one returned is found by walking from the artist with the higher
id towards the other, each step taking the neighbour with the lowest node
index that is still on a shortest chain. Node indices follow ids, so that is
the release with the lowest release id, then the artist with the lowest
artist id, and so on. The chain for (A, B) is therefore the reverse of the
chain for (B, A).

Per-query memory stays small: each concurrent search has two bytes of marks
per node, allocated once per graph and lent from a pool, and the kernel
clears the marks it set before it returns.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mcg_lib.errors import ConfigError, InputError

if TYPE_CHECKING:
    from mcg_lib.graph.store import Graph

DEFAULT_MAX_HOPS = 12
DEFAULT_MAX_EXPANDED = 5_000_000
# Depths are kept in 14 bits of a node's mark.
MAX_HOPS_LIMIT = 8000

FOUND = "found"
UNREACHABLE = "unreachable"
BUDGET = "budget"

KERNEL = Path(__file__).with_name("_bfs.so")

# Edges the kernel reads between two looks at the clock (and once before the first edge).
CLOCK_EVERY = 65_536

# Status codes of mcg_find_chain in bfs.c.
_STATUSES = {0: FOUND, 1: UNREACHABLE, 2: BUDGET, 3: BUDGET, 4: BUDGET}
_OUT_OF_MEMORY = 5
_DAMAGED = 6
# The kernel counts in signed 64 bits.
_INT64_MAX = (1 << 63) - 1


class SearchScratch:
    """The marks of every node for one search at a time, reused by the searches after it."""

    def __init__(self, graph: Graph) -> None:
        # np.zeros maps zero pages lazily, so untouched parts cost no memory.
        artist_marks = np.zeros(graph.artist_count, dtype=np.uint16)
        release_marks = np.zeros(graph.release_count, dtype=np.uint16)
        self.chain = np.zeros(2 * DEFAULT_MAX_HOPS + 1, dtype=np.int32)
        self.chain_length = ctypes.c_int32()
        self.expanded = ctypes.c_int64()
        self.marks = (artist_marks, release_marks)
        # The kernel gets addresses only, so the arrays behind them are kept alive here.
        self._keep = (graph.by_artist, graph.by_release)
        # The kernel's first seven arguments, worked out once. Offsets are
        # int64 as stored, or int32 where the graph narrowed them.
        width = graph.by_artist.offsets.dtype.itemsize
        offsets = np.int64 if width == 8 else np.int32
        self.arrays = (
            _address(graph.by_artist.offsets, offsets),
            _address(graph.by_artist.targets, np.int32),
            _address(graph.by_release.offsets, offsets),
            _address(graph.by_release.targets, np.int32),
            width,
            graph.artist_count,
            graph.release_count,
            graph.edge_count,
            _address(artist_marks, np.uint16),
            _address(release_marks, np.uint16),
        )


    def prefault(self) -> None:
        """Touch every page of the marks now, so that no query waits for the kernel to supply them."""
        for marks in self.marks:
            marks.fill(0)


class ScratchPool:
    """Scratch arrays for concurrent searches on one graph, lent one search at a time."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._free: list[SearchScratch] = []
        self._lock = threading.Lock()

    def fill(self, count: int) -> None:
        """Create scratch arrays for ``count`` concurrent searches ahead, with their pages touched."""
        with self._lock:
            missing = count - len(self._free)
        for _ in range(missing):
            scratch = SearchScratch(self._graph)
            scratch.prefault()
            with self._lock:
                self._free.append(scratch)

    @contextmanager
    def borrow(self) -> Iterator[SearchScratch]:
        with self._lock:
            scratch = self._free.pop() if self._free else None
        if scratch is None:
            scratch = SearchScratch(self._graph)
        try:
            yield scratch
        finally:
            with self._lock:
                self._free.append(scratch)


def _address(array: np.ndarray, dtype: type) -> int:
    """Return the address of a contiguous array of the type the kernel expects."""
    if array.dtype != dtype or not array.flags.c_contiguous:
        raise ConfigError(
            f"the search needs a contiguous {np.dtype(dtype)} array, not {array.dtype}",
            hint="rebuild the graph with `mcg graph --force`",
        )
    return array.ctypes.data


def _load_kernel():
    rebuild = "run `uv sync --reinstall-package mcg`, which needs a C compiler such as gcc"
    if not KERNEL.exists():
        raise ConfigError(
            f"the search kernel {KERNEL} is missing; it is compiled from bfs.c when mcg is installed",
            hint=rebuild,
        )
    try:
        function = ctypes.CDLL(str(KERNEL)).mcg_find_chain
    except (OSError, AttributeError) as error:
        raise ConfigError(f"the search kernel {KERNEL} cannot be loaded: {error}", hint=rebuild) from error
    pointer, int32, int64 = ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64
    arrays = [pointer] * 4 + [int32, int64, int64, int64] + [pointer] * 2
    budgets = [int32, int32, int32, int64, ctypes.c_double, int64]
    function.argtypes = arrays + budgets + [pointer] * 3
    function.restype = ctypes.c_int
    return function


_kernel = None


def _find_chain():
    global _kernel
    if _kernel is None:
        _kernel = _load_kernel()
    return _kernel


def load_kernel() -> None:
    """Load the search kernel now, raising ConfigError if it is missing or broken."""
    _find_chain()


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

    ``max_hops`` (at most 8,000) bounds the chain length, ``max_expanded`` the
    number of nodes whose neighbours are read, and ``deadline`` (a
    ``time.monotonic()`` value) the wall time. Hitting any of them returns
    status "budget". Raises NotFoundError when an id is not an artist of the
    graph.
    """
    if max_hops > MAX_HOPS_LIMIT:
        raise ConfigError(
            f"max_hops is {max_hops}, above the {MAX_HOPS_LIMIT} hops the search supports",
            hint=f"pass a max_hops of {MAX_HOPS_LIMIT} or less",
        )
    start = graph.artist_node(from_id)
    end = graph.artist_node(to_id)
    result = PathResult(graph, from_id, to_id, BUDGET, None, max_hops=max_hops)
    if start == end:
        result.status, result.hops, result.artist_nodes = FOUND, 0, [start]
        return result

    low, high = min(start, end), max(start, end)
    code, chain, result.expanded = _search(graph, low, high, max_hops, max_expanded, deadline)
    result.status = _STATUSES[code]
    result.reason = {
        2: f"no chain within {_count(max_hops, 'hop')}",
        3: f"more than {_count(max_expanded, 'node')} expanded",
        4: "deadline passed",
    }.get(code, "")
    if result.status != FOUND:
        return result

    if start == low:  # the kernel returns the chain from high to low
        chain = chain[::-1]
    result.hops = (len(chain) - 1) // 2
    result.artist_nodes = chain[0::2]
    result.release_nodes = chain[1::2]
    return result


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _search(
    graph: Graph, low: int, high: int, max_hops: int, max_expanded: int, deadline: float | None
) -> tuple[int, list[int], int]:
    """Run the kernel; return its status code, the chain from high to low and the nodes expanded."""
    with graph.scratch() as scratch:
        if len(scratch.chain) < 2 * max_hops + 1:
            scratch.chain = np.zeros(2 * max_hops + 1, dtype=np.int32)
        code = _find_chain()(
            *scratch.arrays,
            low,
            high,
            max(max_hops, 0),
            min(max_expanded, _INT64_MAX),
            0.0 if deadline is None else deadline,
            CLOCK_EVERY,
            scratch.chain.ctypes.data,
            ctypes.byref(scratch.chain_length),
            ctypes.byref(scratch.expanded),
        )
        chain = scratch.chain[: scratch.chain_length.value].tolist() if code == 0 else []
        expanded = scratch.expanded.value
    if code == _OUT_OF_MEMORY:
        raise MemoryError(f"the search from artist node {low} to {high} ran out of memory")
    if code == _DAMAGED:
        raise InputError(
            f"the graph's adjacency arrays are damaged: the search from artist node {low} to {high} "
            "met offsets or node indices out of range",
            path=graph.path,
            hint="rebuild the graph with `mcg graph --snapshot S --ruleset R --force`",
        )
    if code not in _STATUSES:
        raise RuntimeError(f"the search kernel returned status {code} for artist nodes {low} and {high}")
    return code, chain, expanded
