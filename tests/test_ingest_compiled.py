"""Differential tests: the compiled release converter against the lxml converter.

The lxml converter (``use_compiled=False``) is the reference. For any batch,
the compiled converter either gives the batch back to lxml or returns exactly
what lxml returns. "Exactly" covers every table (values, nulls, types, row
order), the record counts, the first and last ids, the unknown paths and the
element counts. Where lxml raises InputError, the compiled converter must give
the batch back, so ``parse_batch`` raises the same error on both paths.
"""

from __future__ import annotations

import gzip
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from mcg_lib.errors import InputError
from mcg_lib.generate.dumps import write_dumps
from mcg_lib.ingest import compiled
from mcg_lib.ingest.batch import BatchResult, parse_batch
from mcg_lib.ingest.runner import IN_PROCESS_MAX_BYTES, ingest_dump
from mcg_lib.ingest.stream import iter_batches, iter_bytes_batches, read_head, sniff_root

# Everything a BatchResult carries besides its tables and which converter made it.
COUNTED_FIELDS = (
    "records", "skipped_without_id", "first_id", "last_id", "unknown", "elements",
    "control_chars_removed", "invalid_utf8_replaced",
)


# ------------------------------------------------------------------ comparison


def _parse(data: bytes, *, use_compiled: bool) -> BatchResult | InputError:
    try:
        return parse_batch("releases", data, use_compiled=use_compiled)
    except InputError as error:
        return error


def _first_table_difference(table: str, expected: pa.Table, actual: pa.Table) -> str | None:
    """Name the first column and row where two tables differ, or return None when they are equal."""
    if expected.equals(actual):
        return None
    if expected.schema != actual.schema:
        return f"table {table}: compiled schema\n{actual.schema}\nlxml schema\n{expected.schema}"
    if expected.num_rows != actual.num_rows:
        return f"table {table}: compiled {actual.num_rows} rows, lxml {expected.num_rows} rows"

    for column in expected.column_names:
        want = expected[column].combine_chunks()
        got = actual[column].combine_chunks()
        if want.equals(got):
            continue
        for row, (want_value, got_value) in enumerate(zip(want.to_pylist(), got.to_pylist(), strict=True)):
            if want_value != got_value or type(want_value) is not type(got_value):
                return f"table {table}, column {column}, row {row}: compiled {got_value!r}, lxml {want_value!r}"
        return f"table {table}, column {column}: the same values, but the arrays differ (null count or layout)"
    return f"table {table}: equals() is False although every column is equal"


def _first_difference(expected: BatchResult, actual: BatchResult) -> str | None:
    if set(actual.tables) != set(expected.tables):
        return f"compiled tables {sorted(actual.tables)}, lxml tables {sorted(expected.tables)}"
    for table, expected_table in expected.tables.items():
        difference = _first_table_difference(table, expected_table, actual.tables[table])
        if difference:
            return difference
    for name in COUNTED_FIELDS:
        if getattr(actual, name) != getattr(expected, name):
            return f"{name}: compiled {getattr(actual, name)!r}, lxml {getattr(expected, name)!r}"
    return None


def assert_same(data: bytes, where: str = "") -> BatchResult | None:
    """Parse ``data`` with both converters and assert the results are the same.

    Returns the result of ``use_compiled=True``, whose ``converter`` shows
    whether the batch was given back, or None when both raised InputError.
    ``where`` prefixes the assert messages, to name the batch or mutant.
    """
    prefix = f"{where}: " if where else ""
    expected = _parse(data, use_compiled=False)
    actual = _parse(data, use_compiled=True)

    if isinstance(expected, InputError):
        assert isinstance(actual, InputError), (
            f"{prefix}lxml raised {expected.message!r}, but the {actual.converter} converter returned a result"
        )
        assert actual.message == expected.message, f"{prefix}a different error message"
        assert actual.hint == expected.hint, f"{prefix}a different error hint"
        assert actual.record_id == expected.record_id, f"{prefix}a different record id in the error"
        return None

    assert not isinstance(actual, InputError), (
        f"{prefix}lxml parsed the batch, but use_compiled=True raised {actual.message!r}"
    )
    assert actual.converter in ("compiled", "lxml"), f"{prefix}unknown converter {actual.converter!r}"
    assert (actual.converter == "lxml") == bool(actual.gave_back), (
        f"{prefix}converter {actual.converter!r} with the give-back reason {actual.gave_back!r}"
    )
    difference = _first_difference(expected, actual)
    assert difference is None, f"{prefix}{difference}"
    if actual.converter == "compiled":
        for table, result_table in actual.tables.items():
            try:
                result_table.validate(full=True)
            except pa.ArrowInvalid as error:
                pytest.fail(f"{prefix}the compiled table {table} is not valid Arrow data: {error}")
    return actual


def assert_read_by_compiled(data: bytes) -> None:
    """Assert the compiled converter reads ``data`` itself, with the same results as lxml."""
    result = assert_same(data)

    assert result is not None
    assert result.converter == "compiled", f"given back: {result.gave_back}"


def assert_given_back(data: bytes) -> None:
    """Assert the compiled converter gives ``data`` back, and that both paths then agree."""
    converted, reason = compiled.convert(data)

    assert converted is None, "the compiled converter accepted a batch it must give back to lxml"
    assert reason, "the compiled converter gave a batch back without a reason"
    assert_same(data)


# ------------------------------------------------------------------ records


