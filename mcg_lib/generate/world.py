"""The invented world behind one generated month: artists, labels and who works with whom.

Sizes follow the proportions of real dumps: about 0.55 artists and 0.15
labels per release, and 0.12 to 0.19 masters per release (more in small
months). Each artist has a credit family (performer,
session player, studio, writer, visual) and a home genre. A credit is drawn
from the pool of its family and genre with power-law weights, so a few hubs
collect thousands of credits while most artists appear once or twice:

* regular artists carry a Zipf-like weight ``(rank + 10) ** -1`` inside their pool;
* one-off artists (about 55 %) wait in a queue per pool and get a single
  credit each: a draw from the pool takes the next of them at the rate that
  empties the queue by the last release.

Cross-genre draws (8 %) and shared session players, studios and group
members keep the credit graph in one large connected component.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np

from mcg_lib.generate import names, vocab
from mcg_lib.generate.rand import Rng, numpy_rng
from mcg_lib.generate.xmlout import esc

PERFORMER, SESSION, STUDIO, WRITER, VISUAL = range(5)
CLASS_SHARES = (0.45, 0.20, 0.15, 0.14, 0.06)
ONE_OFF_SHARE = 0.55
GROUP_SHARE = 0.25  # of performers
ZIPF_OFFSET = 10.0
ZIPF_EXPONENT = 1.0
SAME_GENRE = 0.92

LABEL_KIND_SHARES = (0.62, 0.10, 0.04, 0.05, 0.10, 0.05, 0.04)
# Label kinds, in the order of names.LABEL_KINDS.
LABEL, STUDIO_CO, MASTERING, PRESSING, PUBLISHER, DISTRIBUTOR, SERIES = range(
    len(names.LABEL_KINDS)
)

MIN_ARTISTS = 80
MIN_LABELS = 40


@dataclass(frozen=True)
class Sizes:
    """Record counts of one generated month."""

    releases: int
    artists: int
    labels: int

    @classmethod
    def for_releases(cls, releases: int) -> Sizes:
        return cls(
            releases=releases,
            artists=max(MIN_ARTISTS, round(releases * 0.55)),
            labels=max(MIN_LABELS, round(releases * 0.15)),
        )


def sparse_ids(rng: np.random.Generator, n: int, reserved: list[int]) -> np.ndarray:
    """Return ``n`` ascending ids with small gaps (deleted records), avoiding ``reserved``."""
    gaps = rng.geometric(0.7, size=n + len(reserved))
    ids = np.cumsum(gaps)
    ids = ids[~np.isin(ids, reserved)]
    return ids[:n].astype(np.int64)


def zipf_weights(pool: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Return power-law weights ranked in each pool: rank r weighs (r + offset) ** -exponent.

    ``pool`` numbers the pool of each item and ``order`` ranks items inside
    their pool (lowest first). Ranking inside the pool, rather than globally,
    keeps the share of a pool's top item the same in small and large pools.
    """
    n = len(pool)
    sorted_index = np.lexsort((order, pool))
    sorted_pool = pool[sorted_index]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_pool[1:] != sorted_pool[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.float64)
    rank[sorted_index] = np.arange(n) - group_start
    return (rank + ZIPF_OFFSET) ** -ZIPF_EXPONENT


_NUMBER_SUFFIX = re.compile(r" \(\d+\)$")


class NameTable:
    """Names kept as one UTF-8 buffer and decoded on access.

    A list of Python strings takes about four times the memory, which matters
    for the hundreds of thousands of artists of a benchmark month. The few
    names that need escaping in XML are kept escaped.
    """

    def __init__(self, names: list[str]) -> None:
        encoded = [name.encode("utf-8") for name in names]
        self._data = b"".join(encoded)
        self._offsets = array("q", accumulate((len(e) for e in encoded), initial=0))
        self._escaped = {i: esc(name) for i, name in enumerate(names) if esc(name) is not name}
        self.xml = _View(self._xml)
        self.display = _View(self._display)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        return self._data[self._offsets[index] : self._offsets[index + 1]].decode("utf-8")

    def _xml(self, index: int) -> str:
        """Return the name escaped for XML text."""
        escaped = self._escaped.get(index)
        return escaped if escaped is not None else self[index]

    def _display(self, index: int) -> str:
        """Return the name without its disambiguation suffix " (N)"."""
        return _NUMBER_SUFFIX.sub("", self[index])


class _View:
    """Indexable view of a NameTable method, so that callers write ``names.xml[i]``."""

    __slots__ = ("_get",)

    def __init__(self, get) -> None:
        self._get = get

    def __getitem__(self, index: int) -> str:
        return self._get(index)


