"""Free text of the records: notes, profiles, contact info, catalog numbers, identifiers, videos.

Multi-line text uses LF or CRLF line ends, as user-entered text in the dumps
does; the CR is written as ``&#13;``. Profiles and notes carry Discogs markup
(``[a=Name]``, ``[a123]``, ``[l=Label]``, ``[url=...]...[/url]``, ``[b]...[/b]``).
"""

from __future__ import annotations

from mcg_lib.generate import vocab
from mcg_lib.generate.plan import Core
from mcg_lib.generate.rand import Rng
from mcg_lib.generate.world import (
    DISTRIBUTOR,
    LABEL,
    MASTERING,
    PRESSING,
    PUBLISHER,
    SERIES,
    STUDIO_CO,
    World,
)
from mcg_lib.generate.xmlout import Era, esc

VIDEO_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
COMPANY_PROFILES = {
    STUDIO_CO: "Recording studio",
    MASTERING: "Mastering and lacquer cutting studio",
    PRESSING: "Pressing plant",
    PUBLISHER: "Music publisher",
    DISTRIBUTOR: "Distributor",
    SERIES: "Series of releases",
}
URL_FORMS = (
    "https://www.facebook.com/{slug}",
    "https://{slug}.bandcamp.com",
    "https://soundcloud.com/{slug}",
    "https://www.instagram.com/{slug}/",
    "http://www.{slug}.example",
    "https://en.wikipedia.org/wiki/{Slug}",
)


def line_end(rng: Rng) -> str:
    return "\r\n" if rng.chance(0.45) else "\n"


