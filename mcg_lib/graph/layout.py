"""File names inside a graph snapshot folder, and the Arrow IPC helpers.

A snapshot ``graph/<snapshot>/<ruleset>/`` holds::

    manifest.json                        counts, timings, {file: {sha256, bytes}}
    artists.parquet, releases.parquet    node tables (zstd Parquet, for other tools)
    role_sets.parquet                    role labels of each role set
    lookup/artists.arrow, releases.arrow the same node tables, uncompressed Arrow IPC to map
    lookup/artist_names.arrow            lower-cased names -> artist node, sorted by name
    csr/*.npy                            adjacency arrays, see csr.py
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)

MANIFEST_FILE = "manifest.json"
ARTISTS_FILE = "artists.parquet"
RELEASES_FILE = "releases.parquet"
ROLE_SETS_FILE = "role_sets.parquet"
ARTISTS_LOOKUP = "lookup/artists.arrow"
RELEASES_LOOKUP = "lookup/releases.arrow"
NAMES_LOOKUP = "lookup/artist_names.arrow"


def read_ipc(path: Path) -> pa.Table:
    """Map an Arrow IPC file and return its table without copying the data."""
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()


def write_ipc(table: pa.Table, path: Path) -> None:
    """Write an uncompressed Arrow IPC file, so that readers can map it.

    The table is written as one record batch: a row lookup on a mapped table
    then costs one offset computation instead of a search through chunks.
    """
    table = table.combine_chunks()
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
