"""Read artist and release rows of a graph as the JSON objects the game uses.

Rows are read one node at a time from the mapped node tables and cached, so
the cost follows the nodes exported, not the size of the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mcg_lib.graph.store import Graph


def hint_text(title: str | None, year: int | None) -> str:
    """Return the best-known release as "Title (1994)", "Title", or "" when there is none."""
    if not title:
        return ""
    return f"{title} ({year})" if year else title


class NodeReader:
    """Artist summaries and release descriptions of one graph, by node index."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        artists = graph.artists
        # Columns stay chunked and mapped: indexing one row reads only that row.
        self._artist_columns = {
            name: artists.column(name)
            for name in ("artist_id", "name", "name_display", "hint_title", "hint_year")
        }
        releases = graph.releases
        self._release_columns = {
            name: releases.column(name)
            for name in ("release_id", "title", "year", "formats", "kind", "group_id")
        }
        self.popularity = artists.column("popularity").to_numpy()
        self.versions = releases.column("versions").fill_null(1).to_numpy()
        self._summaries: dict[int, dict[str, Any]] = {}
        self._releases: dict[int, dict[str, Any]] = {}

    def summary(self, node: int) -> dict[str, Any]:
        """Return the artist summary {id, name, name_display, hint, popularity} of a node."""
        node = int(node)
        cached = self._summaries.get(node)
        if cached is None:
            column = self._artist_columns
            cached = {
                "id": column["artist_id"][node].as_py(),
                "name": column["name"][node].as_py(),
                "name_display": column["name_display"][node].as_py(),
                "hint": hint_text(
                    column["hint_title"][node].as_py(), column["hint_year"][node].as_py()
                ),
                "popularity": int(self.popularity[node]),
            }
            self._summaries[node] = cached
        return cached

    def brief(self, node: int) -> dict[str, Any]:
        """Return {id, name, name_display} of an artist node."""
        summary = self.summary(node)
        return {key: summary[key] for key in ("id", "name", "name_display")}

    def release(self, node: int) -> dict[str, Any]:
        """Return {id, title, year, formats} of a release node, plus "kind" when not a release.

        A group-membership node (rulesets that link members to their group)
        has the group's artist id as its id and kind "membership".
        """
        node = int(node)
        cached = self._releases.get(node)
        if cached is None:
            column = self._release_columns
            kind = column["kind"][node].as_py()
            if kind == "membership":
                cached = {"id": column["group_id"][node].as_py(), "kind": kind}
            else:
                cached = {"id": column["release_id"][node].as_py()}
            cached.update(
                {
                    "title": column["title"][node].as_py(),
                    "year": column["year"][node].as_py(),
                    "formats": column["formats"][node].as_py(),
                }
            )
            self._releases[node] = cached
        return dict(cached)

    def artist_node(self, artist_id: int) -> int:
        return self.graph.artist_node(int(artist_id))

    def release_node(self, chain_id: int) -> int:
        """Return the node of a chain's release id.

        A negative id is minus the group id of a group-membership node.
        """
        if chain_id >= 0:
            return self.graph.release_node(int(chain_id))
        group_ids = self._release_columns["group_id"]
        matches = np.flatnonzero(group_ids.fill_null(0).to_numpy() == -chain_id)
        if len(matches) == 0:
            return self.graph.release_node(int(chain_id))
        return int(matches[0])
