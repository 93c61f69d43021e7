"""The shape each record parser reads, so that what it does not read is counted.

The parsers count the unknown elements of every list they read, and unknown
attributes where the dumps put attributes. A second pass over each record,
driven by the shapes below, counts the rest: attributes on elements the
parsers never look at for attributes, and children of elements they read
as text. ``releases.c`` walks the same release shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(eq=False)
class Shape:
    """The parts of one element that its parser reads.

    ``attributes`` lists the attributes it reads and does not count itself
    (None: it counts unknown ones itself). ``children`` maps the child tags it
    reads to their shapes (None: the element is read as text, so every child
    is unread). Other children are counted by the parser, unless it skips them
    without counting (``others_skipped``).
    """

    attributes: frozenset[str] | None = frozenset()
    children: Mapping[str, Shape] | None = None
    others_skipped: bool = False


TEXT = Shape()
# An item whose attributes the parser checks and whose children it does not read.
ITEM = Shape(attributes=None)
NAME_LINK = Shape(attributes=frozenset({"id"}))


def _fields(*tags: str) -> dict[str, Shape]:
    return dict.fromkeys(tags, TEXT)


def _list(tag: str, item: Shape) -> Shape:
    return Shape(children={tag: item})


CREDITS = _list("artist", Shape(children=_fields("name", "id", "anv", "join", "role", "tracks")))
IMAGES = _list("image", ITEM)
VIDEOS = _list("video", Shape(attributes=None, children=_fields("title", "description")))

# A track's children include its sub-tracks, which are tracks again.
_track_children: dict[str, Shape] = _fields("title", "position", "duration")
TRACK = Shape(children=_track_children)
_track_children.update(artists=CREDITS, extraartists=CREDITS, sub_tracks=_list("track", TRACK))

RELEASE = Shape(attributes=None, children={
    **_fields("title", "country", "released", "notes", "data_quality"),
    "artists": CREDITS,
    "extraartists": CREDITS,
    "tracklist": _list("track", TRACK),
    "labels": _list("label", ITEM),
    "formats": _list("format", Shape(attributes=None, children={
        "descriptions": Shape(children=_fields("description"), others_skipped=True),
    })),
    "genres": _list("genre", TEXT),
    "styles": _list("style", TEXT),
    "identifiers": _list("identifier", ITEM),
    "companies": _list("company", Shape(children=_fields(
        "id", "name", "catno", "entity_type", "entity_type_name", "resource_url"))),
    "videos": VIDEOS,
    "images": IMAGES,
    "series": _list("series", ITEM),
    "master_id": ITEM,
})

ARTIST = Shape(children={
    **_fields("id", "name", "realname", "profile", "data_quality"),
    "members": Shape(children={"id": TEXT, "name": NAME_LINK}),
    "groups": _list("name", NAME_LINK),
    "aliases": _list("name", NAME_LINK),
    "namevariations": _list("name", TEXT),
    "urls": _list("url", TEXT),
    "images": IMAGES,
})

LABEL = Shape(children={
    **_fields("id", "name", "contactinfo", "profile", "data_quality"),
    "parentLabel": NAME_LINK,
    "sublabels": _list("label", NAME_LINK),
    "urls": _list("url", TEXT),
    "images": IMAGES,
})

MASTER = Shape(attributes=frozenset({"id"}), children={
    **_fields("main_release", "title", "year", "notes", "data_quality"),
    "artists": CREDITS,
    "genres": _list("genre", TEXT),
    "styles": _list("style", TEXT),
    "videos": VIDEOS,
    "images": IMAGES,
})

SHAPES = {"artists": ARTIST, "labels": LABEL, "masters": MASTER, "releases": RELEASE}


def count_unread(element, shape: Shape, path: str, unknown: Counter) -> None:
    """Count the attributes and children of ``element`` that its parser neither reads nor counts."""
    if shape.attributes is not None:
        for key in element.keys():
            if key not in shape.attributes:
                unknown[f"{path}@{key}"] += 1

    children = shape.children
    if children is None:
        for child in element:
            if isinstance(child.tag, str):  # comments and processing instructions are not elements
                unknown[f"{path}/{child.tag}"] += 1
        return

    for child in element:
        tag = child.tag
        child_shape = children.get(tag)
        if child_shape is None:
            if shape.others_skipped and isinstance(tag, str):
                unknown[f"{path}/{tag}"] += 1
        elif child_shape.children is not None or len(child) or (
            child_shape.attributes is not None and child.keys()
        ):
            # Most elements are text without attributes: only those with
            # something to count cost a call and a path.
            count_unread(child, child_shape, f"{path}/{tag}", unknown)