def release(body: str | bytes, attributes: str | bytes = 'id="1" status="Accepted"') -> bytes:
    """Return one <release> record with the given attributes and content, as batch bytes."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(attributes, str):
        attributes = attributes.encode("utf-8")
    return b"<release " + attributes + b">" + body + b"</release>\n"


# One record with every section the converter reads.
FULL_RECORD = release(
    '<images><image type="primary" uri="" uri150="" width="600" height="600"/>'
    '<image type="secondary" uri="" uri150="" width="500" height="498"/></images>'
    "<artists><artist><id>11</id><name>Ana Vale (2)</name><anv>Ana</anv><join>&amp;</join><role/><tracks/>"
    "</artist><artist><id>12</id><name>Bruno Lima</name><anv/><join/></artist></artists>"
    "<title>Tides &amp; Tracks</title>"
    '<labels><label name="Harbor Records" catno="HR 001" id="21"/><label name="Harbor" catno="" id="22"/></labels>'
    "<extraartists><artist><id>13</id><name>Cora Diaz</name><anv/><join/>"
    "<role>Producer, Guitar [Acoustic, 12-String]</role><tracks>A1 to A3</tracks></artist></extraartists>"
    '<formats><format name="Vinyl" qty="1" text="180g"><descriptions><description>LP</description>'
    '<description>Album</description></descriptions></format><format name="CD" qty="2" text=""/></formats>'
    "<genres><genre>Jazz</genre><genre>Rock</genre></genres><styles><style>Fusion</style></styles>"
    "<country>Portugal</country><released>1999-03-00</released>"
    "<notes>Recorded live.&#13;\nMixed later.&#13;Pressed in &quot;1999&quot;.</notes>"
    '<master_id is_main_release="true">31</master_id><data_quality>Needs Vote</data_quality>'
    "<tracklist>"
    "<track><position>A1</position><title>Opening</title><duration>3:45</duration></track>"
    "<track><position/><title>Side B</title><duration/></track>"
    "<track><position>B</position><title>Suite</title><duration>12:00</duration><sub_tracks>"
    "<track><position>B.a</position><title>Part One</title><duration>5:00</duration></track>"
    "<track><position>B.b</position><title>Part Two</title><duration>7:00</duration>"
    "<extraartists><artist><id>0</id><name>Dee Unlinked</name><role>Vocals</role></artist></extraartists>"
    "</track></sub_tracks></track>"
    "<track><position>C1</position><title>Closing</title><duration>1:02:03</duration>"
    "<artists><artist><id>12</id><name>Bruno Lima</name></artist></artists></track>"
    "</tracklist>"
    '<identifiers><identifier type="Barcode" value="5 012345 678900" description="Text"/>'
    '<identifier type="Matrix / Runout" value="HR-001-A"/></identifiers>'
    '<videos><video src="https://video.example/watch?v=a1&amp;t=2" duration="225" embed="true">'
    "<title>Opening</title><description>Live take</description></video></videos>"
    "<companies><company><id>41</id><name>Pressing Plant</name><catno/><entity_type>17</entity_type>"
    "<entity_type_name>Pressed By</entity_type_name><resource_url>https://api.example/labels/41</resource_url>"
    "</company></companies>"
    '<series><series name="Harbor Jazz" catno="7" id="51"/></series>',
    'id="7" status="Accepted"',
)

# A record in the layout of the dumps since 2024-12: no images, no empty elements, an unlinked credit without <id>.
RECENT_RECORD = release(
    "<artists><artist><id>61</id><name>Eli Park</name></artist></artists><title>Night Bus</title>"
    '<labels><label name="Not On Label" catno="none" id="750"/></labels>'
    "<extraartists><artist><name>Unlisted Engineer</name><role>Mastered By</role></artist></extraartists>"
    '<formats><format name="File" qty="1"><descriptions><description>FLAC</description></descriptions>'
    "</format></formats><genres><genre>Electronic</genre></genres><country>Japan</country>"
    "<released>2021</released><data_quality>Correct</data_quality><tracklist>"
    "<track><position>1</position><title>Stop</title><duration>4:10</duration>"
    "<extraartists><artist><id>62</id><name>Mo Ito</name><role>Remix</role></artist></extraartists></track>"
    "</tracklist>",
    'id="20" status="Accepted"',
)


def _track(position: str, title: str, inner: str = "") -> str:
    return f"<track><position>{position}</position><title>{title}</title>{inner}</track>"


def nested_sub_tracks(levels: int) -> bytes:
    """Return a record whose tracklist nests ``levels`` sub_tracks inside each other."""
    inner = _track("x", "Leaf", "<duration>1:00</duration>")
    for level in reversed(range(levels)):
        inner = _track(str(level), f"Level {level}", f"<sub_tracks>{inner}</sub_tracks>")
    return release(f"<tracklist>{inner}</tracklist>")


def _case(case_id: str, data: bytes):
    return pytest.param(data, id=case_id)


# ------------------------------------------------------------------ corpus: text


TEXT_CASES = [
    _case("full-record", FULL_RECORD),
    _case("recent-record", RECENT_RECORD),
    _case("two-records", FULL_RECORD + RECENT_RECORD),
    _case("empty-batch", b""),
    _case("whitespace-batch", b"\n \t\r\n"),
    _case("entities-text", release("<title>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos;</title>")),
    _case("entities-attr", release('<labels><label name="&lt;&gt;&amp;&quot;&apos;" catno="&amp;"/></labels>')),
    _case("char-refs-text", release("<notes>&#65;&#x42;&#x6a;&#233;&#xE9;&#x1F600;&#x10FFFF;&#x000041;</notes>")),
    _case("char-refs-attr", release('<labels><label name="&#65;&#x42;&#233;&#x1F600;" catno="&#x31;"/></labels>')),
    _case("cr-refs-text", release("<notes>a&#13;b&#x0D;c&#xd;d&#x00d;e&#013;f</notes>")),
    _case("lf-tab-refs-text", release("<notes>a&#10;b&#9;c&#xA;d&#x9;e</notes>")),
    _case("cr-lf-refs-text", release("<notes>a&#13;&#10;b&#13;&#13;&#10;c&#10;&#13;d</notes>")),
    _case("cr-ref-then-literal-lf", release("<notes>a&#13;\nb&#13;\r\nc&#13;\rd</notes>")),
    _case("cr-ref-at-text-ends", release("<title>&#13;</title><notes>&#13;x&#13;</notes>")),
    _case("cr-refs-attr", release('<labels><label name="a&#13;b&#x0D;c&#xd;d" catno="&#13;"/></labels>')),
    _case("lf-tab-refs-attr", release('<labels><label name="a&#10;b&#9;c" catno="&#9;"/></labels>')),
    _case("cr-lf-refs-attr", release('<labels><label name="a&#13;&#10;b" catno="&#13;\nc"/></labels>')),
    _case("literal-cr-text", release(b"<notes>a\rb\r\nc\n\rd\r\r\ne\r</notes>")),
    _case("literal-crlf-lines", release(b"\r\n<title>T</title>\r\n<notes>one\r\ntwo\r\n</notes>\r\n")),
    _case("literal-tab-text", release(b"<title>a\tb\t</title><notes>\t</notes>")),
    _case("literal-whitespace-attr", release(b'<labels><label name="a\tb\nc\r\nd\re" catno="\t\n"/></labels>')),
    _case("literal-cr-in-id-attr", release(b"<title>T</title>", b'id="\r5\r\n" status="A\rB"')),
    _case("cr-ref-and-literal-cr", release(b"<title>a\r&#13;b</title><notes>&#13;\r\n&#10;</notes>")),
    _case("cr-ref-other-record", release("<notes>x&#13;y</notes>") + release(b"<notes>p\r\nq</notes>", 'id="2"')),
    _case("single-quoted-attrs", release("<labels><label name='Say \"Hi\"' catno='A&apos;1' id='3'/></labels>",
                                         "id='1' status='Accepted'")),
    _case("space-in-tags", release('<title >T</title ><labels ><label  name = "x" catno= "c" id ="4" /></labels\n>',
                                   'id = "1"\tstatus="Accepted"\n')),
    _case("newlines-in-tags", release(b'<title\r\n>T</title\r\n><labels><label\r\nname="x"\r\n/></labels>',
                                      b'\r\nid="1"\r\n')),
    _case("self-closing-fields", release("<title/><country/><notes/><released/><data_quality/>")),
    _case("empty-fields", release("<title></title><country></country><notes></notes><released></released>")),
    _case("whitespace-fields", release("<title> </title><country>\t</country><notes>\n\n</notes><released> </released>")),
    _case("empty-containers", release("<artists/><extraartists></extraartists><tracklist/><labels/><formats/>"
                                      "<genres/><styles></styles><identifiers/><companies/><videos/><images/>"
                                      "<series/>")),
    _case("whitespace-containers", release("<artists>\n</artists><tracklist>\n  \n</tracklist><labels> </labels>")),
    _case("non-ascii-text", release('<title>Ça va ☃ 𝄞 — ü</title><labels><label name="Åsa 🎵" catno="ß"/></labels>')),
    _case("raw-gt-and-quotes", release("<title>a > b \"c\" 'd' ]]</title><notes>]</notes>")),
    _case("text-then-child", release(
        "<title>Head<b>bold</b>tail</title><notes>n<x/>m</notes><country>PT<y>z</y></country>"
        "<released>1999<z/>-03</released>"
        "<artists><artist><id>5<x/>9</id><name>N<b/>ame</name><role>Pro<x/>ducer</role></artist></artists>"
        "<genres><genre>Ja<x/>zz</genre><genre><x/>Rock</genre></genres>"
        "<tracklist><track><position>A<x/>1</position><title>T</title><duration>3<x/>:45</duration></track>"
        "</tracklist><master_id>3<x/>1</master_id>"
    )),
    _case("long-text", release("<notes>" + "Line &amp; more&#13;\n" * 5000 + "</notes>")),
    _case("many-images", release("<images>" + '<image type="secondary" uri="" width="1" height="2"/>' * 3000
                                 + "</images>")),
    _case("many-records", b"".join(release(f"<title>R{n}</title>", f'id="{n + 1}"') for n in range(3000))),
]


@pytest.mark.parametrize("data", TEXT_CASES)
def test_text_cases_match(data):
    assert_read_by_compiled(data)


# ------------------------------------------------------------------ corpus: structure


STRUCTURE_CASES = [
    _case("repeated-title", release("<title>First</title><title>Second</title><country>A</country><country/>")),
    _case("repeated-master-id", release('<master_id is_main_release="true">5</master_id><master_id>6</master_id>')),
    _case("repeated-master-id-flag", release('<master_id>5</master_id><master_id is_main_release="false">6</master_id>')),
    _case("repeated-labels", release('<labels><label name="A"/></labels><labels><label name="B"/><label name="C"/>'
                                     "</labels>")),
    _case("repeated-artists", release("<artists><artist><id>1</id></artist></artists>"
                                      "<artists><artist><id>2</id></artist></artists>")),
    _case("repeated-tracklist", release("<tracklist>" + _track("1", "A") + "</tracklist><tracklist>"
                                        + _track("2", "B") + _track("3", "C") + "</tracklist>")),
    _case("repeated-sub-tracks", release("<tracklist>" + _track("1", "Suite", "<sub_tracks>" + _track("1a", "X")
                                         + "<bogus/></sub_tracks><sub_tracks>" + _track("1b", "Y")
                                         + "</sub_tracks>") + "</tracklist>")),
    _case("repeated-sub-tracks-empty-last", release("<tracklist>" + _track("1", "Suite", "<sub_tracks>"
                                                    + _track("1a", "X") + "</sub_tracks><sub_tracks/>")
                                                    + "</tracklist>")),
    _case("repeated-descriptions", release('<formats><format name="CD"><descriptions><description>A</description>'
                                           "</descriptions><descriptions><description>B</description>"
                                           "</descriptions></format></formats>")),
    _case("repeated-credit-fields", release("<artists><artist><id>1</id><id>2</id><name>A</name><name/>"
                                            "<role>X</role><role>Y</role></artist></artists>")),
    _case("repeated-company-fields", release("<companies><company><id>1</id><id>2</id><name>A</name>"
                                             "<name>B</name><entity_type>3</entity_type><entity_type/>"
                                             "</company></companies>")),
    _case("repeated-track-fields", release("<tracklist><track><position>1</position><position/><title>A</title>"
                                           "<title>B</title><duration>1:00</duration><duration>2:00</duration>"
                                           "</track></tracklist>")),
    _case("unknown-release-child", release("<title>T</title><bogus>x</bogus><bogus/><x-y.z_1/><tracks/>"
                                           "<release/><id>5</id>")),
    _case("unknown-release-attr", release("<title>T</title>", 'id="1" status="Accepted" extra="1" b=""')),
    _case("unknown-in-containers", release(
        "<artists><bogus/><artist><id>1</id></artist></artists><extraartists><bogus/></extraartists>"
        "<tracklist><bogus/><track><title>T</title></track></tracklist><labels><bogus/><label name='L'/></labels>"
        "<formats><bogus/><format name='CD'/></formats><genres><bogus>G</bogus><genre>Jazz</genre></genres>"
        "<styles><style>S</style><bogus/></styles><identifiers><bogus/><identifier type='T' value='V'/>"
        "</identifiers><companies><bogus/><company><id>1</id></company></companies>"
        "<videos><bogus/><video src='s'/></videos><images><bogus/><image type='primary'/></images>"
        "<series><bogus/><series name='S'/></series>"
    )),
    _case("unknown-item-attrs", release(
        "<labels><label name='L' catno='C' id='1' extra='x'/></labels>"
        "<formats><format name='CD' qty='1' text='t' extra='x'/></formats>"
        "<identifiers><identifier type='T' value='V' description='D' extra='x'/></identifiers>"
        "<series><series name='S' catno='C' id='1' extra='x'/></series>"
        "<images><image type='primary' uri='u' uri150='v' width='1' height='2' extra='x' other='y'/></images>"
        "<videos><video src='s' duration='1' embed='true' extra='x'/></videos>"
        "<master_id is_main_release='true' extra='x'>5</master_id>"
    )),
    _case("unchecked-attrs", release(
        "<title lang='en'>T</title><artists kind='x'><artist role='x'><id type='y'>1</id></artist></artists>"
        "<tracklist a='1'><track b='2'><title c='3'>T</title><sub_tracks d='4'/></track></tracklist>"
        "<genres e='5'><genre f='6'>G</genre></genres><companies g='7'><company h='8'><id>1</id></company>"
        "</companies><formats><format name='CD'><descriptions i='9'><description j='0'>LP</description>"
        "</descriptions></format></formats>"
    )),
    _case("unknown-credit-children", release(
        "<artists><artist><id>1</id><name>A</name><bogus/><extra>x</extra></artist></artists>"
        "<extraartists><artist><id>2</id><bogus/></artist></extraartists>"
        "<tracklist><track><title>T</title><artists><artist><bogus/></artist><bogus/></artists>"
        "<extraartists><artist><id>3</id><bogus/></artist></extraartists></track></tracklist>"
    )),
    _case("unknown-track-children", release(
        "<tracklist><track><title>T</title><bogus/><notes>n</notes><sub_tracks><bogus/>"
        "<track><title>S</title><bogus/><sub_tracks><track><title>U</title><bogus/></track></sub_tracks></track>"
        "</sub_tracks></track></tracklist>"
    )),
    _case("unknown-format-children", release(
        "<formats><format name='CD'><bogus/><descriptions><description>LP</description><bogus>B</bogus>"
        "<description/><description></description><description> </description></descriptions><other/>"
        "</format></formats>"
    )),
    _case("unknown-company-children", release(
        "<companies><company><id>1</id><bogus/><name>N</name><extra>x</extra></company></companies>"
    )),
    _case("unknown-video-children", release(
        "<videos><video src='s'><title>T</title><bogus/><description>D</description><extra/></video></videos>"
    )),
    _case("top-level-non-release", release("<title>A</title>") + b"<bogus><release id='9'/></bogus>\n<other/>\n"
          + release("<title>B</title>", 'id="2"') + b"<bogus>text</bogus>"),
    _case("top-level-text", b"stray text\n" + release("<title>A</title>") + b"more &amp; text\n"),
    _case("nested-release", release("<title>A</title><release id='3'><title>B</title></release>")),
    _case("record-only-id", b'<release id="5"/>\n<release id="6"></release>\n<release id="7">\n</release>\n'),
    _case("records-without-id", b'<release status="Accepted"><title>A</title><bogus/></release>\n'
          b'<release id="0"><title>B</title></release>\n<release id="abc"/>\n<release id=""/>\n'
          + release("<title>C</title>", 'id="8" extra="x"')),
    _case("record-without-status", release("<title>T</title>", 'id="4"')),
    _case("sub-tracks-10-deep", nested_sub_tracks(10)),
    _case("tracks-index-heading-plain", release(
        "<tracklist>"
        "<track><position/><title>Side A</title><duration/></track>"
        "<track><title>Heading Only</title></track>"
        + _track("A1", "Plain", "<duration>3:00</duration>")
        + "<track><title>Duration Only</title><duration>2:00</duration></track>"
        "<track><title>Credits Only</title><artists><artist><id>1</id></artist></artists></track>"
        "<track><title>Empty Credits</title><extraartists/></track>"
        "<track><position> </position><title>Space Position</title></track>"
        + _track("B", "Index", "<sub_tracks>" + _track("B.1", "Sub") + "<track><title>Sub Heading</title></track>"
                 + "</sub_tracks>")
        + _track("C", "Empty Subs", "<sub_tracks/>")
        + "<track><title>Bogus Subs</title><sub_tracks><bogus/></sub_tracks></track>"
        "<track><title>Whitespace Subs</title><sub_tracks>\n</sub_tracks></track>"
        "</tracklist>"
    )),
    _case("unlinked-credits", release(
        "<artists><artist><id>0</id><name>Zero</name></artist><artist><name>Missing</name></artist>"
        "<artist><id/><name>Empty</name></artist><artist><id></id><name>Empty Pair</name></artist>"
        "<artist><id> </id><name>Blank</name></artist><artist><id>9</id><name>Linked</name></artist></artists>"
    )),
    _case("credit-ids-mixed", release(
        "<artists><artist><id>5</id></artist><artist><id> 6</id></artist><artist><id>0x10</id></artist>"
        "<artist><id>+7</id></artist><artist><id>1_000</id></artist></artists>"
    )),
    _case("descriptions-variants", release(
        "<formats><format name='A'/><format name='B'><descriptions/></format>"
        "<format name='C'><descriptions><description/></descriptions></format>"
        "<format name='D' qty='' text=''><descriptions><description></description><description>x</description>"
        "</descriptions></format><format/></formats>"
    )),
    _case("label-attr-variants", release(
        "<labels><label/><label name='' catno='' id=''/><label name=' ' catno=' ' id=' 3 '/></labels>"
        "<series><series/><series name='' catno='' id='0'/></series>"
        "<identifiers><identifier/><identifier type='' value='' description=''/></identifiers>"
    )),
    _case("image-attr-variants", release(
        "<images><image/><image type='' uri='' uri150='' width='' height=''/>"
        "<image type='primary' uri='u' uri150='v' width=' 5 ' height='-1'/></images>"
    )),
]


@pytest.mark.parametrize("data", STRUCTURE_CASES)
def test_structure_cases_match(data):
    assert_read_by_compiled(data)


def test_sub_tracks_70_deep():
    """Check 70 levels of sub_tracks, deeper than the compiled converter's element stack, so it may give them back."""
    result = assert_same(nested_sub_tracks(70))

    assert result is not None
    assert result.tables["tracks"].num_rows == 71


