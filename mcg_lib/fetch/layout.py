"""File names of a raw snapshot, and how later stages find and open its dumps.

A published raw snapshot is ``raw/<snapshot>/`` plus its manifest
``manifests/raw/<snapshot>.json``. The manifest, not the folder listing, records
which file contains which kind of dump, because imported files keep their bytes
(gzipped or plain XML) and a kind may be missing.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mcg_lib.errors import InputError, NotFoundError
from mcg_lib.ingest.schema import KINDS, RECORD_TAG
from mcg_lib.paths import DataRoot
from mcg_lib.publish import read_json

try:
    from isal import igzip as _fast_gzip
    from isal.isal_zlib import error as _isal_error
except ImportError:  # isal may lack a wheel for some platforms
    _fast_gzip = None
    _isal_error = zlib.error

# Exceptions the decompressors raise on a truncated or damaged gzip stream.
_DECOMPRESS_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error, _isal_error)

# The record element of each dump: its root is the plural, each record the singular.
RECORD_TAGS = RECORD_TAG

GZIP_MAGIC = b"\x1f\x8b"


def dump_name(snapshot: str, kind: str, *, gzipped: bool = True) -> str:
    """Return the Discogs file name of one dump, such as discogs_20250101_releases.xml.gz."""
    suffix = ".xml.gz" if gzipped else ".xml"
    return f"discogs_{snapshot}_{kind}{suffix}"


def checksum_name(snapshot: str) -> str:
    """Return the name of the checksum file Discogs publishes next to the dumps."""
    return f"discogs_{snapshot}_CHECKSUM.txt"


def is_gzip(path: Path) -> bool:
    """Return whether a file starts with the gzip magic bytes, whatever its name."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


@contextmanager
def damaged_dump(path: Path) -> Iterator[None]:
    """Turn the decompressor's errors while reading ``path`` into an InputError naming it.

    A truncated gzip file ends in EOFError, which a command-line tool would
    otherwise report as if the user had pressed Ctrl-D.
    """
    try:
        yield
    except _DECOMPRESS_ERRORS as error:
        raise InputError(
            f"the compressed data is truncated or damaged ({error})",
            path=path,
            hint="copy or download this file again, then rerun with --force "
            "(in `mcg pipeline run`: --force fetch)",
        ) from error


def open_dump(path: Path) -> BinaryIO:
    """Open a dump file for binary reading, decompressing it if it is gzipped.

    Uses isal's igzip when it is installed, else the standard library's gzip.
    """
    path = Path(path)
    if not is_gzip(path):
        return open(path, "rb")
    if _fast_gzip is not None:
        return _fast_gzip.open(path, "rb")
    return gzip.open(path, "rb")


def read_raw_manifest(root: DataRoot, snapshot: str) -> dict:
    """Read the raw manifest of a snapshot, or raise NotFoundError naming how to write it."""
    path = root.raw_manifest(snapshot)
    if not path.is_file():
        raise NotFoundError(
            f"no raw snapshot {snapshot} under {root.root} ({path} is missing)",
            hint=f"run 'mcg fetch --snapshot {snapshot}' or "
            f"'mcg fetch --snapshot {snapshot} --from-dir DIR' first",
        )
    return read_json(path)


def raw_files(root: DataRoot, snapshot: str) -> dict[str, Path]:
    """Return {kind: path} of the dump files of a published raw snapshot.

    Kinds listed as missing in the manifest are absent from the result.
    Raises NotFoundError if the manifest or one of the files it lists is missing.
    """
    manifest = read_raw_manifest(root, snapshot)
    folder = root.raw(snapshot)

    files = {}
    for kind in KINDS:
        entry = manifest.get("files", {}).get(kind)
        if entry is None:
            continue
        path = folder / entry["name"]
        if not path.is_file():
            raise NotFoundError(
                f"raw snapshot {snapshot}: {path} is listed in its manifest but missing",
                hint=f"rerun 'mcg fetch --snapshot {snapshot} --force' to publish it again",
            )
        files[kind] = path
    return files
