"""Write the curated tables a graph build reads, directly as Parquet, at full Discogs size.

``write_catalog`` writes ``artists``, ``releases``, ``release_credits``,
``masters`` and ``release_formats`` under ``curated/<snapshot>/<table>/
part-NNNNN.parquet`` with the schemas of ``mcg_lib.ingest.schema``. Columns
follow the ingest's conventions: absent text is null, unlinked credits have a
null ``artist_id``, ``roles`` is null where ``role_raw`` is.

Everything is vectorised with numpy and pyarrow and written in chunks of
releases, so 17 million releases with 75 million credits take minutes and
memory stays below 2 GB. Credits follow the same model as the XML generator:
artists belong to a credit family and a genre, regular artists have Zipf-like
weights inside their pool, and one-off artists get exactly one credit.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mcg_lib.errors import ConfigError
from mcg_lib.generate import names, vocab
from mcg_lib.generate.catalog_credits import credit_rows
from mcg_lib.generate.catalog_roles import RoleVocabulary, build_role_vocabulary
from mcg_lib.generate.memory import compact_memory_pool
from mcg_lib.generate.plan import master_sizes
from mcg_lib.generate.rand import numpy_rng
from mcg_lib.generate.world import (
    CLASS_SHARES,
    GROUP_SHARE,
    ONE_OFF_SHARE,
    PERFORMER,
    SAME_GENRE,
    sparse_ids,
    zipf_weights,
)
from mcg_lib.ingest.schema import SCHEMAS
from mcg_lib.log import get_logger, progress
from mcg_lib.paths import DataRoot, check_snapshot_name
from mcg_lib.publish import staged_dir

log = get_logger(__name__)

TABLES = ("artists", "releases", "release_credits", "masters", "release_formats")
DEFAULT_RELEASES = 17_000_000
DEFAULT_ARTISTS = 9_000_000
DEFAULT_EDGES = 75_000_000
CHUNK_RELEASES = 250_000
PLAN_BLOCK = 1_000_000
ARTIST_PART_ROWS = 2_000_000
PARQUET_COMPRESSION = "zstd"

N_GENRES = len(vocab.GENRES)
TABLE_PSEUDO = (vocab.UNKNOWN_ARTIST, vocab.NO_ARTIST, vocab.TRADITIONAL, vocab.ANONYMOUS)
COMPILATION_SHARE = 0.12
NOTES = (
    "Limited to 500 copies.",
    "Made in Germany.",
    "Includes download code.",
    "Tracks 3 and 7 previously unreleased.",
    "© 1999 All rights reserved.\nMade in the EU.",
)
# Formats: (name, qty, text, descriptions, weight).
FORMATS = (
    ("Vinyl", "1", None, ['12"', "33 ⅓ RPM", "Single"], 18),
    ("Vinyl", "1", None, ['12"', "45 RPM", "EP"], 6),
    ("Vinyl", "1", None, ['7"', "45 RPM", "Single"], 6),
    ("Vinyl", "1", "180g", ["LP", "Album"], 8),
    ("Vinyl", "2", None, ["LP", "Album", "Reissue"], 3),
    ("CD", "1", None, ["Album"], 20),
    ("CD", "1", None, ["Compilation"], 7),
    ("CD", "2", None, ["Compilation", "Mixed"], 2),
    ("CD", "1", None, ["Single"], 5),
    ("File", "1", "320 kbps", ["MP3", "Single"], 8),
    ("File", "1", None, ["FLAC", "Album"], 6),
    ("Cassette", "1", None, ["Album"], 4),
    ("CDr", "1", None, None, 2),
    ("Box Set", "1", None, ["Compilation", "Limited Edition"], 1),
    ("DVD", "1", None, ["PAL"], 1),
    ("Shellac", "1", None, ['10"', "78 RPM"], 1),
)


@dataclass
class CatalogSummary:
    """Row and part counts of a written catalog."""

    snapshot: str
    path: str
    rows: dict[str, int]
    parts: dict[str, int]
    seconds: float


def _choice(rng: np.random.Generator, pairs: tuple, n: int) -> np.ndarray:
    weights = np.array([p[-1] for p in pairs], dtype=np.float64)
    return rng.choice(len(pairs), size=n, p=weights / weights.sum())


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value], type=pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))


class PartWriter:
    """Write numbered Parquet parts of one table."""

    def __init__(self, folder: str | os.PathLike, table: str) -> None:
        self.folder = os.path.join(folder, table)
        self.schema = SCHEMAS[table]
        self.parts = 0
        self.rows = 0
        os.makedirs(self.folder, exist_ok=True)

    def write(self, columns: dict[str, pa.Array]) -> None:
        table = pa.Table.from_arrays([columns[f.name] for f in self.schema], schema=self.schema)
        path = os.path.join(self.folder, f"part-{self.parts:05d}.parquet")
        pq.write_table(table, path, compression=PARQUET_COMPRESSION)
        self.parts += 1
        self.rows += table.num_rows


class ArtistPopulation:
    """The catalog's artists and the pools that credits draw them from."""

    def __init__(self, seed: int, count: int) -> None:
        rng = numpy_rng(seed, "catalog-artists")
        regular = count - len(TABLE_PSEUDO)
        reserved = sorted(vocab.PSEUDO_ARTISTS)
        ids = np.concatenate(
            [sparse_ids(rng, regular, reserved), np.array(TABLE_PSEUDO, dtype=np.int64)]
        )
        order = np.argsort(ids, kind="stable")
        self.ids = ids[order]
        self.pseudo = np.isin(self.ids, TABLE_PSEUDO)
        n = len(self.ids)

        self.family = rng.choice(5, size=n, p=CLASS_SHARES).astype(np.int8)
        genre_weights = np.array([g[1] for g in vocab.GENRES], dtype=np.float64)
        genre_p = genre_weights / genre_weights.sum()
        self.genre = rng.choice(N_GENRES, size=n, p=genre_p).astype(np.int8)
        self.is_group = (self.family == PERFORMER) & (rng.random(n) < GROUP_SHARE) & ~self.pseudo
        self.one_off = (rng.random(n) < ONE_OFF_SHARE) & ~self.pseudo

        self._build_names(rng)
        self._build_pools(rng)
        self.index_of = {int(self.ids[k]): int(k) for k in np.flatnonzero(self.pseudo)}

    def _build_names(self, rng: np.random.Generator) -> None:
        """Build names and printed variants; display names are derived again when written.

        Keeping two string columns of millions of names, not three, keeps the
        generator under 2 GB at full size.
        """
        name_slices, variant_slices = [pa.array([], pa.string())], [pa.array([], pa.string())]
        for name, display in names.artist_name_slices(rng, self.is_group):
            name_slices.append(name)
            variant_slices.append(_name_variants(rng, display))
        pseudo_names = pa.array([vocab.PSEUDO_ARTISTS[int(i)] for i in self.ids[self.pseudo]])
        self.names = pc.replace_with_mask(
            pa.concat_arrays(name_slices), pa.array(self.pseudo), pseudo_names
        )
        self.variant = pa.concat_arrays(variant_slices)
        pa.default_memory_pool().release_unused()

    def _build_pools(self, rng: np.random.Generator) -> None:
        drawable = np.flatnonzero(~self.pseudo & ~self.one_off)
        if len(drawable) == 0:
            drawable = np.flatnonzero(~self.pseudo)
        pool = self.family[drawable].astype(np.int64) * N_GENRES + self.genre[drawable]
        weight = zipf_weights(pool, rng.random(len(drawable)))
        order = np.lexsort((rng.random(len(drawable)), pool))
        self.members = drawable[order]
        self.cumulative = np.concatenate([[0.0], np.cumsum(weight[order])])
        sorted_pool = pool[order]
        keys = np.arange(5 * N_GENRES)
        self.pool_first = np.searchsorted(sorted_pool, keys, side="left")
        self.pool_end = np.searchsorted(sorted_pool, keys, side="right")
        families = np.arange(5) * N_GENRES
        self.family_first = np.searchsorted(sorted_pool, families, side="left")
        self.family_end = np.searchsorted(sorted_pool, families + N_GENRES, side="left")
        self.one_offs = rng.permutation(np.flatnonzero(self.one_off))

    def draw(self, rng: np.random.Generator, family: np.ndarray, genre: np.ndarray) -> np.ndarray:
        """Draw artist indices for credits of ``family`` on releases of ``genre``."""
        n = len(family)
        cross = rng.random(n) >= SAME_GENRE
        pool = family * N_GENRES + genre
        first = self.pool_first[pool]
        end = self.pool_end[pool]
        # Cross-genre draws, and draws from empty pools, use the whole family.
        wide = cross | (first == end)
        first = np.where(wide, self.family_first[family], first)
        end = np.where(wide, self.family_end[family], end)
        empty = first == end
        first = np.where(empty, 0, first)
        end = np.where(empty, len(self.members), end)

        low = self.cumulative[first]
        high = self.cumulative[end]
        x = low + rng.random(n) * (high - low)
        position = np.searchsorted(self.cumulative, x, side="right") - 1
        return self.members[np.clip(position, first, end - 1)]


