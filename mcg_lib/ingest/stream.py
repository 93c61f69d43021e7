"""Read a dump file as a stream of record batches.

A dump is one XML document (or, before mid-2014, a rootless sequence of
records). Every record starts at the beginning of a line, and ``<`` in text is
always escaped, so a line that starts with ``<release`` (``<artist``, ...) is
a record boundary. The splitter cuts the decompressed stream at such
boundaries into batches of whole records without parsing it, which is what
lets batches be parsed in parallel and in bounded memory.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mcg_lib.errors import InputError
from mcg_lib.fetch.layout import GZIP_MAGIC, open_dump
from mcg_lib.ingest.compiled import count_lines, find

try:  # ISA-L's gzip is about three times faster than zlib's and reads the same files.
    from isal import igzip as _gzip
except ImportError:  # pragma: no cover - isal is a declared dependency
    _gzip = gzip

BLOCK_SIZE = 1 << 20
# A record larger than this (the largest real releases are well under 1 MB)
# means the file does not start records at line starts.
MAX_PENDING = 64 << 20

# Comments and processing instructions: besides whitespace, all XML allows after the root element.
_MISC_RE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.S)
_END_TAG_RE = re.compile(rb"\s*>")
_PROLOG_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z_][\w.-]*)",
    re.S,
)


class DumpReader:
    """A dump opened for reading, which can tell how far into the file it is."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.gzipped = False
        self._raw: BinaryIO | None = None

    def open(self) -> BinaryIO:
        self._raw = open(self.path, "rb")
        if self._raw.read(2) == GZIP_MAGIC:
            self._raw.seek(0)
            self.gzipped = True
            return _gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._raw.seek(0)
        return self._raw

    def position(self) -> int:
        """Return how many bytes of the file (compressed, if gzipped) were read so far."""
        return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()


@dataclass
class Batch:
    """Whole records cut from a dump, with where they came from."""

    index: int
    data: bytes
    offset: int  # byte offset of the first record in the decompressed stream
    line: int  # 1-based line number of the first record


def sniff_root(head: bytes, path: Path | str) -> str:
    """Return the name of the first element in ``head``, skipping a BOM and prolog."""
    match = _PROLOG_RE.match(head)
    if not match:
        raise InputError(
            "does not start with an XML element",
            path=path,
            hint="check that the file is a Discogs dump (gzipped or plain XML) and not an HTML error page",
        )
    return match.group(1).decode("ascii")


