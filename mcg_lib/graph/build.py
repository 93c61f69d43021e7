"""Build one graph snapshot: curated Parquet in, CSR arrays and node tables out.

The heavy lifting (filtering, grouping, numbering, sorting) runs in DuckDB;
numpy only turns the sorted edge list into offsets. Files are written into
a folder the caller provides, normally a staging folder that ``stage.py``
publishes atomically.
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
    write_ipc,
)
from mcg_lib.graph.nodes import (
    artist_table_query,
    create_node_indexes,
    edge_query,
    release_table_query,
)
from mcg_lib.graph.rulesets import Ruleset
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.publish import checksum_tree, write_json_atomic

log = get_logger(__name__)


# DuckDB spills to disk past this memory limit, which leaves room for the
# numpy arrays of the CSR build within the graph stage's 4 GB.
DEFAULT_MEMORY_LIMIT = os.environ.get("MCG_GRAPH_MEMORY_LIMIT", "2GB")


@dataclass
class BuildReport:
    """Counts and timings of one build, also written into the manifest."""

    counts: dict[str, int]
    seconds: dict[str, float]


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
    started = time.monotonic()
    seconds: dict[str, float] = {}
    con = connect(out)
    try:
        register_catalog(con, root, snapshot)
        labels = register_role_map(con)

        step = time.monotonic()
        create_credit_labels(con, ruleset, labels)
        create_release_keys(con, ruleset)
        dropped = create_edges(con, ruleset)
        create_node_indexes(con)
        seconds["edges"] = round(time.monotonic() - step, 3)
        log.info(
            "graph %s/%s: edge table built in %.1f s", snapshot, ruleset.name, seconds["edges"]
        )

        step = time.monotonic()
        counts = _write_csr(con, out)
        seconds["csr"] = round(time.monotonic() - step, 3)

        step = time.monotonic()
        counts.update(_write_node_tables(con, out, ruleset, labels))
        seconds["node_tables"] = round(time.monotonic() - step, 3)
    finally:
        con.close()
        _remove_spill(out)

    counts.update(dropped)
    counts["distinct_labels"] = len(labels)
    seconds["total"] = round(time.monotonic() - started, 3)
    return BuildReport(counts=counts, seconds=seconds)


def _write_csr(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    artist_count = con.execute("SELECT count(*) FROM artist_nodes").fetchone()[0]
    release_count = con.execute("SELECT count(*) FROM release_nodes").fetchone()[0]
    con.execute("CREATE OR REPLACE TEMP TABLE edge_nodes AS " + edge_query())

    # Release -> artist: the edge table is already in (release, artist) order.
    edges = con.execute(
        "SELECT release_node, artist_node, role_set FROM edge_nodes ORDER BY release_node, artist_node"
    ).fetchnumpy()
    release_nodes = np.asarray(edges["release_node"], dtype=np.int32)
    artist_nodes = np.asarray(edges["artist_node"], dtype=np.int32)
    edge_count = len(release_nodes)
    csr.save_array(out, csr.RELEASE_OFFSETS, csr.offsets_from_sorted(release_nodes, release_count))
    csr.save_array(out, csr.RELEASE_ARTISTS, artist_nodes)
    csr.save_array(out, csr.RELEASE_ARTIST_ROLES, np.asarray(edges["role_set"], dtype=np.int32))
    artist_offsets = csr.offsets_from_counts(np.bincount(artist_nodes, minlength=artist_count))
    del edges, release_nodes, artist_nodes

    # Artist -> release: DuckDB sorts (and spills if it must), which needs far
    # less memory than an argsort of all edges in numpy.
    releases_by_artist = con.execute(
        "SELECT release_node FROM edge_nodes ORDER BY artist_node, release_node"
    ).fetchnumpy()["release_node"]
    csr.save_array(out, csr.ARTIST_OFFSETS, artist_offsets)
    csr.save_array(out, csr.ARTIST_RELEASES, np.asarray(releases_by_artist, dtype=np.int32))
    con.execute("DROP TABLE edge_nodes")

    return {"artists": int(artist_count), "releases": int(release_count), "edges": int(edge_count)}


def _write_node_tables(
    con: duckdb.DuckDBPyConnection, out: Path, ruleset: Ruleset, labels: list[str]
) -> dict[str, int]:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE release_table AS "
        + release_table_query(merge_masters=ruleset.merge_masters)
    )
    con.execute("CREATE OR REPLACE TEMP TABLE artist_table AS " + artist_table_query())

    releases = _arrow(con, "SELECT * FROM release_table ORDER BY node")
    artists = _arrow(con, "SELECT * FROM artist_table ORDER BY node")
    role_sets = _role_set_table(con, labels)
    names = _arrow(
        con,
        """
        SELECT DISTINCT lower(name) AS key, node FROM artist_table
        UNION
        SELECT DISTINCT lower(name_display) AS key, node FROM artist_table
        ORDER BY key, node
        """,
    )

    pq.write_table(releases, out / RELEASES_FILE, compression="zstd")
    pq.write_table(artists, out / ARTISTS_FILE, compression="zstd")
    pq.write_table(role_sets, out / ROLE_SETS_FILE, compression="zstd")
    write_ipc(releases, out / RELEASES_LOOKUP)
    write_ipc(artists, out / ARTISTS_LOOKUP)
    write_ipc(names, out / NAMES_LOOKUP)

    memberships = con.execute(
        "SELECT count(*) FROM release_table WHERE kind = 'membership'"
    ).fetchone()[0]
    return {"membership_nodes": int(memberships), "role_sets": role_sets.num_rows}


def _role_set_table(con: duckdb.DuckDBPyConnection, labels: list[str]) -> pa.Table:
    rows = con.execute("SELECT role_set, label_ids FROM role_sets ORDER BY role_set").fetchall()
    return pa.table(
        {
            "role_set": pa.array([row[0] for row in rows], pa.int32()),
            "labels": pa.array(
                [[labels[i] for i in row[1]] for row in rows], pa.list_(pa.string())
            ),
        }
    )


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