# ------------------------------------------------------------------ corpus: values


ID_TEXTS = {
    "plain": "5", "spaces": " 5 ", "tab-lf": "\t5\n", "plus": "+5", "minus": "-5", "zero": "0", "zeros": "00",
    "underscore": "1_000", "zero-underscore": "0_0", "double-underscore": "1__0", "leading-underscore": "_1",
    "trailing-underscore": "1_", "sign-underscore": "+_1", "leading-zeros": "007", "letters": "abc",
    "digits-letters": "5a", "inner-space": "1 000", "empty": "", "sign-only": "+", "int64-max": str(2**63 - 1),
    "int64-overflow": str(2**63), "twenty-digits": "99999999999999999999", "int64-min": str(-(2**63)),
    "exponent": "1e3", "decimal": "5.0", "hex": "0x10", "char-ref": "&#53;", "cr-ref": "&#13;5",
}

# Where an id is read, with {} for the id text.
ID_PLACES = {
    "release": ('<title>T</title>', 'id="{}" status="Accepted"'),
    "credit": ("<artists><artist><id>{}</id><name>A</name></artist></artists>", None),
    "master": ("<master_id>{}</master_id>", None),
    "label": ('<labels><label name="L" id="{}"/></labels>', None),
    "series": ('<series><series name="S" id="{}"/></series>', None),
    "company": ("<companies><company><id>{}</id><name>C</name></company></companies>", None),
}

