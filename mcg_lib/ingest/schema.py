"""The Parquet catalog's tables: names, columns and types.

The names and columns listed in docs/schema.md are a contract that researchers
and every later stage rely on; columns may be added, never renamed or dropped.
Each dump kind fills the tables listed under it in ``TABLES_BY_KIND``.
"""

from __future__ import annotations

import pyarrow as pa

I64 = pa.int64()
I32 = pa.int32()
STR = pa.string()
BOOL = pa.bool_()

ROLE = pa.struct([("role", STR), ("details", STR)])


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, dtype) for name, dtype in fields])


def _images(key: str) -> pa.Schema:
    return _schema(
        (key, I64), ("ordinal", I32), ("type", STR), ("uri", STR), ("uri150", STR),
        ("width", I32), ("height", I32),
    )


def _videos(key: str) -> pa.Schema:
    return _schema(
        (key, I64), ("ordinal", I32), ("src", STR), ("duration", I32), ("embed", BOOL),
        ("title", STR), ("description", STR),
    )


def _ordered_values(key: str, column: str) -> pa.Schema:
    return _schema((key, I64), ("ordinal", I32), (column, STR))


SCHEMAS: dict[str, pa.Schema] = {
    # artists.xml
    "artists": _schema(
        ("artist_id", I64), ("name", STR), ("name_display", STR), ("realname", STR),
        ("profile", STR), ("data_quality", STR), ("kind", STR),
    ),
    "artist_aliases": _schema(("artist_id", I64), ("alias_id", I64), ("alias_name", STR)),
    "artist_members": _schema(("group_id", I64), ("member_id", I64), ("member_name", STR)),
    "artist_groups": _schema(("artist_id", I64), ("group_id", I64), ("group_name", STR)),
    "artist_name_variations": _schema(("artist_id", I64), ("name", STR)),
    "artist_urls": _schema(("artist_id", I64), ("url", STR)),
    "artist_images": _images("artist_id"),
    # labels.xml
    "labels": _schema(
        ("label_id", I64), ("name", STR), ("name_display", STR), ("contact_info", STR),
        ("profile", STR), ("parent_label_id", I64), ("parent_label_name", STR), ("data_quality", STR),
    ),
    "label_sublabels": _schema(("label_id", I64), ("sublabel_id", I64), ("sublabel_name", STR)),
    "label_urls": _schema(("label_id", I64), ("url", STR)),
    "label_images": _images("label_id"),
    # masters.xml
    "masters": _schema(
        ("master_id", I64), ("main_release_id", I64), ("title", STR), ("year", I32),
        ("notes", STR), ("data_quality", STR),
    ),
    "master_artists": _schema(
        ("master_id", I64), ("ordinal", I32), ("artist_id", I64), ("name", STR), ("anv", STR),
        ("join", STR), ("role_raw", STR), ("tracks_raw", STR),
    ),
    "master_genres": _ordered_values("master_id", "genre"),
    "master_styles": _ordered_values("master_id", "style"),
    "master_videos": _videos("master_id"),
    "master_images": _images("master_id"),
    # releases.xml
    "releases": _schema(
        ("release_id", I64), ("status", STR), ("title", STR), ("country", STR),
        ("released_raw", STR), ("year", I32), ("month", I32), ("day", I32), ("released_valid", BOOL),
        ("notes", STR), ("data_quality", STR), ("master_id", I64), ("is_main_release", BOOL),
    ),
    "release_credits": _schema(
        ("release_id", I64), ("credit_kind", STR), ("ordinal", I32), ("track_ordinal", I32),
        ("artist_id", I64), ("name", STR), ("anv", STR), ("join", STR), ("role_raw", STR),
        ("roles", pa.list_(ROLE)), ("tracks_raw", STR),
    ),
    "tracks": _schema(
        ("release_id", I64), ("track_ordinal", I32), ("parent_ordinal", I32), ("position", STR),
        ("title", STR), ("duration_raw", STR), ("duration_seconds", I32), ("track_kind", STR),
    ),
    "release_labels": _schema(
        ("release_id", I64), ("ordinal", I32), ("label_id", I64), ("name", STR), ("catno", STR),
    ),
    "release_companies": _schema(
        ("release_id", I64), ("ordinal", I32), ("company_id", I64), ("name", STR), ("catno", STR),
        ("entity_type", I32), ("entity_type_name", STR), ("resource_url", STR),
    ),
    "release_formats": _schema(
        ("release_id", I64), ("ordinal", I32), ("name", STR), ("qty", STR), ("text", STR),
        ("descriptions", pa.list_(STR)),
    ),
    "release_genres": _ordered_values("release_id", "genre"),
    "release_styles": _ordered_values("release_id", "style"),
    "release_identifiers": _schema(
        ("release_id", I64), ("ordinal", I32), ("type", STR), ("value", STR), ("description", STR),
    ),
    "release_series": _schema(
        ("release_id", I64), ("ordinal", I32), ("series_id", I64), ("name", STR), ("catno", STR),
    ),
    "release_videos": _videos("release_id"),
    "release_images": _images("release_id"),
}

KINDS = ("artists", "labels", "masters", "releases")

# Record element of each dump, and the record-id column of its main table.
RECORD_TAG = {"artists": "artist", "labels": "label", "masters": "master", "releases": "release"}
MAIN_TABLE_KEY = {"artists": "artist_id", "labels": "label_id", "masters": "master_id", "releases": "release_id"}

TABLES_BY_KIND: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in SCHEMAS if name.startswith(kind[:-1]) or name == kind)
    for kind in KINDS
}
TABLES_BY_KIND["releases"] += ("tracks",)


def kind_of_table(table: str) -> str:
    """Return the dump kind whose ingest writes ``table``."""
    for kind, tables in TABLES_BY_KIND.items():
        if table in tables:
            return kind
    raise KeyError(table)