def _name_variants(rng: np.random.Generator, display: pa.Array) -> pa.Array:
    """Return one printed variant per artist: initials and surname, or capitals."""
    initials = pc.replace_substring_regex(display, r"^(\w)\w* ", r"\1. ")
    upper = pc.utf8_upper(display)
    use_initials = (
        pa.array(rng.random(len(display)) < 0.6) if len(display) else pa.array([], pa.bool_())
    )
    changed = pc.not_equal(initials, display)
    return pc.if_else(pc.and_(use_initials, changed), initials, upper)


class ReleasePlan:
    """Per-release arrays for the whole catalog: ids, genres, credit counts and masters.

    The arrays are filled in blocks, so that temporary arrays stay small next
    to the tens of millions of releases.
    """

    def __init__(self, seed: int, releases: int, edges: int) -> None:
        rng = numpy_rng(seed, "catalog-releases")
        self.ids = np.empty(releases, dtype=np.int64)
        self.genre = np.empty(releases, dtype=np.int8)
        self.compilation = np.empty(releases, dtype=bool)
        self.year = np.empty(releases, dtype=np.int16)
        genre_weights = np.array([g[1] for g in vocab.GENRES], dtype=np.float64)
        genre_cumulative = np.cumsum(genre_weights / genre_weights.sum())
        genre_cumulative[-1] = 1.0
        last_id = 0
        for start in range(0, releases, PLAN_BLOCK):
            stop = min(releases, start + PLAN_BLOCK)
            n = stop - start
            self.ids[start:stop] = last_id + np.cumsum(rng.geometric(0.7, size=n))
            last_id = int(self.ids[stop - 1])
            self.genre[start:stop] = np.searchsorted(genre_cumulative, rng.random(n), side="right")
            self.compilation[start:stop] = rng.random(n) < COMPILATION_SHARE
            recent = rng.random(n) < 0.7
            year = np.where(recent, rng.integers(1990, 2025, n), rng.integers(1950, 1990, n))
            year[rng.random(n) < 0.06] = 0
            self.year[start:stop] = year
        self.credits = _credit_counts(rng, releases, edges, self.compilation)
        self._plan_masters(numpy_rng(seed, "catalog-masters"), releases)

    def _plan_masters(self, rng: np.random.Generator, releases: int) -> None:
        """Give about 60 % of releases a master; the first release of a master is its main one."""
        with_master = np.flatnonzero(rng.random(releases) < 0.6)
        sizes = master_sizes(rng, len(with_master))
        labels = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[: len(with_master)]
        self.master_of = np.full(releases, -1, dtype=np.int32)
        self.master_of[with_master] = rng.permutation(labels)
        del labels

        first = np.full(len(sizes), releases, dtype=np.int64)
        np.minimum.at(first, self.master_of[with_master], with_master)
        self.main_release = first
        self.master_ids = sparse_ids(rng, len(sizes), [])
        self.master_titles = names.titles(rng, len(sizes))
        self.is_main = np.zeros(releases, dtype=bool)
        self.is_main[self.main_release] = True