def _id_cases():
    for place, (body, attributes) in ID_PLACES.items():
        for name, value in ID_TEXTS.items():
            if attributes is None:
                data = release(body.format(value))
            else:
                data = release(body, attributes.format(value))
            yield _case(f"{place}-{name}", data)


INT32_TEXTS = {
    "plain": "7", "spaces": " 7 ", "int32-max": "2147483647", "int32-overflow": "2147483648",
    "int32-min": "-2147483648", "int32-underflow": "-2147483649", "twenty-digits": "99999999999999999999",
    "decimal": "7.0", "empty": "", "hex": "0x7", "underscore": "1_0",
}

INT32_PLACES = {
    "entity-type": "<companies><company><id>1</id><entity_type>{}</entity_type></company></companies>",
    "image-width": '<images><image type="primary" width="{}" height="1"/></images>',
    "image-height": '<images><image type="primary" width="1" height="{}"/></images>',
    "video-duration": '<videos><video src="s" duration="{}" embed="false"/></videos>',
}


def _int32_cases():
    for place, body in INT32_PLACES.items():
        for name, value in INT32_TEXTS.items():
            yield _case(f"{place}-{name}", release(body.format(value)))


RELEASED_TEXTS = [
    "1999", "1999-03", "1999-03-00", "1999-00-05", "0000", "0000-02-29", "2003-02-29", "2004-02-29", "1900-02-29",
    "2000-02-29", "1999-04-31", "2000-02-30", " 1999-1-2 ", "1999-3", "1999-13", "1999-00", "1999-1-", "1999-",
    "1999-123", "99", "19999", "", "  ", "ca. 1970", "1999-03-05T00", "1999\n", "\t1999-03-05\r\n", "&#49;999",
    "1999&#13;", "-1999",
]

