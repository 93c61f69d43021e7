"""Artist lookups over one open graph: summaries, name search and neighbours.

Every query reads only the rows it returns, or one contiguous range of the
sorted name index, so a worker's memory does not grow with the graph: the
node tables stay memory-mapped and are read batch by batch (see rows.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from mcg_lib.api.rows import BatchedTable, NumberColumn
from mcg_lib.graph import Graph
from mcg_lib.graph.csr import gather_neighbors

# Other artists listed per release in a neighbours page, most popular first.
ARTISTS_PER_RELEASE = 20

# Search ranks by one int64 score: exact-name flag, then popularity, then node.
_NODE_BITS = 31
_POPULARITY_BITS = 31
_POPULARITY_MAX = (1 << _POPULARITY_BITS) - 1


def hint_text(title: str | None, year: int | None) -> str:
    """Return the best-known release as "Title (Year)", "Title", or "" when there is none."""
    if not title:
        return ""
    return f"{title} ({year})" if year else title


class ServedGraph:
    """One graph of the served snapshot, with the views the endpoints read."""

    def __init__(self, graph: Graph, etag: str) -> None:
        self.graph = graph
        self.etag = etag
        self.ruleset = graph.ruleset
        self.snapshot = graph.snapshot

        # Opening every lazily loaded table now ties this object to the files
        # it was opened from, even if graph/current moves on meanwhile.
        self.artist_ids = graph.artist_ids
        self.popularity = NumberColumn(graph.artists, "popularity")
        self._artists = BatchedTable(
            graph.artists,
            [
                "artist_id",
                "name",
                "name_display",
                "popularity",
                "release_count",
                "hint_title",
                "hint_year",
            ],
        )
        self._releases = BatchedTable(
            graph.releases,
            ["release_id", "title", "year", "formats", "versions", "kind", "group_id"],
        )
        self._name_keys = graph.artist_names.column("key")
        self._name_nodes = graph.artist_names.column("node")
        _ = graph.role_sets

    # artists

    def artist_node(self, artist_id: int) -> int | None:
        """Return the node of an artist id, or None when the graph has no such artist."""
        node = int(np.searchsorted(self.artist_ids, artist_id))
        if node < len(self.artist_ids) and int(self.artist_ids[node]) == artist_id:
            return node
        return None

    def summaries(self, nodes: Sequence[int]) -> list[dict[str, Any]]:
        """Return the artist summary of each node, in the order given."""
        return [_summary(row) for row in self._artists.rows(nodes)]

    def artist(self, node: int) -> dict[str, Any]:
        """Return the artist summary plus the number of releases the artist is credited on."""
        row = self._artists.rows([node])[0]
        return {**_summary(row), "release_count": row["release_count"]}

    # search

    def search(self, text: str, limit: int) -> list[dict[str, Any]]:
        """Return up to ``limit`` artists whose name or display name starts with ``text``.

        Matching ignores case. Artists whose whole name equals the text come
        first, then the rest by popularity, then by id.
        """
        key = text.lower()
        keys = self._name_keys
        start = _first_false(keys, 0, len(keys), lambda k: k < key)
        end = _first_false(keys, start, len(keys), lambda k: k.startswith(key))
        if start == end:
            return []
        exact_end = _first_false(keys, start, end, lambda k: k == key)

        nodes = self._name_nodes.slice(start, end - start).to_numpy().astype(np.int64)
        not_exact = np.ones(len(nodes), dtype=np.int64)
        not_exact[: exact_end - start] = 0
        popularity = np.minimum(self.popularity[nodes], _POPULARITY_MAX)
        score = (
            (not_exact << (_POPULARITY_BITS + _NODE_BITS))
            | ((_POPULARITY_MAX - popularity) << _NODE_BITS)
            | nodes
        )

        # A node has at most two keys (name and display name), so the best
        # 2 * limit entries hold ``limit`` distinct artists when there are that many.
        wanted = min(len(score), 2 * limit)
        if wanted < len(score):
            best = np.argpartition(score, wanted - 1)[:wanted]
        else:
            best = np.arange(len(score))
        best = best[np.argsort(score[best])]

        chosen: list[int] = []
        for node in nodes[best].tolist():
            if node not in chosen:
                chosen.append(node)
            if len(chosen) == limit:
                break
        return self.summaries(chosen)

    # neighbours

    def neighbours(self, node: int, offset: int, limit: int) -> dict[str, Any]:
        """Return one page of the releases of an artist, each with its other artists.

        The body has the shape of the site's static neighbour files, and the
        same order: releases with the most versions of their master first,
        then the highest summed popularity of their credited artists, then
        the lowest release id. Each release lists up to ARTISTS_PER_RELEASE
        other artists, most popular first, then by lowest id, and counts all
        its artists in ``artist_count``.
        """
        releases = np.asarray(self.graph.releases_of(node), dtype=np.int64)
        page = self._order_releases(releases)[offset : offset + limit]
        rows = self._releases.rows(page)

        others = [self._other_artists(release, node) for release in page.tolist()]
        shown = [group[:ARTISTS_PER_RELEASE] for group in others]
        flat = [other for group in shown for other in group]
        names = dict(zip(flat, self._names(flat), strict=True))

        items = []
        for release, row, group, listed in zip(page.tolist(), rows, others, shown, strict=True):
            item = _release_item(row)
            item["roles"] = self.graph.roles(release, node)
            item["artist_count"] = len(group) + 1
            item["artists"] = [
                {**names[other], "roles": self.graph.roles(release, other)} for other in listed
            ]
            items.append(item)
        return {
            "artist": self.summaries([node])[0],
            "ruleset": self.ruleset,
            "total": len(releases),
            "offset": offset,
            "limit": limit,
            "releases": items,
        }

    def _order_releases(self, releases: np.ndarray) -> np.ndarray:
        if len(releases) == 0:
            return releases
        credited, source = gather_neighbors(self.graph.by_release, releases)
        summed = np.bincount(source, weights=self.popularity[credited], minlength=len(releases))
        versions = self._releases.numbers("versions", releases, fill=1)
        # np.lexsort sorts by its last key first.
        return releases[np.lexsort((releases, -summed, -versions))]

    def _other_artists(self, release: int, artist: int) -> list[int]:
        nodes = np.asarray(self.graph.artists_of(release), dtype=np.int64)
        nodes = nodes[nodes != artist]
        order = np.lexsort((nodes, -self.popularity[nodes]))
        return nodes[order].tolist()

    def _names(self, nodes: list[int]) -> list[dict[str, Any]]:
        return [
            {"id": row["artist_id"], "name": row["name"], "name_display": row["name_display"]}
            for row in self._artists.rows(nodes)
        ]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["artist_id"],
        "name": row["name"],
        "name_display": row["name_display"],
        "hint": hint_text(row["hint_title"], row["hint_year"]),
        "popularity": row["popularity"],
    }


def _release_item(row: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": row["release_id"]}
    if row["kind"] == "membership":
        # A group-membership node (rulesets that link members to their group)
        # has no release id; it is listed under the group's artist id.
        item = {"id": row["group_id"], "kind": "membership"}
    item.update({"title": row["title"], "year": row["year"], "formats": row["formats"]})
    return item


def _first_false(
    keys: pa.ChunkedArray, low: int, high: int, predicate: Callable[[str], bool]
) -> int:
    """Return the first index in [low, high) whose key fails ``predicate`` (binary search).

    The keys are sorted with nulls last, and ``predicate`` must hold on a
    prefix of them; a null key always fails it.
    """
    while low < high:
        middle = (low + high) // 2
        key = keys[middle].as_py()
        if key is not None and predicate(key):
            low = middle + 1
        else:
            high = middle
    return low
