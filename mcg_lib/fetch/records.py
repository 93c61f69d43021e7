"""Split a dump into its records as raw bytes, without parsing or re-serialising them.

Merging several files of one kind must copy each record verbatim, so this is a
small scanner over the markup instead of an XML parser. It finds the tags,
tracks the element depth, and cuts out each record element together with its
id. It reads both the root-wrapped dumps and the rootless ones (a bare sequence
of records) that Discogs published before mid-2014.

Inside a record, once its id is known, the scanner only looks at tags with the
record's own name, because depth among those alone decides where the record
ends (labels nest ``<label>`` elements inside ``<sublabels>``). XML forbids a
raw ``<`` in text and attribute values, so every ``<`` it meets is markup.
The scanner is not a validator: the ingest's XML parser checks the records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mcg_lib.errors import InputError

_CHUNK = 1 << 20
_UTF8_BOM = b"\xef\xbb\xbf"

# A tag longer than this without its closing ">" means the file is not XML.
_MAX_TAG = 1 << 20

# Bytes kept from the end of the buffer when no token was found in it, so a
# token cut by the chunk boundary is matched whole after the next read.
_TOKEN_TAIL = 64

_TAG = re.compile(rb"<(/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ID_ATTRIBUTE = re.compile(rb"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""")

# Markup that is neither a start nor an end tag, with the text that closes it.
_SPECIALS = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"), (b"<!", b">"))


@dataclass(frozen=True)
class Record:
    """One record element, byte for byte as it is in the file."""

    id: str | None  # the id attribute, else the text of the first <id> child
    data: bytes
    offset: int  # byte offset of the record in the decompressed stream


