"""Look up artists of a graph by name or id, and find the chain between two of them."""

from __future__ import annotations

import time
from typing import Any

from mcg_lib.graph import Graph, PathResult, find_path, resolve_artist

_ARTIST_FIELDS = (
    "artist_id",
    "name",
    "name_display",
    "popularity",
    "release_count",
    "hint_release_id",
    "hint_title",
    "hint_year",
)


def lookup_artist(graph: Graph, text: str | int) -> dict[str, Any]:
    """Return the artist that ``text`` names (a name or a numeric id) in ``graph``.

    The dict has the artist's id, names, popularity, release count and
    best-known release. Raises AmbiguousArtistError listing the candidates
    when several artists share the name, and NotFoundError when none matches.
    """
    artist_id = resolve_artist(graph, text)
    row = graph.artist_row(graph.artist_node(artist_id))
    return {field: row.get(field) for field in _ARTIST_FIELDS}


def find_chain(
    graph: Graph,
    from_artist: str | int,
    to_artist: str | int,
    *,
    max_hops: int = 12,
    timeout: float = 30.0,
) -> PathResult:
    """Return a shortest chain between two artists given by name or id.

    ``timeout`` is in seconds. A chain longer than ``max_hops``, or a search
    that runs out of time, returns a result whose status is "budget".
    """
    from_id = resolve_artist(graph, from_artist)
    to_id = resolve_artist(graph, to_artist)
    return find_path(graph, from_id, to_id, max_hops=max_hops, deadline=time.monotonic() + timeout)
