"""SQL that turns curated credits into the edge table of one ruleset.

Everything here runs inside DuckDB over the Parquet views of ``catalog.py``;
Python only classifies the distinct role names, which are a few thousand
even in a full monthly dump.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from mcg_lib.graph.roles import load_role_families
from mcg_lib.graph.rulesets import Ruleset

# Edge labels of credits that carry no role, with their fixed label ids.
MAIN_LABEL, MAIN_ID = "Artist", 0
TRACK_LABEL, TRACK_ID = "Track Artist", 1
MEMBER_LABEL, MEMBER_ID = "Member", 2
GROUP_LABEL, GROUP_ID = "Group", 3
ROLELESS_LABEL = "Credited"

# Release-node kinds, in node order: releases (or merged masters) first.
KIND_RELEASE = 0
KIND_MEMBERSHIP = 1

# Unlinked credits kept by a ruleset with drop_unlinked = false get a negative
# id derived from their name; 2**52 keeps the ids exact in JavaScript numbers.
# NOTE: the id comes from DuckDB's hash(), which DuckDB does not promise to
# keep across versions, so such ids may change when DuckDB is upgraded.
_UNLINKED_ID_RANGE = 2**52


def _int_list(values) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")" if values else "(NULL)"


def _str_list(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def register_role_map(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Classify every distinct role of the credits and register ``role_map`` (role, family, label id).

    Returns the edge labels indexed by label id. Ids follow the order labels
    take on an edge: main credit, track credit, membership labels, then role
    names alphabetically, so sorting an edge's label ids sorts its labels.
    """
    rows = con.execute(
        """
        SELECT DISTINCT r.role
        FROM (SELECT unnest(roles) AS r FROM release_credits WHERE roles IS NOT NULL)
        WHERE r.role IS NOT NULL AND trim(r.role) <> ''
        """
    ).fetchall()
    table = load_role_families()
    roles = [row[0] for row in rows]
    role_labels = sorted({role.strip() for role in roles} | {ROLELESS_LABEL})
    labels = [MAIN_LABEL, TRACK_LABEL, MEMBER_LABEL, GROUP_LABEL, *role_labels]
    label_ids = {label: index for index, label in enumerate(labels)}
    con.register(
        "role_map",
        pa.table(
            {
                "role": pa.array(roles, pa.string()),
                "family": [table.match(role).family for role in roles],
                "label_id": pa.array([label_ids[role.strip()] for role in roles], pa.int32()),
            }
        ),
    )
    return labels


def create_credit_labels(
    con: duckdb.DuckDBPyConnection, ruleset: Ruleset, labels: list[str]
) -> None:
    """Create ``credit_labels``: one row per counted label id of an artist on a release."""
    roleless_id = labels.index(ROLELESS_LABEL)
    if ruleset.drop_unlinked:
        artist_key = "artist_id"
        linked = f"artist_id > 0 AND artist_id NOT IN {_int_list(ruleset.exclude_artist_ids)}"
    else:
        artist_key = (
            "CASE WHEN artist_id > 0 THEN artist_id "
            f"ELSE -1 - (hash(lower(trim(name))) % {_UNLINKED_ID_RANGE})::BIGINT END"
        )
        linked = (
            f"(artist_id > 0 AND artist_id NOT IN {_int_list(ruleset.exclude_artist_ids)}) "
            "OR ((artist_id IS NULL OR artist_id <= 0) AND trim(coalesce(name, '')) <> '')"
        )

    kinds = _str_list(ruleset.credit_kinds)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW counted_credits AS
        SELECT release_id, credit_kind, {artist_key} AS artist_key, name, roles
        FROM release_credits
        WHERE credit_kind IN {kinds} AND ({linked})
        """
    )

    if ruleset.counts_all_roles:
        family_filter = ""
        roleless = f"""
            UNION ALL
            SELECT release_id, artist_key, false AS is_main, {roleless_id} AS label_id
            FROM counted_credits
            WHERE credit_kind IN ('extra', 'track_extra') AND coalesce(len(roles), 0) = 0
        """
    else:
        family_filter = f"WHERE m.family IN {_str_list(ruleset.role_families)}"
        roleless = ""

    # A view, not a table: the edge aggregation reads it once, as a stream.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW credit_labels AS
        SELECT release_id, artist_key, credit_kind = 'main' AS is_main,
               CASE credit_kind WHEN 'main' THEN {MAIN_ID} ELSE {TRACK_ID} END AS label_id
        FROM counted_credits
        WHERE credit_kind IN ('main', 'track')
        UNION ALL
        SELECT c.release_id, c.artist_key, false AS is_main, m.label_id
        FROM (
            SELECT release_id, artist_key, unnest(roles).role AS role
            FROM counted_credits
            WHERE credit_kind IN ('extra', 'track_extra')
        ) AS c
        JOIN role_map AS m ON m.role = c.role
        {family_filter}
        {roleless}
        """
    )