class _Scanner:
    """Walk the markup of one stream and yield its records."""

    def __init__(self, stream: BinaryIO, record_tag: str, path: Path) -> None:
        self.stream = stream
        self.record_tag = record_tag.encode("ascii")
        self.root_tag = (record_tag + "s").encode("ascii")
        self.path = path
        self.record_tokens = re.compile(
            rb"<(/?)" + re.escape(self.record_tag) + rb"(?=[\s/>])|<!--|<!\[CDATA\[|<\?"
        )

        self.buf = bytearray()
        self.consumed = 0  # bytes dropped from the front of buf so far
        self.eof = False

        self.stack: list[bytes] = []
        self.record_depth: int | None = None  # 1 below a root element, 0 in a rootless file
        self.root_closed = False

        self.record_start: int | None = None
        self.record_id: str | None = None
        self.id_text_start: int | None = None
        self.same_name_depth = 0  # open elements named like the record, once in fast mode

    def records(self) -> Iterator[Record]:
        pos = 0
        while True:
            if self.same_name_depth:
                pos, record = self._step_fast(pos)
            else:
                pos, record = self._step_full(pos)
            if record is not None:
                yield record
            if pos < 0:
                break
        self._check_complete()

    # -- full mode: every tag, outside records and until a record's id is known

    def _step_full(self, pos: int) -> tuple[int, Record | None]:
        """Handle the next token; return the next position (-1 at the end) and a finished record."""
        start = self.buf.find(b"<", pos)
        if start < 0:
            self._check_text(pos, len(self.buf))
            if self.eof:
                return -1, None
            return self._fill(len(self.buf)), None
        self._check_text(pos, start)

        end, match = self._token_end(start)
        if end is None:
            return self._fill(start), None
        if match is None:
            return end, None  # comment, CDATA, processing instruction or DOCTYPE

        closing, name, attributes, empty = match.groups()
        if closing:
            return end, self._end_tag(name, start, end)
        self._start_tag(name, attributes, start, end)
        if empty:
            return end, self._end_tag(name, start, end)
        return end, None

    def _token_end(self, start: int) -> tuple[int | None, re.Match | None]:
        """Return where the markup at ``start`` ends, or None if more bytes are needed."""
        for opener, closer in _SPECIALS:
            if self.buf.startswith(opener, start):
                found = self.buf.find(closer, start + len(opener))
                if found >= 0:
                    return found + len(closer), None
                return self._need_more(start), None

        match = _TAG.match(self.buf, start)
        if match is not None:
            return match.end(), match
        return self._need_more(start), None

    def _need_more(self, start: int) -> None:
        if self.eof:
            raise self._error(
                "the file ends inside a tag, or a tag is malformed", start, truncated=True
            )
        if len(self.buf) - start > _MAX_TAG:
            raise self._error("malformed markup: no closing '>'", start)
        return None

    def _start_tag(self, name: bytes, attributes: bytes, start: int, end: int) -> None:
        depth = len(self.stack)
        if self.record_depth is None:
            self._first_element(name, start)
        elif depth == 0 and self.root_closed:
            raise self._error(f"element <{name.decode()}> after the root element closed", start)

        if depth == self.record_depth:
            if name != self.record_tag:
                raise self._error(
                    f"unexpected <{name.decode()}> where a <{self.record_tag.decode()}> record "
                    "should start",
                    start,
                )
            self.record_start = start
            self.record_id = _id_attribute(attributes)
        elif depth == self.record_depth + 1 and name == b"id" and self.record_id is None:
            # Artists and labels carry their id in an <id> child, not an attribute.
            self.id_text_start = end

        self.stack.append(name)
        if depth == self.record_depth and self.record_id is not None:
            # The id was an attribute, so only the record's end is left to find. A
            # self-closing record is finished by the caller right after this.
            self.same_name_depth = 1

    def _first_element(self, name: bytes, start: int) -> None:
        if name == self.root_tag:
            self.record_depth = 1
        elif name == self.record_tag:
            self.record_depth = 0
        else:
            raise self._error(
                f"first element <{name.decode()}> is neither <{self.root_tag.decode()}> "
                f"nor <{self.record_tag.decode()}>",
                start,
            )

    def _end_tag(self, name: bytes, start: int, end: int) -> Record | None:
        if not self.stack or self.stack[-1] != name:
            expected = f"<{self.stack[-1].decode()}>" if self.stack else "no open element"
            raise self._error(f"end tag </{name.decode()}> does not match {expected}", start)
        self.stack.pop()
        depth = len(self.stack)

        if self.record_depth == 1 and depth == 0:
            self.root_closed = True
        if depth == self.record_depth and self.record_start is not None:
            self.same_name_depth = 0
            return self._finish_record(end)

        if self.id_text_start is not None and depth == self.record_depth + 1:
            self.record_id = _normalise_id(bytes(self.buf[self.id_text_start : start]))
            self.id_text_start = None
            if self.record_id is not None:
                self.same_name_depth = 1  # the record element itself is open
        return None

    # -- fast mode: inside a record whose id is known, only tags named like the record

    def _step_fast(self, pos: int) -> tuple[int, Record | None]:
        match = self.record_tokens.search(self.buf, pos)
        if match is None:
            if self.eof:
                raise self._error(
                    f"the file ends inside <{self.record_tag.decode()}> record {self.record_id}",
                    len(self.buf),
                    truncated=True,
                )
            return self._fill(max(pos, len(self.buf) - _TOKEN_TAIL)), None

        start = match.start()
        end, tag = self._token_end(start)
        if end is None:
            return self._fill(start), None
        if tag is None:
            return end, None

        closing, _, _, empty = tag.groups()
        if closing:
            self.same_name_depth -= 1
        elif not empty:
            self.same_name_depth += 1
        if self.same_name_depth:
            return end, None

        self.stack.pop()
        return end, self._finish_record(end)

    # -- shared

    def _finish_record(self, end: int) -> Record:
        record = Record(
            id=self.record_id,
            data=bytes(self.buf[self.record_start : end]),
            offset=self.consumed + self.record_start,
        )
        self.record_start = None
        self.record_id = None
        self.id_text_start = None
        return record

    def _check_text(self, begin: int, end: int) -> None:
        # Text inside a record is part of its bytes; between records only whitespace is allowed.
        if self.record_start is not None:
            return
        text = self.buf[begin:end]
        if text.strip():
            raise self._error("text outside any record", begin + len(text) - len(text.lstrip()))

    def _check_complete(self) -> None:
        if self.record_depth is None:
            raise self._error("no records and no root element", 0)
        if self.stack:
            open_tags = "".join(f"<{name.decode()}>" for name in self.stack)
            raise self._error(
                f"the file ends before its open elements {open_tags} are closed",
                len(self.buf),
                truncated=True,
            )

    def _fill(self, keep_from: int) -> int:
        """Read the next chunk, dropping consumed bytes; return ``keep_from`` in the new buffer."""
        cut = keep_from
        for mark in (self.record_start, self.id_text_start):
            if mark is not None:
                cut = min(cut, mark)
        if cut > _CHUNK:
            del self.buf[:cut]
            self.consumed += cut
            keep_from -= cut
            if self.record_start is not None:
                self.record_start -= cut
            if self.id_text_start is not None:
                self.id_text_start -= cut

        chunk = self.stream.read(_CHUNK)
        if self.consumed == 0 and not self.buf and chunk.startswith(_UTF8_BOM):
            chunk = chunk[len(_UTF8_BOM) :]
            self.consumed = len(_UTF8_BOM)
        if chunk:
            self.buf += chunk
        else:
            self.eof = True
        return keep_from

    def _error(self, problem: str, position: int, *, truncated: bool = False) -> InputError:
        offset = self.consumed + position
        hint = (
            "the file is truncated; download or copy it again"
            if truncated
            else "check that this is a Discogs dump; download or copy it again if it was damaged"
        )
        return InputError(f"{problem} (at byte {offset} of the XML)", path=self.path, hint=hint)


def iter_records(
    stream: BinaryIO, record_tag: str, *, path: Path | str = "<stream>"
) -> Iterator[Record]:
    """Yield the records of a decompressed dump stream in file order.

    ``record_tag`` is the singular element name, such as ``release``. Raises
    InputError for a truncated or malformed file, naming the byte offset.
    """
    return _Scanner(stream, record_tag, Path(path)).records()


def _id_attribute(attributes: bytes) -> str | None:
    match = _ID_ATTRIBUTE.search(attributes)
    if match is None:
        return None
    return _normalise_id(match.group(1) if match.group(1) is not None else match.group(2))


def _normalise_id(text: bytes) -> str | None:
    text = text.strip()
    if not text:
        return None
    return text.decode("utf-8", "replace")
