"""Tell which kind of Discogs dump a file is from its first start tag.

File names of dumps found in the wild vary (``discogs_test_releases.xml.gz``,
``releases_sample.xml.gz``, ``discogs_20250101_r2460568.xml``), so the kind is
read from the content: the root ``<releases>``, or a bare ``<release>`` record
in the rootless files Discogs published before mid-2014.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from mcg_lib.errors import InputError
from mcg_lib.fetch.layout import GZIP_MAGIC, RECORD_TAGS

# Enough for an XML declaration, a comment or two and the first start tag.
_HEAD_BYTES = 64 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
_START_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

_KIND_BY_TAG = {tag: kind for kind, tag in RECORD_TAGS.items()}
_KIND_BY_TAG.update({kind: kind for kind in RECORD_TAGS})

# Magic bytes of compressions that Discogs never used, so the warning can name them.
_OTHER_COMPRESSIONS = {
    b"BZh": "bzip2",
    b"\xfd7zXZ": "xz",
    b"PK\x03\x04": "zip",
    b"\x28\xb5\x2f\xfd": "zstd",
}


class NotADumpError(Exception):
    """A file is not a Discogs dump. The message gives the reason, for the warning that skips it."""


@dataclass(frozen=True)
class DumpFile:
    """A file recognised as a Discogs dump."""

    path: Path
    kind: str
    rooted: bool  # False for a sequence of bare records without the plural root
    gzipped: bool
    encoding: str  # from the XML declaration; utf-8 when there is none, as in every dump


def sniff_dump(path: Path) -> DumpFile:
    """Read the start of a file and return what kind of dump it is.

    Raises NotADumpError for a file that is not a Discogs dump, and InputError
    for a gzip file that cannot be decompressed.
    """
    path = Path(path)
    raw = _read_start(path, _HEAD_BYTES)
    gzipped = raw.startswith(GZIP_MAGIC)
    head = _gunzip_start(raw, path) if gzipped else raw

    for magic, name in _OTHER_COMPRESSIONS.items():
        if head.startswith(magic):
            raise NotADumpError(f"it is {name}-compressed; mcg reads gzip or plain XML dumps")

    tag, encoding = _first_start_tag(head)
    kind = _KIND_BY_TAG.get(tag)
    if kind is None:
        raise NotADumpError(
            f"its first element <{tag}> is not the root or a record of a Discogs dump"
        )

    return DumpFile(
        path=path,
        kind=kind,
        rooted=tag == kind,
        gzipped=gzipped,
        encoding=encoding,
    )


def _read_start(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _gunzip_start(raw: bytes, path: Path) -> bytes:
    # A streaming decompressor accepts a truncated stream, so the first
    # 64 KiB of a multi-gigabyte dump decompress without reading the rest.
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        return decompressor.decompress(raw, _HEAD_BYTES)
    except zlib.error as error:
        raise InputError(
            f"not a readable gzip file ({error})",
            path=path,
            hint="download or copy the file again; a complete dump decompresses with 'gzip -t'",
        ) from None


def _first_start_tag(head: bytes) -> tuple[str, str]:
    """Return the name of the first element and the declared encoding."""
    head = head.removeprefix(_UTF8_BOM)
    encoding = "utf-8"
    pos = 0
    while True:
        start = head.find(b"<", pos)
        if start < 0 or head[pos:start].strip():
            raise NotADumpError("it does not start with an XML element")

        if head.startswith(b"<?", start):
            end = head.find(b"?>", start)
            declared = _ENCODING.search(head, start, end if end >= 0 else len(head))
            if head.startswith(b"<?xml", start) and declared:
                encoding = declared.group(1).decode("ascii").lower()
            pos = _skip_to(head, end, 2)
        elif head.startswith(b"<!--", start):
            pos = _skip_to(head, head.find(b"-->", start), 3)
        elif head.startswith(b"<!", start):
            pos = _skip_to(head, head.find(b">", start), 1)
        else:
            match = _START_TAG.match(head, start)
            if match is None:
                raise NotADumpError("it does not start with an XML element")
            return match.group(1).decode("ascii", "replace"), encoding


def _skip_to(head: bytes, found: int, length: int) -> int:
    if found < 0:
        raise NotADumpError(f"no start tag in its first {_HEAD_BYTES // 1024} KiB")
    return found + length
