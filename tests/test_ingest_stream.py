"""How the splitter reads a dump's root element: empty dumps, truncation, content after the root."""

from __future__ import annotations

import io

import pytest

from mcg_lib.errors import InputError
from mcg_lib.ingest.stream import RecordSplitter

RECORD = b'<release id="1"><title>T</title></release>\n'


def batches(data: bytes, batch_bytes: int = 1 << 20) -> list[bytes]:
    splitter = RecordSplitter(io.BytesIO(data), "release", "releases.xml", batch_bytes=batch_bytes)
    return [batch.data for batch in splitter]


@pytest.mark.parametrize(
    ("data", "records"),
    [
        (b"<releases>\n" + RECORD + b"</releases>\n", 1),
        (b"<releases>\n" + RECORD + b"</releases >\n<!-- end -->\n<?done?>\n", 1),
        (b"<releases/>\n", 0),
        (b'<?xml version="1.0"?>\n<releases />\n', 0),
        (b"<releases></releases>", 0),
    ],
    ids=["plain", "comment-after-root", "self-closed-root", "self-closed-root-with-prolog", "open-close-root"],
)
def test_valid_roots_read(data, records):
    assert b"".join(batches(data)).count(b"<release ") == records


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"<releases>\n" + RECORD + b"</releases>junk\n", 3),
        (b"<releases>\n" + RECORD + b"</releases>\n" + RECORD, 3),
        (b"<releases/>\n" + RECORD, 1),
    ],
    ids=["text-after-root", "record-after-root", "record-after-self-closed-root"],
)
def test_content_after_root_named(data, line):
    with pytest.raises(InputError, match=f"content after its root element <releases>, which ends on line {line}"):
        batches(data)


def test_content_after_root_in_an_earlier_batch():
    """The root ends in the middle of the file, so the batch with its end is not the last one."""
    data = b"<releases>\n" + RECORD * 50 + b"</releases>\n" + RECORD * 50

    with pytest.raises(InputError, match="which ends on line 52"):
        batches(data, batch_bytes=256)


@pytest.mark.parametrize(
    "data",
    [b"<releases>\n" + RECORD, b"<releases>\n" + RECORD + b"</releas", b"<releases>\n" + RECORD[:20]],
    ids=["no-end-tag", "end-tag-cut", "record-cut"],
)
def test_truncated_dump_named(data):
    with pytest.raises(InputError, match="ends without </releases>: the file is truncated"):
        batches(data)
