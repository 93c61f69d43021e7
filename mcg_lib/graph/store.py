"""Open a published graph snapshot: memory-mapped arrays and node tables.

Opening is cheap: the CSR arrays are mapped, not read, and the node tables
are Arrow IPC files mapped the same way (the Parquet copies are for other
tools). Memory grows only with the pages that queries touch.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mcg_lib.errors import ChecksumError, ConfigError, NotFoundError
from mcg_lib.graph import csr
from mcg_lib.graph.layout import (
    ARTISTS_LOOKUP,
    MANIFEST_FILE,
    NAMES_LOOKUP,
    RELEASES_LOOKUP,
    ROLE_SETS_FILE,
    SUPPORTED_FORMAT_VERSIONS,
    map_ipc,
    read_ipc,
)
from mcg_lib.graph.rows import PreadArray, PreadRows
from mcg_lib.graph.search import ScratchPool
from mcg_lib.paths import DataRoot
from mcg_lib.publish import read_json, sha256_file


def _numpy_column(table: pa.Table, name: str) -> np.ndarray:
    column = _contiguous(table.column(name))
    if column.null_count:
        return column.to_numpy(zero_copy_only=False)
    return column.to_numpy(zero_copy_only=True)


def _contiguous(column: pa.ChunkedArray) -> pa.Array:
    # combine_chunks copies even a single chunk, which would pull a mapped
    # column into private memory; take the chunk itself instead.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _single_chunk_columns(table: pa.Table) -> list[tuple[str, pa.Array]]:
    # Scalar access on one contiguous array skips the chunk search of a ChunkedArray.
    return [(name, _contiguous(table.column(name))) for name in table.column_names]


class Graph:
    """A read-only graph snapshot of one snapshot and ruleset.

    Node indices are int32: artist nodes ``0..artist_count-1`` in artist-id
    order, release nodes ``0..release_count-1`` in release-id order (group
    membership nodes, if the ruleset has them, come after the releases).
    """

    def __init__(self, folder: Path, *, random_access: bool = False) -> None:
        """Open the snapshot in ``folder``.

        ``random_access`` suits a long-running server under a memory limit.
        What searches read is brought in at once: the CSR offsets are copied
        into memory, as int32 (half their size on disk) when the edge count
        allows, and the CSR targets are read in and mapped, so that no query
        waits for the disk. Everything else is read only where a query
        touches it, without the megabytes of read-ahead around each page.
        Leave it off for jobs that scan the graph.
        """
        self.path = Path(folder)
        self.random_access = random_access
        self.manifest: dict[str, Any] = read_json(self.path / MANIFEST_FILE)
        version = self.manifest.get("format_version")
        if version not in SUPPORTED_FORMAT_VERSIONS:
            raise ConfigError(
                f"{self.path}: graph format version {version} is not supported by this mcg",
                hint="rebuild it with 'mcg graph --force', or upgrade mcg",
            )
        self.snapshot: str = self.manifest["snapshot"]
        self.ruleset: str = self.manifest["ruleset"]

        self.by_artist = csr.Adjacency(self._offsets(csr.ARTIST_OFFSETS), self._targets(csr.ARTIST_RELEASES))
        self.by_release = csr.Adjacency(self._offsets(csr.RELEASE_OFFSETS), self._targets(csr.RELEASE_ARTISTS))
        self.edge_role_sets = self._array(csr.RELEASE_ARTIST_ROLES)
        self._scratches = ScratchPool(self)

    def __repr__(self) -> str:
        return (
            f"Graph(snapshot={self.snapshot!r}, ruleset={self.ruleset!r}, "
            f"artists={self.artist_count}, releases={self.release_count}, edges={self.edge_count})"
        )

    def _array(self, name: str) -> np.ndarray:
        return csr.load_array(self.path, name, random_access=self.random_access)

    def _offsets(self, name: str) -> np.ndarray:
        offsets = self._array(name)
        return csr.narrow_offsets(offsets) if self.random_access else offsets

    def _targets(self, name: str) -> np.ndarray:
        return csr.load_array(self.path, name, random_access=self.random_access, populate=self.random_access)

    # sizes

    @property
    def artist_count(self) -> int:
        return self.by_artist.node_count

    @property
    def release_count(self) -> int:
        return self.by_release.node_count

    @property
    def membership_count(self) -> int:
        """Number of group-membership nodes, which follow the release nodes."""
        return int(self.manifest["counts"].get("membership_nodes", 0))

    @property
    def edge_count(self) -> int:
        return len(self.by_release.targets)

    # node tables

    @cached_property
    def _artists_map(self) -> tuple[pa.Table, int]:
        return map_ipc(self.path / ARTISTS_LOOKUP, random_access=self.random_access)

    @cached_property
    def _releases_map(self) -> tuple[pa.Table, int]:
        return map_ipc(self.path / RELEASES_LOOKUP, random_access=self.random_access)

    @property
    def artists(self) -> pa.Table:
        """The artist node table (mapped), one row per node in node order."""
        return self._artists_map[0]

    @property
    def releases(self) -> pa.Table:
        """The release node table (mapped), one row per node in node order."""
        return self._releases_map[0]

    @cached_property
    def artist_names(self) -> pa.Table:
        """Lower-cased names and display names with their artist node, sorted by name."""
        return read_ipc(self.path / NAMES_LOOKUP, random_access=self.random_access)

    @cached_property
    def artist_ids(self) -> np.ndarray:
        """Artist id of each artist node (int64, ascending)."""
        return _numpy_column(self.artists, "artist_id")

    @cached_property
    def release_ids(self) -> np.ndarray:
        """Release id of each release node (int64; -1 for group membership nodes)."""
        column = _contiguous(self.releases.column("release_id"))
        return column.fill_null(-1).to_numpy(zero_copy_only=False)

    @cached_property
    def role_sets(self) -> list[tuple[str, ...]]:
        """The role labels of each role set, indexed by role-set number."""
        table = pq.read_table(self.path / ROLE_SETS_FILE)
        return [tuple(labels) for labels in table.column("labels").to_pylist()]

    # lookups

    def artist_node(self, artist_id: int) -> int:
        """Return the node of an artist id, or raise NotFoundError."""
        if self.random_access:
            rows = self._artist_rows
            node = rows.search_sorted("artist_id", artist_id, self.artist_count)
            known = node < self.artist_count and rows.value("artist_id", node) == artist_id
        else:
            ids = self.artist_ids
            node = int(np.searchsorted(ids, artist_id))
            known = node < len(ids) and ids[node] == artist_id
        if not known:
            raise NotFoundError(
                f"artist {artist_id} is not in the {self.ruleset} graph "
                f"of snapshot {self.snapshot}",
                hint="the ruleset may exclude the artist or all of its credits; "
                "try --ruleset all-credits",
            )
        return node

    def release_node(self, release_id: int) -> int:
        """Return the node of a release id, or raise NotFoundError.

        With a ruleset that merges masters, only the representative release
        of each master has a node.
        """
        ids = self.release_ids[: self.release_count - self.membership_count]
        node = int(np.searchsorted(ids, release_id))
        found = [node] if node < len(ids) and ids[node] == release_id else []
        if len(found) == 0:
            raise NotFoundError(
                f"release {release_id} is not in the {self.ruleset} graph "
                f"of snapshot {self.snapshot}",
                hint="the ruleset may count none of its credits, "
                "or merge it into its master's main release",
            )
        return int(found[0])

    def releases_of(self, artist_node: int) -> np.ndarray:
        """Return the release nodes of an artist node, ascending."""
        return self.by_artist.neighbors(artist_node)

    def artists_of(self, release_node: int) -> np.ndarray:
        """Return the artist nodes of a release node, ascending."""
        return self.by_release.neighbors(release_node)

    def roles(self, release_node: int, artist_node: int) -> list[str]:
        """Return the role labels of the edge between a release node and an artist node."""
        start = int(self.by_release.offsets[release_node])
        end = int(self.by_release.offsets[release_node + 1])
        position = start + int(np.searchsorted(self.by_release.targets[start:end], artist_node))
        if position >= end or self.by_release.targets[position] != artist_node:
            raise NotFoundError(
                f"artist node {artist_node} is not credited on release node {release_node}"
            )
        role_set = self._edge_role_set_items[position] if self.random_access else self.edge_role_sets[position]
        return list(self.role_sets[int(role_set)])

    # Single values read with pread: see rows.py for why a server reads them so.

    @cached_property
    def _artist_rows(self) -> PreadRows:
        return PreadRows(*self._artists_map, self.path / ARTISTS_LOOKUP)

    @cached_property
    def _release_rows(self) -> PreadRows:
        return PreadRows(*self._releases_map, self.path / RELEASES_LOOKUP)

    @cached_property
    def _edge_role_set_items(self) -> PreadArray:
        return PreadArray(self.edge_role_sets, self.path / csr.RELEASE_ARTIST_ROLES)

    @cached_property
    def _artist_columns(self) -> list[tuple[str, pa.Array]]:
        return _single_chunk_columns(self.artists)

    @cached_property
    def _release_columns(self) -> list[tuple[str, pa.Array]]:
        return _single_chunk_columns(self.releases)

    def artist_row(self, node: int, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
        """Return one row of the artist node table as a dict, optionally only some columns.

        Naming the columns keeps a lookup from touching the mapped pages of the others.
        """
        if self.random_access:
            return self._artist_rows.row(node, columns)
        return {
            name: column[node].as_py()
            for name, column in self._artist_columns
            if columns is None or name in columns
        }

    def release_row(self, node: int, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
        """Return one row of the release node table as a dict, optionally only some columns."""
        if self.random_access:
            return self._release_rows.row(node, columns)
        return {
            name: column[node].as_py()
            for name, column in self._release_columns
            if columns is None or name in columns
        }

    def scratch(self):
        """Lend search scratch arrays for one search: ``with graph.scratch() as scratch``."""
        return self._scratches.borrow()

    def prepare_searches(self, concurrent: int = 1) -> None:
        """Do now what the first searches would otherwise wait for.

        Loads the search kernel, and raises ConfigError if it is missing or
        broken. Creates the scratch arrays of ``concurrent`` searches with
        their pages touched, which takes tens of ms for a full-size graph.
        Reads the role labels and imports the code that describes a chain.
        Meant for servers, before they take queries.
        """
        from mcg_lib.graph import describe  # noqa: F401
        from mcg_lib.graph.search import load_kernel

        load_kernel()
        self._scratches.fill(concurrent)
        _ = self.role_sets


def open_graph(root: DataRoot, snapshot: str, ruleset: str) -> Graph:
    """Open the published graph of a snapshot and ruleset, or raise NotFoundError."""
    return Graph(root.require_graph(snapshot, ruleset))


def verify_graph(folder: Path) -> dict[str, int]:
    """Check every file of a graph folder against its manifest; raise ChecksumError on a mismatch.

    Returns the number of files and bytes checked. Extra files that the
    manifest does not list are an error too, since a reader could pick them up.
    """
    folder = Path(folder)
    manifest = read_json(folder / MANIFEST_FILE)
    listed = manifest.get("files", {})
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST_FILE
    }
    extra = sorted(present - set(listed))
    if extra:
        raise ChecksumError(f"file not listed in the manifest: {extra[0]}", path=folder)

    total = 0
    for relative, expected in sorted(listed.items()):
        path = folder / relative
        if not path.is_file():
            raise ChecksumError("file listed in the manifest is missing", path=path)
        size = path.stat().st_size
        if size != expected["bytes"]:
            raise ChecksumError(
                f"size {size} bytes does not match the manifest's {expected['bytes']} bytes",
                path=path,
                hint="copy the graph folder again",
            )
        if sha256_file(path) != expected["sha256"]:
            raise ChecksumError(
                "SHA-256 does not match the manifest", path=path, hint="copy the graph folder again"
            )
        total += size
    return {"files": len(listed), "bytes": total}