DURATION_TEXTS = [
    "3:45", "1:02:03", "3:5", "3:456", "12", ":30", "3:", "1:2:3:4", " 3:45 ", "0000000003:00", "99999999999:00",
    "999999999999:00", "00:00", "0:0:0", "3::45", "+3:45", "-3:45", "3 :45", "", " ", "3:45&#13;", "12:345:67",
    "596523:14:07", "596523:14:08", "35791394:07", "35791394:08",
    # Parts so long that a careless sum in 64 bits would wrap around to a small number.
    "9999999999999:00", "9999999999999:00:00", "1:9999999999999:30", "1" * 40 + ":00",
]

ROLE_TEXTS = [
    "", "Producer", "Producer, Mixed By", "Guitar [Acoustic, 12-String], Vocals", "Written-By [Uncredited]",
    "[only details]", "Role []", "a]b[c", "Percussion [Frame Drum [nested]], X", ",,", " , Producer ,",
    "Producer [", "] Producer", "[[x]]", "A [b] c [d], E", "Guitar &amp; Bass [Left, Right]",
    "&#160;Producer&#160;", "Vocals&#13;Choir, Drums&#13;", "  ", "Producer,[x],", "[ ], [ ]",
]

# Characters Python's str.strip() removes (Unicode White_Space), and neighbours that it keeps.
ROLE_PADDING = {
    "nbsp": "\u00a0", "thin-space": "\u2009", "ideographic-space": "\u3000", "next-line": "\u0085",
    "ogham-space": "\u1680", "narrow-nbsp": "\u202f", "en-quad": "\u2000", "hair-space": "\u200a",
    "line-separator": "\u2028", "math-space": "\u205f", "zero-width-space": "\u200b", "mongolian-vowel": "\u180e",
    "byte-order-mark": "\ufeff", "delete": "\x7f", "soft-hyphen": "\u00ad", "c1-control": "\u0084", "inverted-exclamation": "\u00a1",
    "one-dot-leader": "\u2024", "hyphenation-point": "\u2027", "left-to-right-embedding": "\u202a",
    "per-mille": "\u2030", "four-dot": "\u205e", "word-joiner": "\u2060", "ideographic-comma": "\u3001",
    "ogham-beith": "\u1681", "s-caron": "\u0160", "letter-a-grave": "\u00e0", "emoji": "\U0001f3b5",
}


