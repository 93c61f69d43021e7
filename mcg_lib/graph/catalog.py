"""DuckDB views over the curated Parquet tables that the graph build reads."""

from __future__ import annotations

from pathlib import Path

import duckdb

from mcg_lib.catalog import create_view
from mcg_lib.errors import NotFoundError
from mcg_lib.paths import DataRoot

# Tables without which no graph can be built; the others may be empty or
# absent (a month imported without masters.xml, for example).
REQUIRED_TABLES = ("release_credits", "releases")
OPTIONAL_TABLES = ("artists", "masters", "release_formats", "artist_members")


def parquet_files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.glob("*.parquet"))


def register_catalog(
    con: duckdb.DuckDBPyConnection, root: DataRoot, snapshot: str
) -> dict[str, int]:
    """Create one view per table the build reads, and return each table's Parquet file count.

    A missing optional table becomes an empty view with the catalog schema,
    so the SQL of the build never has to test for it.
    """
    curated = root.require_curated(snapshot)
    files_per_table = {}
    for table in REQUIRED_TABLES + OPTIONAL_TABLES:
        if table in REQUIRED_TABLES and not parquet_files(curated / table):
            raise NotFoundError(
                f"table {table} of snapshot {snapshot} has no Parquet files under {curated / table}",
                hint=f"rerun 'mcg ingest --snapshot {snapshot}'",
            )
        files_per_table[table] = create_view(con, curated, table)
    return files_per_table