def _credit_counts(
    rng: np.random.Generator, releases: int, edges: int, compilation: np.ndarray
) -> np.ndarray:
    """Return credit rows per release that add up to ``edges``.

    Every release gets one main credit; the rest are spread with a heavy tail.
    """
    if releases == 0:
        return np.zeros(0, dtype=np.int32)
    if edges < releases:
        counts = np.zeros(releases, dtype=np.int32)
        counts[rng.choice(releases, size=edges, replace=False)] = 1
        return counts

    weight = np.empty(releases, dtype=np.float32)
    for start in range(0, releases, PLAN_BLOCK):
        stop = min(releases, start + PLAN_BLOCK)
        weight[start:stop] = rng.gamma(0.8, 1.0, size=stop - start)
    weight[compilation] *= 2.5
    scale = (edges - releases) / float(weight.sum(dtype=np.float64))
    counts = np.empty(releases, dtype=np.int32)
    for start in range(0, releases, PLAN_BLOCK):
        stop = min(releases, start + PLAN_BLOCK)
        counts[start:stop] = 1 + rng.poisson(weight[start:stop] * scale)
    del weight

    # Move the Poisson total onto the exact number of rows asked for.
    difference = edges - int(counts.sum(dtype=np.int64))
    while difference > 0:
        np.add.at(counts, rng.integers(0, releases, difference), 1)
        difference = edges - int(counts.sum(dtype=np.int64))
    while difference < 0:
        candidates = np.unique(rng.integers(0, releases, 2 * -difference + 16))
        candidates = candidates[counts[candidates] > 1][:-difference]
        counts[candidates] -= 1
        difference = edges - int(counts.sum(dtype=np.int64))
    return counts


