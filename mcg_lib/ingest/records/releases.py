"""Parse one <release> record."""

from __future__ import annotations

from collections import Counter

from mcg_lib.ingest.records.common import (
    Rows,
    add_images,
    add_ordered_text,
    add_release_credits,
    add_videos,
    check_attributes,
    count_unknown,
)
from mcg_lib.ingest.text import parse_duration, parse_released, to_id, to_int

RELEASE_ATTRS = frozenset({"id", "status"})
LABEL_ATTRS = frozenset({"name", "catno", "id"})
FORMAT_ATTRS = frozenset({"name", "qty", "text"})
IDENTIFIER_ATTRS = frozenset({"type", "value", "description"})
SERIES_ATTRS = frozenset({"name", "catno", "id"})
MASTER_ID_ATTRS = frozenset({"is_main_release"})
TEXT_FIELDS = ("title", "country", "released", "notes", "data_quality")
COMPANY_FIELDS = ("id", "name", "catno", "entity_type", "entity_type_name", "resource_url")


def parse_release(record, rows: Rows, unknown: Counter) -> int | None:
    """Append one release's rows; return its id, or None if it has no usable id."""
    release_id = to_id(record.get("id"))
    if release_id is None:
        return None
    check_attributes(record, RELEASE_ATTRS, "release", unknown)

    text = dict.fromkeys(TEXT_FIELDS)
    master_id = None
    is_main = None
    for child in record:
        tag = child.tag
        if tag in text:
            text[tag] = child.text
        elif tag == "artists":
            add_release_credits(child, release_id, "main", None, rows, unknown, "release/artists")
        elif tag == "extraartists":
            add_release_credits(child, release_id, "extra", None, rows, unknown, "release/extraartists")
        elif tag == "tracklist":
            _add_tracklist(child, release_id, rows, unknown)
        elif tag == "labels":
            _add_labels(child, release_id, rows, unknown)
        elif tag == "formats":
            _add_formats(child, release_id, rows, unknown)
        elif tag == "genres":
            add_ordered_text(child, release_id, "release_genres", "genre", rows, unknown, "release/genres")
        elif tag == "styles":
            add_ordered_text(child, release_id, "release_styles", "style", rows, unknown, "release/styles")
        elif tag == "identifiers":
            _add_identifiers(child, release_id, rows, unknown)
        elif tag == "companies":
            _add_companies(child, release_id, rows, unknown)
        elif tag == "videos":
            add_videos(child, release_id, "release_videos", rows, unknown, "release/videos")
        elif tag == "images":
            add_images(child, release_id, "release_images", rows, unknown, "release/images")
        elif tag == "series":
            _add_series(child, release_id, rows, unknown)
        elif tag == "master_id":
            # The is_main_release attribute exists since 2017-12; older dumps give None.
            master_id = to_id(child.text)
            flag = child.get("is_main_release")
            is_main = None if flag is None else flag == "true"
            check_attributes(child, MASTER_ID_ATTRS, "release/master_id", unknown)
        else:
            count_unknown(child, "release", unknown)

    released = text["released"]
    year, month, day, valid = parse_released(released)
    rows["releases"].append(
        (release_id, record.get("status"), text["title"], text["country"], released, year, month, day, valid,
         text["notes"], text["data_quality"], master_id, is_main)
    )
    return release_id


def _add_tracklist(tracklist, release_id: int, rows: Rows, unknown: Counter) -> None:
    counter = [0]
    for track in tracklist:
        if track.tag != "track":
            count_unknown(track, "release/tracklist", unknown)
            continue
        _add_track(track, release_id, None, counter, rows, unknown, "release/tracklist/track")


