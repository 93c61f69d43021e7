"""Each kind of real problem with the Discogs dumps, as a small document.

The inputs use invented names. Where a quirk has several real variants (raw
byte or character reference, rooted or rootless, ...), each variant is a case.
Every case runs with both release converters: the compiled one, and lxml.
"""

from __future__ import annotations

import pytest
from ingest_helpers import ingest_xml

from mcg_lib.errors import InputError


@pytest.fixture(autouse=True, params=["compiled", "lxml"])
def converter(request, monkeypatch):
    monkeypatch.setenv("MCG_INGEST_CONVERTER", request.param)
    return request.param


# Raw control characters and references to them make a file not well-formed.
@pytest.mark.parametrize(
    ("bad", "removed"),
    [(b"\x07", 1), (b"\x01\x1f", 2), (b"&#7;", 1), (b"&#x1F;", 1), (b"&#x0b;", 1)],
    ids=["bell-byte", "two-bytes", "decimal-ref", "hex-ref", "vertical-tab-ref"],
)
def test_control_characters_removed(tmp_path, bad, removed):
    xml = (
        b'<releases>\n<release id="1" status="Accepted"><title>Bell' + bad + b' Tones</title></release>\n'
        b'<release id="2" status="Accepted"><title>Quiet Room</title></release>\n</releases>\n'
    )
    tables, stats = ingest_xml(tmp_path, "releases", xml)

    titles = [r["title"] for r in tables["releases"]]
    assert titles == ["Bell Tones", "Quiet Room"]
    assert stats.control_chars_removed == removed


def test_invalid_utf8_replaced(tmp_path):
    xml = b'<releases>\n<release id="1" status="Accepted"><title>Caf\xe9 Tunes</title></release>\n</releases>\n'
    tables, stats = ingest_xml(tmp_path, "releases", xml)

    assert tables["releases"][0]["title"] == "Caf\ufffd Tunes"
    assert stats.invalid_utf8_replaced == 1


def test_carriage_return_reference_becomes_newline(tmp_path):
    xml = (
        '<releases>\n<release id="1" status="Accepted"><title>T</title>'
        "<notes>Line one&#13;\nLine two&#13;Line three</notes></release>\n</releases>\n"
    )
    tables, _ = ingest_xml(tmp_path, "releases", xml)

    assert tables["releases"][0]["notes"] == "Line one\nLine two\nLine three"


@pytest.mark.parametrize(
    "xml",
    [
        "<label><id>1</id><name>Sample Label</name></label>\n<label><id>2</id><name>Other Label</name></label>\n",
        '<?xml version="1.0" encoding="UTF-8"?>\n<label><id>1</id><name>Sample Label</name></label>\n'
        "<label><id>2</id><name>Other Label</name></label>",
        "<labels>\n<label><id>1</id><name>Sample Label</name></label>\n"
        "<label><id>2</id><name>Other Label</name></label>\n</labels>",
        '\ufeff<?xml version="1.0"?>\n<labels>\n<label><id>1</id><name>Sample Label</name></label>\n'
        "<label><id>2</id><name>Other Label</name></label>\n</labels>\n",
    ],
    ids=["rootless", "rootless-declaration", "rooted", "rooted-bom-declaration"],
)
def test_root_or_rootless(tmp_path, xml):
    tables, _ = ingest_xml(tmp_path, "labels", xml)

    assert [r["label_id"] for r in tables["labels"]] == [1, 2]


def test_rootless_pretty_printed_single_record(tmp_path):
    xml = """<release id="4497890" status="Accepted">
    <artists>
        <artist>
            <id>10</id>
            <name>Pretty Act</name>
        </artist>
    </artists>
    <title>Indented</title>
</release>
"""
    tables, _ = ingest_xml(tmp_path, "releases", xml, gz=False)

    assert tables["releases"][0]["title"] == "Indented"
    assert tables["release_credits"][0]["artist_id"] == 10


