"""DuckDB views over the curated Parquet tables that the graph build reads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from mcg_lib.errors import NotFoundError
from mcg_lib.ingest.schema import SCHEMAS
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
        files = parquet_files(curated / table)
        files_per_table[table] = len(files)
        if files:
            listing = ", ".join(_quote(f) for f in files)
            con.execute(
                f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{listing}])"
            )
            continue

        if table in REQUIRED_TABLES:
            raise NotFoundError(
                f"table {table} of snapshot {snapshot} has no Parquet files "
                f"under {curated / table}",
                hint=f"rerun 'mcg ingest --snapshot {snapshot}'",
            )
        empty = pa.table({f.name: pa.array([], type=f.type) for f in SCHEMAS[table]})
        con.register(f"_empty_{table}", empty)
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM _empty_{table}")
    return files_per_table


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
