"""Artist credits: role texts, track ranges, unlinked names, and their XML."""

from __future__ import annotations

from typing import NamedTuple

from mcg_lib.generate import vocab
from mcg_lib.generate.rand import Rng, Weighted
from mcg_lib.generate.world import PERFORMER, SESSION, STUDIO, VISUAL, WRITER, World
from mcg_lib.generate.xmlout import Era, esc

ROLE_TABLES = {
    STUDIO: Weighted(list(vocab.STUDIO_ROLES)),
    WRITER: Weighted(list(vocab.WRITER_ROLES)),
    SESSION: Weighted(list(vocab.SESSION_ROLES)),
    VISUAL: Weighted(list(vocab.VISUAL_ROLES)),
    PERFORMER: Weighted(list(vocab.SESSION_ROLES)),
}
OTHER_ROLES = Weighted(list(vocab.OTHER_ROLES))
ROLE_COUNT = Weighted([(1, 78), (2, 18), (3, 4)])
QUALIFIED = 0.18
ANV_SHARE = 0.25
UNLINKED_SHARE = 0.004
# Dumps since 2024-12 still write <id>0</id> on a few unlinked credits.
ZERO_ID_SHARE = 0.05


class Credit(NamedTuple):
    """One <artist> credit; ``artist`` is -1 for an unlinked credit named by ``name``.

    Text fields hold escaped XML text.
    """

    artist: int
    name: str = ""
    anv: str = ""
    join: str = ""
    role: str = ""
    tracks: str = ""


def role_text(rng: Rng, table: Weighted[str], count: int | None = None) -> str:
    """Return an escaped role text such as ``Producer [Co-producer], Written-By``."""
    count = count or rng.weighted(ROLE_COUNT)
    roles: list[str] = []
    for _ in range(count):
        role = rng.weighted(table)
        if role in roles:
            continue
        qualifiers = vocab.ROLE_QUALIFIERS.get(role)
        if qualifiers and rng.chance(QUALIFIED):
            roles.append(f"{role} [{rng.pick(qualifiers)}]")
        else:
            roles.append(role)
    return esc(", ".join(roles))


def instrument_text(rng: Rng) -> str:
    """Return the instruments a group member plays, such as ``Bass, Vocals``."""
    return ", ".join(rng.sample(vocab.MEMBER_ROLES, rng.between(1, 2)))


def track_ranges(rng: Rng, positions: list[str]) -> str:
    """Return a credit's <tracks> text over real positions, such as ``A1, B2 to B4``."""
    if len(positions) < 2:
        return ""
    parts = []
    start = rng.below(len(positions) - 1)
    for _ in range(rng.between(1, 2)):
        if start >= len(positions):
            break
        end = min(len(positions) - 1, start + rng.below(4))
        parts.append(
            positions[start] if end == start else f"{positions[start]} to {positions[end]}"
        )
        start = end + 2
    return esc(", ".join(parts))


def unlinked_name(world: World, rng: Rng) -> str:
    """Return the escaped text of a credit that links to no artist, such as "A - B - C - D"."""
    words = world.words
    template = rng.pick(vocab.UNLINKED_TEMPLATES)
    return esc(
        template.format(
            a=words.surname(rng), b=words.surname(rng), c=words.surname(rng), d=words.surname(rng)
        )
    )


def draw_credit(
    world: World, rng: Rng, family: int, genre: int, role: str = "", tracks: str = ""
) -> Credit:
    """Draw a credited artist of ``family``; a few credits are unlinked, a quarter carry an anv."""
    if rng.chance(UNLINKED_SHARE):
        return Credit(-1, unlinked_name(world, rng), "", "", role, tracks)
    artist = world.draw_artist(rng, family, genre)
    anv = world.anv(rng, artist) if rng.chance(ANV_SHARE) else ""
    return Credit(artist, "", anv, "", role, tracks)


def credit_for(world: World, rng: Rng, artist: int, role: str = "", tracks: str = "") -> Credit:
    """Credit a known artist (the main artist, a group member), a quarter with an anv."""
    anv = world.anv(rng, artist) if rng.chance(ANV_SHARE) else ""
    return Credit(artist, "", anv, "", role, tracks)


def render_credits(world: World, era: Era, rng: Rng, credits: list[Credit]) -> str:
    """Write credits as the inside of an <artists> or <extraartists> element."""
    ids = world.artist_ids
    names = world.xml_names
    out = []
    for artist, name, anv, join, role, tracks in credits:
        if artist >= 0:
            out.append(era.credit(ids[artist], names[artist], anv, join, role, tracks))
        else:
            artist_id = 0 if rng.random() < ZERO_ID_SHARE else None
            out.append(era.credit(artist_id, name, anv, join, role, tracks))
    return "".join(out)