SUB_TRACKS = """<releases>
<release id="3" status="Accepted"><title>Suite Collection</title>
<tracklist>
<track><position>1</position><title>Opening</title><duration>3:10</duration></track>
<track><position></position><title>The Long Suite</title><duration></duration>
  <sub_tracks>
    <track><position>2a</position><title>Dawn</title><duration>4:00</duration>
      <artists><artist><id>70</id><name>Dawn Singer</name></artist></artists></track>
    <track><position>2b</position><title>Noon</title><duration>5:00</duration></track>
    <track><position>2c</position><title>Dusk</title><duration></duration></track>
  </sub_tracks>
</track>
<track><position></position><title>Side Two</title></track>
<track><position>3</position><title>Closing</title><duration>1:02:03</duration></track>
</tracklist></release>
</releases>
"""


def test_sub_tracks_kept_in_order(tmp_path):
    tables, _ = ingest_xml(tmp_path, "releases", SUB_TRACKS)
    tracks = tables["tracks"]

    assert [t["title"] for t in tracks] == ["Opening", "The Long Suite", "Dawn", "Noon", "Dusk", "Side Two", "Closing"]
    assert [t["track_kind"] for t in tracks] == [
        "track", "index", "sub_track", "sub_track", "sub_track", "heading", "track",
    ]
    assert [t["track_ordinal"] for t in tracks] == list(range(7))
    assert [t["parent_ordinal"] for t in tracks] == [None, None, 1, 1, 1, None, None]
    assert tracks[1]["position"] is None
    assert [t["duration_seconds"] for t in tracks] == [190, None, 240, 300, None, None, 3723]


def test_sub_track_credit_points_at_sub_track(tmp_path):
    tables, _ = ingest_xml(tmp_path, "releases", SUB_TRACKS)
    credit = tables["release_credits"][0]

    assert credit["credit_kind"] == "track"
    assert credit["artist_id"] == 70
    assert credit["track_ordinal"] == 2


def test_master_id_with_and_without_attribute(tmp_path):
    xml = """<releases>
<release id="4" status="Accepted"><title>Night Drive</title><data_quality>Correct</data_quality><master_id is_main_release="true">5005</master_id></release>
<release id="5" status="Accepted"><title>Night Drive (Remaster)</title><data_quality>Needs Vote</data_quality><master_id is_main_release="false">5005</master_id></release>
<release id="6" status="Accepted"><title>Loose Single</title><data_quality>Correct</data_quality></release>
<release id="7" status="Accepted"><title>Old Dump</title><master_id>6006</master_id><data_quality>Correct</data_quality></release>
</releases>
"""
    tables, _ = ingest_xml(tmp_path, "releases", xml)
    got = [(r["master_id"], r["is_main_release"], r["data_quality"]) for r in tables["releases"]]

    assert got == [(5005, True, "Correct"), (5005, False, "Needs Vote"), (None, None, "Correct"),
                   (6006, None, "Correct")]


def test_companies_are_not_artists(tmp_path):
    xml = """<releases>
<release id="7" status="Accepted"><artists><artist><id>200</id><name>Main Act</name><anv></anv><join></join><role></role><tracks></tracks></artist></artists><title>First Light</title>
<companies><company><id>300</id><name>Sample Mastering Rooms</name><catno></catno><entity_type>29</entity_type><entity_type_name>Mastered At</entity_type_name></company><company><id>301</id><name>Example Pressing Plant</name><catno></catno><entity_type>17</entity_type><entity_type_name>Pressed By</entity_type_name></company></companies></release>
</releases>
"""
    tables, _ = ingest_xml(tmp_path, "releases", xml)

    assert [(c["artist_id"], c["name"]) for c in tables["release_credits"]] == [(200, "Main Act")]
    companies = [(c["company_id"], c["entity_type"], c["entity_type_name"]) for c in tables["release_companies"]]
    assert companies == [(300, 29, "Mastered At"), (301, 17, "Pressed By")]