def write_catalog(
    data_root: DataRoot | str | os.PathLike,
    snapshot: str,
    *,
    releases: int = DEFAULT_RELEASES,
    artists: int = DEFAULT_ARTISTS,
    edges: int = DEFAULT_EDGES,
    seed: int = 1,
    force: bool = False,
    chunk_releases: int = CHUNK_RELEASES,
) -> CatalogSummary:
    """Write a generated curated catalog of ``snapshot`` under ``data_root``.

    ``edges`` is the number of ``release_credits`` rows. The catalog folder is
    published in one step when every table is written.
    """
    check_snapshot_name(snapshot)
    _check_sizes(releases, artists, edges)
    root = data_root if isinstance(data_root, DataRoot) else DataRoot.resolve(data_root)
    started = time.perf_counter()

    with compact_memory_pool(), staged_dir(root, root.curated(snapshot), replace=force) as work:
        population = ArtistPopulation(seed, artists)
        plan = ReleasePlan(seed, releases, edges)
        roles = build_role_vocabulary()
        log.info(
            "planned catalog %s: %d releases, %d artists, %d masters, %d credits",
            snapshot,
            releases,
            artists,
            len(plan.master_ids),
            edges,
        )
        writers = {table: PartWriter(work, table) for table in TABLES}
        _write_artists(writers["artists"], population, seed)

        one_offs_done = 0
        with progress(total=releases, desc="catalog", unit=" releases") as bar:
            for chunk, start in enumerate(range(0, releases, chunk_releases)):
                stop = min(releases, start + chunk_releases)
                quota = int(len(population.one_offs) * stop / releases) - one_offs_done
                chunk_rng = numpy_rng(seed, "catalog-chunk", chunk)
                _write_release_chunk(
                    writers,
                    population,
                    plan,
                    roles,
                    chunk_rng,
                    start,
                    stop,
                    population.one_offs[one_offs_done : one_offs_done + quota],
                )
                one_offs_done += quota
                bar.update(stop - start)
                pa.default_memory_pool().release_unused()
        _write_masters(writers["masters"], plan, seed)

    seconds = time.perf_counter() - started
    summary = CatalogSummary(
        snapshot=snapshot,
        path=str(root.curated(snapshot)),
        rows={t: w.rows for t, w in writers.items()},
        parts={t: w.parts for t, w in writers.items()},
        seconds=seconds,
    )
    log.info(
        "wrote catalog %s in %.1f s: %s",
        snapshot,
        seconds,
        ", ".join(f"{t} {n:,}" for t, n in summary.rows.items()),
    )
    return summary


