"""Write a synthetic curated catalog of any size with DuckDB, for graph benchmarks.

This is a stand-in for ``mcg generate catalog`` when that command is not
available: releases credit about 4.4 artists each (75 M credits over 17 M
releases at full Discogs size), drawn from a skewed distribution so that a
few artists are hubs, as in the real dumps. Only the columns the graph build
reads are filled.

    uv run python -m benchmarks.graph_synthetic --data-root /tmp/bench --snapshot synthetic \
        --releases 1000000 --artists 530000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from mcg_lib.paths import DataRoot

CREDITS_PER_RELEASE = 4.4
# Artist ids are 1 + floor(artists * u ** SKEW) for uniform u: a power law in
# which the lowest ids collect most credits.
SKEW = 2.2


def write_synthetic(
    root: DataRoot, snapshot: str, *, releases: int, artists: int, seed: float = 0.42
) -> None:
    """Write releases, artists and release_credits Parquet tables under curated/<snapshot>/."""
    curated = root.curated(snapshot)
    for table in ("releases", "artists", "release_credits"):
        (curated / table).mkdir(parents=True, exist_ok=True)

    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    credits = int(releases * CREDITS_PER_RELEASE)
    con.execute(
        f"""
        COPY (
            SELECT i + 1 AS release_id, 'Accepted' AS status, 'Release ' || (i + 1) AS title,
                   NULL::VARCHAR AS country, NULL::VARCHAR AS released_raw,
                   (1950 + i % 75)::INTEGER AS year, NULL::INTEGER AS month, NULL::INTEGER AS day,
                   NULL::BOOLEAN AS released_valid, NULL::VARCHAR AS notes, NULL::VARCHAR AS data_quality,
                   CASE WHEN i % 3 = 0 THEN (i // 6 + 1)::BIGINT END AS master_id,
                   NULL::BOOLEAN AS is_main_release
            FROM range({releases}) AS t(i)
        ) TO '{curated / "releases" / "part-0.parquet"}' (FORMAT parquet)
        """
    )
    con.execute(
        f"""
        COPY (
            SELECT i + 1 AS artist_id, 'Artist ' || (i + 1) AS name, 'Artist ' || (i + 1) AS name_display,
                   NULL::VARCHAR AS realname, NULL::VARCHAR AS profile, NULL::VARCHAR AS data_quality,
                   NULL::VARCHAR AS kind
            FROM range({artists}) AS t(i)
        ) TO '{curated / "artists" / "part-0.parquet"}' (FORMAT parquet)
        """
    )
    con.execute(
        f"""
        COPY (
            SELECT (i % {releases} + 1)::BIGINT AS release_id,
                   ['main', 'extra', 'track', 'track_extra'][(i // {releases}) % 4 + 1] AS credit_kind,
                   (i // {releases})::INTEGER AS ordinal,
                   NULL::INTEGER AS track_ordinal,
                   (1 + floor({artists} * pow(random(), {SKEW})))::BIGINT AS artist_id,
                   NULL::VARCHAR AS name, NULL::VARCHAR AS anv, NULL::VARCHAR AS "join",
                   NULL::VARCHAR AS role_raw,
                   CASE WHEN (i // {releases}) % 2 = 1
                        THEN [{{'role': 'Producer', 'details': NULL::VARCHAR}}] END AS roles,
                   NULL::VARCHAR AS tracks_raw
            FROM range({credits}) AS t(i)
        ) TO '{curated / "release_credits" / "part-0.parquet"}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """
    )
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True, type=Path)
    parser.add_argument("--snapshot", default="synthetic")
    parser.add_argument("--releases", type=int, default=1_000_000)
    parser.add_argument("--artists", type=int, default=530_000)
    args = parser.parse_args()

    started = time.monotonic()
    write_synthetic(
        DataRoot(args.data_root.absolute()),
        args.snapshot,
        releases=args.releases,
        artists=args.artists,
    )
    print(
        f"wrote {args.releases:,} releases, {args.artists:,} artists in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
