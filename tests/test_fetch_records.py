"""The pieces of the fetch stage: sniffing, record splitting, merging, checksum files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from mcg_lib.errors import InputError
from mcg_lib.fetch.checksum import parse_checksums
from mcg_lib.fetch.layout import open_dump
from mcg_lib.fetch.merge import SeenIds, merge_dumps
from mcg_lib.fetch.records import iter_records
from mcg_lib.fetch.sniff import NotADumpError, sniff_dump

DIGEST = "ab" * 32


class TrickleStream(io.RawIOBase):
    """A real binary stream that returns at most ``step`` bytes a read, like a slow pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data = data
        self.step = step
        self.pos = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk


def records_of(data: bytes, tag: str, step: int | None = None) -> list[tuple[str | None, bytes]]:
    stream = TrickleStream(data, step) if step else io.BytesIO(data)
    return [(r.id, r.data) for r in iter_records(stream, tag)]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- sniffing


@pytest.mark.parametrize(
    ("content", "kind", "rooted"),
    [
        (b"<releases>\n<release id='1'/>\n</releases>", "releases", True),
        (b'<release id="1"><title>A</title></release>', "releases", False),
        (b"<artists><artist><id>1</id></artist></artists>", "artists", True),
        (b"<label><id>1</id></label>\n<label><id>2</id></label>", "labels", False),
        (b"<masters>\n</masters>", "masters", True),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<labels>\n</labels>', "labels", True),
        (b"<!DOCTYPE masters>\n<masters/>", "masters", True),
    ],
)
def test_sniff_reads_first_start_tag(tmp_path, content, kind, rooted):
    dump = sniff_dump(write(tmp_path, "any.name", content))

    assert dump.kind == kind
    assert dump.rooted is rooted
    assert dump.gzipped is False
    assert dump.encoding == "utf-8"


def test_sniff_gzipped_dump(tmp_path):
    dump = sniff_dump(write(tmp_path, "x.bin", gzip.compress(b"<artists>\n</artists>\n")))

    assert dump.kind == "artists"
    assert dump.gzipped is True


def test_sniff_reads_declared_encoding(tmp_path):
    content = b'<?xml version="1.0" encoding="ISO-8859-1"?><releases></releases>'

    assert sniff_dump(write(tmp_path, "r.xml", content)).encoding == "iso-8859-1"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"# Notes\n", "does not start with an XML element"),
        (b"", "does not start with an XML element"),
        (b"<html><body/></html>", "<html>"),
        (b"BZh91AY&SY", "bzip2"),
        (b"<!-- only a comment", "no start tag"),
    ],
)
def test_sniff_rejects_other_files(tmp_path, content, reason):
    with pytest.raises(NotADumpError, match=reason):
        sniff_dump(write(tmp_path, "f", content))


