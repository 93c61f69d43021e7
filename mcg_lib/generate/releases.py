"""One <release> record: credits on every level, labels, companies, identifiers, and the rest."""

from __future__ import annotations

import calendar
from dataclasses import dataclass

from mcg_lib.generate import vocab
from mcg_lib.generate.credits import (
    OTHER_ROLES,
    ROLE_TABLES,
    Credit,
    credit_for,
    draw_credit,
    instrument_text,
    render_credits,
    role_text,
    track_ranges,
)
from mcg_lib.generate.plan import (
    ALBUM,
    BOX,
    CLASSICAL,
    COMPILATION,
    EP,
    GENRES,
    MIX,
    RELEASE_KINDS,
    SINGLE,
    Core,
    MainCredit,
    Plan,
    make_core,
)
from mcg_lib.generate.rand import Rng, Weighted, derive_seed
from mcg_lib.generate.text import Text
from mcg_lib.generate.tracklist import (
    Format,
    Track,
    choose_formats,
    duration,
    formats_xml,
    positions,
    tracklist_xml,
)
from mcg_lib.generate.world import (
    DISTRIBUTOR,
    LABEL,
    MASTERING,
    PERFORMER,
    PRESSING,
    PUBLISHER,
    SERIES,
    SESSION,
    STUDIO,
    STUDIO_CO,
    VISUAL,
    WRITER,
    World,
)
from mcg_lib.generate.xmlout import Era, esc, esc_attr

DATA_QUALITY = Weighted(list(vocab.DATA_QUALITY))
COUNTRIES = Weighted(list(vocab.COUNTRIES))
LABEL_COUNT = Weighted([(1, 85), (2, 10), (3, 5)])
COMPANY_KINDS = {
    "label": LABEL,
    "studio": STUDIO_CO,
    "mastering": MASTERING,
    "pressing": PRESSING,
    "publisher": PUBLISHER,
    "distributor": DISTRIBUTOR,
}
ENTITY_TYPES = Weighted(list(zip(vocab.ENTITY_TYPES, vocab.ENTITY_WEIGHTS, strict=True)))
IDENTIFIER_TYPES = Weighted(list(vocab.IDENTIFIER_TYPES))
STUDIO_CREDITS = {
    ALBUM: (1, 5),
    SINGLE: (0, 2),
    EP: (0, 3),
    COMPILATION: (0, 2),
    MIX: (0, 1),
    CLASSICAL: (1, 3),
    BOX: (1, 4),
}
# Share of releases without release-level credits: 41 % of the 2020 sample's
# releases have an empty <extraartists/>, most of them singles and compilations.
NO_RELEASE_CREDITS = {
    SINGLE: 0.55,
    EP: 0.45,
    ALBUM: 0.2,
    COMPILATION: 0.45,
    MIX: 0.5,
    CLASSICAL: 0.2,
    BOX: 0.1,
}
IDENTIFIER_DESCRIPTIONS = (
    "Text",
    "Scanned",
    "Side A",
    "Side B",
    "Runout side A, etched",
    "Runout side B, stamped",
    "Var. 1",
    "Printed",
    "",
)
VIDEO_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
NO_MAIN_ARTISTS = 0.001
# Chance that a writer credit reuses a writer already on the release.
CREW_REUSE = {
    ALBUM: 0.6,
    SINGLE: 0.7,
    EP: 0.6,
    COMPILATION: 0.2,
    MIX: 0.2,
    CLASSICAL: 0.8,
    BOX: 0.2,
}


@dataclass(slots=True)
class Draft:
    """The decisions about a release that are made before its XML is written."""

    index: int
    master: int
    is_main: bool
    core: Core
    year: int
    formats: list[Format]
    tracks: list[Track]
    labels: list[tuple[int, str]]
    main: list[MainCredit]


