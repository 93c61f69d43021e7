"""Popularity, release count and hint release of every artist, from the artist -> release CSR.

These are per-artist reductions over the artist's edges, so numpy computes
them in one pass over the arrays the build already has in artist order,
instead of a join and a grouping of every edge in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Popularity counts each release node an artist is credited on; a release on
# which the artist is a main artist counts this many times.
MAIN_CREDIT_WEIGHT = 3

# Edges are processed in slices of this many, to bound the int64 temporaries.
_CHUNK = 1 << 23

# The hint release maximises this key: a main credit (bit 60), then more
# versions (bits 44-59, capped), then an earlier year (bits 30-43, unknown
# years last), then a lower release node, which is a lower release id (bits 0-29).
_NODE_BITS = 30
_NODE_MASK = (1 << _NODE_BITS) - 1
_UNKNOWN_YEAR = 10000
_MAX_VERSIONS = 65535


@dataclass
class ArtistStats:
    """Per artist node: popularity (int64), release_count (int32), hint_node (int64, -1 if none)."""

    popularity: np.ndarray
    release_count: np.ndarray
    hint_node: np.ndarray


def hint_release_keys(versions: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Return the part of the hint key that depends on the release node only, one int64 per node.

    ``years`` is 0 where the year is unknown.
    """
    known = np.where(years == 0, _UNKNOWN_YEAR, years).astype(np.int64)
    year_part = (_UNKNOWN_YEAR - np.minimum(known, _UNKNOWN_YEAR)) << _NODE_BITS
    version_part = np.minimum(versions.astype(np.int64), _MAX_VERSIONS) << 44
    nodes = np.arange(len(versions), dtype=np.int64)
    return version_part | year_part | (_NODE_MASK - nodes)


def artist_stats(
    offsets: np.ndarray,
    releases: np.ndarray,
    is_main: np.ndarray,
    release_keys: np.ndarray,
    real_releases: int,
) -> ArtistStats:
    """Reduce each artist's edges (artist -> release CSR) to its popularity, count and hint.

    Only edges to the first ``real_releases`` release nodes count: group
    membership nodes follow them and are neither releases nor hints.
    ``release_keys`` comes from ``hint_release_keys``.
    """
    artist_count = len(offsets) - 1
    popularity = np.zeros(artist_count, dtype=np.int64)
    release_count = np.zeros(artist_count, dtype=np.int32)
    hint_node = np.full(artist_count, -1, dtype=np.int64)

    for first, last in _artist_slices(offsets):
        starts = offsets[first:last] - offsets[first]
        edges = slice(int(offsets[first]), int(offsets[last]))
        targets, main = releases[edges], is_main[edges]
        counted = targets < real_releases

        weights = np.where(main, MAIN_CREDIT_WEIGHT, 1) * counted
        keys = np.full(len(targets), -1, dtype=np.int64)
        keys[counted] = release_keys[targets[counted]] | (main[counted].astype(np.int64) << 60)

        # reduceat needs non-empty ranges; an artist node without edges keeps the zero defaults.
        nonempty = np.flatnonzero(np.diff(offsets[first : last + 1]) > 0)
        if len(nonempty) == 0:
            continue
        ranges = starts[nonempty]
        popularity[first + nonempty] = np.add.reduceat(weights, ranges)
        release_count[first + nonempty] = np.add.reduceat(counted, ranges, dtype=np.int32)
        best = np.maximum.reduceat(keys, ranges)
        hint_node[first + nonempty] = np.where(best >= 0, _NODE_MASK - (best & _NODE_MASK), -1)
    return ArtistStats(popularity, release_count, hint_node)


def _artist_slices(offsets: np.ndarray):
    """Yield (first, last) artist node ranges of about _CHUNK edges, split between artists."""
    artist_count = len(offsets) - 1
    first = 0
    while first < artist_count:
        last = int(np.searchsorted(offsets, offsets[first] + _CHUNK, side="right")) - 1
        last = min(max(last, first + 1), artist_count)
        yield first, last
        first = last
