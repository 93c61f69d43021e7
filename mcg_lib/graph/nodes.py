"""SQL that numbers the nodes of the edge table and describes them.

Artist nodes are numbered in artist-id order; release nodes in release-id
order, followed by group-membership nodes in group-id order. Path search
breaks ties by the lowest node index, so this numbering makes it break ties
by the lowest id.
"""

from __future__ import annotations

import duckdb

from mcg_lib.graph.edges import KIND_MEMBERSHIP, KIND_RELEASE


def create_node_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``artist_nodes``, ``release_nodes`` and ``role_sets`` with dense indices from 0."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE artist_nodes AS
        SELECT (row_number() OVER (ORDER BY artist_key) - 1)::INTEGER AS node, artist_key
        FROM (SELECT DISTINCT artist_key FROM edges)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE release_nodes AS
        SELECT (row_number() OVER (ORDER BY rel_kind, rel_key) - 1)::INTEGER AS node, rel_kind, rel_key
        FROM (SELECT DISTINCT rel_kind, rel_key FROM edges)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE role_sets AS
        SELECT (row_number() OVER (ORDER BY label_ids) - 1)::INTEGER AS role_set, label_ids
        FROM (SELECT DISTINCT label_ids FROM edges)
        """
    )


def edge_query() -> str:
    """Return the SQL of (release node, artist node, role set, is_main) per edge, in CSR order."""
    return """
        SELECT r.node AS release_node, a.node AS artist_node, s.role_set, e.is_main
        FROM edges AS e
        JOIN release_nodes AS r ON r.rel_kind = e.rel_kind AND r.rel_key = e.rel_key
        JOIN artist_nodes AS a ON a.artist_key = e.artist_key
        JOIN role_sets AS s ON s.label_ids = e.label_ids
        ORDER BY release_node, artist_node
    """


def release_table_query(*, merge_masters: bool) -> str:
    """Return the SQL of the release node table, without ``artist_count``.

    The build inserts ``artist_count`` from the CSR offsets, which already
    hold each release node's number of artists.
    """
    # A node stands for a whole master when the ruleset merges masters, and
    # only then may its year come from the master's earliest release.
    if merge_masters:
        merged_node = "(k.master_id IS NOT NULL)"
        first_year = "y.first_year"
        group_years = """
        group_years AS (
            SELECT rel_key, min(nullif(r.year, 0)) AS first_year
            FROM release_keys AS k JOIN releases AS r USING (release_id)
            GROUP BY rel_key
        ),"""
        group_years_join = "LEFT JOIN group_years AS y ON y.rel_key = n.rel_key"
    else:
        merged_node, first_year, group_years, group_years_join = "false", "NULL", "", ""
    return f"""
        WITH formats AS (
            SELECT release_id, string_agg(name, ', ' ORDER BY first_ordinal) AS formats
            FROM (
                SELECT release_id, name, min(ordinal) AS first_ordinal
                FROM release_formats WHERE name IS NOT NULL
                GROUP BY release_id, name
            )
            GROUP BY release_id
        ),
{group_years}
        group_names AS (
            SELECT artist_id, any_value(name) AS name FROM artists GROUP BY artist_id
        )
        SELECT n.node,
               CASE WHEN n.rel_kind = {KIND_RELEASE} THEN n.rel_key END AS release_id,
               CASE
                   WHEN n.rel_kind = {KIND_MEMBERSHIP} THEN 'members of ' || coalesce(g.name, n.rel_key::VARCHAR)
                   WHEN {merged_node} THEN coalesce(m.title, r.title)
                   ELSE r.title
               END AS title,
               CASE
                   WHEN n.rel_kind = {KIND_MEMBERSHIP} THEN NULL
                   WHEN {merged_node} THEN coalesce(nullif(m.year, 0), {first_year})
                   ELSE nullif(r.year, 0)
               END::INTEGER AS year,
               f.formats,
               k.master_id,
               CASE WHEN n.rel_kind = {KIND_MEMBERSHIP} THEN 0 ELSE coalesce(k.versions, 1) END::INTEGER
                   AS versions,
               CASE
                   WHEN n.rel_kind = {KIND_MEMBERSHIP} THEN 'membership'
                   WHEN {merged_node} THEN 'master'
                   ELSE 'release'
               END AS kind,
               CASE WHEN n.rel_kind = {KIND_MEMBERSHIP} THEN n.rel_key END AS group_id
        FROM release_nodes AS n
        LEFT JOIN release_keys AS k ON n.rel_kind = {KIND_RELEASE} AND k.release_id = n.rel_key
        LEFT JOIN releases AS r ON n.rel_kind = {KIND_RELEASE} AND r.release_id = n.rel_key
        LEFT JOIN masters AS m ON m.master_id = k.master_id
        LEFT JOIN formats AS f ON n.rel_kind = {KIND_RELEASE} AND f.release_id = n.rel_key
        {group_years_join}
        LEFT JOIN group_names AS g ON n.rel_kind = {KIND_MEMBERSHIP} AND g.artist_id = n.rel_key
        ORDER BY n.node
    """


def artist_names_query() -> str:
    """Return the SQL of the artist node table's name columns, in node order.

    The build adds the columns computed from the CSR arrays (popularity,
    release count and the hint release) with numpy; see ``popularity.py``.
    """
    return """
        WITH catalog_names AS (
            SELECT artist_id, any_value(name) AS name, any_value(name_display) AS name_display
            FROM artists GROUP BY artist_id
        ),
        missing AS (
            -- Only artist ids without an artist record need a name from their credits.
            SELECT artist_key FROM artist_nodes
            ANTI JOIN (SELECT DISTINCT artist_id FROM artists) AS k ON k.artist_id = artist_key
        ),
        credit_names AS (
            SELECT c.artist_key, mode(c.name) AS name
            FROM counted_credits AS c
            SEMI JOIN missing AS m ON m.artist_key = c.artist_key
            WHERE c.name IS NOT NULL
            GROUP BY c.artist_key
        )
        SELECT a.node,
               a.artist_key AS artist_id,
               coalesce(c.name, cn.name, '#' || a.artist_key::VARCHAR) AS name,
               coalesce(
                   c.name_display,
                   regexp_replace(coalesce(c.name, cn.name, '#' || a.artist_key::VARCHAR), '\\s\\(\\d+\\)$', '')
               ) AS name_display,
               a.artist_key > 0 AS linked
        FROM artist_nodes AS a
        LEFT JOIN catalog_names AS c ON c.artist_id = a.artist_key
        LEFT JOIN credit_names AS cn ON cn.artist_key = a.artist_key
        ORDER BY a.node
    """