def _check_sizes(releases: int, artists: int, edges: int) -> None:
    if releases < 1:
        raise ConfigError(
            f"--releases must be at least 1, not {releases}", hint="ask for 17000000 for full size"
        )
    if artists < len(TABLE_PSEUDO) + 10:
        raise ConfigError(
            f"--artists must be at least {len(TABLE_PSEUDO) + 10}, not {artists}",
            hint="the catalog always holds the pseudo-artists 355, 118760, 151641 and 967691",
        )
    if edges < 0:
        raise ConfigError(
            f"--edges must not be negative, not {edges}", hint="ask for 75000000 for full size"
        )


def _write_artists(writer: PartWriter, population: ArtistPopulation, seed: int) -> None:
    rng = numpy_rng(seed, "catalog-artist-rows")
    n = len(population.ids)
    for start in range(0, n, ARTIST_PART_ROWS):
        stop = min(n, start + ARTIST_PART_ROWS)
        size = stop - start
        group = population.is_group[start:stop]
        pseudo = population.pseudo[start:stop]
        has_realname = ~group & ~pseudo & (rng.random(size) < 0.15)
        person = ~group & ~pseudo & (has_realname | (rng.random(size) < 0.2))
        kind = pa.array(
            np.where(group, "group", np.where(person, "person", None)), type=pa.string()
        )
        realname = pc.if_else(
            pa.array(has_realname), names.person_names(rng, size), pa.nulls(size, pa.string())
        )
        genre_names = pa.array([f"{g[0]} artist." for g in vocab.GENRES])
        profile = pc.if_else(
            pa.array(rng.random(size) < 0.4),
            genre_names.take(pa.array(population.genre[start:stop])),
            pa.nulls(size, pa.string()),
        )
        writer.write(
            {
                "artist_id": pa.array(population.ids[start:stop]),
                "name": population.names.slice(start, size),
                "name_display": pc.replace_substring_regex(
                    population.names.slice(start, size), r" \(\d+\)$", ""
                ),
                "realname": realname,
                "profile": profile,
                "data_quality": _data_quality(rng, size),
                "kind": kind,
            }
        )


def _data_quality(rng: np.random.Generator, n: int) -> pa.Array:
    values = pa.array([q for q, _ in vocab.DATA_QUALITY])
    return values.take(pa.array(_choice(rng, vocab.DATA_QUALITY, n)))


def _write_release_chunk(
    writers: dict[str, PartWriter],
    population: ArtistPopulation,
    plan: ReleasePlan,
    roles: RoleVocabulary,
    rng: np.random.Generator,
    start: int,
    stop: int,
    one_offs: np.ndarray,
) -> None:
    _write_releases(writers["releases"], plan, rng, start, stop)
    _write_formats(writers["release_formats"], plan, rng, start, stop)
    credits = credit_rows(population, plan, roles, rng, start, stop, one_offs)
    if len(credits["release_id"]):
        writers["release_credits"].write(credits)


def _write_releases(
    writer: PartWriter, plan: ReleasePlan, rng: np.random.Generator, start: int, stop: int
) -> None:
    n = stop - start
    master = plan.master_of[start:stop]
    has_master = master >= 0
    # Releases of a master carry the master's title.
    master_title = plan.master_titles.take(pa.array(np.maximum(master, 0)))
    title = pc.if_else(pa.array(has_master), master_title, names.titles(rng, n))

    countries = pa.array([c for c, _ in vocab.COUNTRIES])
    country = _sometimes(rng, 0.97, countries.take(pa.array(_choice(rng, vocab.COUNTRIES, n))))
    notes = _sometimes(rng, 0.4, pa.array(NOTES).take(pa.array(rng.integers(0, len(NOTES), n))))
    released = _released(rng, plan.year[start:stop].astype(np.int32))

    writer.write(
        {
            "release_id": pa.array(plan.ids[start:stop]),
            "status": _repeat("Accepted", n),
            "title": title,
            "country": country,
            "data_quality": _data_quality(rng, n),
            "notes": notes,
            "master_id": pa.array(plan.master_ids[np.maximum(master, 0)], mask=~has_master),
            "is_main_release": pa.array(plan.is_main[start:stop], mask=~has_master),
            **released,
        }
    )


