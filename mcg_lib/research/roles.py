"""Put the role-family table next to a catalog, so SQL can group credits by family."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from mcg_lib.graph.roles import load_role_families

ROLE_FAMILIES_TABLE = "role_families"


def register_role_families(con: duckdb.DuckDBPyConnection) -> str:
    """Create the table ``role_families(role, family, matched_by)`` of the catalog's credit roles.

    ``role`` is the role as the catalog stores it (``release_credits.roles[].role``),
    ``family`` its family from pipelines/contracts/role_families.toml and
    ``matched_by`` the rule that matched it: "role", "word" or "fallback".
    Returns the table name.
    """
    roles = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT r.role FROM (SELECT unnest(roles) AS r FROM release_credits) "
            "WHERE r.role IS NOT NULL"
        ).fetchall()
    ]
    table = load_role_families()
    matches = [table.match(role) for role in roles]
    arrow = pa.table(
        {
            "role": pa.array(roles, pa.string()),
            "family": pa.array([m.family for m in matches], pa.string()),
            "matched_by": pa.array([m.matched_by for m in matches], pa.string()),
        }
    )
    con.register("role_families_rows", arrow)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {ROLE_FAMILIES_TABLE} AS "
            "SELECT * FROM role_families_rows"
        )
    finally:
        con.unregister("role_families_rows")
    return ROLE_FAMILIES_TABLE