def _value_cases():
    for value in RELEASED_TEXTS:
        yield _case(f"released-{value!r}", release(f"<released>{value}</released>"))
    for value in DURATION_TEXTS:
        yield _case(f"duration-{value!r}", release(f"<tracklist>{_track('1', 'T', f'<duration>{value}</duration>')}"
                                                   "</tracklist>"))
    for value in ROLE_TEXTS:
        yield _case(f"role-{value!r}", release(f"<extraartists><artist><id>1</id><role>{value}</role></artist>"
                                               "</extraartists>"))
    for name, char in ROLE_PADDING.items():
        role = f"{char}Producer{char}, {char}{char}, Mixed By [{char}Live{char}]{char}, {char}[{char}x{char}]"
        yield _case(f"role-padding-{name}", release(f"<extraartists><artist><id>1</id><role>{role}</role></artist>"
                                                    "</extraartists>"))
    for flag in ("true", "false", "TRUE", "", " true", "&#116;rue", None):
        attribute = "" if flag is None else f' is_main_release="{flag}"'
        yield _case(f"is-main-release-{flag!r}", release(f"<master_id{attribute}>5</master_id>"))
    for embed in ("true", "false", "TRUE", "", "1", "&#116;rue", None):
        attribute = "" if embed is None else f' embed="{embed}"'
        yield _case(f"video-embed-{embed!r}", release(f'<videos><video src="s" duration="60"{attribute}>'
                                                      "<title>T</title></video><video/></videos>"))


@pytest.mark.parametrize("data", [*_id_cases(), *_int32_cases(), *_value_cases()])
def test_value_cases_match(data):
    assert_read_by_compiled(data)


# ------------------------------------------------------------------ corpus: given back