def test_duplicate_labels_keep_ordinals(tmp_path):
    xml = """<releases>
<release id="8" status="Accepted"><title>Twice Listed</title><labels><label name="Sample Label" catno="SL 001" id="400"/><label name="Sample Label" catno="SL 001" id="400"/><label name="Sample Label" catno="SL001" id="400"/></labels></release>
</releases>
"""
    tables, _ = ingest_xml(tmp_path, "releases", xml)
    labels = tables["release_labels"]

    assert [(r["ordinal"], r["label_id"], r["catno"]) for r in labels] == [
        (0, 400, "SL 001"), (1, 400, "SL 001"), (2, 400, "SL001"),
    ]


def test_unlinked_credits_have_null_id(tmp_path):
    # Dumps until 2024-07 write <id>0</id>; later dumps omit the element.
    xml = """<releases>
<release id="10" status="Accepted"><artists><artist><id>600</id><name>Real Artist</name></artist></artists><title>Credits Test</title>
<extraartists><artist><id>0</id><name>Some Writer / Other Writer</name><anv></anv><join></join><role>Written-By</role><tracks></tracks></artist><artist><name>Newer Writer</name><role>Lyrics By</role></artist><artist><id>601</id><name>Linked Producer</name><anv></anv><join></join><role>Producer</role><tracks></tracks></artist></extraartists>
<tracklist><track><position>1</position><title>{long_title}</title></track></tracklist>
<companies><company><id>999999</id><name>Ghost Company</name><entity_type>10</entity_type><entity_type_name>Manufactured By</entity_type_name></company></companies></release>
</releases>
""".replace("{long_title}", "A" * 6000)
    tables, _ = ingest_xml(tmp_path, "releases", xml)
    credits = [(c["credit_kind"], c["artist_id"], c["name"]) for c in tables["release_credits"]]

    assert credits == [
        ("main", 600, "Real Artist"),
        ("extra", None, "Some Writer / Other Writer"),
        ("extra", None, "Newer Writer"),
        ("extra", 601, "Linked Producer"),
    ]
    assert len(tables["tracks"][0]["title"]) == 6000
    assert tables["release_companies"][0]["company_id"] == 999999


def test_label_without_name_is_kept(tmp_path):
    xml = """<labels>
<label><id>800</id><data_quality>Needs Vote</data_quality></label>
<label><id>801</id><name>Normal Label</name><data_quality>Correct</data_quality></label>
</labels>
"""
    tables, _ = ingest_xml(tmp_path, "labels", xml)

    assert [(r["label_id"], r["name"]) for r in tables["labels"]] == [(800, None), (801, "Normal Label")]


def test_release_without_main_artist(tmp_path):
    xml = """<releases>
<release id="11" status="Accepted"><title>Orphan Pressing</title><labels><label name="Sample Label" catno="none" id="400"/></labels>
<extraartists><artist><id>900</id><name>Session Player</name><role>Bass</role></artist></extraartists></release>
<release id="12" status="Accepted"><artists><artist><name>Unlinked Headliner</name></artist></artists><title>Half Linked</title></release>
</releases>
"""
    tables, _ = ingest_xml(tmp_path, "releases", xml)
    credits = [(c["release_id"], c["credit_kind"], c["artist_id"]) for c in tables["release_credits"]]

    assert [r["release_id"] for r in tables["releases"]] == [11, 12]
    assert credits == [(11, "extra", 900), (12, "main", None)]


def test_disambiguation_suffix_display_name(tmp_path):
    xml = """<artists>
<artist><id>1001</id><name>Sample Echo</name></artist>
<artist><id>1002</id><name>Sample Echo (2)</name></artist>
<artist><id>1003</id><name>Test Room (14)</name><namevariations><name>Test Room</name></namevariations></artist>
<artist><id>1004</id><name>Band (1999)</name></artist>
</artists>
"""
    tables, _ = ingest_xml(tmp_path, "artists", xml)
    names = [(a["artist_id"], a["name"], a["name_display"]) for a in tables["artists"]]

    assert names == [
        (1001, "Sample Echo", "Sample Echo"),
        (1002, "Sample Echo (2)", "Sample Echo"),
        (1003, "Test Room (14)", "Test Room"),
        (1004, "Band (1999)", "Band"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1999-00-00", (1999, None, None, True)),
        ("1998-06-00", (1998, 6, None, True)),
        ("2001", (2001, None, None, True)),
        ("2003-02-29", (2003, 2, None, False)),
        ("2004-02-29", (2004, 2, 29, True)),
        ("1987-13-01", (1987, None, None, False)),
        ("Spring 1972", (None, None, None, False)),
        (None, (None, None, None, None)),
    ],
)
def test_released_partial_dates(tmp_path, raw, expected):
    released = "" if raw is None else f"<released>{raw}</released>"
    xml = f'<releases>\n<release id="13" status="Accepted"><title>A</title>{released}</release>\n</releases>\n'
    tables, _ = ingest_xml(tmp_path, "releases", xml)
    row = tables["releases"][0]

    assert row["released_raw"] == raw
    assert (row["year"], row["month"], row["day"], row["released_valid"]) == expected


