"""Build one graph snapshot: curated Parquet in, CSR arrays and node tables out.

DuckDB filters, groups, numbers and sorts the credits into one edge list in
(release, artist) order. numpy turns that list into the CSR arrays, sorts it
into (artist, release) order, and reduces each artist's edges to its
popularity and hint release. Files are written into a folder the caller
provides, normally a staging folder that ``stage.py`` publishes atomically.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mcg_lib.graph import csr
from mcg_lib.graph.catalog import register_catalog
from mcg_lib.graph.edges import (
    KIND_MEMBERSHIP,
    create_credit_labels,
    create_edges,
    create_release_keys,
    register_role_map,
)
from mcg_lib.graph.layout import (
    ARTISTS_FILE,
    ARTISTS_LOOKUP,
    FORMAT_VERSION,
    MANIFEST_FILE,
    NAMES_LOOKUP,
    RELEASES_FILE,
    RELEASES_LOOKUP,
    ROLE_SETS_FILE,
    contiguous_column,
    write_ipc,
)
from mcg_lib.graph.nodes import (
    artist_names_query,
    create_node_indexes,
    edge_query,
    release_table_query,
)
from mcg_lib.graph.popularity import artist_stats, hint_release_keys
from mcg_lib.graph.rulesets import Ruleset
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.publish import checksum_tree, write_json_atomic

log = get_logger(__name__)


# DuckDB spills to disk past this memory limit, which leaves room for the
# numpy arrays of the CSR build within the graph stage's 4 GB.
DEFAULT_MEMORY_LIMIT = os.environ.get("MCG_GRAPH_MEMORY_LIMIT", "2GB")

# Rows per Arrow batch when streaming the edge list out of DuckDB.
_FETCH_ROWS = 1 << 20


@dataclass
class BuildReport:
    """Counts and timings of one build, also written into the manifest."""

    counts: dict[str, int]
    seconds: dict[str, float]


@dataclass
class _EdgeCounts:
    """Per-node counts and flags from the CSR build that the node tables need, besides the saved arrays."""

    release_artist_counts: np.ndarray
    artist_is_main: np.ndarray


@dataclass
class _ArtistColumns:
    """Artist node table columns computed from the edges, in node order."""

    popularity: np.ndarray
    release_count: np.ndarray
    hints: pa.Table


class _Timer:
    """Wall time of each named build step, in seconds."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.seconds: dict[str, float] = {}
        self._step = self.started

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self._step, 3)
        self._step = now

    def total(self) -> dict[str, float]:
        return {**self.seconds, "total": round(time.monotonic() - self.started, 3)}


