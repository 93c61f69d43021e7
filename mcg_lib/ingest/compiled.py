"""The compiled converter for release batches (releases.c), loaded with ctypes.

It gives the same tables as the lxml converter, several times faster. Some
batches it does not handle exactly: comments, control characters, invalid
UTF-8, a number written in non-ASCII digits, XML that is not well-formed.
Those come back as None with the reason, and the caller parses them with
lxml, which also raises the errors. ``MCG_INGEST_CONVERTER=lxml`` turns the
compiled converter off.
"""

from __future__ import annotations

import ctypes
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from mcg_lib.errors import ConfigError
from mcg_lib.ingest.schema import SCHEMAS

LIBRARY = Path(__file__).with_name("_releases.so")
ENV = "MCG_INGEST_CONVERTER"

# The tables in the order of the table enum in releases.c.
TABLES = (
    "releases", "release_credits", "release_labels", "release_companies", "release_formats",
    "release_genres", "release_styles", "release_identifiers", "release_series", "release_videos",
    "release_images", "tracks",
)

_OK, _UNSUPPORTED, _NO_MEMORY = 0, 1, 2
_I64, _I32, _BOOL, _STR, _STRLIST, _ROLES = range(6)
_ARROW_TYPES = {
    _I64: pa.int64(), _I32: pa.int32(), _BOOL: pa.bool_(), _STR: pa.string(), _STRLIST: pa.list_(pa.string()),
    _ROLES: SCHEMAS["release_credits"].field("roles").type,
}


@dataclass
class Converted:
    """The tables and counts the compiled converter read from one batch.

    ``batches`` contain every column of each table, in schema order.
    """

    batches: dict[str, pa.RecordBatch]
    sizes: dict[str, int]  # logical_bytes of each table, as writer.py computes it
    records: int
    skipped_without_id: int
    first_id: int | None
    last_id: int | None
    unknown: Counter = field(default_factory=Counter)
    elements: Counter = field(default_factory=Counter)


class _Handle:
    """Owns one converter context; exported tables own their buffers themselves."""

    def __init__(self, library: ctypes.CDLL):
        self._free = library.mcg_releases_free
        self.pointer = library.mcg_releases_new()
        if not self.pointer:
            raise MemoryError("the release converter could not allocate its context")

    def __del__(self):
        if getattr(self, "pointer", None):
            self._free(self.pointer)
            self.pointer = None


