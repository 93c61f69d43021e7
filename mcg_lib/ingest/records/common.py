"""Parsing shared by several record kinds: credits, images, videos, plain lists."""

from __future__ import annotations

from collections import Counter

from mcg_lib.ingest.text import to_int

Rows = dict[str, list[tuple]]

IMAGE_ATTRS = frozenset({"type", "uri", "uri150", "width", "height"})
VIDEO_ATTRS = frozenset({"src", "duration", "embed"})


def count_unknown(element, path: str, unknown: Counter) -> None:
    """Count an element the parser does not know; comments and processing instructions are ignored."""
    tag = element.tag
    if isinstance(tag, str):
        unknown[f"{path}/{tag}"] += 1


def check_attributes(element, known: frozenset[str], path: str, unknown: Counter) -> None:
    """Count attributes of ``element`` that are not in ``known``."""
    keys = element.keys()
    if not known.issuperset(keys):
        for key in keys:
            if key not in known:
                unknown[f"{path}@{key}"] += 1


def read_credit(artist, path: str, unknown: Counter) -> tuple:
    """Return (id_text, name, anv, join, role_raw, tracks_raw) of one <artist> credit.

    The id stays text here; the batch converts the whole column at once, and
    maps the 0 of unlinked credits to null.
    """
    id_text = name = anv = join = role = tracks = None
    for child in artist:
        tag = child.tag
        if tag == "name":
            name = child.text
        elif tag == "id":
            id_text = child.text
        elif tag == "anv":
            anv = child.text
        elif tag == "join":
            join = child.text
        elif tag == "role":
            role = child.text
        elif tag == "tracks":
            tracks = child.text
        else:
            count_unknown(child, path, unknown)
    return id_text, name, anv, join, role, tracks


def add_release_credits(
    container, release_id: int, kind: str, track_ordinal: int | None, rows: Rows, unknown: Counter, path: str
) -> None:
    """Append a <artists> or <extraartists> list to release_credits.

    The roles column is left empty: the batch parses each distinct role text once.
    """
    out = rows["release_credits"]
    item_path = path + "/artist"
    ordinal = 0
    for artist in container:
        if artist.tag != "artist":
            count_unknown(artist, path, unknown)
            continue
        id_text, name, anv, join, role, tracks = read_credit(artist, item_path, unknown)
        out.append((release_id, kind, ordinal, track_ordinal, id_text, name, anv, join, role, None, tracks))
        ordinal += 1


def add_images(container, key: int, table: str, rows: Rows, unknown: Counter, path: str) -> None:
    out = rows[table]
    item_path = path + "/image"
    for ordinal, image in enumerate(container):
        if image.tag != "image":
            count_unknown(image, path, unknown)
            continue
        check_attributes(image, IMAGE_ATTRS, item_path, unknown)
        get = image.get
        out.append(
            (key, ordinal, get("type"), get("uri") or None, get("uri150") or None,
             to_int(get("width")), to_int(get("height")))
        )


def add_videos(container, key: int, table: str, rows: Rows, unknown: Counter, path: str) -> None:
    out = rows[table]
    item_path = path + "/video"
    for ordinal, video in enumerate(container):
        if video.tag != "video":
            count_unknown(video, path, unknown)
            continue
        check_attributes(video, VIDEO_ATTRS, item_path, unknown)
        title = description = None
        for child in video:
            if child.tag == "title":
                title = child.text
            elif child.tag == "description":
                description = child.text
            else:
                count_unknown(child, item_path, unknown)
        embed = video.get("embed")
        out.append(
            (key, ordinal, video.get("src"), to_int(video.get("duration")),
             None if embed is None else embed == "true", title, description)
        )


def add_ordered_text(container, key: int, table: str, item_tag: str, rows: Rows, unknown: Counter, path: str) -> None:
    """Append (key, ordinal, text) rows for a list such as <genres><genre>...</genre></genres>."""
    out = rows[table]
    ordinal = 0
    for item in container:
        if item.tag != item_tag:
            count_unknown(item, path, unknown)
            continue
        if item.text:
            out.append((key, ordinal, item.text))
            ordinal += 1


def add_plain_text(container, key: int, table: str, item_tag: str, rows: Rows, unknown: Counter, path: str) -> None:
    """Append (key, text) rows for an unordered list such as <urls><url>...</url></urls>."""
    out = rows[table]
    for item in container:
        if item.tag != item_tag:
            count_unknown(item, path, unknown)
        elif item.text:
            out.append((key, item.text))
