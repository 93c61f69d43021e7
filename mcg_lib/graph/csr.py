"""Compressed sparse row (CSR) adjacency arrays of the bipartite graph.

Each direction is two ``.npy`` files: ``<name>_offsets`` (int64, one more
entry than nodes; a server may narrow them to int32 in memory) and
``<name>_targets`` (int32 node indices). The
neighbours of node ``i`` are ``targets[offsets[i]:offsets[i + 1]]``, sorted
ascending. Plain ``.npy`` files open with ``np.load(mmap_mode="r")``, so a
reader maps them instead of reading them.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mcg_lib.errors import InputError

# File names inside a graph snapshot, relative to its folder.
ARTIST_OFFSETS = "csr/artist_offsets.npy"
ARTIST_RELEASES = "csr/artist_releases.npy"
RELEASE_OFFSETS = "csr/release_offsets.npy"
RELEASE_ARTISTS = "csr/release_artists.npy"
RELEASE_ARTIST_ROLES = "csr/release_artist_role_sets.npy"

# Edges are packed in slices of this many, to bound the temporaries.
_PACK_CHUNK = 1 << 23

# Up to this many nodes, neighbours are gathered as whole slices.
_FEW_NODES = 32

# Linux's madvise advice that faults a range in; Python 3.11's mmap has no name for it.
_MADV_POPULATE_READ = 22


@dataclass(frozen=True)
class Adjacency:
    """One direction of the graph: offsets and targets."""

    offsets: np.ndarray
    targets: np.ndarray

    @property
    def node_count(self) -> int:
        return len(self.offsets) - 1

    def neighbors(self, node: int) -> np.ndarray:
        return self.targets[self.offsets[node] : self.offsets[node + 1]]


def offsets_from_counts(counts: np.ndarray) -> np.ndarray:
    """Return CSR offsets from the number of edges of each node."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def offsets_from_sorted(sources: np.ndarray, node_count: int) -> np.ndarray:
    """Return CSR offsets for edge sources that are sorted ascending."""
    return offsets_from_counts(np.bincount(sources, minlength=node_count))


def artist_major(
    release_nodes: np.ndarray, artist_nodes: np.ndarray, flags: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Reorder edges from (release, artist) order to (artist, release) order.

    Returns the release node (int32) and the boolean flag of each edge in
    the new order. Each edge is packed into one int64, artist in the high
    half and release and flag in the low half. One ``np.sort`` of plain
    integers then does the work, several times faster than an argsort
    followed by gathers, because numpy sorts integers with SIMD instructions.
    """
    keys = np.empty(len(release_nodes), dtype=np.int64)
    for start in range(0, len(keys), _PACK_CHUNK):
        part = slice(start, start + _PACK_CHUNK)
        keys[part] = artist_nodes[part].astype(np.int64) << 32
        keys[part] |= release_nodes[part].astype(np.int64) << 1
        keys[part] |= flags[part]
    keys.sort()

    releases = np.empty(len(keys), dtype=np.int32)
    sorted_flags = np.empty(len(keys), dtype=bool)
    for start in range(0, len(keys), _PACK_CHUNK):
        part = slice(start, start + _PACK_CHUNK)
        releases[part] = (keys[part] & 0xFFFFFFFF) >> 1
        sorted_flags[part] = keys[part] & 1
    return releases, sorted_flags


def save_array(folder: Path, name: str, array: np.ndarray) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array, allow_pickle=False)


def load_array(
    folder: Path, name: str, *, mmap: bool = True, random_access: bool = False, populate: bool = False
) -> np.ndarray:
    """Load an array, memory-mapped by default.

    The map is returned as a plain ndarray view: indexing an ``np.memmap``
    subclass costs several microseconds more per call, which adds up over the
    hundreds of small lookups of one query. ``random_access`` advises the
    kernel not to read ahead around each page a query touches. ``populate``
    reads the whole file in now, so that no query waits for the disk.
    """
    path = folder / name
    try:
        return _load(path, mmap=mmap, random_access=random_access, populate=populate)
    except (ValueError, TypeError) as error:
        # numpy's messages for a truncated or overwritten .npy name no file.
        raise InputError(
            f"is not a complete .npy array ({error})",
            path=path,
            hint="the graph is damaged: rebuild it with `mcg graph --snapshot S --ruleset R --force`",
        ) from error


def _load(path: Path, *, mmap: bool, random_access: bool, populate: bool) -> np.ndarray:
    if not mmap:
        return np.load(path, allow_pickle=False)
    with open(path, "rb") as file:
        version = np.lib.format.read_magic(file)
        read_header = np.lib.format.read_array_header_1_0
        if version != (1, 0):
            read_header = np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(file)
        header_bytes = file.tell()
        # A map read in whole is read sequentially, with the kernel's read-ahead.
        mapped = map_file(file, random_access=random_access and not populate)
    if populate:
        populate_map(mapped)
    if fortran_order:
        raise ValueError(f"{path}: arrays in Fortran order are not supported")
    return np.ndarray(shape, dtype=dtype, buffer=mapped, offset=header_bytes)


def narrow_offsets(offsets: np.ndarray) -> np.ndarray:
    """Return offsets as an int32 copy in memory when the edge count allows, else unchanged.

    A server keeps half the bytes resident, and its queries take no page
    faults on offsets. int32 rather than uint32, because numpy turns
    arithmetic that mixes uint64 and int64 into floats.
    """
    if len(offsets) == 0 or int(offsets[-1]) > np.iinfo(np.int32).max:
        return offsets
    return offsets.astype(np.int32)


def map_file(file: BinaryIO, *, random_access: bool) -> mmap.mmap:
    """Map an open file read-only, advising random access if asked.

    Under a memory limit, the kernel's read-ahead around every touched page
    (megabytes per fault on some disks) evicts the pages that queries need.
    ``MADV_RANDOM`` limits each fault to the page it touched.
    """
    mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if random_access:
        mapped.madvise(mmap.MADV_RANDOM)
    return mapped


def populate_map(mapped: mmap.mmap) -> None:
    """Read a whole map in and map its pages, falling back to asynchronous read-ahead."""
    try:
        mapped.madvise(_MADV_POPULATE_READ)
    except OSError:  # kernels before 5.14
        mapped.madvise(mmap.MADV_WILLNEED)


def gather_neighbors(
    adjacency: Adjacency, nodes: np.ndarray, starts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (neighbours, index into ``nodes`` of the node each came from), in ``nodes`` order.

    ``starts`` may pass ``adjacency.offsets[nodes]`` when the caller has it.
    The work is vectorised: one ``repeat``, one ``arange`` and one gather,
    whatever the number of nodes; a few nodes are copied slice by slice.
    """
    if starts is None:
        starts = adjacency.offsets[nodes]
    ends = adjacency.offsets[nodes + 1]
    counts = ends - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64)

    source_index = np.repeat(np.arange(len(nodes)), counts)
    if len(nodes) <= _FEW_NODES:
        # Hubs: copying whole neighbour lists beats computing every position.
        targets = adjacency.targets
        pieces = [targets[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
        return np.concatenate(pieces), source_index
    # Position of each output within its node's range, added to that range's start.
    run_starts = np.cumsum(counts) - counts
    positions = np.arange(total, dtype=np.int64) - run_starts[source_index] + starts[source_index]
    return adjacency.targets[positions], source_index