class Text:
    """Builders of free text that need the world's names."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.words = world.words

    def images(self, rng: Rng, share: float) -> str:
        """Return an <images> list as the dumps wrote it until 2024-07: sizes only, empty URIs."""
        if not rng.chance(share):
            return ""
        out = []
        for k in range(rng.between(1, 6)):
            kind = "primary" if k == 0 else "secondary"
            out.append(
                f'<image type="{kind}" uri="" uri150="" width="{rng.between(150, 600)}" '
                f'height="{rng.between(150, 600)}"/>'
            )
        return "<images>" + "".join(out) + "</images>"

    def _artist_name(self, rng: Rng) -> tuple[int, str]:
        world = self.world
        artist = world.draw_artist(rng, rng.below(5), rng.below(len(vocab.GENRES)), debut=False)
        return artist, world.artists.names.display[artist]

    def _label(self, rng: Rng, kind: int) -> tuple[int, str]:
        label = self.world.draw_label(rng, kind)
        return self.world.label_ids[label], self.world.labels.names.display[label]

    def notes(self, rng: Rng, core: Core, labels: list[tuple[int, str]]) -> str:
        """Return escaped release notes of one to six lines."""
        world = self.world
        year = core.year or 1999
        label_name = world.labels.names.display[labels[0][0]]
        lines = []
        for _ in range(rng.between(1, 6)):
            form = rng.below(12)
            if form == 0:
                lines.append(
                    f"Recorded at {self._label(rng, STUDIO_CO)[1]}, {rng.pick(vocab.CITIES)}."
                )
            elif form == 1:
                lines.append(f"Mastered at [l={self._label(rng, MASTERING)[1]}].")
            elif form == 2:
                lines.append(f"℗ {year} {label_name}")
            elif form == 3:
                lines.append(f"© {year} {label_name}. All rights reserved.")
            elif form == 4:
                lines.append(f"Limited to {rng.between(1, 20) * 100} copies.")
            elif form == 5:
                lines.append(
                    f"[b]Tracks {rng.between(1, 5)} and {rng.between(6, 9)} "
                    "previously unreleased.[/b]"
                )
            elif form == 6:
                artist, name = self._artist_name(rng)
                lines.append(f"Thanks to [a={name}] and [a{world.artist_ids[artist]}].")
            elif form == 7:
                slug = self.words.word(rng).lower()
                lines.append(
                    f"[url=http://www.{slug}.example/]{self.words.word(rng)} website[/url]"
                )
            elif form == 8:
                lines.append(f"Made in {rng.pick(('Germany', 'UK', 'the EU', 'Japan', 'USA'))}.")
            elif form == 9:
                lines.append("")
            elif form == 10:
                lines.append(
                    f"Originally released in {year} on [l{world.label_ids[labels[0][0]]}]."
                )
            else:
                lines.append(f'Cat# on spine: "{labels[0][1]}"')
        return esc(line_end(rng).join(lines).strip() or "Durations not stated on the release.")

    def catno(self, rng: Rng, label: int) -> str:
        """Return a catalog number built from the label's initials, such as ``SVK 032``."""
        display = self.world.labels.names.display[label]
        words = [w for w in display.split(" ") if w[:1].isalpha()]
        if len(words) >= 2:
            prefix = "".join(w[0] for w in words[:4]).upper()
        else:
            prefix = display[:3].upper()
        number = rng.between(1, 999)
        form = rng.below(4)
        if form == 0:
            return f"{prefix}{number:03d}"
        if form == 1:
            return f"{prefix} {number:03d}"
        if form == 2:
            return f"{prefix}-{number}"
        return f"{prefix} {number}"

    def identifier_value(self, rng: Rng, kind: str, catno: str) -> str:
        """Return an identifier value; a few end in TAB or contain ``>``, as real ones do."""
        if kind == "Barcode":
            digits = "".join(str(rng.below(10)) for _ in range(12))
            value = f"{digits[0]} {digits[1:7]} {digits[7:]}" if rng.chance(0.5) else digits
        elif kind == "Matrix / Runout":
            value = f"{catno.upper()} {rng.pick(('A', 'B', 'A1', 'B1', 'C', 'D'))}"
        elif kind == "Rights Society":
            value = rng.pick(vocab.RIGHTS_SOCIETIES)
        elif kind == "Label Code":
            value = f"LC {rng.between(100, 99999):05d}"
        elif kind == "SPARS Code":
            value = rng.pick(("DDD", "ADD", "AAD"))
        elif kind in ("Mould SID Code", "Mastering SID Code"):
            value = f"IFPI {'L' if kind.startswith('Mastering') else ''}{rng.between(100, 999)}"
        elif kind == "ISRC":
            value = f"GB-{rng.between(100, 999)}-{rng.between(70, 99)}-{rng.between(1, 99999):05d}"
        elif kind == "Depósito Legal":
            value = f"M-{rng.between(1000, 99999)}-{rng.between(1970, 2024)}"
        else:
            value = f"{rng.between(1, 99999)}"
        if rng.chance(0.003):
            value += "\t"
        elif rng.chance(0.003):
            value += " >"
        return value

    def videos(self, rng: Rng, era: Era, artist: str, titles: list[str]) -> str:
        """Return a <videos> list; ``artist`` and ``titles`` are escaped text."""
        out = []
        for _ in range(rng.between(1, 5)):
            code = "".join(rng.pick(VIDEO_ID_CHARS) for _ in range(11))
            title = f"{artist} - {rng.pick(titles) if titles else 'Live'}"
            form = rng.below(10)
            if form < 4:
                description = title
            elif form < 5:
                description = ""
            elif form < 6:
                description = " "
            else:
                end = line_end(rng)
                description = esc(
                    end.join(
                        [
                            title,
                            "",
                            f"Uploaded by {self.words.word(rng)}",
                            "",
                            f"Released on: {rng.between(1960, 2024)}",
                        ]
                    )
                )
            out.append(
                f'<video src="https://www.youtube.com/watch?v={code}" '
                f'duration="{rng.between(0, 600)}" '
                f'embed="true"><title>{title}</title>{era.leaf("description", description)}</video>'
            )
        return "<videos>" + "".join(out) + "</videos>"

    def urls(self, rng: Rng, display: str) -> list[str]:
        """Return one to four escaped profile links derived from a name."""
        slug = "".join(ch for ch in display.lower() if ch.isalnum()) or "artist"
        forms = rng.sample(URL_FORMS, rng.between(1, 4))
        return [esc(f.format(slug=slug, Slug=display.replace(" ", "_"))) for f in forms]

    def artist_profile(self, rng: Rng, artist: int) -> str:
        """Return an escaped profile with markup linking groups, aliases and labels, or ""."""
        world = self.world
        a = world.artists
        lines = []
        genre = vocab.GENRES[a.genre[artist]][0]
        lines.append(f"{genre} artist from {rng.pick(vocab.CITIES)}.")
        groups = a.related(a.groups, artist)
        if groups:
            lines.append(f"Member of [a={a.names.display[groups[0]]}].")
        aliases = a.related(a.aliases, artist)
        if aliases:
            lines.append(f"Also records as [a{world.artist_ids[aliases[0]]}].")
        if rng.chance(0.4):
            label = world.draw_label(rng, 0)
            lines.append(f"Released on [l={world.labels.names.display[label]}] and others.")
        if rng.chance(0.2):
            lines.append("[b]Not to be confused with the other artists of this name.[/b]")
        return esc(line_end(rng).join(lines))

    def contact_info(self, rng: Rng, display: str) -> str:
        """Return an escaped postal address in several lines."""
        lines = [
            display,
            f"P.O. Box {rng.between(100, 99999)}",
            f"{rng.between(1000, 99999)} {rng.pick(vocab.CITIES)}",
            rng.pick(("Germany", "UK", "USA", "France", "Netherlands", "Japan")),
        ]
        if rng.chance(0.5):
            lines += [
                "",
                f"Phone: +{rng.between(1, 99)} {rng.between(100, 999)} {rng.between(1000, 99999)}",
            ]
        return esc("\r\n".join(lines))

    def label_profile(self, rng: Rng, label: int) -> str:
        """Return an escaped profile: what the label or company is, its parent, who runs it."""
        world = self.world
        labels = world.labels
        founded = rng.between(1955, 2020)
        if labels.kind[label] == LABEL:
            genre = vocab.GENRES[labels.genre[label]][0]
            lines = [f"{genre} label founded in {founded}."]
        else:
            company = COMPANY_PROFILES[int(labels.kind[label])]
            lines = [f"{company} in {rng.pick(vocab.CITIES)}, active since {founded}."]
        if labels.parent[label] >= 0:
            lines.append(f"A [l={labels.names.display[labels.parent[label]]}] company.")
        if rng.chance(0.3):
            _, name = self._artist_name(rng)
            lines.append(f"Run by [a={name}].")
        return esc(line_end(rng).join(lines))