def connect(work: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB that spills into ``work``."""
    con = duckdb.connect()
    spill = work / ".duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def build_graph(root: DataRoot, snapshot: str, ruleset: Ruleset, out: Path) -> BuildReport:
    """Build the graph of ``ruleset`` for ``snapshot`` and write every file into ``out``."""
    timer = _Timer()
    con = connect(out)
    try:
        register_catalog(con, root, snapshot)
        labels = register_role_map(con)
        create_credit_labels(con, ruleset, labels)
        create_release_keys(con, ruleset)
        dropped = create_edges(con, ruleset)
        timer.lap("edges")
        log.info(
            "graph %s/%s: edge table built in %.1f s", snapshot, ruleset.name, timer.seconds["edges"]
        )

        create_node_indexes(con)
        timer.lap("nodes")

        counts, edge_counts = _write_csr(con, out)
        timer.lap("csr")

        real_releases = counts["releases"] - counts["membership_nodes"]
        artist_columns = _write_release_table(con, out, ruleset, edge_counts, real_releases)
        del edge_counts
        timer.lap("release_table")

        _write_artist_tables(con, out, artist_columns)
        del artist_columns
        counts["role_sets"] = _write_role_sets(con, out, labels)
        timer.lap("artist_table")
    finally:
        con.close()
        _remove_spill(out)

    counts.update(dropped)
    counts["distinct_labels"] = len(labels)
    return BuildReport(counts=counts, seconds=timer.total())


def _write_csr(con: duckdb.DuckDBPyConnection, out: Path) -> tuple[dict[str, int], _EdgeCounts]:
    artist_count = _scalar(con, "SELECT count(*) FROM artist_nodes")
    release_count = _scalar(con, "SELECT count(*) FROM release_nodes")
    memberships = _scalar(
        con, f"SELECT count(*) FROM release_nodes WHERE rel_kind = {KIND_MEMBERSHIP}"
    )
    edge_count = _scalar(con, "SELECT count(*) FROM edges")

    # Release -> artist: DuckDB sorts the edges, and spills if it must.
    edges = _fetch_numpy(
        con,
        edge_query(),
        edge_count,
        {"release_node": np.int32, "artist_node": np.int32, "role_set": np.int32, "is_main": bool},
    )
    con.execute("DROP TABLE edges")
    release_nodes, artist_nodes = edges.pop("release_node"), edges.pop("artist_node")
    release_artist_counts = np.bincount(release_nodes, minlength=release_count)
    csr.save_array(out, csr.RELEASE_OFFSETS, csr.offsets_from_counts(release_artist_counts))
    csr.save_array(out, csr.RELEASE_ARTISTS, artist_nodes)
    csr.save_array(out, csr.RELEASE_ARTIST_ROLES, edges.pop("role_set"))

    # Artist -> release: the same edges in (artist, release) order. The build
    # reads the saved arrays back, mapped, when it needs them again.
    artist_offsets = csr.offsets_from_counts(np.bincount(artist_nodes, minlength=artist_count))
    artist_releases, artist_is_main = csr.artist_major(
        release_nodes, artist_nodes, edges.pop("is_main")
    )
    del release_nodes, artist_nodes
    csr.save_array(out, csr.ARTIST_OFFSETS, artist_offsets)
    csr.save_array(out, csr.ARTIST_RELEASES, artist_releases)

    counts = {
        "artists": int(artist_count),
        "releases": int(release_count),
        "edges": int(artist_offsets[-1]),
        "membership_nodes": int(memberships),
    }
    return counts, _EdgeCounts(release_artist_counts.astype(np.int32), artist_is_main)


def _fetch_numpy(
    con: duckdb.DuckDBPyConnection, query: str, rows: int, dtypes: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Run ``query`` and copy its columns, batch by batch, into arrays of ``rows`` rows at most.

    Filling preallocated arrays from Arrow batches never keeps a second
    full-size copy of a column, as concatenating the batches would.
    """
    arrays = {name: np.empty(rows, dtype=dtype) for name, dtype in dtypes.items()}
    filled = 0
    for batch in con.sql(query).to_arrow_reader(_FETCH_ROWS):
        end = filled + batch.num_rows
        if end > rows:
            raise RuntimeError(f"the edge query returned more than the {rows} rows of the edge table")
        for name, array in arrays.items():
            array[filled:end] = batch.column(name).to_numpy(zero_copy_only=False)
        filled = end
    return {name: array[:filled] for name, array in arrays.items()}


def _write_release_table(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    ruleset: Ruleset,
    edge_counts: _EdgeCounts,
    real_releases: int,
) -> _ArtistColumns:
    """Write the release node table; return the artist columns that need it."""
    releases, chunk_lengths = _fetch_contiguous(
        con, release_table_query(merge_masters=ruleset.merge_masters)
    )
    con.execute("DROP TABLE release_keys")
    con.execute("DROP TABLE release_nodes")
    position = releases.schema.get_field_index("versions") + 1
    artist_count = pa.chunked_array([edge_counts.release_artist_counts])
    releases = releases.add_column(position, "artist_count", artist_count)
    pq.write_table(_rechunk(releases, chunk_lengths), out / RELEASES_FILE, compression="zstd")
    write_ipc(releases, out / RELEASES_LOOKUP)

    stats = artist_stats(
        csr.load_array(out, csr.ARTIST_OFFSETS),
        csr.load_array(out, csr.ARTIST_RELEASES),
        edge_counts.artist_is_main,
        hint_release_keys(
            releases.column("versions").to_numpy(), releases.column("year").fill_null(0).to_numpy()
        ),
        real_releases=real_releases,
    )
    hint_nodes = pa.array(stats.hint_node, mask=stats.hint_node < 0)
    hints = releases.select(["release_id", "title", "year"]).take(hint_nodes)
    return _ArtistColumns(stats.popularity, stats.release_count, hints)


def _write_artist_tables(
    con: duckdb.DuckDBPyConnection, out: Path, columns: _ArtistColumns
) -> None:
    """Write the artist node table and the name lookup."""
    names, chunk_lengths = _fetch_contiguous(con, artist_names_query())
    con.execute("DROP TABLE artist_nodes")
    artists = pa.table(
        {
            "node": names.column("node"),
            "artist_id": names.column("artist_id"),
            "name": names.column("name"),
            "name_display": names.column("name_display"),
            "popularity": pa.array(columns.popularity),
            "release_count": pa.array(columns.release_count),
            "hint_release_id": columns.hints.column("release_id"),
            "hint_title": columns.hints.column("title"),
            "hint_year": columns.hints.column("year"),
            "linked": names.column("linked"),
        }
    )
    del names
    artists = pa.table([contiguous_column(c) for c in artists.columns], schema=artists.schema)
    pq.write_table(_rechunk(artists, chunk_lengths), out / ARTISTS_FILE, compression="zstd")
    write_ipc(artists, out / ARTISTS_LOOKUP)

    con.register("artist_table", artists)
    lookup = _arrow(
        con,
        """
        SELECT DISTINCT lower(name) AS key, node FROM artist_table
        UNION
        SELECT DISTINCT lower(name_display) AS key, node FROM artist_table
        ORDER BY key, node
        """,
    )
    con.unregister("artist_table")
    write_ipc(lookup, out / NAMES_LOOKUP)


def _fetch_contiguous(con: duckdb.DuckDBPyConnection, query: str) -> tuple[pa.Table, list[int]]:
    """Return the result of ``query`` with one chunk per column, and the lengths of DuckDB's chunks.

    Columns are combined one at a time, and each is dropped from DuckDB's
    chunked result once combined, so the result never exists twice in memory.
    """
    table = _arrow(con, query)
    chunk_lengths = [len(chunk) for chunk in table.column(0).chunks]
    schema, columns = table.schema, []
    for name in schema.names:
        columns.append(contiguous_column(table.column(name)))
        table = table.drop_columns([name])
    return pa.table(columns, schema=schema), chunk_lengths


def _rechunk(table: pa.Table, chunk_lengths: list[int]) -> pa.Table:
    """Split every column into chunks of ``chunk_lengths`` rows, without copying.

    The Parquet writer checks its dictionary size limit once per chunk, so
    chunk lengths change the bytes it writes. Writing the node tables in the
    chunks DuckDB returned keeps the files byte-identical to those of
    earlier builds, which wrote DuckDB's tables as they came.
    """
    columns = []
    for column in table.columns:
        array, start, chunks = column.chunk(0), 0, []
        for length in chunk_lengths:
            chunks.append(array.slice(start, length))
            start += length
        columns.append(pa.chunked_array(chunks, type=column.type))
    return pa.table(columns, schema=table.schema)


def _write_role_sets(con: duckdb.DuckDBPyConnection, out: Path, labels: list[str]) -> int:
    rows = con.execute("SELECT role_set, label_ids FROM role_sets ORDER BY role_set").fetchall()
    table = pa.table(
        {
            "role_set": pa.array([row[0] for row in rows], pa.int32()),
            "labels": pa.array(
                [[labels[i] for i in row[1]] for row in rows], pa.list_(pa.string())
            ),
        }
    )
    pq.write_table(table, out / ROLE_SETS_FILE, compression="zstd")
    return table.num_rows


def _scalar(con: duckdb.DuckDBPyConnection, query: str) -> Any:
    # fetchall() completes the result; after fetchone() DuckDB would reject
    # the next statement on this connection until the result is consumed.
    return con.execute(query).fetchall()[0][0]


def _arrow(con: duckdb.DuckDBPyConnection, query: str) -> pa.Table:
    return con.sql(query).to_arrow_table()


def _remove_spill(out: Path) -> None:
    spill = out / ".duckdb-spill"
    if spill.is_dir():
        for path in sorted(spill.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        spill.rmdir()


def write_manifest(
    out: Path, snapshot: str, ruleset: Ruleset, report: BuildReport
) -> dict[str, Any]:
    """Write ``manifest.json`` with counts, timings and the checksum of every other file."""
    manifest = {
        "format_version": FORMAT_VERSION,
        "snapshot": snapshot,
        "ruleset": ruleset.name,
        "ruleset_settings": ruleset.to_dict(),
        "counts": report.counts,
        "build_seconds": report.seconds["total"],
        "step_seconds": report.seconds,
        "files": checksum_tree(out),
    }
    write_json_atomic(out / MANIFEST_FILE, manifest)
    return manifest
