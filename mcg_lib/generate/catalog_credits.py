"""The ``release_credits`` rows of one chunk of releases, built with numpy and pyarrow."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from mcg_lib.generate import vocab
from mcg_lib.generate.catalog_roles import ROLE_FAMILIES, RoleVocabulary
from mcg_lib.generate.world import PERFORMER, SESSION, STUDIO, VISUAL, WRITER

if TYPE_CHECKING:
    from mcg_lib.generate.catalog import ArtistPopulation, ReleasePlan

MAIN, EXTRA, TRACK, TRACK_EXTRA = range(4)
CREDIT_KINDS = pa.array(["main", "extra", "track", "track_extra"])
# Shares of credit kinds after each release's first (main) credit, from the
# proportions of real 2020 releases; compilations carry most credits on tracks.
KIND_SHARES = np.array([0.05, 0.33, 0.14, 0.48])
COMPILATION_KIND_SHARES = np.array([0.0, 0.15, 0.45, 0.40])
FAMILY_NAMES = tuple(ROLE_FAMILIES)
EXTRA_FAMILIES = {"studio": 0.45, "session": 0.25, "writer": 0.15, "visual": 0.12, "other": 0.03}
TRACK_EXTRA_FAMILIES = {
    "writer": 0.5,
    "studio": 0.2,
    "remix": 0.15,
    "session": 0.1,
    "featuring": 0.05,
}
ARTIST_FAMILY = {
    "studio": STUDIO,
    "session": SESSION,
    "writer": WRITER,
    "visual": VISUAL,
    "other": STUDIO,
    "remix": PERFORMER,
    "featuring": PERFORMER,
}
UNLINKED_SHARE = 0.01
ANV_SHARE = 0.25
TRACK_RANGES = pa.array(
    ["A1, B2 to B4", "1 to 4, 6 to 13", "A1, A2", "B1 to B3", "1", "2 to 3", "CD 33", "A"]
)
JOIN_VALUES = pa.array([j for j, _ in vocab.JOINS])
JOIN_WEIGHTS = np.array([w for _, w in vocab.JOINS], dtype=np.float64)
UNLINKED_NAMES = 1000


def _family_codes(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    codes = np.array([FAMILY_NAMES.index(name) for name in shares])
    p = np.array(list(shares.values()))
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _group_starts(*keys: np.ndarray) -> np.ndarray:
    """Return True where any key differs from the previous row (rows sorted by the keys)."""
    n = len(keys[0])
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
        for key in keys:
            starts[1:] |= key[1:] != key[:-1]
    return starts


def _cumcount(starts: np.ndarray) -> np.ndarray:
    index = np.arange(len(starts))
    return index - np.maximum.accumulate(np.where(starts, index, 0))


def unlinked_names(rng: np.random.Generator) -> pa.Array:
    """Return texts of credits that link to no artist, such as "A - B - C - D" or "A/B"."""
    from mcg_lib.generate.names import person_names

    a = person_names(rng, UNLINKED_NAMES).to_pylist()
    b = person_names(rng, UNLINKED_NAMES).to_pylist()
    forms = ("{a} - {b}", "{a}/{b}", "{a}, {b}", "{a} & {b}", "{a}")
    return pa.array(
        [forms[i % len(forms)].format(a=x, b=y) for i, (x, y) in enumerate(zip(a, b, strict=True))]
    )


def credit_rows(
    population: ArtistPopulation,
    plan: ReleasePlan,
    roles: RoleVocabulary,
    rng: np.random.Generator,
    start: int,
    stop: int,
    one_offs: np.ndarray,
) -> dict[str, pa.Array]:
    """Return the credit columns of releases ``start`` to ``stop``, in the ingest's row order."""
    counts = plan.credits[start:stop].astype(np.int64)
    total = int(counts.sum())
    release = np.repeat(np.arange(start, stop), counts)
    position = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    compilation = plan.compilation[release]

    kind = np.where(
        compilation,
        rng.choice(4, size=total, p=COMPILATION_KIND_SHARES),
        rng.choice(4, size=total, p=KIND_SHARES),
    )
    kind[position == 0] = MAIN
    tracks = np.maximum(1, counts // 2 + rng.integers(0, 6, len(counts)))
    on_track = (kind == TRACK) | (kind == TRACK_EXTRA)
    track_ordinal = np.where(
        on_track, (rng.random(total) * tracks[release - start]).astype(np.int64), -1
    )

    # Rows as the ingest emits them: main artists, release credits, then per
    # track its artists before its extra artists.
    group = np.where(kind == MAIN, 0, np.where(kind == EXTRA, 1, 2))
    order = np.lexsort((position, kind == TRACK_EXTRA, track_ordinal, group, release))
    release, kind, track_ordinal, compilation = (
        release[order],
        kind[order],
        track_ordinal[order],
        compilation[order],
    )
    starts = _group_starts(release, kind, track_ordinal)
    ordinal = _cumcount(starts)
    last = np.ones(total, dtype=bool)
    last[:-1] = starts[1:]

    family = np.full(total, -1, dtype=np.int64)
    extra = kind == EXTRA
    track_extra = kind == TRACK_EXTRA
    family[extra] = _family_codes(rng, EXTRA_FAMILIES, int(extra.sum()))
    family[track_extra] = _family_codes(rng, TRACK_EXTRA_FAMILIES, int(track_extra.sum()))
    artist_family = np.full(total, PERFORMER, dtype=np.int64)
    for code, name in enumerate(FAMILY_NAMES):
        artist_family[family == code] = ARTIST_FAMILY[name]

    genre = plan.genre[release].astype(np.int64)
    artist = population.draw(rng, artist_family, genre)
    artist = _pseudo_and_one_offs(population, rng, artist, kind, family, compilation, one_offs)
    return _columns(
        population, plan, roles, rng, release, kind, ordinal, track_ordinal, artist, family, last
    )


def _pseudo_and_one_offs(
    population: ArtistPopulation,
    rng: np.random.Generator,
    artist: np.ndarray,
    kind: np.ndarray,
    family: np.ndarray,
    compilation: np.ndarray,
    one_offs: np.ndarray,
) -> np.ndarray:
    """Put pseudo-artists, unlinked credits (-2) and one-off artists into the drawn artist column.

    Various (-1) is the main artist of compilations; it has no row in the
    artists table.
    """
    n = len(artist)
    u = rng.random(n)
    index = population.index_of
    writer = family == FAMILY_NAMES.index("writer")
    main = kind == MAIN
    artist = artist.copy()
    artist[(kind == TRACK) & (u < 0.005)] = index[vocab.UNKNOWN_ARTIST]
    artist[(kind == TRACK) & (u >= 0.005) & (u < 0.006)] = index[vocab.NO_ARTIST]
    artist[main & (u < 0.008)] = index[vocab.UNKNOWN_ARTIST]
    artist[writer & (u < 0.005)] = index[vocab.TRADITIONAL]
    artist[writer & (u >= 0.005) & (u < 0.006)] = index[vocab.ANONYMOUS]

    unlinked = rng.random(n) < np.where(main, 0.003, UNLINKED_SHARE)
    artist[unlinked] = -2
    artist[main & compilation] = -1

    eligible = np.flatnonzero((artist >= 0) & ~population.pseudo[np.maximum(artist, 0)])
    take = min(len(one_offs), len(eligible))
    if take:
        rows = rng.choice(eligible, size=take, replace=False)
        artist[rows] = one_offs[:take]
    return artist


def _columns(
    population: ArtistPopulation,
    plan: ReleasePlan,
    roles: RoleVocabulary,
    rng: np.random.Generator,
    release: np.ndarray,
    kind: np.ndarray,
    ordinal: np.ndarray,
    track_ordinal: np.ndarray,
    artist: np.ndarray,
    family: np.ndarray,
    last: np.ndarray,
) -> dict[str, pa.Array]:
    n = len(release)
    n_artists = len(population.ids)
    linked = artist >= 0
    unlinked = artist == -2

    unlinked_pool = unlinked_names(rng)
    names_ext = pa.concat_arrays([population.names, pa.array(["Various"]), unlinked_pool])
    ext = np.where(
        linked,
        artist,
        np.where(unlinked, n_artists + 1 + rng.integers(0, len(unlinked_pool), n), n_artists),
    )
    ids_ext = np.concatenate([population.ids, [vocab.VARIOUS]])

    with_anv = linked & ~population.pseudo[np.maximum(artist, 0)] & (rng.random(n) < ANV_SHARE)
    anv = population.variant.take(pa.array(np.maximum(artist, 0), mask=~with_anv))

    joined = ((kind == MAIN) | (kind == TRACK)) & ~last
    join_index = rng.choice(len(JOIN_WEIGHTS), size=n, p=JOIN_WEIGHTS / JOIN_WEIGHTS.sum())
    join = JOIN_VALUES.take(pa.array(join_index, mask=~joined))

    role_index = np.full(n, -1, dtype=np.int64)
    for code, name in enumerate(FAMILY_NAMES):
        rows = np.flatnonzero(family == code)
        if len(rows):
            role_index[rows] = roles.draw(rng, name, len(rows))
    role_mask = role_index < 0
    role_take = pa.array(np.maximum(role_index, 0), mask=role_mask)

    with_ranges = (kind == EXTRA) & (rng.random(n) < 0.15)
    ranges = TRACK_RANGES.take(pa.array(rng.integers(0, len(TRACK_RANGES), n), mask=~with_ranges))

    return {
        "release_id": pa.array(plan.ids[release]),
        "credit_kind": CREDIT_KINDS.take(pa.array(kind)),
        "ordinal": pa.array(ordinal.astype(np.int32)),
        "track_ordinal": pa.array(track_ordinal.astype(np.int32), mask=track_ordinal < 0),
        "artist_id": pa.array(ids_ext[np.minimum(ext, n_artists)], mask=unlinked),
        "name": names_ext.take(pa.array(ext)),
        "anv": anv,
        "join": join,
        "role_raw": roles.raw.take(role_take),
        "roles": roles.parsed.take(role_take),
        "tracks_raw": ranges,
    }