def _sometimes(rng: np.random.Generator, share: float, values: pa.Array) -> pa.Array:
    """Keep each value with probability ``share`` and make the others null."""
    keep = pa.array(rng.random(len(values)) < share)
    return pc.if_else(keep, values, pa.nulls(len(values), values.type))


def _released(rng: np.random.Generator, year: np.ndarray) -> dict[str, pa.Array]:
    """Return released_raw and its parts.

    The raw text is ``YYYY``, ``YYYY-MM-DD``, ``YYYY-MM-00``, ``YYYY-00-00`` or null.
    """
    n = len(year)
    form = rng.random(n)
    month = rng.integers(1, 13, n).astype(np.int32)
    day = rng.integers(1, 29, n).astype(np.int32)
    only_year = form < 0.58
    no_day = (form >= 0.88) & (form < 0.96)
    no_month = form >= 0.96
    absent = year == 0
    month = np.where(only_year | no_month, 0, month)
    day = np.where(only_year | no_month | no_day, 0, day)

    def two_digits(values: np.ndarray) -> pa.Array:
        return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=2, padding="0")

    full = pc.binary_join_element_wise(
        pc.cast(pa.array(year), pa.string()), two_digits(month), two_digits(day), "-"
    )
    raw = pc.if_else(pa.array(only_year), pc.cast(pa.array(year), pa.string()), full)
    return {
        "released_raw": pc.if_else(pa.array(absent), pa.nulls(n, pa.string()), raw),
        "year": pa.array(year, mask=absent),
        "month": pa.array(month, mask=absent | (month == 0)),
        "day": pa.array(day, mask=absent | (day == 0)),
        "released_valid": pa.array(np.ones(n, dtype=bool), mask=absent),
    }


def _write_formats(
    writer: PartWriter, plan: ReleasePlan, rng: np.random.Generator, start: int, stop: int
) -> None:
    n = stop - start
    per_release = np.where(rng.random(n) < 0.08, 2, 1)
    rows = int(per_release.sum())
    release = np.repeat(np.arange(start, stop), per_release)
    ordinal = np.arange(rows) - np.repeat(np.cumsum(per_release) - per_release, per_release)
    choice = pa.array(_choice(rng, FORMATS, rows))
    writer.write(
        {
            "release_id": pa.array(plan.ids[release]),
            "ordinal": pa.array(ordinal.astype(np.int32)),
            "name": pa.array([f[0] for f in FORMATS]).take(choice),
            "qty": pa.array([f[1] for f in FORMATS]).take(choice),
            "text": pa.array([f[2] for f in FORMATS], type=pa.string()).take(choice),
            "descriptions": pa.array([f[3] for f in FORMATS], type=pa.list_(pa.string())).take(
                choice
            ),
        }
    )


def _write_masters(writer: PartWriter, plan: ReleasePlan, seed: int) -> None:
    rng = numpy_rng(seed, "catalog-master-rows")
    n = len(plan.master_ids)
    for start in range(0, max(n, 1), ARTIST_PART_ROWS):
        stop = min(n, start + ARTIST_PART_ROWS)
        main = plan.main_release[start:stop]
        year = plan.year[main].astype(np.int32)
        writer.write(
            {
                "master_id": pa.array(plan.master_ids[start:stop]),
                "main_release_id": pa.array(plan.ids[main]),
                "title": plan.master_titles.slice(start, stop - start),
                "year": pa.array(year, mask=year == 0),
                "notes": pa.nulls(stop - start, pa.string()),
                "data_quality": _data_quality(rng, stop - start),
            }
        )
        if n == 0:
            break
