"""Parse one <master> record of masters.xml."""

from __future__ import annotations

from collections import Counter

from mcg_lib.ingest.records.common import (
    Rows,
    add_images,
    add_ordered_text,
    add_videos,
    count_unknown,
    read_credit,
)
from mcg_lib.ingest.text import to_id, to_int

TEXT_FIELDS = ("main_release", "title", "year", "notes", "data_quality")


def parse_master(record, rows: Rows, unknown: Counter) -> int | None:
    """Append one master's rows; return its id, or None if it has no usable id."""
    master_id = to_id(record.get("id"))
    if master_id is None:
        return None

    text = dict.fromkeys(TEXT_FIELDS)
    for child in record:
        tag = child.tag
        if tag in text:
            text[tag] = child.text
        elif tag == "artists":
            _add_artists(child, master_id, rows, unknown)
        elif tag == "genres":
            add_ordered_text(child, master_id, "master_genres", "genre", rows, unknown, "master/genres")
        elif tag == "styles":
            add_ordered_text(child, master_id, "master_styles", "style", rows, unknown, "master/styles")
        elif tag == "videos":
            add_videos(child, master_id, "master_videos", rows, unknown, "master/videos")
        elif tag == "images":
            add_images(child, master_id, "master_images", rows, unknown, "master/images")
        else:
            count_unknown(child, "master", unknown)

    # Year 0 means unknown.
    year = to_int(text["year"]) or None
    rows["masters"].append(
        (master_id, to_id(text["main_release"]), text["title"], year, text["notes"], text["data_quality"])
    )
    return master_id


def _add_artists(container, master_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["master_artists"]
    ordinal = 0
    for artist in container:
        if artist.tag != "artist":
            count_unknown(artist, "master/artists", unknown)
            continue
        id_text, name, anv, join, role, tracks = read_credit(artist, "master/artists/artist", unknown)
        out.append((master_id, ordinal, id_text, name, anv, join, role, tracks))
        ordinal += 1
