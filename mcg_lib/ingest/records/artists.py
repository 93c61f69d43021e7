"""Parse one <artist> record of artists.xml."""

from __future__ import annotations

from collections import Counter

from mcg_lib.ingest.records.common import Rows, add_images, add_plain_text, count_unknown
from mcg_lib.ingest.text import to_id

TEXT_FIELDS = ("id", "name", "realname", "profile", "data_quality")
# The 2015 test export writes the literal string NULL for missing text.
NULL_TEXT = "NULL"


def parse_artist(record, rows: Rows, unknown: Counter) -> int | None:
    """Append one artist's rows; return its id, or None if it has no usable id."""
    text = dict.fromkeys(TEXT_FIELDS)
    containers = []
    for child in record:
        tag = child.tag
        if tag in text:
            text[tag] = child.text
        else:
            containers.append(child)

    artist_id = to_id(text["id"])
    if artist_id is None:
        return None

    has_members = has_groups = False
    for child in containers:
        tag = child.tag
        if tag == "members":
            has_members = _add_members(child, artist_id, rows, unknown) > 0
        elif tag == "groups":
            has_groups = _add_named_links(child, artist_id, "artist_groups", rows, unknown, "artist/groups") > 0
        elif tag == "aliases":
            _add_named_links(child, artist_id, "artist_aliases", rows, unknown, "artist/aliases")
        elif tag == "namevariations":
            add_plain_text(child, artist_id, "artist_name_variations", "name", rows, unknown,
                           "artist/namevariations")
        elif tag == "urls":
            add_plain_text(child, artist_id, "artist_urls", "url", rows, unknown, "artist/urls")
        elif tag == "images":
            add_images(child, artist_id, "artist_images", rows, unknown, "artist/images")
        else:
            count_unknown(child, "artist", unknown)

    # Dumps have no person/group field: members make a group, groups make a
    # person. The ingest's last step also marks artists listed as members.
    kind = "group" if has_members else "person" if has_groups else None
    rows["artists"].append(
        (artist_id, text["name"], None, _not_null(text["realname"]), _not_null(text["profile"]),
         text["data_quality"], kind)
    )
    return artist_id


def _not_null(value: str | None) -> str | None:
    return None if value == NULL_TEXT else value


def _add_named_links(container, artist_id: int, table: str, rows: Rows, unknown: Counter, path: str) -> int:
    """Append aliases or groups: <name id="239">Name</name>; ids exist since about 2019.

    Empty <name/> entries (thousands in the 2015 export) carry nothing and are skipped.
    """
    out = rows[table]
    added = 0
    for item in container:
        if item.tag != "name":
            count_unknown(item, path, unknown)
            continue
        linked_id = to_id(item.get("id"))
        if linked_id is None and not item.text:
            continue
        out.append((artist_id, linked_id, item.text))
        added += 1
    return added


def _add_members(members, group_id: int, rows: Rows, unknown: Counter) -> int:
    """Append group members, whichever of the three encodings the dump uses.

    2015-2017: <id>26</id><name>A</name> sibling pairs; about 2019-2024: the
    pairs plus <name id="26">; since 2024-12: <name id="26"> only. The id
    attribute wins; a preceding <id> sibling is the fallback.
    """
    out = rows["artist_members"]
    pending_id = None
    added = 0
    for item in members:
        tag = item.tag
        if tag == "id":
            pending_id = to_id(item.text)
        elif tag == "name":
            member_id = to_id(item.get("id")) or pending_id
            pending_id = None
            if member_id is None and not item.text:
                continue
            out.append((group_id, member_id, item.text))
            added += 1
        else:
            count_unknown(item, "artist/members", unknown)
    return added
