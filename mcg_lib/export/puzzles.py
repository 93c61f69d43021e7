"""Day files: one puzzle with everything needed to play it offline, and its SVG.

A day file holds the two artists, the optimal chain described in full, and
the neighbour entries of every artist on that chain but the last, so a
player who follows or nears the optimal chain never needs the network. The
caps shrink (layout.DAY_CAPS) until the JSON and the SVG together fit
DAY_BUDGET_GZIP_BYTES gzipped; the chain's own releases and artists always
stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcg_lib.errors import PublishError
from mcg_lib.export.jsonfiles import dump_json, gzip_size
from mcg_lib.export.layout import DAY_BUDGET_GZIP_BYTES, DAY_CAPS, FORMAT_VERSION, PUZZLE_SVG
from mcg_lib.export.neighbours import NeighbourBuilder
from mcg_lib.export.svg import chain_svg
from mcg_lib.graph.describe import describe_chain


@dataclass(frozen=True)
class ChainNodes:
    """A chain as node indices: artists a0..an and the releases r1..rn between them."""

    artists: list[int]
    releases: list[int]

    def keep(self, position: int) -> dict[int, set[int]]:
        """Return the releases (and their artists) of the chain next to artist ``position``."""
        keep: dict[int, set[int]] = {}
        if position < len(self.releases):
            keep.setdefault(self.releases[position], set()).add(self.artists[position + 1])
        if position > 0:
            keep.setdefault(self.releases[position - 1], set()).add(self.artists[position - 1])
        return keep


@dataclass
class DayFiles:
    """The two files of one day and what they cost."""

    date: str
    json_bytes: bytes
    svg_text: str
    caps: tuple[int, int]
    gzip_bytes: int


def chain_nodes(builder: NeighbourBuilder, ids: list[int]) -> ChainNodes:
    """Turn a precomputed chain of ids (artist, release, artist, ...) into node indices."""
    reader = builder.reader
    return ChainNodes(
        artists=[reader.artist_node(artist_id) for artist_id in ids[0::2]],
        releases=[reader.release_node(release_id) for release_id in ids[1::2]],
    )


def day_files(builder: NeighbourBuilder, puzzle: dict[str, Any], number: int) -> DayFiles:
    """Build the day file and SVG of one scheduled puzzle, within the day budget."""
    graph, reader = builder.graph, builder.reader
    chain = chain_nodes(builder, puzzle["path"])
    path = describe_chain(graph, chain.artists, chain.releases)
    start, end = reader.summary(chain.artists[0]), reader.summary(chain.artists[-1])
    hops = len(chain.releases)
    title = (
        f"Puzzle {number}, {puzzle['date']}: {start['name_display']} to {end['name_display']} "
        f"in {hops} hop{'s' if hops != 1 else ''}"
    )
    svg = chain_svg(path, title=title)
    svg_gzip = gzip_size(svg.encode("utf-8"))

    base = {
        "format": FORMAT_VERSION,
        "snapshot": graph.snapshot,
        "ruleset": graph.ruleset,
        "date": puzzle["date"],
        "number": number,
        "difficulty": puzzle.get("difficulty"),
        "hops": hops,
        "from": start,
        "to": end,
        "optimal": {"from": start["id"], "to": end["id"], "hops": hops, "path": path},
        "svg": PUZZLE_SVG.format(date=puzzle["date"]).rsplit("/", 1)[-1],
    }
    best = None
    for release_cap, artist_cap in DAY_CAPS:
        neighbours = {
            str(reader.summary(node)["id"]): builder.entry(
                node, release_cap=release_cap, artist_cap=artist_cap, keep=chain.keep(position)
            )
            for position, node in enumerate(chain.artists[:-1])
        }
        payload = dump_json(
            {
                **base,
                "caps": {"releases_per_artist": release_cap, "artists_per_release": artist_cap},
                "neighbours": neighbours,
            }
        )
        best = DayFiles(
            puzzle["date"], payload, svg, (release_cap, artist_cap), gzip_size(payload) + svg_gzip
        )
        if best.gzip_bytes <= DAY_BUDGET_GZIP_BYTES:
            return best

    raise PublishError(
        f"the puzzle of {puzzle['date']} needs {best.gzip_bytes:,} bytes gzipped even with only "
        f"its chain, over the {DAY_BUDGET_GZIP_BYTES:,}-byte budget of one day",
        hint="the chain's releases credit too many artists; schedule another pair for that day",
    )
