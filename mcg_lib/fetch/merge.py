"""Merge several dump files of one kind into one gzipped dump.

Records are copied byte for byte in file order under one root element. A
record whose id was already written is dropped and counted: excerpts found in
the wild repeat records of the full dump next to them.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mcg_lib.errors import InputError
from mcg_lib.fetch.layout import RECORD_TAGS, damaged_dump, open_dump
from mcg_lib.fetch.records import iter_records
from mcg_lib.fetch.sniff import DumpFile
from mcg_lib.log import get_logger

try:
    from isal import igzip as _fast_gzip
except ImportError:  # isal may lack a wheel for some platforms
    _fast_gzip = None

log = get_logger(__name__)

# Discogs ids are positive integers in the tens of millions. One bit per id
# needs a few MB, where a Python set of ints costs about 65 bytes per id.
_MAX_BITMAP_ID = 1 << 32

_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}


class SeenIds:
    """Set of record ids: a bitmap for integer ids, a Python set for any others."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self._others: set[str] = set()

    def add(self, record_id: str) -> bool:
        """Add an id and return whether it was new."""
        number = int(record_id) if record_id.isdigit() else -1
        if not 0 <= number < _MAX_BITMAP_ID:
            if record_id in self._others:
                return False
            self._others.add(record_id)
            return True

        byte, bit = divmod(number, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        mask = 1 << bit
        if self._bits[byte] & mask:
            return False
        self._bits[byte] |= mask
        return True


@dataclass
class SourceCount:
    """Records read from one source file and how many of them were dropped."""

    records: int = 0
    dropped: int = 0
    without_id: int = 0


@dataclass
class MergeResult:
    """The merged file and what went into it."""

    records: int
    dropped: int
    bytes: int
    sha256: str
    sources: list[SourceCount] = field(default_factory=list)


class _HashingWriter:
    """A binary file wrapper that hashes and counts what is written through it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


def merge_dumps(sources: list[DumpFile], target: Path) -> MergeResult:
    """Write the records of ``sources`` (all of one kind) to a gzipped ``target``.

    Raises InputError if a source is truncated, malformed or not UTF-8.
    """
    kind = sources[0].kind
    record_tag = RECORD_TAGS[kind]
    for source in sources:
        _check_encoding(source)

    seen = SeenIds()
    counts = [SourceCount() for _ in sources]
    with open(target, "wb") as raw:
        writer = _HashingWriter(raw)
        with _gzip_writer(writer) as out:
            out.write(f"<{kind}>\n".encode("ascii"))
            for source, count in zip(sources, counts, strict=True):
                _copy_records(source, record_tag, seen, count, out)
            out.write(f"</{kind}>\n".encode("ascii"))

    written = sum(c.records - c.dropped for c in counts)
    return MergeResult(
        records=written,
        dropped=sum(c.dropped for c in counts),
        bytes=writer.size,
        sha256=writer.digest.hexdigest(),
        sources=counts,
    )


def _copy_records(
    source: DumpFile, record_tag: str, seen: SeenIds, count: SourceCount, out: BinaryIO
) -> None:
    with damaged_dump(source.path), open_dump(source.path) as stream:
        for record in iter_records(stream, record_tag, path=source.path):
            count.records += 1
            if record.id is None:
                # Without an id a duplicate cannot be detected, so the record is kept.
                count.without_id += 1
            elif not seen.add(record.id):
                count.dropped += 1
                log.debug(
                    "%s: dropped %s %s, already merged from an earlier file",
                    source.path.name,
                    record_tag,
                    record.id,
                )
                continue
            out.write(record.data)
            out.write(b"\n")

    if count.without_id:
        log.warning(
            "%s: %d %s records have no id and were kept without a duplicate check",
            source.path,
            count.without_id,
            record_tag,
        )


def _gzip_writer(writer: _HashingWriter):
    # mtime=0 and no file name in the header make the output depend only on the
    # records, so merging the same inputs twice gives the same bytes.
    if _fast_gzip is not None:
        return _fast_gzip.IGzipFile(filename="", mode="wb", fileobj=writer, mtime=0)
    return gzip.GzipFile(filename="", mode="wb", fileobj=writer, mtime=0)


def _check_encoding(source: DumpFile) -> None:
    if source.encoding not in _UTF8_NAMES:
        raise InputError(
            f"declares encoding {source.encoding}; merged dumps are written as UTF-8",
            path=source.path,
            hint="convert the file to UTF-8 (for example with iconv), or import it on its own",
        )