@pytest.mark.parametrize(
    "xml",
    [
        '<releases>\n<release id="18" status="Accepted"><title>Complete One</title></release>\n'
        '<release id="19" status="Accepted"><title>Cut Off Mid',
        '<releases>\n<release id="18" status="Accepted"><title>Complete One</title></release>\n',
        '<release id="18" status="Accepted"><title>Complete One</title></release>\n'
        '<release id="19" status="Accepted"><title>Cut Off Mid',
    ],
    ids=["rooted-mid-record", "rooted-no-closing-tag", "rootless-mid-record"],
)
def test_truncated_file_fails(tmp_path, xml):
    with pytest.raises(InputError) as error:
        ingest_xml(tmp_path, "releases", xml)

    message = str(error.value)
    assert "releases.xml.gz" in message
    assert "truncated" in message or "ends inside a record" in message


def test_truncated_gzip_stream_fails(tmp_path):
    import gzip

    from ingest_helpers import write_dump

    data = gzip.compress(b'<releases>\n' + b'<release id="1"><title>x</title></release>\n' * 2000 + b"</releases>\n")
    path = write_dump(tmp_path / "raw", "releases", b"")
    path.write_bytes(data[: len(data) // 2])

    from mcg_lib.ingest.runner import ingest_dump

    with pytest.raises((InputError, EOFError)):
        ingest_dump("releases", path, tmp_path / "out")


def test_nested_sublabels_not_records(tmp_path):
    xml = """<labels>
<label><id>1400</id><name>Parent Label</name><sublabels><label id="1401">Child One</label><label id="1402">Child Two</label></sublabels></label>
<label><id>1401</id><name>Child One</name><parentLabel id="1400">Parent Label</parentLabel></label>
</labels>
"""
    tables, _ = ingest_xml(tmp_path, "labels", xml)

    assert [r["label_id"] for r in tables["labels"]] == [1400, 1401]
    sublabels = [(r["label_id"], r["sublabel_id"], r["sublabel_name"]) for r in tables["label_sublabels"]]
    assert sublabels == [(1400, 1401, "Child One"), (1400, 1402, "Child Two")]
    assert (tables["labels"][1]["parent_label_id"], tables["labels"][1]["parent_label_name"]) == (1400, "Parent Label")


def test_role_details_with_commas(tmp_path):
    xml = """<releases>
<release id="20" status="Accepted"><title>R</title><extraartists>
<artist><id>1500</id><name>Hand Drummer</name><role>Percussion [Frame Drum, Shaker], Producer [Co-producer]</role><tracks>A1, B2 to B4</tracks></artist>
<artist><id>1501</id><name>Designer</name><role>Coordinator [Design Production (Ltd. / London)], Written-By</role></artist>
</extraartists></release>
</releases>
"""
    tables, _ = ingest_xml(tmp_path, "releases", xml)
    first, second = tables["release_credits"]

    assert first["roles"] == [
        {"role": "Percussion", "details": "Frame Drum, Shaker"},
        {"role": "Producer", "details": "Co-producer"},
    ]
    assert first["tracks_raw"] == "A1, B2 to B4"
    assert second["roles"] == [
        {"role": "Coordinator", "details": "Design Production (Ltd. / London)"},
        {"role": "Written-By", "details": None},
    ]


def test_unknown_elements_counted(tmp_path):
    xml = """<releases>
<release id="21" status="Accepted" flavour="new"><title>R</title><hologram>yes</hologram>
<artists><artist><id>5</id><name>A</name><sparkle>1</sparkle></artist></artists></release>
</releases>
"""
    tables, stats = ingest_xml(tmp_path, "releases", xml)

    assert tables["releases"][0]["title"] == "R"
    assert stats.unknown == {"release/hologram": 1, "release/artists/artist/sparkle": 1, "release@flavour": 1}


def test_unread_attributes_and_children_counted(tmp_path):
    """Attributes where the dumps put none, and elements inside text, are counted too."""
    xml = """<releases>
<release id="22" status="Accepted"><title lang="en">R<sub>x</sub></title>
<tracklist><track side="A"><position>A1</position><title>T</title>
<artists><artist role="x"><id>5</id><name>A</name></artist></artists></track></tracklist>
<formats><format name="Vinyl" qty="1"><descriptions><description>LP</description><note>n</note></descriptions>
</format></formats><labels><label name="L" catno="1"><logo/></label></labels></release>
</releases>
"""
    _, stats = ingest_xml(tmp_path, "releases", xml)

    assert stats.unknown == {
        "release/title@lang": 1,
        "release/title/sub": 1,
        "release/tracklist/track@side": 1,
        "release/tracklist/track/artists/artist@role": 1,
        "release/formats/format/descriptions/note": 1,
        "release/labels/label/logo": 1,
    }


@pytest.mark.parametrize(
    ("kind", "xml", "expected"),
    [
        ("artists", '<artists><artist kind="x"><id>1</id><name>A</name><aliases><name id="2" main="y">B</name>'
         "</aliases></artist></artists>", {"artist@kind": 1, "artist/aliases/name@main": 1}),
        ("labels", '<labels><label><id>1</id><name>L</name><parentLabel id="2" x="y">P</parentLabel>'
         "</label></labels>", {"label/parentLabel@x": 1}),
        ("masters", '<masters><master id="1" x="y"><title>M<i/></title></master></masters>',
         {"master@x": 1, "master/title/i": 1}),
    ],
    ids=["artists", "labels", "masters"],
)
def test_unread_parts_counted_in_other_dumps(tmp_path, kind, xml, expected):
    _, stats = ingest_xml(tmp_path, kind, xml)

    assert stats.unknown == expected


@pytest.mark.parametrize(
    "members",
    [
        "<members><id>26</id><name>Alexi</name><id>27</id><name>Cari</name></members>",
        '<members><id>26</id><name id="26">Alexi</name><id>27</id><name id="27">Cari</name></members>',
        '<members><name id="26">Alexi</name><name id="27">Cari</name></members>',
    ],
    ids=["2015-pairs", "2020-both", "2025-attribute"],
)
def test_group_members_every_era(tmp_path, members):
    xml = f"<artists>\n<artist><id>2</id><name>Duo</name>{members}</artist>\n" \
          "<artist><id>26</id><name>Alexi</name></artist>\n</artists>\n"
    tables, _ = ingest_xml(tmp_path, "artists", xml)

    got = [(m["group_id"], m["member_id"], m["member_name"]) for m in tables["artist_members"]]
    assert got == [(2, 26, "Alexi"), (2, 27, "Cari")]


def test_empty_elements_absent_or_self_closed_alike(tmp_path):
    forms = [
        '<artist><id>1</id><name>A</name><anv></anv><join></join><role></role><tracks></tracks></artist>',
        '<artist><id>1</id><name>A</name><anv/><join/><role/><tracks/></artist>',
        '<artist><id>1</id><name>A</name></artist>',
    ]
    body = "".join(
        f'<release id="{i}" status="Accepted"><artists>{form}</artists><title>T</title></release>\n'
        for i, form in enumerate(forms, start=1)
    )
    tables, _ = ingest_xml(tmp_path, "releases", "<releases>\n" + body + "</releases>\n")
    keys = ("anv", "join", "role_raw", "roles", "tracks_raw")

    for credit in tables["release_credits"]:
        assert all(credit[k] is None for k in keys), credit