GIVE_BACK_CASES = [
    _case("comment-in-record", release("<title>T</title><!-- note --><country>PT</country>")),
    _case("comment-in-text", release("<title>Ti<!-- c -->tle</title>")),
    _case("comment-between-records", release("<title>A</title>") + b"<!-- c -->\n" + release("", 'id="2"')),
    _case("cdata", release("<notes><![CDATA[a <b> & c]]></notes>")),
    _case("processing-instruction", release("<title>T</title><?render fast?>")),
    _case("xml-declaration", b'<?xml version="1.0" encoding="UTF-8"?>\n' + release("<title>T</title>")),
    _case("doctype", b"<!DOCTYPE releases>\n" + release("<title>T</title>")),
    _case("control-byte", release(b"<title>Bell\x01 Tones</title>")),
    _case("control-byte-attr", release(b'<labels><label name="a\x1fb"/></labels>')),
    _case("control-ref", release("<title>Bell&#1; Tones</title>")),
    _case("control-hex-ref", release("<title>Bell&#x1F;&#x0b; Tones</title>")),
    _case("nul-ref", release("<title>a&#0;b</title>")),
    _case("invalid-utf8", release(b"<title>Caf\xe9 Tunes</title>")),
    _case("truncated-utf8", release(b"<title>Caf\xc3</title>")),
    _case("overlong-utf8", release(b"<title>\xc0\xafx</title>")),
    _case("surrogate-utf8", release(b"<title>\xed\xa0\x80</title>")),
    _case("u-fffe", release("<title>a\ufffeb</title>")),
    _case("u-ffff", release("<title>a\uffffb</title>")),
    _case("u-fffe-ref", release("<title>a&#xFFFE;b</title>")),
    _case("surrogate-ref", release("<title>a&#xD800;b</title>")),
    _case("ref-beyond-unicode", release("<title>a&#x110000;b</title>")),
    _case("arabic-indic-release-id", release("<title>T</title>", 'id="\u0661\u0662"')),
    _case("arabic-indic-credit-id", release("<artists><artist><id>\u0663</id></artist></artists>")),
    _case("arabic-indic-duration", release(f"<tracklist>{_track('1', 'T', '<duration>٣:٤٥</duration>')}</tracklist>")),
    _case("arabic-indic-released", release("<released>\u0661\u0669\u0669\u0669</released>")),
    _case("nbsp-in-id", release("<title>T</title>", 'id="\u00a05"')),
    _case("namespace-prefix", release('<x:title xmlns:x="urn:x">T</x:title>')),
    _case("namespace-default", release('<title xmlns="urn:x">T</title>')),
    _case("namespace-release", b'<r:release xmlns:r="urn:r" id="1"/>\n'),
    _case("non-ascii-name", release("<títle>T</títle>")),
    _case("unknown-entity", release("<title>a&nbsp;b</title>")),
    _case("unknown-entity-attr", release('<labels><label name="a&eacute;"/></labels>')),
    _case("bare-ampersand", release("<title>A & B</title>")),
    _case("cdata-end-in-text", release("<title>a]]>b</title>")),
    _case("cdata-end-in-attr", release('<labels><label name="a]]>b"/></labels>')),
    _case("lt-in-attr", release('<labels><label name="a<b"/></labels>')),
    _case("mismatched-tags", release("<title>T</country>")),
    _case("unclosed-child", release("<title>T")),
    _case("end-tag-without-start", release("</title>")),
    _case("stray-root-end", release("<title>T</title>") + b"</batch><batch>"),
    _case("truncated-record", FULL_RECORD[: len(FULL_RECORD) // 2]),
    _case("truncated-tag", b'<release id="1"><title>T</title><lab'),
    _case("truncated-attr", b'<release id="1'),
    _case("uppercase-hex-ref", release("<notes>a&#X0D;b</notes>")),
    _case("long-decimal-ref", release("<notes>&#00000000065;</notes>")),
    _case("duplicate-attr", release("<title>T</title>", 'id="1" id="2"')),
    _case("unquoted-attr", release("<title>T</title>", "id=1")),
    _case("attrs-without-space", release("<title>T</title>", 'id="1"status="A"')),
    _case("space-after-lt", release("< title>T</title>")),
    _case("space-in-end-tag", release("<title>T</ title>")),
    _case("digit-name", release("<1title>T</1title>")),
]


@pytest.mark.parametrize("data", GIVE_BACK_CASES)
def test_give_back_cases_match(data):
    assert_given_back(data)


# ------------------------------------------------------------------ real and generated dumps


def _release_dumps(samples_dir: Path) -> list[Path]:
    """Return every sample file whose first element is <releases> or <release>."""
    dumps = []
    for path in sorted(samples_dir.rglob("*")):
        if not path.is_file() or not path.name.endswith((".xml", ".xml.gz")):
            continue
        if sniff_root(read_head(path), path) in ("releases", "release"):
            dumps.append(path)
    return dumps


def test_sample_batches_match(samples_dir):
    dumps = _release_dumps(samples_dir)
    assert dumps, f"no release dumps found under {samples_dir}"

    for path in dumps:
        for batch in iter_batches(path, "release"):
            where = f"{path.relative_to(samples_dir)}, batch {batch.index}"
            result = assert_same(batch.data, where)
            assert result is not None, f"{where}: lxml raised an error"
            assert result.converter == "compiled", f"{where}: given back ({result.gave_back})"


@pytest.mark.parametrize(("seed", "era_name"), [(1, "2020"), (2, "2025"), (3, "2020"), (4, "2025")])
def test_generated_batches_match(tmp_path, seed, era_name):
    dumps = write_dumps(tmp_path, "demo", releases=120, seed=seed, era_name=era_name)
    path = dumps.files["releases"].path

    batches = 0
    for batch in iter_batches(path, "release", batch_bytes=1 << 16):
        where = f"seed {seed}, batch {batch.index}"
        result = assert_same(batch.data, where)
        assert result is not None, f"{where}: lxml raised an error"
        assert result.converter == "compiled", f"{where}: given back ({result.gave_back})"
        batches += 1
    assert batches > 1, "the generated dump fits one batch, so batch boundaries are not tested"


def test_bytes_splitter_batches_match():
    document = b"<releases>\n" + FULL_RECORD + RECENT_RECORD + b"</releases>\n"

    for batch in iter_bytes_batches(document, "release"):
        result = assert_same(batch.data)
        assert result is not None
        assert result.converter == "compiled", f"given back: {result.gave_back}"


# ------------------------------------------------------------------ mutation fuzzer


# Edits anywhere: most of them break the XML, which tests that every broken
# batch is given back and raises the same error as lxml.
MARKUP_TOKENS = [
    b"<", b">", b"&", b"&amp;", b"&#13;", b"&#x0D;", b"&#10;", b"&#9;", b"&#0;", b"&#1;", b"\r", b"\n", b"\t",
    b"\r\n", b"'", b'"', b"/", b"=", b" ", b"<x>", b"</x>", b"<x/>", b"<!--c-->", b"<![CDATA[c]]>", b" a='1'",
    b' id="2"', b"\xc2\xa0", b"\xe3\x80\x80", b"\xe2\x80\x8b", b"\xc3", b"\xff", b"]", b"[", b",", b"]]>",
    b"0", b"1", b"9", b"-", b"+", b"_", b":", b"<track>", b"</track>", b"<sub_tracks>", b"</sub_tracks>",
    b"<artist>", b"</artist>", b"<title>", b"</title>", b"<release>", b"</release>", b"<release id='3'>",
    b"<id>", b"</id>", b"<role>", b"<x a='1'>t</x>", b"<title>x</title>", b"<duration>3:45</duration>",
]

# Edits inside text and attribute values: most keep the XML well-formed, so
# the compiled converter reads the mutant and its values are compared.
VALUE_TOKENS = [
    b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&apos;", b"&#13;", b"&#x0D;", b"&#xd;", b"&#10;", b"&#9;", b"&#65;",
    b"&#xE9;", b"&#x1F3B5;", b"\r", b"\n", b"\t", b"\r\n", b" ", b"  ", b"\xc2\xa0", b"\xe3\x80\x80",
    b"\xe2\x80\x89", b"\xe2\x80\x8b", b"\xc2\x85", b"\xe1\x9a\x80", b"\xc3\xa9", b"\xf0\x9f\x8e\xb5", b"]",
    b"[", b",", b", ", b":", b"-", b"+", b"_", b"0", b"1", b"2", b"9", b"00", b"12", b"-0", b"29", b"02", b"13",
    b"99999", b"true", b"'", b'"', b">", b"e", b"x", b"[x]", b"Role [a, b]",
]


def _value_positions(data: bytes) -> list[int]:
    """Return the offsets inside text or inside a quoted attribute value."""
    positions = []
    in_tag = False
    quote = 0
    for offset, byte in enumerate(data):
        if quote:
            if byte == quote:
                quote = 0
            else:
                positions.append(offset)
        elif in_tag:
            if byte in b"'\"":
                quote = byte
            elif byte == ord(">"):
                in_tag = False
        elif byte == ord("<"):
            in_tag = True
        else:
            positions.append(offset)
    return positions


def _mutate_markup(data: bytes, rng: random.Random) -> bytes:
    """Apply one to three edits anywhere: delete, duplicate or insert a byte, a span or a token."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        edit = rng.randrange(6)
        if edit == 0 and data:
            at = min(at, len(data) - 1)
            data = data[:at] + data[at + 1 :]
        elif edit == 1 and data:
            at = min(at, len(data) - 1)
            data = data[:at] + data[at : at + 1] + data[at:]
        elif edit == 2:
            data = data[:at] + bytes([rng.randrange(256)]) + data[at:]
        elif edit == 3:
            data = data[:at] + data[at + rng.randint(1, 12) :]
        else:
            data = data[:at] + rng.choice(MARKUP_TOKENS) + data[at:]
    return data


def _mutate_values(data: bytes, rng: random.Random) -> bytes:
    """Apply one to four edits inside text and attribute values: insert a token, or delete or duplicate a byte."""
    for _ in range(rng.randint(1, 4)):
        positions = _value_positions(data)
        if not positions:
            return data
        at = rng.choice(positions)
        edit = rng.randrange(4)
        if edit == 0:
            data = data[:at] + data[at + 1 :]
        elif edit == 1:
            data = data[:at] + data[at : at + 1] + data[at:]
        else:
            data = data[:at] + rng.choice(VALUE_TOKENS) + data[at:]
    return data


def _fuzz(seeds: list[bytes], seed: int, mutants: int) -> dict[str, int]:
    """Compare both converters on ``mutants`` mutants of ``seeds``.

    Returns how many mutants each converter read, and how many lxml rejected ("error").
    """
    rng = random.Random(seed)
    outcomes = {"compiled": 0, "lxml": 0, "error": 0}
    for index in range(mutants):
        seed_record = rng.choice(seeds)
        mutant = _mutate_values(seed_record, rng) if rng.random() < 0.6 else _mutate_markup(seed_record, rng)
        excerpt = mutant if len(mutant) <= 400 else mutant[:400] + b"..."
        result = assert_same(mutant, f"fuzz seed {seed}, mutant {index} ({excerpt!r})")
        outcomes["error" if result is None else result.converter] += 1
    return outcomes


# Small records, each aimed at a different part of the converter.
FUZZ_RECORDS = [
    FULL_RECORD,
    RECENT_RECORD,
    release("<title>A &amp; B&#13;</title><notes>x\r\ny</notes>", "id='2' status=\"Accepted\""),
    release("<extraartists><artist><id>1</id><role>Guitar [Acoustic, 12-String], Vocals</role></artist>"
            "<artist><id>0</id><role>\u00a0Producer\u3000</role></artist></extraartists>"),
    release("<released>1999-03-00</released><tracklist>"
            + _track("1", "S", "<duration>1:02:03</duration><sub_tracks>" + _track("1a", "T") + "</sub_tracks>")
            + "</tracklist>"),
    release('<labels><label name="a&#13;&#10;b" catno="\tc" id=" 5 "/></labels>'
            '<images><image type="primary" width="2147483647" height="-1"/></images>'
            '<master_id is_main_release="true">7</master_id>'),
    b'<release id="5"/>\n<bogus/>\n<release id="6"><title>T</title></release>\n',
]


def test_fuzz_own_records():
    """Compare 10,000 mutants of the hand-written records."""
    outcomes = {"compiled": 0, "lxml": 0, "error": 0}
    for seed in range(4):
        for converter, count in _fuzz(FUZZ_RECORDS, seed, 2500).items():
            outcomes[converter] += count

    # Most markup edits break the XML, so the value edits must keep enough
    # mutants well-formed for the compiled path to be compared.
    assert outcomes["compiled"] >= 2500, f"too few mutants reached the compiled converter: {outcomes}"


def _sample_records(samples_dir: Path, per_file: int = 2, max_bytes: int = 6000) -> list[bytes]:
    """Return the first records of at most ``max_bytes`` from each release sample."""
    records = []
    for path in _release_dumps(samples_dir):
        batch = next(iter(iter_batches(path, "release")))
        pieces = [b"<release" + piece for piece in batch.data.split(b"\n<release")[1:]]
        small = [piece for piece in pieces if len(piece) <= max_bytes]
        records.extend(small[:per_file])
    return records


def test_fuzz_sample_records(samples_dir):
    """Compare 3,000 mutants of small records from the real samples."""
    records = _sample_records(samples_dir)
    assert records, f"no small release records found under {samples_dir}"

    outcomes = {"compiled": 0, "lxml": 0, "error": 0}
    for seed in range(100, 103):
        for converter, count in _fuzz(records, seed, 1000).items():
            outcomes[converter] += count

    assert outcomes["compiled"] >= 750, f"too few mutants reached the compiled converter: {outcomes}"


# ------------------------------------------------------------------ whole dump


def _parquet_files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*.parquet"))}


def test_whole_dump_parquet_identical(tmp_path, monkeypatch):
    """Ingest one generated dump three ways and compare every Parquet file byte for byte.

    The dump is stored as plain XML larger than IN_PROCESS_MAX_BYTES, so that
    workers=2 really parses in threads instead of in the calling process.
    """
    monkeypatch.delenv(compiled.ENV, raising=False)
    dumps = write_dumps(tmp_path / "raw", "demo", releases=1300, seed=11, era_name="2020")
    source = tmp_path / "raw" / "releases.xml"
    with gzip.open(dumps.files["releases"].path, "rb") as packed, open(source, "wb") as plain:
        shutil.copyfileobj(packed, plain)
    assert source.stat().st_size > IN_PROCESS_MAX_BYTES, "the dump is too small to be parsed in threads"

    in_process = ingest_dump("releases", source, tmp_path / "in-process", workers=0)
    threads = ingest_dump("releases", source, tmp_path / "threads", workers=2)
    monkeypatch.setenv(compiled.ENV, "lxml")
    reference = ingest_dump("releases", source, tmp_path / "lxml", workers=0)

    assert set(in_process.converters) == {"compiled"}, in_process.handed_to_lxml
    assert set(threads.converters) == {"compiled"}, threads.handed_to_lxml
    assert set(reference.converters) == {"lxml"}
    assert sum(threads.converters.values()) > 2, "the dump fits too few batches to keep two threads busy"
    assert in_process.to_json(timing=False) == reference.to_json(timing=False)
    assert threads.to_json(timing=False) == reference.to_json(timing=False)

    expected = _parquet_files(tmp_path / "lxml")
    assert expected, "the lxml ingest wrote no Parquet files"
    for name, folder in (("workers=0", "in-process"), ("workers=2", "threads")):
        actual = _parquet_files(tmp_path / folder)
        assert sorted(actual) == sorted(expected), f"{name}: other Parquet files"
        for path, data in expected.items():
            assert actual[path] == data, f"{name}: {path} differs from the lxml ingest"