def _add_track(track, release_id: int, parent: int | None, counter: list[int], rows: Rows,
               unknown: Counter, path: str) -> None:
    """Append a track, its credits and, depth first, its sub-tracks.

    Track ordinals number the flattened tracklist in document order, so an
    index track comes right before its sub-tracks.
    """
    ordinal = counter[0]
    counter[0] += 1
    position = title = duration = sub_tracks = None
    has_credits = False
    for child in track:
        tag = child.tag
        if tag == "title":
            title = child.text
        elif tag == "position":
            position = child.text
        elif tag == "duration":
            duration = child.text
        elif tag == "artists":
            add_release_credits(child, release_id, "track", ordinal, rows, unknown, path + "/artists")
            has_credits = True
        elif tag == "extraartists":
            add_release_credits(child, release_id, "track_extra", ordinal, rows, unknown, path + "/extraartists")
            has_credits = True
        elif tag == "sub_tracks":
            sub_tracks = child
        else:
            count_unknown(child, path, unknown)

    if parent is not None:
        kind = "sub_track"
    elif sub_tracks is not None and len(sub_tracks):
        kind = "index"
    elif not position and not duration and not has_credits:
        # Headings ("Side Two", a performer's name) carry a title only; the
        # dumps have no type field, so this is a heuristic.
        kind = "heading"
    else:
        kind = "track"
    rows["tracks"].append((release_id, ordinal, parent, position, title, duration, parse_duration(duration), kind))

    if sub_tracks is not None:
        for sub in sub_tracks:
            if sub.tag != "track":
                count_unknown(sub, path + "/sub_tracks", unknown)
                continue
            _add_track(sub, release_id, ordinal, counter, rows, unknown, path + "/sub_tracks/track")


def _add_labels(labels, release_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["release_labels"]
    for ordinal, label in enumerate(labels):
        if label.tag != "label":
            count_unknown(label, "release/labels", unknown)
            continue
        check_attributes(label, LABEL_ATTRS, "release/labels/label", unknown)
        out.append((release_id, ordinal, to_id(label.get("id")), label.get("name"), label.get("catno") or None))


def _add_formats(formats, release_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["release_formats"]
    for ordinal, fmt in enumerate(formats):
        if fmt.tag != "format":
            count_unknown(fmt, "release/formats", unknown)
            continue
        check_attributes(fmt, FORMAT_ATTRS, "release/formats/format", unknown)
        descriptions = None
        for child in fmt:
            if child.tag == "descriptions":
                descriptions = [d.text for d in child if d.tag == "description" and d.text]
            else:
                count_unknown(child, "release/formats/format", unknown)
        out.append(
            (release_id, ordinal, fmt.get("name"), fmt.get("qty") or None, fmt.get("text") or None,
             descriptions or None)
        )


def _add_identifiers(identifiers, release_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["release_identifiers"]
    for ordinal, item in enumerate(identifiers):
        if item.tag != "identifier":
            count_unknown(item, "release/identifiers", unknown)
            continue
        check_attributes(item, IDENTIFIER_ATTRS, "release/identifiers/identifier", unknown)
        out.append((release_id, ordinal, item.get("type"), item.get("value"), item.get("description") or None))


def _add_companies(companies, release_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["release_companies"]
    for ordinal, company in enumerate(companies):
        if company.tag != "company":
            count_unknown(company, "release/companies", unknown)
            continue
        fields = dict.fromkeys(COMPANY_FIELDS)
        for child in company:
            if child.tag in fields:
                fields[child.tag] = child.text
            else:
                count_unknown(child, "release/companies/company", unknown)
        out.append(
            (release_id, ordinal, to_id(fields["id"]), fields["name"], fields["catno"],
             to_int(fields["entity_type"]), fields["entity_type_name"], fields["resource_url"])
        )


def _add_series(series, release_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["release_series"]
    for ordinal, item in enumerate(series):
        if item.tag != "series":
            count_unknown(item, "release/series", unknown)
            continue
        check_attributes(item, SERIES_ATTRS, "release/series/series", unknown)
        out.append((release_id, ordinal, to_id(item.get("id")), item.get("name"), item.get("catno") or None))
