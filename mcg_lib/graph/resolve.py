"""Find an artist of a graph by numeric id or by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcg_lib.errors import AmbiguousArtistError, NotFoundError

if TYPE_CHECKING:
    from mcg_lib.graph.store import Graph

_SUGGESTIONS = 5


def resolve_artist(graph: Graph, text: str | int) -> int:
    """Return the artist id that ``text`` names: a numeric id, a Discogs name or a display name.

    Names match case-insensitively, with or without the " (2)"-style suffix
    Discogs adds to tell namesakes apart. Raises AmbiguousArtistError listing
    the candidates (id, name, hint release) when several artists match, and
    NotFoundError when none does.
    """
    query = str(text).strip()
    if query.isascii() and query.isdigit():
        artist_id = int(query)
        graph.artist_node(artist_id)
        return artist_id

    nodes = _nodes_named(graph, query.lower())
    if len(nodes) == 1:
        return int(graph.artist_ids[nodes[0]])
    if not nodes:
        suggestions = [
            graph.artist_row(n)["name"] for n in _nodes_starting_with(graph, query.lower())
        ]
        hint = (
            f"did you mean: {'; '.join(suggestions)}?"
            if suggestions
            else "check the spelling, or pass the artist id"
        )
        raise NotFoundError(
            f"no artist named {query!r} in the {graph.ruleset} graph of snapshot {graph.snapshot}",
            hint=hint,
        )

    candidates = [_candidate(graph, node) for node in nodes]
    candidates.sort(key=lambda c: (-c["popularity"], c["id"]))
    raise AmbiguousArtistError(
        f"{len(candidates)} artists are named {query!r}",
        candidates=candidates,
        hint="pass the artist id instead of the name",
    )


def _candidate(graph: Graph, node: int) -> dict[str, Any]:
    row = graph.artist_row(node)
    hint = None
    if row["hint_title"]:
        year = f" ({row['hint_year']})" if row["hint_year"] else ""
        hint = f"{row['hint_title']}{year}"
    return {
        "id": row["artist_id"],
        "name": row["name"],
        "hint": hint,
        "popularity": row["popularity"],
    }


def _lower_bound(keys, value: str) -> int:
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if keys[middle].as_py() < value:
            low = middle + 1
        else:
            high = middle
    return low


def _nodes_named(graph: Graph, key: str) -> list[int]:
    names = graph.artist_names
    keys, nodes = names.column("key"), names.column("node")
    index = _lower_bound(keys, key)
    found = []
    while index < len(keys) and keys[index].as_py() == key:
        found.append(nodes[index].as_py())
        index += 1
    return sorted(set(found))


def _nodes_starting_with(graph: Graph, prefix: str) -> list[int]:
    names = graph.artist_names
    keys, nodes = names.column("key"), names.column("node")
    index = _lower_bound(keys, prefix)
    found: list[int] = []
    while index < len(keys) and len(found) < _SUGGESTIONS:
        key = keys[index].as_py()
        if key is None or not key.startswith(prefix):
            break
        if nodes[index].as_py() not in found:
            found.append(nodes[index].as_py())
        index += 1
    return found
