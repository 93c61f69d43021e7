"""The generator of dump-shaped data: XML dumps of a month and the Parquet catalog."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from lxml import etree

from mcg_lib.cli import cli
from mcg_lib.errors import ConfigError
from mcg_lib.generate import vocab, write_dumps
from mcg_lib.generate.catalog import write_catalog
from mcg_lib.ingest.schema import SCHEMAS
from mcg_lib.paths import DataRoot

RELEASES = 800
KINDS = ("artists", "labels", "masters", "releases")
PSEUDO = set(vocab.PSEUDO_ARTISTS)


def _dump(folder: Path, kind: str, snapshot: str = "demo") -> Path:
    return folder / f"discogs_{snapshot}_{kind}.xml.gz"


def _raw(folder: Path, kind: str) -> bytes:
    return gzip.decompress(_dump(folder, kind).read_bytes())


def _records(folder: Path, kind: str) -> list[etree._Element]:
    root = etree.fromstring(_raw(folder, kind))
    assert root.tag == kind
    return list(root)


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> dict[str, Path]:
    """One small generated month in each era."""
    out = {}
    for era in ("2020", "2025"):
        folder = tmp_path_factory.mktemp(f"month-{era}")
        write_dumps(folder, "demo", releases=RELEASES, seed=7, era_name=era)
        out[era] = folder
    return out


@pytest.fixture(scope="module")
def releases_2025(months) -> list[etree._Element]:
    return _records(months["2025"], "releases")


def _linked_credits(release: etree._Element) -> list[int]:
    ids = []
    for artist in release.iter("artist"):
        if artist.getparent().tag in ("artists", "extraartists"):
            text = artist.findtext("id")
            if text and text != "0":
                ids.append(int(text))
    return ids


def _artist_releases(releases: list[etree._Element]) -> dict[int, set[int]]:
    """Return artist id -> release ids, without pseudo-artists and unlinked credits."""
    by_artist: dict[int, set[int]] = defaultdict(set)
    for release in releases:
        for artist_id in _linked_credits(release):
            if artist_id not in PSEUDO:
                by_artist[artist_id].add(int(release.get("id")))
    return by_artist


# Determinism and file layout


def test_dumps_byte_identical_for_same_arguments(tmp_path, months):
    write_dumps(tmp_path, "demo", releases=RELEASES, seed=7, era_name="2025")
    for path in sorted(months["2025"].iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_dumps_independent_of_hash_seed(tmp_path):
    """Runs in two interpreters with different PYTHONHASHSEED values write the same bytes."""
    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        code = (
            "from mcg_lib.generate import write_dumps; "
            f"write_dumps({str(out)!r}, 'demo', releases=150)"
        )
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
        digests.append((out / "discogs_demo_CHECKSUM.txt").read_text())
    assert digests[0] == digests[1]


def test_dumps_differ_for_another_seed(tmp_path, months):
    write_dumps(tmp_path, "demo", releases=RELEASES, seed=8, era_name="2025")
    assert (
        _dump(tmp_path, "releases").read_bytes() != _dump(months["2025"], "releases").read_bytes()
    )


def test_gzip_header_is_fixed(months):
    data = _dump(months["2020"], "releases").read_bytes()
    assert data[:3] == b"\x1f\x8b\x08"
    assert data[4:8] == b"\x00\x00\x00\x00", "mtime must be 0"
    assert data[10:].startswith(b"discogs_demo_releases.xml\x00")


@pytest.mark.parametrize("era", ["2020", "2025"])
@pytest.mark.parametrize("kind", KINDS)
def test_dump_layout_matches_raw_dumps(months, era, kind):
    raw = _raw(months[era], kind)
    record = kind[:-1]
    assert raw.startswith(f"<{kind}>\n<{record}".encode()), (
        "no XML declaration, root then a new line"
    )
    assert raw.endswith(f"</{record}>\n</{kind}>\n".encode())
    assert b"\r" not in raw, "carriage returns are written as &#13;"
    assert not re.search(rb"&#(?!13;|10;|9;)", raw), (
        "non-ASCII is raw UTF-8, not character references"
    )
    records = _records(months[era], kind)
    opening = (
        b"\n<release id="
        if kind == "releases"
        else b"\n<master id="
        if kind == "masters"
        else (f"\n<{record}>".encode())
    )
    assert raw.count(opening) == len(records), "every record starts on a new line"


@pytest.mark.parametrize("era", ["2020", "2025"])
def test_record_counts(months, era):
    releases = _records(months[era], "releases")
    masters = _records(months[era], "masters")
    artists = _records(months[era], "artists")
    labels = _records(months[era], "labels")
    assert len(releases) == RELEASES
    assert 0.08 * RELEASES < len(masters) < 0.3 * RELEASES
    assert 0.4 * RELEASES < len(artists) < 0.7 * RELEASES
    assert 0.1 * RELEASES < len(labels) < 0.2 * RELEASES
    assert [int(r.get("id")) for r in releases] == sorted(int(r.get("id")) for r in releases)
    assert [int(a.findtext("id")) for a in artists] == sorted(
        int(a.findtext("id")) for a in artists
    )


def test_checksum_file_matches(months):
    folder = months["2025"]
    lines = (folder / "discogs_demo_CHECKSUM.txt").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == [_dump(folder, k).name for k in KINDS]
    for line in lines:
        digest, name = line.split("  ")
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_multiline_text_keeps_crlf(months):
    labels = _raw(months["2025"], "labels")
    assert b"&#13;\n" in labels
    contact = [
        el.findtext("contactinfo")
        for el in _records(months["2025"], "labels")
        if el.find("contactinfo") is not None
    ]
    assert contact and all("\r\n" in text for text in contact)


# What the records contain


def test_release_element_kinds(releases_2025):
    paths = Counter()
    for release in releases_2025:
        for el in release.iter():
            path = [el.tag]
            parent = el.getparent()
            while parent is not None and parent is not release:
                path.append(parent.tag)
                parent = parent.getparent()
            paths["/".join(reversed(path))] += 1
    expected = [
        "artists/artist",
        "extraartists/artist/role",
        "extraartists/artist/tracks",
        "extraartists/artist/anv",
        "tracklist/track/artists/artist/join",
        "tracklist/track/extraartists/artist/role",
        "tracklist/track/sub_tracks/track/artists/artist",
        "labels/label",
        "series/series",
        "formats/format/descriptions/description",
        "genres/genre",
        "styles/style",
        "country",
        "released",
        "notes",
        "data_quality",
        "master_id",
        "identifiers/identifier",
        "videos/video/description",
        "companies/company/entity_type_name",
        "companies/company/resource_url",
    ]
    for path in expected:
        assert paths[path] > 0, path


def test_credit_details(releases_2025):
    credits = [a for r in releases_2025 for a in r.iter("artist")]
    anv = sum(1 for a in credits if a.find("anv") is not None) / len(credits)
    assert 0.15 < anv < 0.35
    roles = [a.findtext("role") for a in credits if a.find("role") is not None]
    assert any(re.search(r"\[[^\]]*,[^\]]*\]", role) for role in roles), "a qualifier with a comma"
    assert any("," in re.sub(r"\[[^\]]*\]", "", role) for role in roles), "a credit with two roles"
    for role in ("Producer", "Written-By", "Vocals", "Mastered By", "Remix", "Design", "Guitar"):
        assert any(role in r for r in roles), role
    joins = {a.findtext("join") for a in credits if a.find("join") is not None}
    assert {",", "&", "Feat."} <= joins
    tracks = [a.findtext("tracks") for a in credits if a.find("tracks") is not None]
    assert any(" to " in t for t in tracks)


def test_pseudo_artists_and_unlinked_credits(months, releases_2025):
    credited = Counter(i for r in releases_2025 for i in _linked_credits(r))
    for artist_id in PSEUDO:
        assert credited[artist_id] > 0, artist_id
    artist_ids = {int(a.findtext("id")) for a in _records(months["2025"], "artists")}
    assert vocab.VARIOUS not in artist_ids, "Various has no artists.xml record"
    assert PSEUDO - {vocab.VARIOUS} <= artist_ids
    unlinked = [a for r in releases_2025 for a in r.iter("artist") if a.find("id") is None]
    assert unlinked


def test_compilations_credit_various(releases_2025):
    various = [r for r in releases_2025 if r.findtext("artists/artist/id") == str(vocab.VARIOUS)]
    assert 0.03 * RELEASES < len(various) < 0.25 * RELEASES
    assert all(r.find("tracklist/track/artists") is not None for r in various)


def test_tracklists_have_headings_index_tracks_and_positions(months):
    releases = _records(months["2020"], "releases")
    tracks = [t for r in releases for t in r.findall("tracklist/track")]
    headings = [t for t in tracks if not t.findtext("position") and t.find("sub_tracks") is None]
    index = [t for t in tracks if t.find("sub_tracks") is not None]
    assert headings and index
    assert all(t.findtext("position") == "" for t in index)
    positions = {t.findtext("position") for t in tracks}
    assert {"A1", "B1", "1", "2"} <= positions
    assert any(re.fullmatch(r"\d+-\d+", p or "") for p in positions), "multi-disc positions"


def test_released_date_shapes(releases_2025):
    shapes = Counter()
    for release in releases_2025:
        text = release.findtext("released")
        if text is None:
            shapes["absent"] += 1
        elif re.fullmatch(r"\d{4}", text):
            shapes["year"] += 1
        elif re.fullmatch(r"\d{4}-00-00", text):
            shapes["zero month"] += 1
        elif re.fullmatch(r"\d{4}-\d\d-00", text):
            shapes["zero day"] += 1
        elif re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            shapes["full"] += 1
    assert set(shapes) == {"absent", "year", "zero month", "zero day", "full"}


def test_labels_formats_and_companies(releases_2025, months):
    labels = [label for r in releases_2025 for label in r.findall("labels/label")]
    assert any(
        label.get("id") == str(vocab.NOT_ON_LABEL) and label.get("catno") == "none"
        for label in labels
    )
    assert any(
        len(ids) != len(set(ids))
        for ids in ([label.get("id") for label in r.findall("labels/label")] for r in releases_2025)
    ), "a release that lists one label twice"
    formats = [f for r in releases_2025 for f in r.findall("formats/format")]
    assert {f.get("name") for f in formats} >= {"Vinyl", "CD", "File"}
    assert any(f.find("descriptions") is None for f in formats)
    label_ids = {int(label.findtext("id")) for label in _records(months["2025"], "labels")}
    companies = [
        int(c.findtext("id")) for r in releases_2025 for c in r.findall("companies/company")
    ]
    assert sum(c in label_ids for c in companies) > 0.95 * len(companies), (
        "company ids are label ids"
    )


def test_names_disambiguated_and_special(months):
    artists = _records(months["2025"], "artists")
    names = [a.findtext("name") for a in artists]
    suffixed = [n for n in names if re.search(r" \(\d+\)$", n)]
    assert len(suffixed) > 0.05 * len(names)
    display = Counter(re.sub(r" \(\d+\)$", "", n) for n in names)
    assert any(count >= 3 for count in display.values()), "several artists share a display name"
    assert set(vocab.SPECIAL_ARTIST_NAMES) <= set(names), (
        "escaped names round-trip through the parser"
    )
    assert any("\u0590" <= ch <= "\u06ff" for n in names for ch in n), "Hebrew or Arabic script"


def test_artist_records(months):
    artists = _records(months["2020"], "artists")
    for tag in (
        "realname",
        "profile",
        "urls/url",
        "namevariations/name",
        "aliases/name",
        "members/name",
        "groups/name",
        "images/image",
    ):
        assert any(a.find(tag) is not None for a in artists), tag
    profiles = " ".join(a.findtext("profile") or "" for a in artists)
    assert "[a=" in profiles
    assert "[l=" in profiles


def test_relations_consistent_both_ways(months):
    artists = _records(months["2025"], "artists")
    members = {
        (int(a.findtext("id")), int(n.get("id")))
        for a in artists
        for n in a.findall("members/name")
    }
    groups = {
        (int(n.get("id")), int(a.findtext("id"))) for a in artists for n in a.findall("groups/name")
    }
    aliases = {
        (int(a.findtext("id")), int(n.get("id")))
        for a in artists
        for n in a.findall("aliases/name")
    }
    assert members and members == groups
    assert aliases and aliases == {(b, a) for a, b in aliases}

    labels = _records(months["2025"], "labels")
    sublabels = {
        (int(label.findtext("id")), int(s.get("id")))
        for label in labels
        for s in label.findall("sublabels/label")
    }
    parents = {
        (int(label.find("parentLabel").get("id")), int(label.findtext("id")))
        for label in labels
        if label.find("parentLabel") is not None
    }
    assert sublabels and sublabels == parents


def test_masters_match_their_releases(months):
    for era in ("2020", "2025"):
        releases = {int(r.get("id")): r for r in _records(months[era], "releases")}
        masters = _records(months[era], "masters")
        mains = {
            int(r.findtext("master_id"))
            for r in releases.values()
            if r.find("master_id") is not None
            and r.find("master_id").get("is_main_release") == "true"
        }
        assert mains == {int(m.get("id")) for m in masters}
        for master in masters:
            main = releases[int(master.findtext("main_release"))]
            assert main.findtext("master_id") == master.get("id")
            assert main.find("master_id").get("is_main_release") == "true"
            assert main.findtext("title") == master.findtext("title")
            assert [a.findtext("id") for a in main.findall("artists/artist")] == [
                a.findtext("id") for a in master.findall("artists/artist")
            ]
        years = [int(m.findtext("year")) for m in masters]
        assert 0 in years
        assert max(years) > 1990


def test_credited_ids_exist(months):
    artist_ids = {int(a.findtext("id")) for a in _records(months["2025"], "artists")}
    label_ids = {int(label.findtext("id")) for label in _records(months["2025"], "labels")}
    for release in _records(months["2025"], "releases"):
        assert set(_linked_credits(release)) - {vocab.VARIOUS} <= artist_ids
        assert {int(label.get("id")) for label in release.findall("labels/label")} <= label_ids


# The two eras


def test_2020_serialisation(months):
    raw = _raw(months["2020"], "releases").decode()
    assert "<images><image " in raw
    for empty in ("<anv></anv>", "<role></role>", "<duration></duration>", "<catno></catno>"):
        assert empty in raw, empty
    assert "<identifiers/>" in raw or "<companies/>" in raw
    assert "<id>0</id>" in raw
    assert "<series>" not in raw
    assert re.search(r"<members><id>\d+</id><name id=", _raw(months["2020"], "artists").decode())
    assert (
        "<join></join><role></role><tracks></tracks></artist></artists><genres>"
        in _raw(months["2020"], "masters").decode()
    )


def test_2025_serialisation(months):
    raw = _raw(months["2025"], "releases").decode()
    assert "<images>" not in raw
    for empty in (
        "<anv></anv>",
        "<join></join>",
        "<role></role>",
        "<tracks></tracks>",
        "<duration></duration>",
        "<position></position>",
        "<catno></catno>",
        "<extraartists/>",
        "<companies/>",
        "<identifiers/>",
    ):
        assert empty not in raw, empty
    assert re.search(r"<artist><name>[^<]+</name>", raw), "unlinked credit without <id>"
    assert "<series><series " in raw
    artists = _raw(months["2025"], "artists").decode()
    assert "<members><name id=" in artists
    assert "<members><id>" not in artists
    masters = _records(months["2025"], "masters")
    assert all(m.findall("artists/artist")[-1].findtext("join") == "," for m in masters)


# Shape of the credit graph


def test_credit_degrees_follow_power_law(releases_2025):
    degrees = np.array(
        sorted((len(v) for v in _artist_releases(releases_2025).values()), reverse=True)
    )
    assert degrees[0] >= 10 * np.median(degrees)
    top_share = degrees[: max(1, len(degrees) // 100)].sum() / degrees.sum()
    assert top_share > 0.05, "the top 1 % of artists hold a large share of credits"
    assert (degrees <= 2).mean() > 0.3, "most artists appear on one or two releases"


def test_credit_graph_is_one_large_component(releases_2025):
    by_artist = _artist_releases(releases_2025)
    by_release: dict[int, set[int]] = defaultdict(set)
    for artist, releases in by_artist.items():
        for release in releases:
            by_release[release].add(artist)

    top = sorted(by_artist, key=lambda a: -len(by_artist[a]))[:10]
    hops = {top[0]: 0}
    frontier = [top[0]]
    while frontier:
        following = []
        for artist in frontier:
            for release in by_artist[artist]:
                for other in by_release[release]:
                    if other not in hops:
                        hops[other] = hops[artist] + 1
                        following.append(other)
        frontier = following
    assert len(hops) > 0.9 * len(by_artist)
    assert all(hops[a] <= 4 for a in top), "popular artists are a few hops apart"


# The Parquet catalog


@pytest.fixture(scope="module")
def catalog_root(tmp_path_factory) -> DataRoot:
    root = DataRoot(tmp_path_factory.mktemp("catalog") / "data")
    write_catalog(
        root, "big", releases=3000, artists=1500, edges=14000, seed=3, chunk_releases=1000
    )
    return root


def _table(root: DataRoot, table: str):
    return ds.dataset(root.table("big", table), format="parquet").to_table()


@pytest.mark.parametrize(
    "table", ["artists", "releases", "release_credits", "masters", "release_formats"]
)
def test_catalog_tables_match_schema(catalog_root, table):
    assert _table(catalog_root, table).schema.equals(SCHEMAS[table])
    assert (
        sorted(p.name for p in catalog_root.table("big", table).iterdir())[0]
        == "part-00000.parquet"
    )


def test_catalog_row_counts(catalog_root):
    assert _table(catalog_root, "releases").num_rows == 3000
    assert _table(catalog_root, "artists").num_rows == 1500
    assert _table(catalog_root, "release_credits").num_rows == 14000
    assert len(list(catalog_root.table("big", "release_credits").iterdir())) == 3


def test_catalog_credits(catalog_root):
    credits = _table(catalog_root, "release_credits").to_pydict()
    kinds = Counter(credits["credit_kind"])
    assert set(kinds) == {"main", "extra", "track", "track_extra"}
    artist_ids = set(_table(catalog_root, "artists").column("artist_id").to_pylist())
    linked = [a for a in credits["artist_id"] if a is not None]
    assert len(linked) < len(credits["artist_id"]), "some unlinked credits"
    assert set(linked) - {vocab.VARIOUS} <= artist_ids
    assert PSEUDO <= set(linked)
    assert vocab.VARIOUS not in artist_ids
    for kind, role, roles in zip(
        credits["credit_kind"], credits["role_raw"], credits["roles"], strict=True
    ):
        assert (role is None) == (roles is None)
        assert (role is not None) == (kind in ("extra", "track_extra"))
    assert any(r and r[0]["details"] and "," in r[0]["details"] for r in credits["roles"])
    degrees = Counter(linked)
    assert max(degrees.values()) >= 10 * np.median(list(degrees.values()))


def test_catalog_masters_consistent(catalog_root):
    releases = _table(catalog_root, "releases").to_pydict()
    masters = _table(catalog_root, "masters").to_pydict()
    main = {
        r: m
        for r, m, is_main in zip(
            releases["release_id"], releases["master_id"], releases["is_main_release"], strict=True
        )
        if is_main
    }
    assert dict(zip(masters["main_release_id"], masters["master_id"], strict=True)) == main


def test_catalog_is_deterministic(tmp_path, catalog_root):
    other = DataRoot(tmp_path / "data")
    write_catalog(
        other, "big", releases=3000, artists=1500, edges=14000, seed=3, chunk_releases=1000
    )
    for table in ("artists", "release_credits"):
        assert _table(other, table).equals(_table(catalog_root, table)), table


def test_catalog_rejects_tiny_sizes(tmp_path):
    with pytest.raises(ConfigError):
        write_catalog(DataRoot(tmp_path), "big", releases=10, artists=3, edges=10)


# Command line


def test_cli_generate_dumps_and_catalog(tmp_path):
    runner = CliRunner()
    out = tmp_path / "raw"
    result = runner.invoke(
        cli,
        [
            "generate",
            "dumps",
            "--snapshot",
            "demo",
            "--out",
            str(out),
            "--releases",
            "40",
            "--format",
            "2020",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"discogs_demo_{k}.xml.gz" for k in KINDS] + ["discogs_demo_CHECKSUM.txt"]
    )

    args = [
        "--data-root",
        str(tmp_path / "data"),
        "generate",
        "catalog",
        "--snapshot",
        "big",
        "--releases",
        "200",
        "--artists",
        "100",
        "--edges",
        "900",
    ]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert again.exit_code == 6
    assert "--force" in again.output
    assert runner.invoke(cli, [*args, "--force"]).exit_code == 0


def test_cli_rejects_bad_snapshot(tmp_path):
    result = CliRunner().invoke(
        cli, ["generate", "dumps", "--snapshot", "Not A Name", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "invalid snapshot name" in result.output