def test_sniff_corrupt_gzip_is_input_error(tmp_path):
    with pytest.raises(InputError, match="not a readable gzip file"):
        sniff_dump(write(tmp_path, "f.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 40))


def test_open_dump_detects_gzip_by_content(tmp_path):
    gzipped = write(tmp_path, "plain-name.xml", gzip.compress(b"<labels/>"))
    plain = write(tmp_path, "gz-name.xml.gz", b"<labels/>")

    with open_dump(gzipped) as first, open_dump(plain) as second:
        assert first.read() == b"<labels/>"
        assert second.read() == b"<labels/>"


# -- record splitting


def test_records_nested_labels_end_at_depth():
    data = (
        b"<labels>\n"
        b'<label><id>1400</id><name>P</name><sublabels><label id="1401">C1</label>'
        b'<label id="1402">C2</label></sublabels></label>\n'
        b"<label><id>1401</id><name>C1</name></label>\n"
        b"</labels>\n"
    )

    records = records_of(data, "label")

    assert [r[0] for r in records] == ["1400", "1401"]
    assert records[0][1].endswith(b"</sublabels></label>")


def test_records_id_after_nested_elements():
    data = (
        b"<artists><artist><images><image uri=''/></images><members><name id='3'>M</name>"
        b"</members><id> 12 </id><name>G</name></artist></artists>"
    )

    assert records_of(data, "artist")[0][0] == "12"


def test_records_rootless_sequence():
    data = b'<release id="1"><title>A</title></release>\n<release id="2"/>\n'

    assert records_of(data, "release") == [
        ("1", b'<release id="1"><title>A</title></release>'),
        ("2", b'<release id="2"/>'),
    ]


def test_records_hidden_markup_ignored():
    data = (
        b"<releases><!-- <release id='9'> -->\n"
        b"<release id='1' note='a > b'><notes><![CDATA[</release> <release>]]></notes>"
        b"<!-- </release> --><?pi </release>?></release>\n"
        b"</releases>"
    )

    records = records_of(data, "release")

    assert len(records) == 1
    assert records[0][0] == "1"
    assert records[0][1].endswith(b"?></release>")


def test_records_keep_crlf_and_entities_verbatim():
    record = b'<release id="3"><notes>line\r\nnext &amp; &#13; \xc3\x96</notes></release>'

    assert records_of(b"<releases>\r\n" + record + b"\r\n</releases>\r\n", "release") == [
        ("3", record)
    ]


def test_records_without_id():
    assert records_of(b"<masters><master><title>T</title></master></masters>", "master") == [
        (None, b"<master><title>T</title></master>")
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'<releases><release id="1"><title>Cut', "truncated"),
        (b'<releases><release id="1"/>', "truncated"),
        (b"<releases><release id='1'><title>A</title></release", "truncated"),
        (b"<releases>stray text<release id='1'/></releases>", "text outside any record"),
        (b"<releases><master id='1'/></releases>", "unexpected <master>"),
        (b"<artists></artists>", "neither <releases> nor <release>"),
        (b"<releases><release><id>1</x></release></releases>", "does not match"),
        (b"<releases/><releases/>", "after the root element closed"),
        (b"   ", "no records and no root element"),
    ],
)
def test_records_reject_broken_input(data, problem):
    with pytest.raises(InputError, match=problem):
        records_of(data, "release")


def test_records_error_names_file_and_offset():
    with pytest.raises(InputError) as caught:
        list(iter_records(io.BytesIO(b"<releases>\n  x"), "release", path="dumps/r.xml"))

    assert "dumps/r.xml" in str(caught.value)
    assert "at byte 13" in str(caught.value)


def test_records_samples_match_lxml(samples_dir):
    """Every record of every real sample is cut where lxml parses it, with the same id."""
    for path in sorted(samples_dir.rglob("*.xml*")):
        dump = sniff_dump(path)
        with open_dump(path) as stream:
            data = stream.read()
        tag = {"artists": "artist", "labels": "label", "masters": "master", "releases": "release"}
        records = records_of(data, tag[dump.kind], step=4096)

        elements = list(etree.fromstring(data)) if dump.rooted else [etree.fromstring(data)]
        expected = [e.get("id") or e.findtext("id") for e in elements]
        assert [r[0] for r in records] == expected, path
        assert all(etree.fromstring(r[1]).tag == tag[dump.kind] for r in records), path


# Records of nested same-name elements, attributes with ">", comments and CDATA.
_text = st.text(alphabet="ab <>&\"'\r\n\u00e9", max_size=12).map(
    lambda t: t.replace("&", "&amp;").replace("<", "&lt;")
)
_attribute = _text.map(lambda t: t.replace("'", "&apos;"))
_inner = st.sampled_from(
    [
        "<title>{t}</title>",
        "<sublabels><label id='7'>{t}</label><label/></sublabels>",
        "<notes><![CDATA[</label> <label>]]></notes>",
        "<!-- <label> -->",
        "<images><image uri='' note='{a}'/></images>",
    ]
)


@st.composite
def _documents(draw):
    rooted = draw(st.booleans())
    ids = draw(st.lists(st.integers(1, 10**9), min_size=0 if rooted else 1, max_size=6))
    records = []
    for record_id in ids:
        parts = [
            draw(_inner).replace("{t}", draw(_text)).replace("{a}", draw(_attribute))
            for _ in range(draw(st.integers(0, 3)))
        ]
        use_attribute = draw(st.booleans())
        head = f'<label id="{record_id}">' if use_attribute else "<label>"
        body = "" if use_attribute else f"<id>{record_id}</id>"
        records.append(f"{head}{''.join(parts)}{body}</label>".encode())
    gaps = [
        draw(st.sampled_from(["\n", "\r\n", "  ", "\n<!-- gap -->\n"])) for _ in range(len(ids) + 1)
    ]
    body = b"".join(gap.encode() + record for gap, record in zip(gaps, records, strict=False))
    body += gaps[-1].encode()
    data = b"<labels>" + body + b"</labels>" if rooted else body
    return data, [(str(i), r) for i, r in zip(ids, records, strict=True)]


