"""File names, caps and size budgets of ``exports/<snapshot>/data/<ruleset>/``.

The folder holds everything the game reads for one ruleset::

    manifest.json               snapshot, ruleset, caps, shard counts, the puzzle schedule
    popular.json                the most popular artists (artist summaries), for random pairs
    autocomplete/index.json     prefix -> [file number, 1 if the file lists every match]
    autocomplete/<n>.json       artist summaries whose name has a word starting with the prefix
    neighbours/<n>.json         {"<artist id>": neighbours entry}, n = artist id % shards
    pairs/<n>.json              {"<lower id>": {"<higher id>": [ids] or null}},
                                n = lower id % shards
    chain-nodes/<n>.json        {"artists", "releases", "roles"} of the chains, n = id % shards
    puzzles/<date>.json         one day's puzzle with the neighbour data needed to play it
    puzzles/<date>.svg          the optimal chain of that puzzle

docs/site.md describes every file's fields.
"""

from __future__ import annotations

from mcg_lib.precompute.answers import MAX_FILE_BYTES, MAX_FILES

FORMAT_VERSION = 1

MANIFEST = "manifest.json"
POPULAR = "popular.json"
AUTOCOMPLETE_INDEX = "autocomplete/index.json"
AUTOCOMPLETE_FILE = "autocomplete/{number}.json"
NEIGHBOURS_FILE = "neighbours/{shard}.json"
PAIRS_FILE = "pairs/{shard}.json"
CHAIN_NODES_FILE = "chain-nodes/{shard}.json"
PUZZLE_FILE = "puzzles/{date}.json"
PUZZLE_SVG = "puzzles/{date}.svg"

# Neighbour data caps: a popular artist lists its most popular releases, each
# with its most popular other artists. The game asks the fallback API for the
# rest, so these bound the static data without limiting what can be played.
RELEASES_PER_ARTIST = 24
ARTISTS_PER_RELEASE = 8

# Day files shrink their caps, largest first, until the day fits its budget.
# The releases and artists of the optimal chain are always kept.
DAY_CAPS = ((24, 8), (16, 8), (12, 6), (8, 5), (5, 4), (3, 3), (1, 2), (0, 0))

# "Under 20 KB gzipped" for one day's puzzle file and SVG together; the
# decimal kilobyte is the stricter reading.
DAY_BUDGET_GZIP_BYTES = 20_000

# Autocomplete: files list at most this many artists; a prefix with more
# matches is split by its next character and keeps only its most popular ones.
AUTOCOMPLETE_LEAF_ARTISTS = 300
AUTOCOMPLETE_TOP_ARTISTS = 40
AUTOCOMPLETE_MAX_DEPTH = 8
# Words of a name that are indexed: "The Chemical Brothers" is found by
# "the", "chemical" and "brothers".
AUTOCOMPLETE_WORDS = 3
# Past this many artists only the most popular are listed; the game asks the
# fallback API for the rest. The full Discogs catalog has about 9 million.
AUTOCOMPLETE_MAX_ARTISTS = 60_000

# Shards aim at this size, so that one request stays small on a phone.
TARGET_SHARD_BYTES = 64 * 1024
MAX_SHARDS = 1024

POPULAR_LISTED = 100

__all__ = ["MAX_FILES", "MAX_FILE_BYTES"]
