"""Formats, track positions and durations of a release, and the XML of a tracklist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from mcg_lib.generate import vocab
from mcg_lib.generate.credits import Credit, render_credits
from mcg_lib.generate.plan import ALBUM, BOX, CLASSICAL, COMPILATION, EP, MIX, SINGLE
from mcg_lib.generate.rand import Rng, Weighted
from mcg_lib.generate.world import World
from mcg_lib.generate.xmlout import Era, esc_attr

FORMAT_TEXTS = Weighted(list(vocab.FORMAT_TEXTS))
FILE_TEXTS = Weighted([("320 kbps", 5), ("", 4), ("24 bit / 96 kHz", 1), ("256 kbps", 1)])
OTHER_FORMATS = Weighted(list(vocab.OTHER_FORMATS))
EXTRA_DESCRIPTIONS = Weighted(list(vocab.EXTRA_DESCRIPTIONS))
NO_DESCRIPTIONS = 0.03
SIDE_LETTERS = "ABCDEFGHIJKLMNOP"


class Format(NamedTuple):
    name: str
    qty: int
    text: str
    descriptions: tuple[str, ...]


@dataclass(slots=True)
class Track:
    """One track; ``title`` is escaped text, ``subs`` the sub-tracks of an index track."""

    position: str
    title: str
    duration: str = ""
    artists: list[Credit] = field(default_factory=list)
    extras: list[Credit] = field(default_factory=list)
    subs: list[Track] = field(default_factory=list)


def _vinyl(rng: Rng, size: str, descriptions: tuple[str, ...], qty: int = 1) -> Format:
    return Format("Vinyl", qty, rng.weighted(FORMAT_TEXTS), (size, *descriptions))


def _file(rng: Rng, purpose: str) -> Format:
    codec = rng.pick(("MP3", "FLAC", "WAV", "AAC"))
    text = rng.weighted(FILE_TEXTS) if codec == "MP3" else ""
    return Format("File", 1, text, (codec, purpose))


def choose_formats(rng: Rng, kind: str, reissue: bool) -> tuple[list[Format], str]:
    """Return the release's formats and the position scheme of its tracklist."""
    r = rng.random()
    if kind in (SINGLE, EP):
        purpose = "EP" if kind == EP else rng.pick(("Single", "Maxi-Single", "Single"))
        if r < 0.55:
            formats, scheme = (
                [_vinyl(rng, '12"', (rng.pick(("33 ⅓ RPM", "45 RPM")), purpose))],
                "vinyl",
            )
        elif r < 0.68:
            formats, scheme = [_vinyl(rng, '7"', ("45 RPM", "Single"))], "vinyl"
        elif r < 0.82:
            formats, scheme = [Format("CD", 1, "", (purpose,))], "cd"
        else:
            formats, scheme = [_file(rng, purpose)], "file"
    elif kind == BOX:
        discs = rng.between(3, 6)
        formats = [
            Format("Box Set", 1, "", ("Compilation", "Limited Edition")),
            Format("CD", discs, "", ("Album",)),
        ]
        if rng.chance(0.3):
            formats.append(Format("DVD", 1, "", ("PAL",)))
        scheme = "box"
    else:
        purpose = {COMPILATION: "Compilation", MIX: "Mixed"}.get(kind, "Album")
        if r < 0.35 and kind != MIX:
            qty = rng.pick((1, 1, 1, 2))
            formats, scheme = [_vinyl(rng, "LP", (purpose,), qty)], "vinyl"
        elif r < 0.78:
            qty = 2 if kind == COMPILATION and rng.chance(0.2) else 1
            descriptions = ("Compilation", "Mixed") if kind == MIX else (purpose,)
            formats, scheme = [Format("CD", qty, "", descriptions)], "cd"
        elif r < 0.92 or kind in (MIX, CLASSICAL):
            formats, scheme = [_file(rng, purpose)], "file"
        else:
            formats, scheme = [Format("Cassette", 1, "", (purpose,))], "cassette"

    first = formats[0]
    if reissue and first.descriptions and rng.chance(0.6):
        formats[0] = first._replace(descriptions=(*first.descriptions, "Reissue"))
    elif first.descriptions and rng.chance(0.15):
        extra = rng.weighted(EXTRA_DESCRIPTIONS)
        if extra not in first.descriptions:
            formats[0] = first._replace(descriptions=(*first.descriptions, extra))
    if rng.chance(NO_DESCRIPTIONS):
        formats = [Format(rng.weighted(OTHER_FORMATS), 1, "", ())]
        scheme = "cd"
    elif kind == ALBUM and rng.chance(0.03):
        formats.append(_file(rng, "Album"))
    return formats, scheme


def positions(scheme: str, count: int, discs: int) -> list[str]:
    """Return track positions: ``A1``/``B`` for vinyl sides, ``1-3`` or ``CD2-4`` for discs."""
    if scheme in ("vinyl", "cassette"):
        sides = max(2, 2 * discs) if scheme == "vinyl" else 2
        sides = min(sides, len(SIDE_LETTERS), max(count, 1))
        out = []
        for side in range(sides):
            on_side = count // sides + (1 if side < count % sides else 0)
            letter = SIDE_LETTERS[side]
            out.extend(
                [letter] if on_side == 1 else [f"{letter}{i}" for i in range(1, on_side + 1)]
            )
        return out
    if scheme == "box":
        per_disc = -(-count // discs)
        return [f"CD{i // per_disc + 1}-{i % per_disc + 1}" for i in range(count)]
    if scheme == "cd" and discs > 1:
        per_disc = -(-count // discs)
        return [f"{i // per_disc + 1}-{i % per_disc + 1}" for i in range(count)]
    return [str(i) for i in range(1, count + 1)]


def duration(rng: Rng, kind: str) -> str:
    """Return a duration text (``M:SS``, ``H:MM:SS``), or "" as about half of real tracks have."""
    if rng.chance(0.48):
        return ""
    if kind == MIX and rng.chance(0.05):
        return f"1:{rng.below(60):02d}:{rng.below(60):02d}"
    minutes = rng.between(2, 7) if kind != CLASSICAL else rng.between(1, 14)
    return f"{minutes}:{rng.below(60):02d}"


def formats_xml(formats: list[Format]) -> str:
    out = []
    for fmt in formats:
        attrs = f'name="{esc_attr(fmt.name)}" qty="{fmt.qty}" text="{esc_attr(fmt.text)}"'
        if fmt.descriptions:
            inner = "".join(f"<description>{d}</description>" for d in fmt.descriptions)
            out.append(f"<format {attrs}><descriptions>{inner}</descriptions></format>")
        else:
            out.append(f"<format {attrs}/>")
    return "<formats>" + "".join(out) + "</formats>"


def tracklist_xml(world: World, era: Era, rng: Rng, tracks: list[Track]) -> str:
    return "<tracklist>" + "".join(_track_xml(world, era, rng, t) for t in tracks) + "</tracklist>"


def _track_xml(world: World, era: Era, rng: Rng, track: Track) -> str:
    parts = [
        "<track>",
        era.leaf("position", track.position),
        f"<title>{track.title}</title>",
        era.leaf("duration", track.duration),
    ]
    if track.artists:
        parts.append(f"<artists>{render_credits(world, era, rng, track.artists)}</artists>")
    if track.extras:
        parts.append(
            f"<extraartists>{render_credits(world, era, rng, track.extras)}</extraartists>"
        )
    if track.subs:
        subs = "".join(_track_xml(world, era, rng, sub) for sub in track.subs)
        parts.append(f"<sub_tracks>{subs}</sub_tracks>")
    parts.append("</track>")
    return "".join(parts)