@settings(max_examples=150, deadline=None)
@given(document=_documents(), step=st.integers(1, 50))
def test_records_round_trip(document, step):
    data, expected = document

    assert records_of(data, "label", step=step) == expected


# -- merging


def test_merge_drops_repeated_ids(tmp_path):
    first = write(
        tmp_path,
        "a.xml",
        b'<releases>\n<release id="1"><t>A</t></release>\n'
        b'<release id="2"><t>B</t></release>\n</releases>',
    )
    second = write(
        tmp_path,
        "b.xml",
        b'<release id="2"><t>B again</t></release>\n<release id="3"><t>C</t></release>',
    )
    sources = [sniff_dump(first), sniff_dump(second)]

    result = merge_dumps(sources, tmp_path / "out.xml.gz")

    assert (result.records, result.dropped) == (3, 1)
    assert [(c.records, c.dropped) for c in result.sources] == [(2, 0), (2, 1)]
    assert gzip.decompress((tmp_path / "out.xml.gz").read_bytes()) == (
        b"<releases>\n"
        b'<release id="1"><t>A</t></release>\n'
        b'<release id="2"><t>B</t></release>\n'
        b'<release id="3"><t>C</t></release>\n'
        b"</releases>\n"
    )


def test_merge_output_is_reproducible(tmp_path):
    a = write(tmp_path, "a.xml", b"<artists><artist><id>1</id></artist></artists>")
    b = write(tmp_path, "b.xml", b"<artist><id>2</id></artist>")
    sources = [sniff_dump(a), sniff_dump(b)]

    first = merge_dumps(sources, tmp_path / "one.xml.gz")
    second = merge_dumps(sources, tmp_path / "two.xml.gz")

    assert first.sha256 == second.sha256
    assert (tmp_path / "one.xml.gz").read_bytes() == (tmp_path / "two.xml.gz").read_bytes()
    assert first.bytes == (tmp_path / "one.xml.gz").stat().st_size


def test_merge_keeps_records_without_id(tmp_path):
    a = write(tmp_path, "a.xml", b"<masters><master><t>1</t></master></masters>")
    b = write(tmp_path, "b.xml", b"<masters><master><t>1</t></master></masters>")

    result = merge_dumps([sniff_dump(a), sniff_dump(b)], tmp_path / "out.xml.gz")

    assert (result.records, result.dropped) == (2, 0)
    assert [c.without_id for c in result.sources] == [1, 1]


def test_merge_rejects_non_utf8_source(tmp_path):
    a = write(tmp_path, "a.xml", b"<artists><artist><id>1</id></artist></artists>")
    b = write(
        tmp_path, "b.xml", b'<?xml version="1.0" encoding="latin-1"?><artist><id>2</id></artist>'
    )

    with pytest.raises(InputError, match="latin-1"):
        merge_dumps([sniff_dump(a), sniff_dump(b)], tmp_path / "out.xml.gz")


def test_seen_ids_integers_and_strings():
    seen = SeenIds()

    assert seen.add("5") is True
    assert seen.add("5") is False
    assert seen.add("40000000") is True
    assert seen.add("40000000") is False
    assert seen.add("6") is True
    assert seen.add("x-1") is True
    assert seen.add("x-1") is False
    assert seen.add(str(1 << 40)) is True
    assert seen.add(str(1 << 40)) is False


# -- checksum files


def test_parse_checksums_accepts_sha256sum_formats():
    text = (
        f"# written by sha256sum\n\n{DIGEST}  discogs_20250101_artists.xml.gz\n"
        f"{DIGEST.upper()} *sub/discogs_20250101_labels.xml.gz\n"
        f"SHA256 (discogs_20250101_masters.xml.gz) = {DIGEST}\n"
    )

    assert parse_checksums(text, source="CHECKSUM.txt") == {
        "discogs_20250101_artists.xml.gz": DIGEST,
        "discogs_20250101_labels.xml.gz": DIGEST,
        "discogs_20250101_masters.xml.gz": DIGEST,
    }


def test_parse_checksums_rejects_other_lines():
    with pytest.raises(InputError, match="line 2 is not a SHA-256 checksum line") as caught:
        parse_checksums(f"{DIGEST}  a.xml.gz\nmd5 abc  b.xml.gz\n", source="CHECKSUM.txt")

    assert "CHECKSUM.txt" in str(caught.value)
