"""Parse one batch of records into Arrow tables: the unit of work of the ingest."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from mcg_lib.errors import InputError
from mcg_lib.ingest import compiled
from mcg_lib.ingest.records import PARSERS
from mcg_lib.ingest.records.shape import SHAPES, count_unread
from mcg_lib.ingest.schema import RECORD_TAG, SCHEMAS, TABLES_BY_KIND
from mcg_lib.ingest.text import parse_roles, to_id

# XML 1.0 forbids C0 control characters other than TAB, LF and CR, as raw
# bytes and as character references; old dumps contain both.
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
_CONTROL_REF_RE = re.compile(rb"&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));")
_SUFFIX_RE = r" \(\d+\)$"
# A CR written as a character reference, in any of its spellings.
_CR_REF_RE = re.compile(rb"&#(?:0*13|x0*[dD]);")

# Elements counted in the raw bytes, independently of the parse, to reconcile
# with the rows the parsers wrote. Text never holds a raw "<", so a start tag in
# the bytes is an element. Only the largest tables are counted, because each
# marker is one more pass over the batch; labels are left out because their
# record and sublabel elements share the tag <label>.
_ELEMENT_MARKERS = {
    "releases": {
        "releases": (b"<release ", b"<release>"),
        "release_credits": (b"<artist>",),
        "tracks": (b"<track>",),
    },
    "masters": {"masters": (b"<master ", b"<master>"), "master_artists": (b"<artist>",)},
    "artists": {"artists": (b"<artist>",)},
    "labels": {},
}

# Columns the parsers leave as text (ids) or empty (roles) so the batch can
# convert each column at once in Arrow instead of value by value in Python.
_ID_TEXT_COLUMNS = {"release_credits": "artist_id", "master_artists": "artist_id"}
ROLE_TYPE = SCHEMAS["release_credits"].field("roles").type

_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True, collect_ids=False)


@dataclass
class BatchResult:
    """The tables parsed from one batch, and what was counted along the way."""

    index: int
    tables: dict[str, pa.Table]
    records: int
    skipped_without_id: int = 0
    first_id: int | None = None
    last_id: int | None = None
    unknown: Counter = field(default_factory=Counter)
    elements: Counter = field(default_factory=Counter)
    control_chars_removed: int = 0
    invalid_utf8_replaced: int = 0
    # Which converter read the batch, and why the compiled one gave it back.
    converter: str = "lxml"
    gave_back: str = ""
    # logical_bytes of each table when the converter computed it, for the writer.
    sizes: dict[str, int] = field(default_factory=dict)


def parse_batch(
    kind: str, data: bytes, *, index: int = 0, path: str = "", line: int = 1, use_compiled: bool | None = None
) -> BatchResult:
    """Parse a batch of whole ``kind`` records (bytes without the root element).

    Release batches go through the compiled converter unless ``use_compiled``
    is False, and None follows MCG_INGEST_CONVERTER. A batch it gives back,
    and every other kind, is parsed with lxml.
    """
    reason = ""
    if kind == "releases" and (compiled.enabled() if use_compiled is None else use_compiled):
        converted, reason = compiled.convert(data)
        if converted is not None:
            return _compiled_result(kind, data, index, converted)

    result = _parse_with_lxml(kind, data, index, path, line)
    result.gave_back = reason
    return result


def _compiled_result(kind: str, data: bytes, index: int, converted: compiled.Converted) -> BatchResult:
    tables = {
        table: pa.Table.from_batches([record_batch], schema=SCHEMAS[table])
        for table, record_batch in converted.batches.items()
    }
    return BatchResult(
        index=index, tables=tables, records=converted.records,
        skipped_without_id=converted.skipped_without_id, first_id=converted.first_id,
        last_id=converted.last_id, unknown=converted.unknown, elements=converted.elements,
        converter="compiled", sizes=converted.sizes,
    )


def _parse_with_lxml(kind: str, data: bytes, index: int, path: str, line: int) -> BatchResult:
    root, removed, replaced = _parse_xml(data, kind, path, line)
    parser = PARSERS[kind]
    shape = SHAPES[kind]
    record_tag = RECORD_TAG[kind]
    rows: dict[str, list[tuple]] = {table: [] for table in TABLES_BY_KIND[kind]}
    unknown: Counter = Counter()

    records = skipped = 0
    first_id = last_id = None
    for record in root:
        if record.tag != record_tag:
            if isinstance(record.tag, str):
                unknown[f"{kind}/{record.tag}"] += 1
            continue
        records += 1
        record_id = parser(record, rows, unknown)
        if record_id is None:
            skipped += 1
            continue
        count_unread(record, shape, record_tag, unknown)
        if first_id is None:
            first_id = record_id
        last_id = record_id

    elements = count_elements(kind, data)
    needs_cr_fix = _CR_REF_RE.search(data) is not None
    tables = {table: _to_table(table, table_rows, needs_cr_fix) for table, table_rows in rows.items()}
    return BatchResult(
        index=index, tables=tables, records=records, skipped_without_id=skipped, first_id=first_id,
        last_id=last_id, unknown=unknown, elements=elements, control_chars_removed=removed,
        invalid_utf8_replaced=replaced,
    )


def _parse_xml(data: bytes, kind: str, path: str, line: int):
    """Parse the batch; on failure, clean what XML forbids and try once more."""
    document = b"<batch>" + data + b"</batch>"
    try:
        return etree.fromstring(document, _PARSER), 0, 0
    except etree.XMLSyntaxError as error:
        failure = error

    cleaned, removed, replaced = sanitize(data)
    if removed or replaced:
        try:
            return etree.fromstring(b"<batch>" + cleaned + b"</batch>", _PARSER), removed, replaced
        except etree.XMLSyntaxError as error:
            failure = error
    raise _syntax_error(failure, data, kind, path, line) from None


def sanitize(data: bytes) -> tuple[bytes, int, int]:
    """Remove control characters XML forbids and replace invalid UTF-8.

    Returns the cleaned bytes, the number of control characters removed and
    the number of invalid UTF-8 sequences replaced with U+FFFD.
    """
    without_bytes = data.translate(None, _CONTROL_BYTES)
    cleaned, refs = _CONTROL_REF_RE.subn(b"", without_bytes)
    removed = len(data) - len(without_bytes) + refs

    replaced = 0
    try:
        cleaned.decode("utf-8")
    except UnicodeDecodeError:
        text = cleaned.decode("utf-8", errors="replace")
        replaced = text.count("\ufffd") - cleaned.decode("utf-8", errors="ignore").count("\ufffd")
        cleaned = text.encode("utf-8")
    return cleaned, removed, replaced


def _syntax_error(error: etree.XMLSyntaxError, data: bytes, kind: str, path: str, line: int) -> InputError:
    err_line = getattr(error, "lineno", None) or 1
    absolute = line + err_line - 1
    record_id = _record_id_near(data, kind, err_line)
    ends_early = "end of data" in str(error).lower() or "premature end" in str(error).lower()
    hint = (
        "the file ends inside a record: the download was probably interrupted; run 'mcg fetch' again"
        if ends_early
        else "the file is not well-formed XML at that line; check the download with 'mcg fetch' "
        "(it verifies checksums), or report the record if the file is intact"
    )
    return InputError(f"invalid XML near line {absolute}: {error.msg}", path=path, record_id=record_id, hint=hint)


def _record_id_near(data: bytes, kind: str, err_line: int) -> str | None:
    """Return the id of the last record that starts before the failing line."""
    lines = data.split(b"\n", err_line)[:err_line]
    tag = RECORD_TAG[kind].encode()
    for text in reversed(lines):
        if text.lstrip().startswith(b"<" + tag):
            match = re.search(rb'\bid="(\d+)"|<id>(\d+)</id>', text)
            if match:
                return (match.group(1) or match.group(2)).decode()
    return None


def count_elements(kind: str, data: bytes) -> Counter:
    """Count the start tags of reconciled tables in the raw bytes of a batch."""
    return Counter(
        {table: sum(data.count(marker) for marker in markers) for table, markers in _ELEMENT_MARKERS[kind].items()}
    )


def _to_table(table: str, rows: list[tuple], fix_cr: bool) -> pa.Table:
    schema = SCHEMAS[table]
    if not rows:
        return schema.empty_table()
    columns = list(zip(*rows, strict=True))
    id_column = _ID_TEXT_COLUMNS.get(table)
    arrays = []
    for column, schema_field in zip(columns, schema, strict=True):
        if schema_field.name == id_column:
            arrays.append(_ids_from_text(column))
            continue
        if schema_field.name == "roles":
            arrays.append(None)
            continue
        array = pa.array(column, type=schema_field.type)
        if fix_cr:
            array = _lf_line_ends(array)
        arrays.append(array)

    if "roles" in schema.names:
        index = schema.get_field_index("roles")
        arrays[index] = _roles_from_text(arrays[schema.get_field_index("role_raw")])
    result = pa.Table.from_arrays(arrays, schema=schema)
    if "name_display" in schema.names:
        display = pc.replace_substring_regex(result["name"], _SUFFIX_RE, "")
        result = result.set_column(schema.get_field_index("name_display"), "name_display", display)
    return result


def _lf_line_ends(array: pa.Array) -> pa.Array:
    """Turn CR-LF and CR into LF: &#13; in the dumps becomes CR after parsing, and the catalog stores LF."""
    if pa.types.is_string(array.type):
        return pc.replace_substring(pc.replace_substring(array, "\r\n", "\n"), "\r", "\n")
    if pa.types.is_list(array.type) and pa.types.is_string(array.type.value_type):
        values = _lf_line_ends(array.values)
        return pa.ListArray.from_arrays(array.offsets, values, mask=array.is_null())
    return array


def _ids_from_text(column: tuple) -> pa.Array:
    """Convert id texts to int64, with 0 (an unlinked credit) and junk as null."""
    text = pa.array(column, type=pa.string())
    ids = None
    # Arrow's cast also reads "0x10" as hex, so it is used only on plain digits.
    if pc.all(pc.ascii_is_decimal(text)).as_py() is not False:
        try:
            ids = pc.cast(text, pa.int64())
        except pa.ArrowInvalid:  # beyond 64 bits
            ids = None
    if ids is None:
        ids = pa.array([to_id(value) for value in column], type=pa.int64())
    return pc.if_else(pc.greater(ids, 0), ids, pa.scalar(None, pa.int64()))


def _roles_from_text(role_raw: pa.Array) -> pa.Array:
    """Parse each distinct role text of the batch once and spread the result."""
    encoded = pc.dictionary_encode(role_raw)
    parsed = [parse_roles(text) for text in encoded.dictionary.to_pylist()]
    return pa.array(parsed, type=ROLE_TYPE).take(encoded.indices)
