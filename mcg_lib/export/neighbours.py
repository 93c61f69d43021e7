"""Neighbour entries: an artist's releases and the other artists credited on each.

The entry has the shape of the API's ``GET /v1/artists/{id}/neighbours``
body, so the game reads static files and API answers alike::

    {"artist": <summary>, "ruleset", "total", "offset": 0, "limit",
     "releases": [{"id", "title", "year", "formats", "roles", "artist_count",
                   "artists": [{"id", "name", "name_display", "roles"}]}]}

``total`` counts the artist's releases and ``artist_count`` the artists
linked to a release, so the game can tell a capped list from a complete one.

Order: releases by most versions (a reissued master is better known), then
by the summed popularity of their credited artists, then by release id.
Artists on a release by popularity, then by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mcg_lib.export.nodes import NodeReader
from mcg_lib.graph.csr import gather_neighbors

# Releases and artists that must stay in an entry whatever the caps:
# {release node: {artist node, ...}}.
Keep = Mapping[int, set[int]]


class NeighbourBuilder:
    """Build neighbour entries of one graph."""

    def __init__(self, reader: NodeReader) -> None:
        self.reader = reader
        self.graph = reader.graph

    def ranked_releases(self, artist_node: int) -> np.ndarray:
        """Return the artist's release nodes, most popular first."""
        releases = np.asarray(self.graph.releases_of(artist_node))
        if len(releases) == 0:
            return releases
        found, source_index = gather_neighbors(self.graph.by_release, releases)
        summed = np.bincount(
            source_index, weights=self.reader.popularity[found], minlength=len(releases)
        )
        versions = self.reader.versions[releases]
        order = np.lexsort((releases, -summed, -versions))
        return releases[order]

    def ranked_artists(self, release_node: int, artist_node: int) -> np.ndarray:
        """Return the other artists of a release, most popular first."""
        artists = np.asarray(self.graph.artists_of(release_node))
        artists = artists[artists != artist_node]
        order = np.lexsort((artists, -self.reader.popularity[artists]))
        return artists[order]

    def entry(
        self,
        artist_node: int,
        *,
        release_cap: int,
        artist_cap: int,
        keep: Keep | None = None,
    ) -> dict[str, Any]:
        """Return the neighbour entry of one artist under the given caps."""
        keep = keep or {}
        ranked = self.ranked_releases(artist_node)
        chosen = _capped(ranked, release_cap, keep.keys())
        releases = [
            self._release_entry(release, artist_node, artist_cap, keep.get(int(release), set()))
            for release in chosen
        ]
        return {
            "artist": self.reader.summary(artist_node),
            "ruleset": self.graph.ruleset,
            "total": int(len(ranked)),
            "offset": 0,
            "limit": release_cap,
            "releases": releases,
        }

    def _release_entry(
        self, release_node: int, artist_node: int, artist_cap: int, keep: set[int]
    ) -> dict[str, Any]:
        graph = self.graph
        others = self.ranked_artists(release_node, artist_node)
        chosen = _capped(others, artist_cap, keep)
        entry = self.reader.release(release_node)
        entry["roles"] = graph.roles(release_node, artist_node)
        entry["artist_count"] = int(len(others)) + 1
        entry["artists"] = [
            {**self.reader.brief(other), "roles": graph.roles(release_node, other)}
            for other in chosen
        ]
        return entry


def _capped(ranked: np.ndarray, cap: int, keep) -> list[int]:
    """Return the first ``cap`` of ``ranked`` plus every node in ``keep``, in ranked order."""
    keep = {int(node) for node in keep}
    chosen = []
    for position, node in enumerate(ranked.tolist()):
        if position < cap or node in keep:
            chosen.append(node)
        elif len(keep) == 0 or len(chosen) >= cap + len(keep):
            break
    return chosen
