"""Open a snapshot's Parquet catalog as a DuckDB connection with one view per table.

This is the researcher's entry point to the catalog::

    from mcg_lib.catalog import open_catalog
    con = open_catalog("20250101")
    con.sql("SELECT year, count(*) FROM releases GROUP BY year ORDER BY year").df()
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from mcg_lib.ingest.schema import SCHEMAS
from mcg_lib.paths import DataRoot


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_view(con: duckdb.DuckDBPyConnection, curated: Path, table: str) -> int:
    """Create a view of one catalog table over ``curated/<table>/*.parquet``; return its file count.

    A table with no files (a dump kind missing from the month) becomes an empty
    view with the catalog's columns, so queries never have to test for it.
    """
    files = sorted(str(p) for p in (curated / table).glob("*.parquet"))
    if files:
        listing = ", ".join(_quote(f) for f in files)
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{listing}])")
    else:
        columns = ", ".join(
            f'CAST(NULL AS {_duckdb_type(field.type)}) AS "{field.name}"' for field in SCHEMAS[table]
        )
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT {columns} WHERE false")
    return len(files)


def create_views(con: duckdb.DuckDBPyConnection, curated: Path) -> list[str]:
    """Create a view per catalog table (see ``create_view``); return the table names."""
    for table in SCHEMAS:
        create_view(con, curated, table)
    return list(SCHEMAS)


def _duckdb_type(arrow_type) -> str:
    import pyarrow as pa

    if pa.types.is_int64(arrow_type):
        return "BIGINT"
    if pa.types.is_int32(arrow_type):
        return "INTEGER"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_list(arrow_type):
        return _duckdb_type(arrow_type.value_type) + "[]"
    if pa.types.is_struct(arrow_type):
        inner = ", ".join(f'"{f.name}" {_duckdb_type(f.type)}' for f in arrow_type)
        return f"STRUCT({inner})"
    raise TypeError(f"no DuckDB type for {arrow_type}")


def open_catalog(
    snapshot: str,
    data_root: str | os.PathLike | DataRoot | None = None,
    *,
    memory_limit: str = "512MB",
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with a view per table of a curated snapshot."""
    root = data_root if isinstance(data_root, DataRoot) else DataRoot.resolve(data_root)
    curated = root.require_curated(snapshot)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    create_views(con, curated)
    return con