def _int_array(values: np.ndarray) -> array:
    return array("i", values.astype(np.int32).tobytes())


class Pool:
    """Artists or labels that one kind of credit is drawn from."""

    # ``draws`` counts the credits requested from the pool, for the debut rate.
    __slots__ = ("members", "cumulative", "total", "debuts", "next_debut", "draws")

    def __init__(
        self, members: np.ndarray, weights: np.ndarray, debuts: np.ndarray | None = None
    ) -> None:
        # Typed arrays hold 4 or 8 bytes an entry, a list of Python numbers 36.
        self.members = _int_array(members)
        self.cumulative = array("d", np.cumsum(weights, dtype=np.float64).tobytes())
        self.total = self.cumulative[-1] if len(self.cumulative) else 0.0
        self.debuts = _int_array(debuts if debuts is not None else np.zeros(0, dtype=np.int32))
        self.next_debut = 0
        self.draws = 0

    def __bool__(self) -> bool:
        return bool(self.members)

    def draw(self, rng: Rng) -> int:
        return self.members[bisect_right(self.cumulative, rng.random() * self.total)]


def csr(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (offsets, targets) of a relation given as (source, target) rows sorted by source."""
    if len(pairs) == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs = pairs[order]
    counts = np.bincount(pairs[:, 0], minlength=n)
    return np.concatenate([[0], np.cumsum(counts)]), pairs[:, 1].copy()


@dataclass
class Artists:
    """Every artist of the month, in id order, pseudo-artists included."""

    ids: np.ndarray
    pseudo: np.ndarray
    is_group: np.ndarray
    family: np.ndarray
    genre: np.ndarray
    one_off: np.ndarray
    weight: np.ndarray
    names: NameTable
    members: tuple[np.ndarray, np.ndarray]
    groups: tuple[np.ndarray, np.ndarray]
    aliases: tuple[np.ndarray, np.ndarray]
    index_of_id: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def related(self, relation: tuple[np.ndarray, np.ndarray], index: int) -> list[int]:
        offsets, targets = relation
        return targets[offsets[index] : offsets[index + 1]].tolist()


@dataclass
class Labels:
    """Every label and company of the month, in id order."""

    ids: np.ndarray
    kind: np.ndarray
    genre: np.ndarray
    weight: np.ndarray
    names: NameTable
    parent: np.ndarray
    sublabels: tuple[np.ndarray, np.ndarray]
    not_on_label: int
    retired: int
    missing_ids: list[int]


def build_artists(seed: int, count: int) -> Artists:
    """Build the artist population: families, genres, weights, names and relations."""
    rng = numpy_rng(seed, "artists")
    reserved = sorted(vocab.PSEUDO_ARTISTS)
    regular_ids = sparse_ids(rng, count, reserved)
    ids = np.sort(np.concatenate([regular_ids, np.array(reserved, dtype=np.int64)]))
    n = len(ids)
    pseudo = np.isin(ids, reserved)

    family = rng.choice(5, size=n, p=CLASS_SHARES).astype(np.int8)
    genre_weights = np.array([g[1] for g in vocab.GENRES], dtype=float)
    genre = rng.choice(len(vocab.GENRES), size=n, p=genre_weights / genre_weights.sum()).astype(
        np.int8
    )
    is_group = (family == PERFORMER) & (rng.random(n) < GROUP_SHARE)
    one_off = rng.random(n) < ONE_OFF_SHARE

    regular_index = np.flatnonzero(~pseudo)
    specials = regular_index[: len(vocab.SPECIAL_ARTIST_NAMES)]
    # Special names (escaping, right-to-left script) go to popular performers so
    # they show up in many credits.
    family[specials] = PERFORMER
    one_off[specials] = False
    one_off[pseudo] = False
    is_group[pseudo] = False
    order = rng.random(n)
    order[specials] = -1.0
    weight = zipf_weights(family.astype(np.int64) * 64 + genre, order)

    name_array, display_array = names.artist_names(rng, is_group[~pseudo])
    all_names = NameTable(_merge_pseudo(ids, pseudo, name_array.to_pylist()))
    del name_array, display_array

    members = _group_members(rng, is_group, pseudo, genre, family)
    groups = csr(members[:, ::-1], n) if len(members) else csr(members, n)
    aliases = _aliases(rng, is_group, pseudo)
    artists = Artists(
        ids=ids,
        pseudo=pseudo,
        is_group=is_group,
        family=family,
        genre=genre,
        one_off=one_off,
        weight=weight,
        names=all_names,
        members=csr(members, n),
        groups=groups,
        aliases=aliases,
    )
    artists.index_of_id = {int(ids[k]): int(k) for k in np.flatnonzero(pseudo)}
    return artists


def _merge_pseudo(ids: np.ndarray, pseudo: np.ndarray, regular: list[str]) -> list[str]:
    out = []
    it = iter(regular)
    for artist_id, is_pseudo in zip(ids.tolist(), pseudo.tolist(), strict=True):
        out.append(vocab.PSEUDO_ARTISTS[artist_id] if is_pseudo else next(it))
    return out


def _group_members(
    rng: np.random.Generator,
    is_group: np.ndarray,
    pseudo: np.ndarray,
    genre: np.ndarray,
    family: np.ndarray,
) -> np.ndarray:
    """Return (group, member) rows: two to five persons of the group's genre, players first."""
    groups = np.flatnonzero(is_group)
    candidates = np.flatnonzero(~is_group & ~pseudo & ((family == SESSION) | (family == PERFORMER)))
    if len(groups) == 0 or len(candidates) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    by_genre = [candidates[genre[candidates] == g] for g in range(len(vocab.GENRES))]

    rows = []
    sizes = rng.integers(2, 6, size=len(groups))
    for group, size in zip(groups.tolist(), sizes.tolist(), strict=True):
        pool = by_genre[genre[group]]
        if len(pool) < size:
            pool = candidates
        chosen = np.unique(pool[rng.integers(0, len(pool), size=size)])
        rows.extend((group, int(member)) for member in chosen)
    return np.array(rows, dtype=np.int64)


def _aliases(
    rng: np.random.Generator, is_group: np.ndarray, pseudo: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the alias relation: symmetric pairs of persons (a producer's other project names)."""
    n = len(is_group)
    persons = np.flatnonzero(~is_group & ~pseudo)
    if len(persons) < 2:
        return csr(np.zeros((0, 2), dtype=np.int64), n)
    count = max(1, int(len(persons) * 0.05))
    a = persons[rng.integers(0, len(persons), size=count)]
    b = persons[rng.integers(0, len(persons), size=count)]
    keep = a != b
    pairs = np.concatenate([np.stack([a[keep], b[keep]], 1), np.stack([b[keep], a[keep]], 1)])
    pairs = np.unique(pairs, axis=0)
    return csr(pairs, n)


def build_labels(seed: int, count: int) -> Labels:
    """Build labels and companies: kinds, weights, names, parent labels and sublabels."""
    rng = numpy_rng(seed, "labels")
    regular_ids = sparse_ids(rng, count, [vocab.NOT_ON_LABEL])
    ids = np.sort(np.concatenate([regular_ids, [vocab.NOT_ON_LABEL]]))
    n = len(ids)
    not_on_label = int(np.flatnonzero(ids == vocab.NOT_ON_LABEL)[0])

    kind = rng.choice(len(LABEL_KIND_SHARES), size=n, p=LABEL_KIND_SHARES).astype(np.int8)
    # One record label without a name: dumps since 2024-12 omit its <name>.
    # No release points at it.
    retired = n - 1 if n - 1 != not_on_label else n - 2
    kind[: len(vocab.SPECIAL_LABEL_NAMES)] = LABEL
    kind[[not_on_label, retired]] = LABEL
    genre_weights = np.array([g[1] for g in vocab.GENRES], dtype=float)
    genre = rng.choice(len(vocab.GENRES), size=n, p=genre_weights / genre_weights.sum()).astype(
        np.int8
    )
    order = rng.random(n)
    order[: len(vocab.SPECIAL_LABEL_NAMES)] = -1.0
    # Record labels are drawn by genre, companies by kind only.
    weight = zipf_weights(kind.astype(np.int64) * 64 + np.where(kind == LABEL, genre, 0), order)

    label_names = names.label_names(rng, kind)[0].to_pylist()
    label_names[not_on_label] = vocab.NOT_ON_LABEL_NAME

    weight[retired] = 0.0
    weight[not_on_label] = 0.0

    parent = _parent_labels(rng, kind, weight, not_on_label, retired)
    children = np.flatnonzero(parent >= 0)
    sublabels = csr(np.stack([parent[children], children], 1), n)
    top = int(ids.max())
    missing = [top + 10 + 7 * k for k in range(5)]
    return Labels(
        ids=ids,
        kind=kind,
        genre=genre,
        weight=weight,
        names=NameTable(label_names),
        parent=parent,
        sublabels=sublabels,
        not_on_label=not_on_label,
        retired=retired,
        missing_ids=missing,
    )


def _parent_labels(
    rng: np.random.Generator, kind: np.ndarray, weight: np.ndarray, not_on_label: int, retired: int
) -> np.ndarray:
    """Give about 12 % of labels a parent label of higher weight, so the relation has no cycles."""
    n = len(kind)
    parent = np.full(n, -1, dtype=np.int64)
    majors = np.flatnonzero(kind == LABEL)
    majors = majors[(majors != not_on_label) & (majors != retired)]
    if len(majors) < 4:
        return parent
    majors = majors[np.argsort(-weight[majors], kind="stable")][: max(3, len(majors) // 20)]
    for child in np.flatnonzero(rng.random(n) < 0.12).tolist():
        if child in (not_on_label, retired):
            continue
        candidate = int(majors[rng.integers(0, len(majors))])
        if weight[candidate] > weight[child]:
            parent[child] = candidate
    return parent


class World:
    """Artists, labels and the draw pools that releases take their credits from."""

    def __init__(self, seed: int, releases: int) -> None:
        self.seed = seed
        self.sizes = Sizes.for_releases(releases)
        self.artists = build_artists(seed, self.sizes.artists)
        self.labels = build_labels(seed, self.sizes.labels)
        self.words = names.Words()
        self.artist_ids = array("q", self.artists.ids.astype(np.int64).tobytes())
        self.label_ids = array("q", self.labels.ids.astype(np.int64).tobytes())
        self.xml_names = self.artists.names.xml
        self.xml_label_names = self.labels.names.xml
        self.progress = 0
        self._build_artist_pools()
        self._build_label_pools()

    def _build_artist_pools(self) -> None:
        a = self.artists
        n_genres = len(vocab.GENRES)
        eligible = ~a.pseudo
        self.family_pools: list[Pool] = []
        self.genre_pools: list[list[Pool]] = []
        for fam in range(5):
            in_family = eligible & (a.family == fam)
            regular = np.flatnonzero(in_family & ~a.one_off)
            self.family_pools.append(Pool(regular, a.weight[regular]))
            pools = []
            for g in range(n_genres):
                members = regular[a.genre[regular] == g]
                debuts = np.flatnonzero(in_family & a.one_off & (a.genre == g))
                pools.append(Pool(members, a.weight[members], debuts))
            self.genre_pools.append(pools)

    def _build_label_pools(self) -> None:
        labels = self.labels
        usable = labels.weight > 0
        self.label_pools: list[Pool] = []
        for kind in range(len(LABEL_KIND_SHARES)):
            members = np.flatnonzero(usable & (labels.kind == kind))
            self.label_pools.append(Pool(members, labels.weight[members]))
        record_labels = np.flatnonzero(usable & (labels.kind == LABEL))
        self.genre_label_pools = []
        for g in range(len(vocab.GENRES)):
            members = record_labels[labels.genre[record_labels] == g]
            self.genre_label_pools.append(Pool(members, labels.weight[members]))

    def anv(self, rng: Rng, artist: int) -> str:
        """Return an escaped name variation of an artist for a credit's anv, or "" if none."""
        if self.artists.pseudo[artist]:
            return ""
        variations = names.name_variations(self.artists.names.display[artist])
        return esc(rng.pick(variations)) if variations else ""

    def pseudo(self, artist_id: int) -> int:
        """Return the index of a pseudo-artist such as Various (194)."""
        return self.artists.index_of_id[artist_id]

    def draw_artist(self, rng: Rng, family: int, genre: int, debut: bool = True) -> int:
        """Draw an artist index for a credit of ``family`` on a release of ``genre``.

        With ``debut`` a one-off artist waiting in the pool's queue may be taken
        instead, at the rate that empties the queue by the last release.
        """
        pool = self.genre_pools[family][genre]
        if debut:
            pool.draws += 1
        if debut and pool.next_debut < len(pool.debuts):
            if rng.random() < self._debut_rate(pool):
                artist = pool.debuts[pool.next_debut]
                pool.next_debut += 1
                return artist
        if not pool or rng.random() >= SAME_GENRE:
            pool = self.family_pools[family] or self.family_pools[PERFORMER]
        return pool.draw(rng)

    def _debut_rate(self, pool: Pool) -> float:
        waiting = len(pool.debuts) - pool.next_debut
        done = self.progress
        remaining = self.sizes.releases - done
        if done < 50:
            return 0.3
        expected = pool.draws * remaining / done
        return min(1.0, waiting / max(expected, 1.0))

    def draw_label(self, rng: Rng, kind: int, genre: int | None = None) -> int:
        """Draw a label or company index of ``kind``; record labels prefer the release's genre."""
        if genre is not None and kind == LABEL:
            pool = self.genre_label_pools[genre]
            if pool and rng.random() < SAME_GENRE:
                return pool.draw(rng)
        pool = self.label_pools[kind] or self.label_pools[LABEL]
        return pool.draw(rng)