def create_release_keys(con: duckdb.DuckDBPyConnection, ruleset: Ruleset) -> None:
    """Create ``release_keys``: the release node each release id belongs to.

    With ``merge_masters`` every release of a master maps to one representative:
    the master's main release when it is in the catalog, else its lowest release id.
    """
    if ruleset.merge_masters:
        representative = (
            "CASE WHEN r.master_id IS NULL THEN r.release_id ELSE coalesce(g.main_id, g.min_id) END"
        )
    else:
        representative = "r.release_id"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE release_keys AS
        WITH groups AS (
            SELECT r.master_id,
                   min(r.release_id) AS min_id,
                   min(CASE WHEN r.release_id = m.main_release_id THEN r.release_id END) AS main_id,
                   count(*) AS versions
            FROM releases AS r
            LEFT JOIN masters AS m ON m.master_id = r.master_id
            WHERE r.master_id IS NOT NULL
            GROUP BY r.master_id
        )
        SELECT r.release_id, {representative} AS rel_key, r.master_id,
               coalesce(g.versions, 1)::INTEGER AS versions
        FROM releases AS r
        LEFT JOIN groups AS g ON g.master_id = r.master_id
        """
    )


def create_edges(con: duckdb.DuckDBPyConnection, ruleset: Ruleset) -> dict[str, int]:
    """Create ``edges`` (one row per release node and artist) and return what the cap dropped."""
    if ruleset.merge_masters:
        release_key = "coalesce(k.rel_key, c.release_id)"
        join = "LEFT JOIN release_keys AS k ON k.release_id = c.release_id"
    else:
        # Without merging, every release is its own node: the join would map
        # each release id to itself, at the cost of probing every credit.
        release_key, join = "c.release_id", ""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE raw_edges AS
        SELECT {KIND_RELEASE}::TINYINT AS rel_kind,
               {release_key} AS rel_key,
               c.artist_key,
               bool_or(c.is_main) AS is_main,
               list_sort(list_distinct(list(c.label_id))) AS label_ids
        FROM credit_labels AS c
        {join}
        GROUP BY ALL
        """
    )

    dropped = {"releases_over_cap": 0, "edges_over_cap": 0}
    if ruleset.max_artists_per_release:
        over = con.execute(
            f"""
            SELECT count(*), coalesce(sum(n), 0) FROM (
                SELECT count(*) AS n FROM raw_edges GROUP BY rel_key
                HAVING count(*) > {ruleset.max_artists_per_release}
            )
            """
        ).fetchone()
        dropped = {"releases_over_cap": int(over[0]), "edges_over_cap": int(over[1])}
        con.execute(
            f"""
            DELETE FROM raw_edges WHERE rel_key IN (
                SELECT rel_key FROM raw_edges GROUP BY rel_key
                HAVING count(*) > {ruleset.max_artists_per_release}
            )
            """
        )

    if ruleset.link_group_members:
        _add_membership_edges(con)

    con.execute("ALTER TABLE raw_edges RENAME TO edges")
    return dropped


def _add_membership_edges(con: duckdb.DuckDBPyConnection) -> None:
    # A group and each of its members share one membership node, so a member
    # reaches the group, and the other members, in one hop.
    con.execute(
        f"""
        INSERT INTO raw_edges
        WITH present AS (SELECT DISTINCT artist_key FROM raw_edges),
        links AS (
            SELECT DISTINCT group_id, member_id FROM artist_members
            WHERE group_id IN (SELECT artist_key FROM present)
              AND member_id IN (SELECT artist_key FROM present)
              AND group_id <> member_id
        )
        SELECT {KIND_MEMBERSHIP}::TINYINT, group_id, member_id, false, [{MEMBER_ID}]
        FROM links
        UNION ALL
        SELECT DISTINCT {KIND_MEMBERSHIP}::TINYINT, group_id, group_id, false, [{GROUP_ID}]
        FROM links
        """
    )
