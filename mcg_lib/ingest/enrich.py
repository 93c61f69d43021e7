"""Cross-record facts that one record alone cannot give, filled in after parsing."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mcg_lib.ingest.schema import SCHEMAS
from mcg_lib.ingest.writer import COMPRESSION, ROW_GROUP_ROWS


def _ids(folder: Path, table: str, column: str) -> pa.Array:
    parts = sorted((folder / table).glob("*.parquet"))
    arrays = [pq.read_table(part, columns=[column])[column] for part in parts]
    if not arrays:
        return pa.array([], pa.int64())
    return pc.unique(pa.chunked_array(arrays, pa.int64()).combine_chunks().drop_null())


def enrich_artist_kinds(folder: Path) -> None:
    """Mark artists listed as a group's member as persons, and listed groups as groups.

    An artist's own record names its members (so it is a group) or its groups
    (so it is a person), but many persons appear only in a group's member list.
    """
    members = _ids(folder, "artist_members", "member_id")
    groups = _ids(folder, "artist_groups", "group_id")
    if len(members) == 0 and len(groups) == 0:
        return

    schema = SCHEMAS["artists"]
    kind_index = schema.get_field_index("kind")
    for part in sorted((folder / "artists").glob("*.parquet")):
        source = pq.ParquetFile(part)
        tmp = part.with_suffix(".tmp")
        with pq.ParquetWriter(tmp, schema, compression=COMPRESSION) as writer:
            for group in range(source.num_row_groups):
                table = source.read_row_group(group)
                kind = table["kind"]
                ids = table["artist_id"]
                kind = pc.if_else(pc.and_(kind.is_null(), pc.is_in(ids, groups)), "group", kind)
                kind = pc.if_else(pc.and_(kind.is_null(), pc.is_in(ids, members)), "person", kind)
                table = table.set_column(kind_index, "kind", kind)
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        source.close()
        tmp.replace(part)
