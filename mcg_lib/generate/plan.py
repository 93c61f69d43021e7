"""Release ids, masters, and the core that the releases of one master share.

About 60 % of releases belong to a master. A master is born with its first
release; later releases join an existing master with probability
proportional to its size (popular albums collect many reissues). The
master's ``main_release`` is its first release, or for one master in ten the
second. A master's core (kind, genre, year, title, main artists, track count)
is a pure function of the seed and the master's index, so releases and
masters.xml derive the same values without storing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcg_lib.generate import vocab
from mcg_lib.generate.rand import Rng, Weighted, derive_seed, numpy_rng
from mcg_lib.generate.world import PERFORMER, WRITER, World, sparse_ids
from mcg_lib.generate.xmlout import esc

SINGLE, EP, ALBUM, COMPILATION, MIX, CLASSICAL, BOX = (
    "single",
    "ep",
    "album",
    "compilation",
    "mix",
    "classical",
    "box",
)

RELEASE_KINDS = Weighted(
    [(SINGLE, 34), (EP, 10), (ALBUM, 31), (COMPILATION, 14), (MIX, 4), (CLASSICAL, 2), (BOX, 1)]
)
MASTER_KINDS = Weighted([(SINGLE, 28), (EP, 8), (ALBUM, 57), (COMPILATION, 4), (CLASSICAL, 2)])
# Classical releases count works, each of two to four movements.
TRACK_COUNTS = {
    SINGLE: (2, 4),
    EP: (4, 6),
    ALBUM: (8, 14),
    COMPILATION: (10, 20),
    MIX: (10, 22),
    CLASSICAL: (3, 6),
    BOX: (30, 70),
}
GENRES = Weighted([(i, g[1]) for i, g in enumerate(vocab.GENRES)])
JOINS = Weighted(list(vocab.JOINS))
MAIN_ARTIST_COUNT = Weighted([(1, 80), (2, 14), (3, 4), (4, 2)])

HAS_MASTER = 0.6
# Releases per master follow a power law, truncated so that no master takes a
# noticeable share of a small month.
MASTER_SIZE_EXPONENT = 1.9
LATER_MAIN_RELEASE = 0.1


@dataclass(slots=True)
class MainCredit:
    """One main artist: an artist index, or -1 with an escaped ``name`` for an unlinked credit."""

    artist: int
    name: str
    anv: str
    join: str


@dataclass(slots=True)
class Core:
    """The kind, genre, year, title, main artists and tracks shared by the releases of a master."""

    kind: str
    genre: int
    styles: list[str]
    year: int
    title: str
    main: list[MainCredit]
    tracks: int
    seed: int


def year(rng: Rng) -> int:
    """Return a release year, most between 1990 and 2024."""
    if rng.chance(0.7):
        return rng.between(1990, 2024)
    return rng.between(1950, 1989)


def styles(rng: Rng, genre: int) -> list[str]:
    pool = vocab.GENRES[genre][2]
    return rng.sample(pool, rng.between(1, 3)) if rng.chance(0.86) else []


def make_core(world: World, rng: Rng, kind: str, genre: int, seed: int, debut: bool) -> Core:
    """Draw a release's kind-specific core: main artists, title, year, track count.

    ``seed`` seeds the track titles, so that every release of a master lists the same tracks.
    """
    low, high = TRACK_COUNTS[kind]
    core_year = year(rng)
    title = world.words.title(rng, 1, 4)
    if rng.chance(0.01):
        title = f"{title} & {world.words.word(rng)}"
    return Core(
        kind=kind,
        genre=genre,
        styles=styles(rng, genre),
        year=core_year,
        title=title,
        main=main_credits(world, rng, kind, genre, debut),
        tracks=rng.between(low, high),
        seed=seed,
    )


def main_credits(world: World, rng: Rng, kind: str, genre: int, debut: bool) -> list[MainCredit]:
    """Draw the main artists of a release, with joins between them."""
    words = world.words
    if kind in (COMPILATION, BOX) and rng.chance(0.9):
        return [MainCredit(world.pseudo(vocab.VARIOUS), "", "", "")]
    if kind == CLASSICAL:
        composer = world.draw_artist(rng, WRITER, genre, debut)
        credits = [MainCredit(composer, "", "", "")]
        if rng.chance(0.6):
            credits[0].join = ","
            credits.append(MainCredit(world.draw_artist(rng, PERFORMER, genre, debut), "", "", ""))
        return credits

    special = rng.random()
    if special < 0.008:
        return [MainCredit(world.pseudo(vocab.UNKNOWN_ARTIST), "", "", "")]
    if special < 0.010:
        return [MainCredit(world.pseudo(vocab.NO_ARTIST), "", "", "")]
    if special < 0.012:
        return [MainCredit(world.pseudo(vocab.ANONYMOUS), "", "", "")]
    if special < 0.015:
        return [MainCredit(-1, esc(words.person(rng)), "", "")]
    if genre == vocab.FOLK and special < 0.05:
        return [MainCredit(world.pseudo(vocab.TRADITIONAL), "", "", "")]

    count = rng.weighted(MAIN_ARTIST_COUNT) if kind != MIX else 1
    credits = []
    for i in range(count):
        artist = world.draw_artist(rng, PERFORMER, genre, debut)
        credits.append(MainCredit(artist, "", "", ""))
        if i:
            credits[i - 1].join = rng.weighted(JOINS)
    if count >= 3 and rng.chance(0.1):
        # A master can list one artist twice ("A + B / A + C").
        credits[2].artist = credits[0].artist
    for credit in credits:
        if rng.chance(0.12):
            credit.anv = world.anv(rng, credit.artist)
    return credits


def master_sizes(rng: np.random.Generator, releases: int) -> np.ndarray:
    """Return release counts of masters that add up to ``releases``."""
    if releases == 0:
        return np.zeros(0, dtype=np.int64)
    cap = max(20, int(releases**0.5))
    sizes = rng.zipf(MASTER_SIZE_EXPONENT, size=2 * releases)
    sizes = sizes[sizes <= cap]
    count = int(np.searchsorted(np.cumsum(sizes), releases)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(sizes.sum()) - releases
    return sizes


class Plan:
    """Release ids, master ids, and which release belongs to which master."""

    def __init__(self, world: World) -> None:
        self.world = world
        seed = world.seed
        releases = world.sizes.releases
        rng = numpy_rng(seed, "masters-plan")
        self.release_ids = sparse_ids(numpy_rng(seed, "release-ids"), releases, [])
        self.master_of = np.full(releases, -1, dtype=np.int64)

        with_master = np.flatnonzero(rng.random(releases) < HAS_MASTER)
        sizes = master_sizes(rng, len(with_master))
        labels = np.repeat(np.arange(len(sizes)), sizes)[: len(with_master)]
        self.master_of[with_master] = rng.permutation(labels)

        # The main release is the master's first release (in id order), or for
        # some masters the second.
        order = self.master_of[with_master]
        _, first = np.unique(order, return_index=True)
        self.main_release = with_master[first]
        rest = np.ones(len(order), dtype=bool)
        rest[first] = False
        later_masters, second = np.unique(order[rest], return_index=True)
        later = with_master[np.flatnonzero(rest)[second]]
        swap = rng.random(len(later)) < LATER_MAIN_RELEASE
        self.main_release[later_masters[swap]] = later[swap]
        self.master_ids = sparse_ids(numpy_rng(seed, "master-ids"), len(sizes), [])

    def __len__(self) -> int:
        return len(self.release_ids)

    @property
    def masters(self) -> int:
        return len(self.master_ids)

    def is_main(self, release: int) -> bool:
        m = self.master_of[release]
        return m >= 0 and self.main_release[m] == release

    def master_core(self, m: int) -> Core:
        """Return the core of master ``m``; the same value on every call."""
        rng = Rng(derive_seed(self.world.seed, "master", m))
        kind = rng.weighted(MASTER_KINDS)
        genre = vocab.CLASSICAL if kind == CLASSICAL else rng.weighted(GENRES)
        core = make_core(
            self.world, rng, kind, genre, derive_seed(self.world.seed, "master-core", m), False
        )
        if rng.chance(0.04):
            core.year = 0
        return core