class RecordSplitter:
    """Cut a dump's decompressed stream into batches of whole records.

    ``record_tag`` is the record element (``release``); the root element is
    its plural (``releases``). Rootless files, from dumps before mid-2014, are
    read the same way. A rooted file that ends before its closing root tag is
    truncated, and reading it raises InputError.
    """

    def __init__(self, stream: BinaryIO, record_tag: str, path: Path | str, batch_bytes: int = BLOCK_SIZE):
        self.stream = stream
        self.tag = record_tag.encode("ascii")
        self.root_tag = self.tag + b"s"
        self.path = path
        self.batch_bytes = batch_bytes
        self.rooted: bool | None = None
        self.empty_root = False  # <releases/>: a dump without records
        self.bytes_read = 0

    def _find_boundary(self, buf: bytes, end: int) -> int:
        """Return the offset of the last record start before ``end`` (at its newline), or -1."""
        marker = b"\n<" + self.tag
        pos = buf.rfind(marker, 0, end)
        while pos >= 0:
            after = buf[pos + len(marker) : pos + len(marker) + 1]
            if after in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
                return pos
            pos = buf.rfind(marker, 0, pos)
        return -1

    def _start(self, buf: bytes) -> int:
        """Consume the prolog and the root start tag; return where records begin."""
        name = sniff_root(buf[:4096], self.path).encode("ascii")
        if name == self.root_tag:
            self.rooted = True
            close = buf.find(b">", buf.find(b"<" + self.root_tag))
            self.empty_root = buf[close - 1 : close] == b"/"
            return close + 1
        if name == self.tag:
            self.rooted = False
            return buf.find(b"<" + self.tag)
        raise InputError(
            f"starts with <{name.decode()}>, not <{self.root_tag.decode()}> or <{self.tag.decode()}>",
            path=self.path,
            hint=f"this file is not a {self.root_tag.decode()} dump; check which file was passed",
        )

    def __iter__(self) -> Iterator[Batch]:
        buf = b""
        offset = 0
        line = 1
        index = 0
        started = False

        while True:
            block = self.stream.read(self.batch_bytes)
            self.bytes_read += len(block)
            buf += block
            if not started:
                if not block and not buf.strip():
                    raise InputError("is empty", path=self.path, hint="download or import the file again")
                if len(buf) < 4096 and block:
                    continue
                begin = self._start(buf)
                line += buf.count(b"\n", 0, begin)
                offset += begin
                buf = buf[begin:]
                started = True
            if not block:
                break
            cut = self._find_boundary(buf, len(buf))
            if cut <= 0:
                if len(buf) > MAX_PENDING:
                    raise InputError(
                        f"no record boundary found in {MAX_PENDING >> 20} MB after line {line}",
                        path=self.path,
                        hint=f"records must start at the beginning of a line with <{self.tag.decode()}, "
                        "as in every Discogs dump; reformat the file or check that it is a dump",
                    )
                continue
            data = buf[:cut]
            if self.rooted:
                self._check_still_open(data, line)
            yield Batch(index, data, offset, line)
            index += 1
            offset += cut
            line += count_lines(data)
            buf = buf[cut:]

        yield from self._finish(buf, index, offset, line)

    def _finish(self, buf: bytes, index: int, offset: int, line: int) -> Iterator[Batch]:
        if self.empty_root:
            self._check_nothing_after(buf, 0, line)
            return
        if self.rooted:
            end = buf.find(b"</" + self.root_tag)
            close = _END_TAG_RE.match(buf, end + 2 + len(self.root_tag)) if end >= 0 else None
            if close is None:
                raise InputError(
                    f"ends without </{self.root_tag.decode()}>: the file is truncated",
                    path=self.path,
                    hint="the download was probably interrupted; run 'mcg fetch' again "
                    "(it verifies checksums) before ingesting",
                )
            self._check_nothing_after(buf, close.end(), line)
            buf = buf[:end]
        if buf.strip():
            yield Batch(index, buf, offset, line)

    def _check_still_open(self, data: bytes, line: int) -> None:
        """Raise if the root element ends inside a batch that more records follow."""
        end = find(data, b"</" + self.root_tag)
        if end >= 0:
            self._content_after_root(line + data.count(b"\n", 0, end))

    def _check_nothing_after(self, buf: bytes, start: int, line: int) -> None:
        """Raise if anything but whitespace, comments and processing instructions follows the root."""
        rest = _MISC_RE.sub(b"", buf[start:])
        if rest.strip():
            self._content_after_root(line + buf.count(b"\n", 0, start))

    def _content_after_root(self, line: int) -> None:
        root = self.root_tag.decode()
        raise InputError(
            f"has content after its root element <{root}>, which ends on line {line}",
            path=self.path,
            hint="a dump is one XML document; this file looks appended to or joined with another. "
            "Download it again with 'mcg fetch', or import each dump file separately",
        )


def read_head(path: Path | str, size: int = 4096) -> bytes:
    """Return the first decompressed bytes of a dump."""
    with open_dump(path) as stream:
        return stream.read(size)


def iter_batches(path: Path | str, record_tag: str, batch_bytes: int = BLOCK_SIZE) -> Iterator[Batch]:
    """Yield batches of whole records from a dump file."""
    with open_dump(path) as stream:
        yield from RecordSplitter(stream, record_tag, path, batch_bytes)


def iter_bytes_batches(data: bytes, record_tag: str, name: str = "<bytes>") -> Iterator[Batch]:
    """Yield batches from an in-memory document; used by tests and small inputs."""
    yield from RecordSplitter(io.BytesIO(data), record_tag, name)
