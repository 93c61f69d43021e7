"""Prefix-sharded autocomplete over artist names.

Each indexed word of a name (the first AUTOCOMPLETE_WORDS words) gives a
search key: the name from that word on, normalised by ``search_key``. The
keys form a prefix tree that is cut into files: a prefix with at most
AUTOCOMPLETE_LEAF_ARTISTS artists is one file listing all of them (a leaf);
a larger prefix is split by its next character and its own file keeps only
its AUTOCOMPLETE_TOP_ARTISTS most popular artists plus those whose key is
the prefix itself. Neighbouring small prefixes share a file, so that a file
lists up to AUTOCOMPLETE_LEAF_ARTISTS artists. ``autocomplete/index.json``
maps every prefix to ``[file number, 1 if leaf else 0]``.

The game looks up a query by its longest prefix in the index and keeps the
artists of that file that have a key starting with the query: a leaf holds
every match; a split prefix shorter than the query means there is no match.
The JavaScript ``searchKey`` in site_templates/assets/js/search.js must give
the same keys as ``search_key`` below.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mcg_lib.export.layout import (
    AUTOCOMPLETE_LEAF_ARTISTS,
    AUTOCOMPLETE_MAX_DEPTH,
    AUTOCOMPLETE_TOP_ARTISTS,
    AUTOCOMPLETE_WORDS,
)


def search_key(text: str) -> str:
    """Normalise a name for prefix search: lower case, accents and punctuation dropped.

    Steps: lower-case, decompose (NFKD), drop combining marks, turn every
    run of characters that are not letters or digits into one space, and
    spell final sigma as sigma. "Beyoncé & Jay-Z" becomes "beyonce jay z".
    """
    # NOTE: Python's unicodedata and the browser's ICU may follow different
    # Unicode versions, so characters newer than either can get different keys.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    characters = []
    for character in decomposed:
        category = unicodedata.category(character)
        if category.startswith("M"):
            continue
        characters.append(character if category[0] in "LN" else " ")
    return " ".join("".join(characters).replace("ς", "σ").split())


def word_keys(name: str) -> list[str]:
    """Return the search keys of a name: the key from each of its first words on."""
    words = search_key(name).split(" ")
    if words == [""]:
        return []
    return [" ".join(words[index:]) for index in range(min(len(words), AUTOCOMPLETE_WORDS))]


@dataclass
class AutocompleteFiles:
    """The index and the files of one autocomplete tree."""

    index: dict[str, list[int]] = field(default_factory=dict)
    files: list[list[dict[str, Any]]] = field(default_factory=list)


def build_autocomplete(summaries: Iterable[dict[str, Any]]) -> AutocompleteFiles:
    """Cut the search keys of the given artist summaries into files.

    ``summaries`` should come most popular first; files list artists in
    that order.
    """
    ordered = list(summaries)
    keys = [
        (key, position)
        for position, summary in enumerate(ordered)
        for key in word_keys(summary["name_display"] or summary["name"])
    ]
    result = AutocompleteFiles()
    by_first = _group_by_character(keys, 0)
    for character in sorted(by_first):
        _visit(character, by_first[character], ordered, result)
    return result


def _group_by_character(
    keys: list[tuple[str, int]], position: int
) -> dict[str, list[tuple[str, int]]]:
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, artist in keys:
        if len(key) > position:
            groups[key[position]].append((key, artist))
    return groups


def _visit(
    prefix: str, keys: list[tuple[str, int]], ordered: list[dict], result: AutocompleteFiles
) -> None:
    artists = sorted({artist for _, artist in keys})
    if len(artists) <= AUTOCOMPLETE_LEAF_ARTISTS or len(prefix) >= AUTOCOMPLETE_MAX_DEPTH:
        _add_file(prefix, artists, leaf=True, ordered=ordered, result=result)
        return

    # Artists whose whole key is the prefix have no longer prefix to be found
    # under, so they join the top ones, up to the size of a file.
    exact = sorted({artist for key, artist in keys if key == prefix})
    exact = set(exact[: AUTOCOMPLETE_LEAF_ARTISTS - AUTOCOMPLETE_TOP_ARTISTS])
    top = set(artists[:AUTOCOMPLETE_TOP_ARTISTS])
    _add_file(prefix, sorted(top | exact), leaf=False, ordered=ordered, result=result)

    children = _group_by_character(keys, len(prefix))
    for character in sorted(children):
        _visit(prefix + character, children[character], ordered, result)


def _add_file(
    prefix: str, artists: list[int], *, leaf: bool, ordered: list[dict], result: AutocompleteFiles
) -> None:
    # Prefixes come in sorted order, so the ones that share a file are neighbours.
    current = result.files[-1] if result.files else None
    listed = {summary["id"] for summary in current} if current is not None else set()
    added = [ordered[artist] for artist in artists if ordered[artist]["id"] not in listed]
    if current is None or len(current) + len(added) > AUTOCOMPLETE_LEAF_ARTISTS:
        current = []
        result.files.append(current)
        added = [ordered[artist] for artist in artists]
    current.extend(added)
    current.sort(key=lambda summary: (-summary["popularity"], summary["id"]))
    result.index[prefix] = [len(result.files) - 1, 1 if leaf else 0]