class ReleaseBuilder:
    """Write the <release> records of a month, in release id order."""

    def __init__(self, world: World, plan: Plan, era: Era, seed: int) -> None:
        self.world = world
        self.plan = plan
        self.era = era
        self.seed = seed
        self.rng = Rng(derive_seed(seed, "releases"))
        self.text = Text(world)
        # Artists already credited on the release being written, by family.
        self.crew: dict[int, list[int]] = {}

    def record(self, index: int) -> str:
        """Return the XML of the release at ``index``, starting on a new line."""
        draft = self._draft(index)
        return "".join(
            [
                f'\n<release id="{self.plan.release_ids[index]}" status="Accepted">',
                self._credits_xml(draft),
                self._details_xml(draft),
                self._tracklist_and_more_xml(draft),
                "</release>",
            ]
        )

    def _draft(self, index: int) -> Draft:
        world, plan, rng = self.world, self.plan, self.rng
        world.progress = index
        self.crew = {}
        master = int(plan.master_of[index])
        if master >= 0:
            core = plan.master_core(master)
            is_main = plan.is_main(index)
        else:
            core = self._own_core(index)
            is_main = False
        reissue = master >= 0 and not is_main
        year = core.year
        if reissue and year:
            year = min(2025, year + rng.between(0, 25))

        formats, scheme = choose_formats(rng, core.kind, reissue)
        discs = max((f.qty for f in formats if f.name != "Box Set"), default=1)
        tracks = self._tracks(core, scheme, discs, reissue)
        labels = self._labels(core)
        main = [] if master < 0 and rng.chance(NO_MAIN_ARTISTS) else core.main
        return Draft(index, master, is_main, core, year, formats, tracks, labels, main)

    def _credits_xml(self, draft: Draft) -> str:
        """Write images, main artists, title, labels, series and release-level credits."""
        world, rng, era = self.world, self.rng, self.era
        parts = []
        if era.has_images:
            parts.append(self.text.images(rng, 0.9))
        if draft.main:
            main = render_credits(world, era, rng, _main_credits(draft.main))
            parts.append(f"<artists>{main}</artists>")
        parts.append(f"<title>{esc(draft.core.title)}</title>")
        parts.append(self._labels_xml(draft.labels))
        if era.has_series and rng.chance(0.03):
            parts.append(self._series_xml())
        playable = [t.position for t in draft.tracks if t.position]
        extras = self._extraartists(draft.core, draft.main, playable)
        parts.append(era.container("extraartists", render_credits(world, era, rng, extras)))
        return "".join(parts)

    def _details_xml(self, draft: Draft) -> str:
        """Write formats, genres, styles, country, released, notes, data quality and master."""
        rng, core = self.rng, draft.core
        parts = [formats_xml(draft.formats)]
        genres = f"<genre>{esc(vocab.GENRES[core.genre][0])}</genre>" + self._second_genre(core)
        parts.append(f"<genres>{genres}</genres>")
        if core.styles:
            styles = "".join(f"<style>{esc(s)}</style>" for s in core.styles)
            parts.append(f"<styles>{styles}</styles>")
        if rng.chance(0.97):
            parts.append(f"<country>{esc(rng.weighted(COUNTRIES))}</country>")
        released = _released(rng, draft.year)
        if released:
            parts.append(f"<released>{released}</released>")
        if rng.chance(0.6):
            parts.append(f"<notes>{self.text.notes(rng, core, draft.labels)}</notes>")
        parts.append(f"<data_quality>{rng.weighted(DATA_QUALITY)}</data_quality>")
        if draft.master >= 0:
            flag = "true" if draft.is_main else "false"
            master_id = self.plan.master_ids[draft.master]
            parts.append(f'<master_id is_main_release="{flag}">{master_id}</master_id>')
        return "".join(parts)

    def _tracklist_and_more_xml(self, draft: Draft) -> str:
        """Write the tracklist, identifiers, videos and companies."""
        world, rng, era = self.world, self.rng, self.era
        parts = [tracklist_xml(world, era, rng, draft.tracks)]
        parts.append(era.container("identifiers", self._identifiers_xml(draft.labels)))
        if rng.chance(0.45):
            titles = [t.title for t in draft.tracks]
            parts.append(self.text.videos(rng, era, _lead_name(world, draft.main), titles))
        parts.append(era.container("companies", self._companies_xml(draft.labels)))
        return "".join(parts)

    def _own_core(self, index: int) -> Core:
        rng = self.rng
        kind = rng.weighted(RELEASE_KINDS)
        genre = vocab.CLASSICAL if kind == CLASSICAL else rng.weighted(GENRES)
        if genre == vocab.CLASSICAL and kind == ALBUM and rng.chance(0.5):
            kind = CLASSICAL
        return make_core(
            self.world, rng, kind, genre, derive_seed(self.seed, "release-core", index), True
        )

    def _second_genre(self, core: Core) -> str:
        if not self.rng.chance(0.25):
            return ""
        other = self.rng.weighted(GENRES)
        return "" if other == core.genre else f"<genre>{esc(vocab.GENRES[other][0])}</genre>"

    # Tracklist

    def _tracks(self, core: Core, scheme: str, discs: int, reissue: bool) -> list[Track]:
        if core.kind == CLASSICAL:
            return self._classical_tracks(core, scheme, discs)
        world, rng = self.world, self.rng
        titles = Rng(core.seed)
        count = core.tracks
        if reissue and scheme in ("cd", "file") and rng.chance(0.15):
            count += rng.between(1, 3)
        places = positions(scheme, count, discs)
        tracks = [
            Track(places[i], esc(world.words.title(titles, 1, 4)), duration(rng, core.kind))
            for i in range(count)
        ]

        if core.kind in (SINGLE, EP):
            self._remixes(core, tracks)
        elif core.kind == ALBUM:
            self._album_credits(core, tracks)
        else:
            self._compilation_credits(core, tracks)
        if core.kind in (ALBUM, COMPILATION) and titles.chance(0.06):
            _make_medley(world, titles, tracks[titles.below(len(tracks))])

        if scheme == "vinyl" and rng.chance(0.04):
            tracks = _with_side_headings(rng, tracks)
        elif count > core.tracks:
            tracks.insert(core.tracks, Track("", "Bonus Tracks"))
        return tracks

    def _remixes(self, core: Core, tracks: list[Track]) -> None:
        world, rng = self.world, self.rng
        tracks[0].title = esc(core.title)
        for track in tracks[1:]:
            if rng.chance(0.5):
                remixer = world.draw_artist(
                    rng, PERFORMER if rng.chance(0.6) else STUDIO, core.genre
                )
                remixer_name = esc(world.artists.names.display[remixer])
                track.title = f"{esc(core.title)} ({remixer_name} Remix)"
                track.extras.append(credit_for(world, rng, remixer, "Remix"))
            elif rng.chance(0.3):
                track.title = f"{esc(core.title)} ({rng.pick(vocab.MIX_NAMES)})"
        if rng.chance(0.3):
            tracks[0].extras.append(self._writer(core))

    def _album_credits(self, core: Core, tracks: list[Track]) -> None:
        world, rng = self.world, self.rng
        for track in tracks:
            if rng.chance(0.45):
                track.extras.append(self._writer(core))
            if rng.chance(0.05):
                featured = world.draw_artist(rng, PERFORMER, core.genre)
                if rng.chance(0.5) and core.main:
                    track.artists = _main_credits(core.main)
                    track.artists[-1] = track.artists[-1]._replace(join="Feat.")
                    track.artists.append(credit_for(world, rng, featured))
                else:
                    track.extras.append(credit_for(world, rng, featured, "Featuring"))
            if rng.chance(0.08):
                role = role_text(rng, ROLE_TABLES[STUDIO])
                track.extras.append(self._crew_credit(STUDIO, core.genre, role, 0.7))
            if core.genre == vocab.FOLK and rng.chance(0.1):
                track.extras.append(Credit(world.pseudo(vocab.TRADITIONAL), role="Written-By"))

    def _compilation_credits(self, core: Core, tracks: list[Track]) -> None:
        world, rng = self.world, self.rng
        for track in tracks:
            track.artists = self._track_artists(core)
            if rng.chance(0.5):
                if rng.chance(0.3) and track.artists[0].artist >= 0:
                    track.extras.append(
                        credit_for(world, rng, track.artists[0].artist, "Written-By")
                    )
                else:
                    track.extras.append(self._writer(core))
            if rng.chance(0.3):
                track.extras.append(self._crew_credit(STUDIO, core.genre, "Producer", 0.4))
            if rng.chance(0.1):
                remixer = world.draw_artist(rng, PERFORMER, core.genre)
                track.title = f"{track.title} ({esc(world.artists.names.display[remixer])} Remix)"
                track.extras.append(credit_for(world, rng, remixer, "Remix"))

    def _track_artists(self, core: Core) -> list[Credit]:
        world, rng = self.world, self.rng
        if rng.chance(0.01):
            return [Credit(world.pseudo(rng.pick((vocab.UNKNOWN_ARTIST, vocab.NO_ARTIST))))]
        count = 1 if rng.chance(0.82) else rng.between(2, 3)
        credits = [draw_credit(world, rng, PERFORMER, core.genre) for _ in range(count)]
        for i in range(count - 1):
            credits[i] = credits[i]._replace(
                join=esc(rng.pick(("Feat.", "&", ",", "vs.", "Featuring")))
            )
        return credits

    def _classical_tracks(self, core: Core, scheme: str, discs: int) -> list[Track]:
        world, rng = self.world, self.rng
        titles = Rng(core.seed)
        composer = core.main[0].artist if core.main and core.main[0].artist >= 0 else -1
        tracks: list[Track] = []
        if rng.chance(0.2) and composer >= 0:
            tracks.append(Track("", esc(world.artists.names.display[composer])))
        number = 1
        for _ in range(core.tracks):
            form = titles.pick(vocab.WORK_KINDS)
            number_in_work = titles.between(1, 9)
            work = f"{form} {number_in_work} {world.words.title(titles, 1, 2)}"
            movements = titles.sample(vocab.MOVEMENTS, titles.between(2, 4))
            credits = (
                [Credit(composer, role="Composed By")] if composer >= 0 and rng.chance(0.5) else []
            )
            # The shape of the work comes from the master's seed, so every
            # release of a master lists the same works and movements.
            if titles.chance(0.45):
                index = Track("", esc(work), duration(rng, CLASSICAL), extras=credits)
                lettered = titles.chance(0.5)
                for k, movement in enumerate(movements):
                    place = f"{number}{'abcdefgh'[k]}" if lettered else str(number + k)
                    sub = Track(place, movement, duration(rng, CLASSICAL))
                    if rng.chance(0.1):
                        sub.artists = [draw_credit(world, rng, SESSION, core.genre)]
                    if rng.chance(0.08):
                        role = role_text(rng, ROLE_TABLES[SESSION])
                        sub.extras = [self._crew_credit(SESSION, core.genre, role, 0.5)]
                    index.subs.append(sub)
                number += 1 if lettered else len(movements)
                tracks.append(index)
            else:
                for movement in movements:
                    tracks.append(
                        Track(
                            str(number),
                            esc(f"{work}: {movement}"),
                            duration(rng, CLASSICAL),
                            extras=list(credits),
                        )
                    )
                    number += 1
        if scheme in ("vinyl", "cassette") or discs > 1:
            _renumber(tracks, scheme, discs)
        return tracks

    def _crew_credit(
        self, family: int, genre: int, role: str, reuse: float, tracks: str = ""
    ) -> Credit:
        """Credit an artist of ``family``, often one already credited on this release.

        Real releases credit the same producer, engineer or writer on many
        tracks, which keeps the number of distinct artists per release low.
        """
        world, rng = self.world, self.rng
        crew = self.crew.setdefault(family, [])
        if crew and rng.chance(reuse):
            return credit_for(world, rng, rng.pick(crew), role, tracks)
        credit = draw_credit(world, rng, family, genre, role, tracks)
        if credit.artist >= 0:
            crew.append(credit.artist)
        return credit

    def _writer(self, core: Core) -> Credit:
        world, rng = self.world, self.rng
        role = role_text(rng, ROLE_TABLES[WRITER], 1)
        leads = [
            c.artist for c in core.main if c.artist >= 0 and not world.artists.pseudo[c.artist]
        ]
        if leads and rng.chance(0.5):
            lead = leads[0]
            members = world.artists.related(world.artists.members, lead)
            if members and rng.chance(0.7):
                lead = rng.pick(members)
            return credit_for(world, rng, lead, role)
        if rng.chance(0.004):
            return Credit(world.pseudo(vocab.ANONYMOUS), role=role)
        return self._crew_credit(WRITER, core.genre, role, CREW_REUSE[core.kind])

    # Release-level credits

    def _extraartists(
        self, core: Core, main: list[MainCredit], playable: list[str]
    ) -> list[Credit]:
        world, rng = self.world, self.rng
        kind, genre = core.kind, core.genre
        credits: list[Credit] = []
        if rng.chance(NO_RELEASE_CREDITS[kind]):
            return credits
        low, high = STUDIO_CREDITS[kind]
        for _ in range(rng.between(low, high)):
            ranges = track_ranges(rng, playable) if rng.chance(0.15) else ""
            role = role_text(rng, ROLE_TABLES[STUDIO])
            credits.append(self._crew_credit(STUDIO, genre, role, 0.3, ranges))

        leads = [c.artist for c in main if c.artist >= 0 and not world.artists.pseudo[c.artist]]
        if leads and kind in (ALBUM, SINGLE, EP) and rng.chance(0.25):
            credits.append(
                credit_for(world, rng, leads[0], rng.pick(("Producer", "Producer, Written-By")))
            )
        if leads and kind == MIX:
            credits.append(credit_for(world, rng, leads[0], "DJ Mix"))
        members = world.artists.related(world.artists.members, leads[0]) if leads else []
        if members and rng.chance(0.6):
            credits.extend(credit_for(world, rng, m, instrument_text(rng)) for m in members)
        elif kind in (ALBUM, CLASSICAL):
            for _ in range(rng.between(0, 4)):
                role = role_text(rng, ROLE_TABLES[SESSION])
                credits.append(self._crew_credit(SESSION, genre, role, 0.2))

        if kind in (ALBUM, EP) and rng.chance(0.3):
            writer = self._writer(core)
            credits.append(writer._replace(tracks=track_ranges(rng, playable)))
        visual = 0.55 if kind in (ALBUM, COMPILATION, BOX, CLASSICAL) else 0.15
        if rng.chance(visual):
            for _ in range(rng.between(1, 2)):
                credits.append(
                    draw_credit(world, rng, VISUAL, genre, role_text(rng, ROLE_TABLES[VISUAL]))
                )
        if kind in (COMPILATION, BOX) and rng.chance(0.5):
            credits.append(draw_credit(world, rng, PERFORMER, genre, "Compiled By"))
        if rng.chance(0.08):
            credits.append(draw_credit(world, rng, STUDIO, genre, role_text(rng, OTHER_ROLES, 1)))
        return credits

    # Labels, series, companies, identifiers

    def _labels(self, core: Core) -> list[tuple[int, str]]:
        world, rng = self.world, self.rng
        if rng.chance(0.05):
            return [(world.labels.not_on_label, "none")]
        labels = []
        for _ in range(rng.weighted(LABEL_COUNT)):
            label = world.draw_label(rng, LABEL, core.genre)
            labels.append((label, "none" if rng.chance(0.08) else self.text.catno(rng, label)))
        first, catno = labels[0]
        if rng.chance(0.02) and catno != "none":
            labels.append((first, catno.replace(" ", "") if " " in catno else catno + " "))
        elif rng.chance(0.005):
            labels.append(labels[0])
        return labels

    def _labels_xml(self, labels: list[tuple[int, str]]) -> str:
        names, ids = self.world.labels.names, self.world.label_ids
        inner = "".join(
            f'<label name="{esc_attr(names[label])}" catno="{esc_attr(catno)}" id="{ids[label]}"/>'
            for label, catno in labels
        )
        return f"<labels>{inner}</labels>"

    def _series_xml(self) -> str:
        world, rng = self.world, self.rng
        series = world.draw_label(rng, SERIES)
        catno = rng.pick((f"Vol. {rng.between(1, 30)}", str(rng.between(1, 120)), ""))
        name = esc_attr(world.labels.names[series])
        series_id = world.label_ids[series]
        return f'<series><series name="{name}" catno="{catno}" id="{series_id}"/></series>'

    def _companies_xml(self, labels: list[tuple[int, str]]) -> str:
        world, rng, era = self.world, self.rng, self.era
        if rng.chance(0.45):
            return ""
        out = []
        for _ in range(rng.between(1, 8)):
            entity_type, type_name, kind = rng.weighted(ENTITY_TYPES)
            if rng.chance(0.004):
                # Companies may point at ids that labels.xml does not contain.
                company_id = rng.pick(world.labels.missing_ids)
                name = esc(f"{world.words.word(rng)} Ltd.")
            else:
                company = labels[0][0] if kind == "label" and rng.chance(0.7) else None
                if company is None or company == world.labels.not_on_label:
                    company = world.draw_label(rng, COMPANY_KINDS[kind])
                company_id = world.label_ids[company]
                name = world.xml_label_names[company]
            catno = labels[0][1] if rng.chance(0.05) and labels[0][1] != "none" else ""
            url = f"https://api.discogs.com/labels/{company_id}"
            if era.name == "2025" and rng.chance(0.1):
                url = ""
            out.append(
                f"<company><id>{company_id}</id><name>{name}</name>{era.leaf('catno', esc(catno))}"
                f"<entity_type>{entity_type}</entity_type><entity_type_name>{esc(type_name)}</entity_type_name>"
                f"{era.leaf('resource_url', url)}</company>"
            )
        return "".join(out)

    def _identifiers_xml(self, labels: list[tuple[int, str]]) -> str:
        rng, era = self.rng, self.era
        if rng.chance(0.45):
            return ""
        out = []
        for _ in range(rng.between(1, 6)):
            kind = rng.weighted(IDENTIFIER_TYPES)
            value = esc_attr(self.text.identifier_value(rng, kind, labels[0][1]))
            description = rng.pick(IDENTIFIER_DESCRIPTIONS) if rng.chance(0.6) else ""
            if era.name == "2020" and not description:
                out.append(f'<identifier type="{esc_attr(kind)}" value="{value}"/>')
            else:
                out.append(
                    f'<identifier type="{esc_attr(kind)}" description="{esc_attr(description)}" '
                    f'value="{value}"/>'
                )
        return "".join(out)


