"""Invented names built from syllables: artists, labels, titles and name variations.

Every name is ``prefix + word + separator + word + suffix``, each part an
index into a fixed list. Two entities whose five indices are equal share a
name, and Discogs then appends a disambiguation suffix " (N)" to all but the
first (by id). A small pool of one-word names makes such clashes common, as
they are in real dumps ("Soleil (2)", "Robert (14)").

The lexicon is the same for every seed; the seed only decides which entity
gets which name. Arrays are built with numpy and pyarrow so that millions of
names take seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mcg_lib.generate import vocab
from mcg_lib.generate.rand import Rng

PREFIXES = ("", "The ", "DJ ", "MC ", "Dr. ", "Lil ", "Los ", "Les ")
SEPARATORS = ("", " ", " & The ", " & ", " A. ", " J. ", " K. ", " M. ", " von ", " de ")
SUFFIXES = ("", "s") + tuple(" " + s for s in vocab.GROUP_SUFFIXES)
LABEL_KINDS = tuple(vocab.LABEL_SUFFIXES)
LABEL_SUFFIXES = ("",) + tuple(
    " " + suffix for kind in LABEL_KINDS for suffix in vocab.LABEL_SUFFIXES[kind]
)

_LEXICON_SEED = 20240101
NAME_SLICE_ROWS = 1_000_000


@dataclass(frozen=True)
class Lexicon:
    """The fixed word lists, as one string array indexed by segment offsets."""

    words: pa.Array
    given: tuple[int, int]
    surname: tuple[int, int]
    word: tuple[int, int]

    def python_words(self, segment: tuple[int, int]) -> list[str]:
        return self.words.slice(segment[0], segment[1] - segment[0]).to_pylist()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.cache
def lexicon() -> Lexicon:
    """Build the lexicon once per process: given names, surnames and plain words."""
    syllables = vocab.SYLLABLES
    given = sorted({_cap(s + e) for s in syllables for e in vocab.GIVEN_ENDINGS if len(s + e) > 2})
    pairs = [a + b for a in syllables for b in syllables if a != b]
    surnames = sorted({_cap(p + e) for p in pairs for e in vocab.SURNAME_ENDINGS})

    rng = np.random.Generator(np.random.PCG64(_LEXICON_SEED))
    picks = rng.integers(0, len(syllables), size=(20_000, 3))
    triples = {syllables[a] + syllables[b] + syllables[c] for a, b, c in picks.tolist()}
    words = sorted({_cap(p) for p in pairs} | {_cap(t) for t in triples})

    everything = [""] + given + surnames + words
    g0 = 1
    s0 = g0 + len(given)
    w0 = s0 + len(surnames)
    return Lexicon(
        words=pa.array(everything, type=pa.string()),
        given=(g0, s0),
        surname=(s0, w0),
        word=(w0, len(everything)),
    )


@dataclass
class NameParts:
    """Index arrays of the five parts of each name."""

    prefix: np.ndarray
    first: np.ndarray
    separator: np.ndarray
    second: np.ndarray
    suffix: np.ndarray

    def slice(self, start: int, stop: int) -> NameParts:
        return NameParts(
            self.prefix[start:stop],
            self.first[start:stop],
            self.separator[start:stop],
            self.second[start:stop],
            self.suffix[start:stop],
        )

    def key(self) -> np.ndarray:
        """Return one int64 per name; equal keys mean equal names."""
        n_words = len(lexicon().words)
        key = self.prefix.astype(np.int64)
        key = key * n_words + self.first
        key = key * len(SEPARATORS) + self.separator
        key = key * n_words + self.second
        return key * 64 + self.suffix


_SPREAD = 7919  # a prime stride, so that a small pool of words spans the whole alphabet


def _segment(
    rng: np.random.Generator, segment: tuple[int, int], n: int, pool: int | None = None
) -> np.ndarray:
    """Draw ``n`` word indices from a lexicon segment, or from ``pool`` words spread over it."""
    low, high = segment
    if pool is None:
        return rng.integers(low, high, size=n)
    span = high - low
    picks = rng.integers(0, min(max(pool, 1), span), size=n)
    return low + (picks * _SPREAD) % span


def _one_word_pool(n: int) -> int:
    # About three entities per one-word name, so that " (N)" suffixes are common.
    return max(8, n // 3)


def artist_parts(rng: np.random.Generator, is_group: np.ndarray) -> NameParts:
    """Choose name parts for artists: persons "Given Surname", groups "The Words" and alike."""
    n = len(is_group)
    lex = lexicon()
    parts = NameParts(*(np.zeros(n, dtype=np.int32) for _ in range(5)))
    shape = rng.random(n)
    one_word = _segment(rng, lex.word, n, pool=_one_word_pool(int(n * 0.2)))

    person = ~is_group
    full = person & (shape < 0.70)
    parts.first[full] = _segment(rng, lex.given, int(full.sum()))
    parts.separator[full] = np.where(
        rng.random(int(full.sum())) < 0.05, rng.integers(4, len(SEPARATORS), int(full.sum())), 1
    )
    parts.second[full] = _segment(rng, lex.surname, int(full.sum()))

    mono = (person & (shape >= 0.70) & (shape < 0.95)) | (is_group & (shape < 0.15))
    parts.first[mono] = one_word[mono]

    stage = person & (shape >= 0.95)
    parts.prefix[stage] = rng.integers(2, 6, int(stage.sum()))
    parts.first[stage] = one_word[stage]

    _group_parts(rng, parts, is_group & (shape >= 0.15), shape)
    return parts


def _group_parts(
    rng: np.random.Generator, parts: NameParts, mask: np.ndarray, shape: np.ndarray
) -> None:
    lex = lexicon()
    n = int(mask.sum())
    first = _segment(rng, lex.word, n)
    second = _segment(rng, lex.word, n)
    form = shape[mask]

    prefix = np.where(form < 0.45, 1, np.where(form > 0.92, rng.integers(6, 8, n), 0))
    separator = np.where((form >= 0.45) & (form < 0.65), 1, np.where(form >= 0.85, 2, 0))
    separator = np.where(form > 0.92, 0, separator)
    second = np.where(separator > 0, second, 0)
    suffix = np.where(form < 0.45, 1, 0)
    suffix = np.where((form >= 0.65) & (form < 0.85), rng.integers(2, len(SUFFIXES), n), suffix)
    suffix = np.where(separator == 2, 1, suffix)

    parts.prefix[mask] = prefix
    parts.first[mask] = first
    parts.separator[mask] = separator
    parts.second[mask] = second
    parts.suffix[mask] = suffix


def label_parts(rng: np.random.Generator, kinds: np.ndarray) -> NameParts:
    """Choose name parts for labels: a word or two plus a suffix that fits the label's kind."""
    n = len(kinds)
    lex = lexicon()
    zeros = np.zeros(n, dtype=np.int64)
    shape = rng.random(n)
    first = np.where(
        shape < 0.25,
        _segment(rng, lex.word, n, pool=_one_word_pool(n // 4)),
        _segment(rng, lex.word, n),
    )
    two_words = shape > 0.8
    second = np.where(two_words, _segment(rng, lex.word, n), 0)

    offsets = np.cumsum([1] + [len(vocab.LABEL_SUFFIXES[k]) for k in LABEL_KINDS])
    counts = np.array([len(vocab.LABEL_SUFFIXES[k]) for k in LABEL_KINDS])
    suffix = offsets[kinds] + (rng.random(n) * counts[kinds]).astype(np.int64)
    # A quarter of record labels go by the bare word, as "Svek" or "Planet E" do.
    bare = (kinds == 0) & (rng.random(n) < 0.25)
    suffix = np.where(bare, 0, suffix)
    return NameParts(zeros, first, np.where(two_words, 1, 0), second, suffix)


def render(parts: NameParts, suffixes: tuple[str, ...] = SUFFIXES) -> pa.Array:
    """Join the five parts of each name into a string array."""
    words = lexicon().words
    return pc.binary_join_element_wise(
        pa.array(PREFIXES).take(pa.array(parts.prefix)),
        words.take(pa.array(parts.first)),
        pa.array(SEPARATORS).take(pa.array(parts.separator)),
        words.take(pa.array(parts.second)),
        pa.array(suffixes).take(pa.array(parts.suffix)),
        "",
    )


def disambiguation_numbers(key: np.ndarray) -> np.ndarray:
    """Return 1 for the first entity (in array order) with each key, 2, 3, ... for the others."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.ones(len(key), dtype=bool)
    starts[1:] = sorted_key[1:] != sorted_key[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(key)), 0))
    numbers = np.empty(len(key), dtype=np.int64)
    numbers[order] = np.arange(len(key)) - group_start + 1
    return numbers


def with_numbers(display: pa.Array, numbers: np.ndarray) -> pa.Array:
    """Append " (N)" to the names whose disambiguation number is above 1."""
    numbered = numbers > 1
    if not numbered.any():
        return display
    rows = np.flatnonzero(numbered)
    suffixed = pc.binary_join_element_wise(
        display.take(pa.array(rows)),
        pa.scalar(" ("),
        pc.cast(pa.array(numbers[rows]), pa.string()),
        pa.scalar(")"),
        "",
    )
    return pc.replace_with_mask(display, pa.array(numbered), suffixed)


def place_specials(names: pa.Array, specials: tuple[str, ...]) -> pa.Array:
    """Replace the first names with the given special names (as many as fit)."""
    k = min(len(specials), len(names))
    if k == 0:
        return names
    head = pa.array(specials[:k], type=pa.string())
    return pa.concat_arrays([head, names.slice(k)])


def artist_name_slices(
    rng: np.random.Generator, is_group: np.ndarray, rows: int = NAME_SLICE_ROWS
) -> Iterator[tuple[pa.Array, pa.Array]]:
    """Yield (name, display name) arrays for consecutive slices of ``rows`` artists in id order.

    The first artists get the special names of ``vocab.SPECIAL_ARTIST_NAMES``
    (ampersands, angle brackets, quotes, Hebrew and Arabic script). Slicing
    keeps the temporary strings of millions of names small.
    """
    parts = artist_parts(rng, is_group)
    key = parts.key()
    specials = min(len(key), len(vocab.SPECIAL_ARTIST_NAMES))
    key[:specials] = -np.arange(1, specials + 1)
    numbers = disambiguation_numbers(key)
    del key
    for start in range(0, len(is_group), rows):
        stop = min(len(is_group), start + rows)
        display = render(parts.slice(start, stop))
        if start == 0:
            display = place_specials(display, vocab.SPECIAL_ARTIST_NAMES)
        yield with_numbers(display, numbers[start:stop]), display


def artist_names(rng: np.random.Generator, is_group: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Return (name, display name) arrays for artists in id order."""
    names, displays = [pa.array([], pa.string())], [pa.array([], pa.string())]
    for name, display in artist_name_slices(rng, is_group):
        names.append(name)
        displays.append(display)
    return pa.concat_arrays(names), pa.concat_arrays(displays)


def label_names(rng: np.random.Generator, kinds: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Return (name, display name) arrays for labels in id order; ``kinds`` index LABEL_KINDS."""
    parts = label_parts(rng, kinds)
    key = parts.key()
    key[: len(vocab.SPECIAL_LABEL_NAMES)] = -np.arange(
        1, min(len(key), len(vocab.SPECIAL_LABEL_NAMES)) + 1
    )
    display = place_specials(render(parts, LABEL_SUFFIXES), vocab.SPECIAL_LABEL_NAMES)
    return with_numbers(display, disambiguation_numbers(key)), display


def titles(rng: np.random.Generator, n: int, max_words: int = 3) -> pa.Array:
    """Return ``n`` titles of one to ``max_words`` capitalised words."""
    lex = lexicon()
    columns = [lex.words.take(pa.array(_segment(rng, lex.word, n)))]
    for _ in range(max_words - 1):
        idx = np.where(rng.random(n) < 0.5, _segment(rng, lex.word, n), 0)
        columns.append(lex.words.take(pa.array(idx)))
    joined = pc.binary_join_element_wise(*columns, " ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, r"\s+", " "))


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Return ``n`` "Given Surname" names, for real names of artists."""
    lex = lexicon()
    return pc.binary_join_element_wise(
        lex.words.take(pa.array(_segment(rng, lex.given, n))),
        lex.words.take(pa.array(_segment(rng, lex.surname, n))),
        " ",
    )


class Words:
    """Plain Python word lists for record-by-record generation."""

    def __init__(self) -> None:
        lex = lexicon()
        self.words = lex.python_words(lex.word)
        self.given = lex.python_words(lex.given)
        self.surnames = lex.python_words(lex.surname)

    def title(self, rng: Rng, low: int = 1, high: int = 4) -> str:
        count = rng.between(low, high)
        return " ".join(rng.pick(self.words) for _ in range(count))

    def person(self, rng: Rng) -> str:
        return f"{rng.pick(self.given)} {rng.pick(self.surnames)}"

    def surname(self, rng: Rng) -> str:
        return rng.pick(self.surnames)

    def word(self, rng: Rng) -> str:
        return rng.pick(self.words)


def name_variations(display: str) -> list[str]:
    """Return spellings of a name as releases print it: initials, surname, capitals, no article."""
    variants = []
    words = display.split(" ")
    if len(words) >= 2 and words[0] not in ("The", "DJ", "MC"):
        variants.append(f"{words[0][:1]}. {' '.join(words[1:])}")
        variants.append(words[-1])
    if words[0] == "The" and len(words) > 1:
        variants.append(" ".join(words[1:]))
    variants.append(display.upper())
    if len(display) > 5:
        variants.append(display[:-1])
    return [v for v in variants if v and v != display]
