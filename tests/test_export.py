"""The export stage's files: shapes, caps, sizes, lookups and escaping."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from fixtures.site.month import EVIL_NAME, EVIL_TITLE, NAMESAKE, SiteMonth, build_site_month

from mcg_lib.errors import NotFoundError, PublishError
from mcg_lib.export import layout, puzzles
from mcg_lib.export.autocomplete import build_autocomplete, search_key, word_keys
from mcg_lib.export.neighbours import NeighbourBuilder
from mcg_lib.export.nodes import NodeReader
from mcg_lib.export.stage import run as run_export
from mcg_lib.export.svg import chain_svg
from mcg_lib.graph import open_graph
from mcg_lib.paths import DataRoot

RULESET = "all-credits"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> SiteMonth:
    return build_site_month(DataRoot(tmp_path_factory.mktemp("export") / "data"))


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def schedule_days(month: SiteMonth) -> list[dict]:
    return read(month.root.exports(month.snapshot) / "answers" / RULESET / "puzzles.json")


def lookup(data: Path, query: str) -> list[dict]:
    """Search the autocomplete files the way site_templates/assets/js/search.js does."""
    key = search_key(query)
    index = read(data / layout.AUTOCOMPLETE_INDEX)
    for length in range(min(len(key), layout.AUTOCOMPLETE_MAX_DEPTH), 0, -1):
        node = index.get(key[:length])
        if node is None:
            continue
        number, leaf = node
        if not leaf and length < len(key):
            return []
        entries = read(data / layout.AUTOCOMPLETE_FILE.format(number=number))
        return [
            entry
            for entry in entries
            if any(k.startswith(key) for k in word_keys(entry["name_display"]))
        ]
    return []


def test_manifest_lists_schedule_and_shards(month):
    manifest = read(month.data() / layout.MANIFEST)

    assert manifest["format"] == layout.FORMAT_VERSION
    assert manifest["snapshot"] == month.snapshot
    assert manifest["ruleset"] == RULESET
    assert [day for day, _ in manifest["schedule"]] == [p["date"] for p in schedule_days(month)]
    assert manifest["autocomplete"]["complete"] is True
    for key in ("neighbours", "pairs", "chain_nodes"):
        shards = manifest[key]["shards"]
        assert shards >= 1
        folder = {"neighbours": "neighbours", "pairs": "pairs", "chain_nodes": "chain-nodes"}[key]
        assert sorted(p.name for p in (month.data() / folder).iterdir()) == sorted(
            f"{n}.json" for n in range(shards)
        )


def test_day_file_holds_chain_and_neighbours(month):
    graph = open_graph(month.root, month.snapshot, RULESET)
    for scheduled in schedule_days(month):
        day = read(month.data() / layout.PUZZLE_FILE.format(date=scheduled["date"]))
        path = day["optimal"]["path"]

        assert day["date"] == scheduled["date"]
        assert day["hops"] == scheduled["hops"] == (len(path) - 1) // 2
        assert day["from"]["id"] == scheduled["from"] == path[0]["id"]
        assert day["to"]["id"] == scheduled["to"] == path[-1]["id"]
        assert [step["id"] for step in path] == [abs(i) for i in scheduled["path"]]
        assert set(day["from"]) == {"id", "name", "name_display", "hint", "popularity"}

        # Every artist but the last has its entry, and it lists the chain's next release and artist.
        chain_artists = [step["id"] for step in path[0::2]]
        assert set(day["neighbours"]) == {str(a) for a in chain_artists[:-1]}
        for position, artist in enumerate(chain_artists[:-1]):
            entry = day["neighbours"][str(artist)]
            release = path[2 * position + 1]
            listed = {r["id"]: r for r in entry["releases"]}
            assert release["id"] in listed
            assert chain_artists[position + 1] in {
                a["id"] for a in listed[release["id"]]["artists"]
            }
            assert entry["total"] == len(graph.releases_of(graph.artist_node(artist)))


def test_day_files_fit_budget(month):
    for scheduled in schedule_days(month):
        json_bytes = (month.data() / layout.PUZZLE_FILE.format(date=scheduled["date"])).read_bytes()
        svg_bytes = (month.data() / layout.PUZZLE_SVG.format(date=scheduled["date"])).read_bytes()
        size = len(gzip.compress(json_bytes, 9)) + len(gzip.compress(svg_bytes, 9))
        assert size <= layout.DAY_BUDGET_GZIP_BYTES, scheduled["date"]


def test_day_caps_shrink_to_budget(month, monkeypatch):
    """The budget constant is lowered so that the small month has to shrink."""
    graph = open_graph(month.root, month.snapshot, RULESET)
    builder = NeighbourBuilder(NodeReader(graph))
    longest = max(schedule_days(month), key=lambda p: p["hops"])

    full = puzzles.day_files(builder, longest, 1)
    monkeypatch.setattr(puzzles, "DAY_BUDGET_GZIP_BYTES", full.gzip_bytes - 1)
    shrunk = puzzles.day_files(builder, longest, 1)
    assert shrunk.caps < full.caps
    assert shrunk.gzip_bytes < full.gzip_bytes
    day = json.loads(shrunk.json_bytes)
    for position, artist in enumerate(longest["path"][0:-1:2]):
        releases = {r["id"] for r in day["neighbours"][str(artist)]["releases"]}
        assert longest["path"][2 * position + 1] in releases

    monkeypatch.setattr(puzzles, "DAY_BUDGET_GZIP_BYTES", 100)
    with pytest.raises(PublishError, match="budget of one day"):
        puzzles.day_files(builder, longest, 1)


def test_neighbour_entries_match_graph(month):
    graph = open_graph(month.root, month.snapshot, RULESET)
    manifest = read(month.data() / layout.MANIFEST)
    shards = manifest["neighbours"]["shards"]
    popular = read(month.data() / layout.POPULAR)

    for artist in popular:
        shard = read(month.data() / layout.NEIGHBOURS_FILE.format(shard=artist["id"] % shards))
        entry = shard[str(artist["id"])]
        node = graph.artist_node(artist["id"])

        assert set(entry) == {"artist", "ruleset", "total", "offset", "limit", "releases"}
        assert entry["artist"]["id"] == artist["id"]
        assert entry["ruleset"] == RULESET
        assert entry["total"] == len(graph.releases_of(node))
        assert len(entry["releases"]) <= max(layout.RELEASES_PER_ARTIST, entry["total"])
        for release in entry["releases"]:
            release_node = graph.release_node(release["id"])
            others = {int(graph.artist_ids[n]) for n in graph.artists_of(release_node)} - {
                artist["id"]
            }
            assert {a["id"] for a in release["artists"]} <= others
            assert release["artist_count"] == len(others) + 1
            assert release["roles"] == graph.roles(release_node, node)
            popularity = [
                graph.artist_row(graph.artist_node(a["id"]))["popularity"]
                for a in release["artists"]
            ]
            assert popularity == sorted(popularity, reverse=True)


def test_pairs_and_chain_nodes_match_answers(month):
    manifest = read(month.data() / layout.MANIFEST)
    answers = month.root.exports(month.snapshot) / "answers" / RULESET
    answer_layout = read(answers / "manifest.json")["layout"]
    source = {}
    for shard in range(answer_layout["pair_shards"]):
        for low, row in read(answers / answer_layout["pairs_pattern"].format(shard=shard)).items():
            source[low] = row

    for low, row in source.items():
        shard = read(
            month.data() / layout.PAIRS_FILE.format(shard=int(low) % manifest["pairs"]["shards"])
        )
        assert shard[low] == row

    chain = next(ids for row in source.values() for ids in row.values() if ids and len(ids) > 3)
    node_shards = manifest["chain_nodes"]["shards"]
    for position, item in enumerate(chain):
        nodes = read(month.data() / layout.CHAIN_NODES_FILE.format(shard=abs(item) % node_shards))
        if position % 2 == 0:
            assert "name" in nodes["artists"][str(item)]
        else:
            assert "title" in nodes["releases"][str(item)]
            assert f"{item}:{chain[position - 1]}" in nodes["roles"]


def test_autocomplete_finds_every_artist(month):
    graph = open_graph(month.root, month.snapshot, RULESET)
    for node in range(graph.artist_count):
        row = graph.artist_row(node)
        found = lookup(month.data(), row["name_display"])
        assert row["artist_id"] in {entry["id"] for entry in found}, row["name_display"]


def test_autocomplete_tells_namesakes_apart(month):
    found = [entry for entry in lookup(month.data(), "mira") if entry["name_display"] == NAMESAKE]

    assert {entry["id"] for entry in found} == set(month.namesake_ids)
    assert {entry["name"] for entry in found} == {NAMESAKE, f"{NAMESAKE} (2)"}
    hints = [entry["hint"] for entry in found]
    assert all(hints)
    assert hints[0] != hints[1]


def test_autocomplete_finds_later_words(month):
    evil = lookup(month.data(), "alert x")
    rtl = lookup(month.data(), "النور")

    assert month.evil_id in {entry["id"] for entry in evil}
    assert month.rtl_id in {entry["id"] for entry in rtl}


def test_autocomplete_splits_large_prefixes():
    summaries = [
        {
            "id": n,
            "name": f"Ab{n:04d} Zed",
            "name_display": f"Ab{n:04d} Zed",
            "hint": "",
            "popularity": 5000 - n,
        }
        for n in range(2000)
    ]
    tree = build_autocomplete(summaries)

    assert all(len(entries) <= layout.AUTOCOMPLETE_LEAF_ARTISTS for entries in tree.files)
    assert tree.index["a"][1] == 0
    top = tree.files[tree.index["a"][0]]
    assert [entry["id"] for entry in top[: layout.AUTOCOMPLETE_TOP_ARTISTS]] == list(
        range(layout.AUTOCOMPLETE_TOP_ARTISTS)
    )
    for query in ("ab0000", "ab1999", "zed"):
        number, _ = next(
            tree.index[query[:n]] for n in range(len(query), 0, -1) if query[:n] in tree.index
        )
        assert any(search_key(e["name_display"]).find(query) >= 0 for e in tree.files[number])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Beyoncé & Jay-Z", "beyonce jay z"),
        ("  AC/DC ", "ac dc"),
        ("ΟΔΟΣ", "οδοσ"),
        ("Sigur Rós", "sigur ros"),
        ("فرقة النور", "فرقة النور"),
        ("<script>", "script"),
        ("!!!", "!!!".replace("!", "").strip()),
    ],
)
def test_search_key_normalises(text, key):
    assert search_key(text) == key


def test_svg_escapes_names(month):
    day = next(p for p in schedule_days(month) if month.evil_id in p["path"][0::2])
    svg_path = month.data() / layout.PUZZLE_SVG.format(date=day["date"])
    text = svg_path.read_text(encoding="utf-8")
    tree = ElementTree.fromstring(text)

    assert "<script" not in text
    assert tree.find(f"{SVG}script") is None
    shown = [element.text for element in tree.iter(f"{SVG}text")]
    assert EVIL_NAME in shown
    assert EVIL_NAME in tree.find(f"{SVG}desc").text


def test_svg_drops_characters_xml_cannot_carry():
    path = [
        {"type": "artist", "id": 1, "name": "Bell\x07 & <Co>", "name_display": "Bell\x07 & <Co>"},
        {
            "type": "release",
            "id": 2,
            "title": 'Say "Hi"\x00',
            "year": None,
            "formats": None,
            "from_roles": ["Vocals"],
            "to_roles": [],
        },
        {"type": "artist", "id": 3, "name": "זמר", "name_display": "זמר"},
    ]
    tree = ElementTree.fromstring(chain_svg(path, title="t & <t>"))
    texts = [element.text for element in tree.iter(f"{SVG}text")]

    assert texts == ["Bell & <Co>", 'Say "Hi"', "Vocals / credited", "זמר"]
    assert tree.find(f"{SVG}title").text == "t & <t>"


def test_json_files_keep_untrusted_names_verbatim(month):
    manifest = read(month.data() / layout.MANIFEST)
    shard = read(
        month.data()
        / layout.NEIGHBOURS_FILE.format(shard=month.evil_id % manifest["neighbours"]["shards"])
    )
    entry = shard[str(month.evil_id)]

    assert entry["artist"]["name"] == EVIL_NAME
    titles = {
        release["title"]
        for s in range(manifest["neighbours"]["shards"])
        for e in read(month.data() / layout.NEIGHBOURS_FILE.format(shard=s)).values()
        for release in e["releases"]
    }
    assert EVIL_TITLE in titles


def test_export_refuses_to_overwrite(month):
    with pytest.raises(PublishError, match="--force"):
        run_export(month.root, month.snapshot, force=False, ruleset=RULESET)


def test_export_needs_answers(tmp_path):
    from fixtures.site.month import SNAPSHOT, write_catalog

    from mcg_lib.graph.stage import run as run_graph

    root = DataRoot(tmp_path / "data")
    write_catalog(root, SNAPSHOT)
    run_graph(root, SNAPSHOT, force=False, ruleset=RULESET)
    with pytest.raises(NotFoundError, match="no precomputed answers") as raised:
        run_export(root, SNAPSHOT, force=False, ruleset=RULESET)
    assert "mcg precompute" in raised.value.hint
    assert not (root.exports(SNAPSHOT) / "data" / RULESET).exists()