def _main_credits(main: list[MainCredit]) -> list[Credit]:
    return [Credit(m.artist, m.name, m.anv, esc(m.join)) for m in main]


def _lead_name(world: World, main: list[MainCredit]) -> str:
    if main and main[0].artist >= 0:
        return esc(world.artists.names.display[main[0].artist])
    return main[0].name if main else "Various"


def _make_medley(world: World, titles: Rng, track: Track) -> None:
    """Turn a track into an index track whose parts are sub-tracks ``3a``, ``3b``, ..."""
    place = track.position
    track.position = ""
    track.title = esc(f"Medley: {world.words.title(titles, 1, 2)}")
    for k in range(titles.between(2, 4)):
        track.subs.append(Track(f"{place}{'abcd'[k]}", esc(world.words.title(titles, 1, 3))))


def _with_side_headings(rng: Rng, tracks: list[Track]) -> list[Track]:
    """Put a heading ("This Side", "That Side") before the first track of each vinyl side."""
    pair = rng.pick(vocab.SIDE_HEADINGS)
    out = []
    side = ""
    sides = 0
    for track in tracks:
        if track.position[:1] != side:
            side = track.position[:1]
            heading = pair[sides] if sides < len(pair) else f"Side {side}"
            out.append(Track("", esc(heading)))
            sides += 1
        out.append(track)
    return out


def _renumber(tracks: list[Track], scheme: str, discs: int) -> None:
    """Give classical tracks vinyl or multi-disc positions, keeping index tracks without one."""
    playable = []
    for track in tracks:
        if track.position:
            playable.append(track)
        playable.extend(track.subs)
    fresh = positions(scheme, len(playable), discs)
    for track, place in zip(playable, fresh, strict=True):
        track.position = place


def _released(rng: Rng, year: int) -> str:
    """Return ``released`` text: ``YYYY``, ``YYYY-MM-DD``, ``YYYY-MM-00``, ``YYYY-00-00`` or ""."""
    if not year or rng.chance(0.05):
        return ""
    r = rng.random()
    if r < 0.56:
        return str(year)
    month = rng.between(1, 12)
    if r < 0.86:
        return f"{year}-{month:02d}-{rng.between(1, 28):02d}"
    if r < 0.95:
        return f"{year}-{month:02d}-00"
    if r < 0.995:
        return f"{year}-00-00"
    # A day that does not exist, as some real entries have.
    return f"{year}-02-{30 if calendar.isleap(year) else 29}"