class _ArrowArray(ctypes.Structure):
    """struct ArrowArray of the Arrow C data interface."""

    _fields_ = [
        ("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
        ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64), ("buffers", ctypes.c_void_p),
        ("children", ctypes.c_void_p), ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


CHOICES = ("compiled", "lxml")


def enabled() -> bool:
    """Return whether release batches go through the compiled converter, as set by MCG_INGEST_CONVERTER."""
    value = os.environ.get(ENV, "").strip().lower() or "compiled"
    if value not in CHOICES:
        raise ConfigError(
            f"invalid {ENV}={os.environ[ENV]!r}: not a converter",
            hint=f"set {ENV} to compiled (the default) or lxml, or unset it",
        )
    return value == "compiled"


def convert(data: bytes) -> tuple[Converted | None, str]:
    """Convert a batch of whole <release> records; (None, reason) when lxml must parse it."""
    library = _library()
    handle = _Handle(library)
    status = library.mcg_releases_parse(handle.pointer, data, len(data))
    if status == _NO_MEMORY:
        raise MemoryError("the release converter ran out of memory")
    if status == _UNSUPPORTED:
        return None, library.mcg_releases_reason(handle.pointer).decode()

    counts = (ctypes.c_int64 * 9)()
    library.mcg_releases_counts(handle.pointer, counts)
    records, skipped, first_id, last_id, has_first, _, releases, credits, tracks = counts
    batches, sizes = {}, {}
    for number, name in enumerate(TABLES):
        batches[name], sizes[name] = _export(library, handle, number, name)
    return Converted(
        batches=batches,
        sizes=sizes,
        records=records,
        skipped_without_id=skipped,
        first_id=first_id if has_first else None,
        last_id=last_id if has_first else None,
        unknown=_unknown(library, handle),
        elements=Counter({"releases": releases, "release_credits": credits, "tracks": tracks}),
    ), ""


def _export(library: ctypes.CDLL, handle: _Handle, number: int, name: str) -> tuple[pa.RecordBatch, int]:
    """Take one table out of the converter, without copying its buffers; return it and its logical size."""
    array = _ArrowArray()
    size = ctypes.c_int64()
    if library.mcg_releases_export(handle.pointer, number, ctypes.byref(array), ctypes.byref(size)) != 0:
        raise MemoryError("the release converter ran out of memory")
    return pa.RecordBatch._import_from_c(ctypes.addressof(array), SCHEMAS[name]), size.value


def count_lines(data: bytes) -> int:
    """Count the LF bytes of ``data``, in C when the compiled converter is on, so the GIL is free meanwhile.

    With MCG_INGEST_CONVERTER=lxml the library is never loaded, so a broken
    build cannot stop that way of ingesting.
    """
    library = _library_if_enabled()
    if library is None:
        return data.count(b"\n")
    return library.mcg_count_lines(data, len(data))


def find(data: bytes, needle: bytes) -> int:
    """Return ``data.find(needle)``, in C when the compiled converter is on, so the GIL is free meanwhile."""
    library = _library_if_enabled()
    if library is None:
        return data.find(needle)
    return library.mcg_find(data, len(data), needle, len(needle))


def _library_if_enabled() -> ctypes.CDLL | None:
    """Return the loaded library, or None when the converter is off or cannot load (the caller uses Python)."""
    if not enabled():
        return None
    try:
        return _library()
    except ConfigError:
        return None


def _unknown(library: ctypes.CDLL, handle: _Handle) -> Counter:
    """Return the paths of unknown elements and attributes the converter counted."""
    size = ctypes.c_int64()
    address = library.mcg_releases_unknown(handle.pointer, ctypes.byref(size))
    if not size.value:
        return Counter()
    raw = ctypes.string_at(address, size.value)
    return Counter(raw[:-1].decode().split("\0"))


_loaded: ctypes.CDLL | None = None


def _library() -> ctypes.CDLL:
    global _loaded
    if _loaded is None:
        _loaded = _load()
    return _loaded


def _load() -> ctypes.CDLL:
    rebuild = "run `uv sync --reinstall-package mcg`, which needs a C compiler such as gcc, " \
        f"or set {ENV}=lxml to ingest with the slower lxml converter"
    if not LIBRARY.exists():
        raise ConfigError(
            f"the release converter {LIBRARY} is missing; it is compiled from releases.c when mcg is installed",
            hint=rebuild,
        )
    try:
        library = ctypes.CDLL(str(LIBRARY))
        _declare(library)
    except (OSError, AttributeError) as error:
        raise ConfigError(f"the release converter {LIBRARY} cannot be loaded: {error}", hint=rebuild) from error
    _check_schema(library, rebuild)
    return library


def _declare(library: ctypes.CDLL) -> None:
    pointer, int64 = ctypes.c_void_p, ctypes.c_int64
    library.mcg_releases_new.restype = pointer
    library.mcg_releases_new.argtypes = []
    library.mcg_releases_free.argtypes = [pointer]
    library.mcg_releases_free.restype = None
    library.mcg_releases_parse.argtypes = [pointer, ctypes.c_char_p, int64]
    library.mcg_releases_parse.restype = ctypes.c_int
    library.mcg_releases_reason.argtypes = [pointer]
    library.mcg_releases_reason.restype = ctypes.c_char_p
    library.mcg_releases_counts.argtypes = [pointer, ctypes.POINTER(int64)]
    library.mcg_releases_counts.restype = None
    library.mcg_releases_unknown.argtypes = [pointer, ctypes.POINTER(int64)]
    library.mcg_releases_unknown.restype = pointer
    library.mcg_releases_column_type.argtypes = [ctypes.c_int, ctypes.c_int]
    library.mcg_releases_column_type.restype = ctypes.c_int
    library.mcg_releases_export.argtypes = [pointer, ctypes.c_int, pointer, ctypes.POINTER(int64)]
    library.mcg_releases_export.restype = ctypes.c_int
    library.mcg_count_lines.argtypes = [ctypes.c_char_p, int64]
    library.mcg_count_lines.restype = int64
    library.mcg_find.argtypes = [ctypes.c_char_p, int64, ctypes.c_char_p, int64]
    library.mcg_find.restype = int64


def _check_schema(library: ctypes.CDLL, rebuild: str) -> None:
    """Fail early if releases.c and schema.py disagree on a table's columns."""
    for number, name in enumerate(TABLES):
        schema = SCHEMAS[name]
        kinds = [library.mcg_releases_column_type(number, index) for index in range(len(schema) + 1)]
        expected = [_ARROW_TYPES.get(kind) for kind in kinds[:-1]]
        matches = kinds[-1] == -1 and all(
            arrow_type == schema_field.type for arrow_type, schema_field in zip(expected, schema, strict=True)
        )
        if not matches:
            raise ConfigError(
                f"the release converter {LIBRARY} does not match the schema of table {name}",
                hint=rebuild,
            )
