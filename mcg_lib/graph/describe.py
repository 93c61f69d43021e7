"""Turn a chain of node indices into the JSON elements and text of ``mcg path``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcg_lib.graph.search import PathResult
    from mcg_lib.graph.store import Graph


_ARTIST_COLUMNS = ("artist_id", "name", "name_display")
_RELEASE_COLUMNS = ("release_id", "group_id", "kind", "title", "year", "formats", "master_id")


def describe_artist(graph: Graph, node: int) -> dict[str, Any]:
    row = graph.artist_row(node, _ARTIST_COLUMNS)
    return {
        "type": "artist",
        "id": row["artist_id"],
        "name": row["name"],
        "name_display": row["name_display"],
    }


def describe_release(graph: Graph, node: int, before: int, after: int) -> dict[str, Any]:
    """Describe a release node between two artist nodes, with the roles of both.

    ``from_roles`` are the credits of the artist before the release in the
    chain, ``to_roles`` those of the artist after it.
    """
    row = graph.release_row(node, _RELEASE_COLUMNS)
    element: dict[str, Any] = {"type": "release", "id": row["release_id"]}
    if row["kind"] == "membership":
        element = {"type": "membership", "id": row["group_id"]}
    element.update(
        {
            "title": row["title"],
            "year": row["year"],
            "formats": row["formats"],
            "master_id": row["master_id"],
            "kind": row["kind"],
            "from_roles": graph.roles(node, before),
            "to_roles": graph.roles(node, after),
        }
    )
    return element


def describe_chain(
    graph: Graph, artist_nodes: list[int], release_nodes: list[int]
) -> list[dict[str, Any]]:
    """Return the path elements: artist, release, artist, ... in chain order."""
    path = [describe_artist(graph, artist_nodes[0])]
    for index, release in enumerate(release_nodes):
        before, after = artist_nodes[index], artist_nodes[index + 1]
        path.append(describe_release(graph, release, before, after))
        path.append(describe_artist(graph, after))
    return path


def format_chain(result: PathResult) -> str:
    """Return the human-readable lines of one result, as ``mcg path`` prints them."""
    data = result.to_json()
    if not result.found:
        if result.status == "unreachable":
            return (
                f"no chain: artists {result.from_id} and {result.to_id} share no connected releases"
            )
        if result.reason.startswith("no chain within"):
            return result.reason
        return f"no chain found within the search budget ({result.reason})"

    path = data["path"]
    hops = data["hops"]
    lines = [f"{hops} hop{'s' if hops != 1 else ''}: {path[0]['name']} -> {path[-1]['name']}"]
    lines.append(f"  {path[0]['name']} [{path[0]['id']}]")
    for index in range(1, len(path), 2):
        release, artist = path[index], path[index + 1]
        year = release["year"] if release["year"] is not None else "year unknown"
        what = "release" if release["type"] == "release" else release["type"]
        lines.append(
            f'    {", ".join(release["from_roles"])} on {what} "{release["title"]}" ({year}) '
            f"[{release['id']}], with {artist['name']} as {', '.join(release['to_roles'])}"
        )
        lines.append(f"  {artist['name']} [{artist['id']}]")
    return "\n".join(lines)
