"""File names inside a graph snapshot folder, and the Arrow IPC helpers.

A snapshot ``graph/<snapshot>/<ruleset>/`` holds::

    manifest.json                        counts, timings, {file: {sha256, bytes}}
    artists.parquet, releases.parquet    node tables (zstd Parquet, for other tools)
    role_sets.parquet                    role labels of each role set
    lookup/artists.arrow, releases.arrow the same node tables, uncompressed Arrow IPC to map
    lookup/artist_names.arrow            lower-cased names -> artist node, sorted by name
    csr/*.npy                            adjacency arrays, see csr.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)

MANIFEST_FILE = "manifest.json"
ARTISTS_FILE = "artists.parquet"
RELEASES_FILE = "releases.parquet"
ROLE_SETS_FILE = "role_sets.parquet"
ARTISTS_LOOKUP = "lookup/artists.arrow"
RELEASES_LOOKUP = "lookup/releases.arrow"
NAMES_LOOKUP = "lookup/artist_names.arrow"


def read_ipc(path: Path, *, random_access: bool = False) -> pa.Table:
    """Map an Arrow IPC file and return its table without copying the data."""
    return map_ipc(path, random_access=random_access)[0]


def map_ipc(path: Path, *, random_access: bool = False) -> tuple[pa.Table, int]:
    """Map an Arrow IPC file; return its table and the address where the file's first byte is mapped."""
    from mcg_lib.errors import InputError
    from mcg_lib.graph.csr import map_file

    try:
        with open(path, "rb") as file:
            mapped = map_file(file, random_access=random_access)
        buffer = pa.py_buffer(mapped)
        return pa.ipc.open_file(pa.BufferReader(buffer)).read_all(), buffer.address
    except (pa.ArrowInvalid, ValueError) as error:
        raise InputError(
            f"is not a complete Arrow IPC file ({error})",
            path=path,
            hint="the graph is damaged: rebuild it with `mcg graph --snapshot S --ruleset R --force`",
        ) from error


def write_ipc(table: pa.Table, path: Path) -> None:
    """Write an uncompressed Arrow IPC file, so that readers can map it.

    The table is written as one record batch: a row lookup on a mapped table
    then costs one offset computation instead of a search through chunks.
    Values under null slots are written as zeros, so that the same table
    always gives the same bytes. Columns that ``contiguous_column`` returned
    are written without a copy.
    """
    table = pa.table([contiguous_column(column) for column in table.columns], schema=table.schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def contiguous_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return ``column`` as one chunk with zeros under null integers, copying only if it must."""
    if column.num_chunks == 1:
        array = column.chunk(0)
    elif column.num_chunks == 0:
        array = pa.array([], type=column.type)
    else:
        array = pa.concat_arrays(column.chunks)
    if _has_values_under_nulls(array):
        values = array.fill_null(0).to_numpy()
        array = pa.array(values, type=array.type, mask=array.is_null().to_numpy(zero_copy_only=False))
    return pa.chunked_array([_without_stray_bits(array)], type=column.type)


def _without_stray_bits(array: pa.Array) -> pa.Array:
    """Return ``array`` with the validity bits past its last row cleared.

    IPC writes the last byte of a validity bitmap whole, and producers leave
    whatever was in memory in the bits after the last row.
    """
    validity = array.buffers()[0]
    length, nested = len(array), array.type.num_fields > 0 or pa.types.is_dictionary(array.type)
    if validity is None or array.offset != 0 or length % 8 == 0 or nested:
        return array
    last = length // 8
    byte = np.frombuffer(validity, dtype=np.uint8, count=1, offset=last)[0]
    kept = byte & ((1 << (length % 8)) - 1)
    if kept == byte:
        return array
    bits = np.frombuffer(validity, dtype=np.uint8, count=last + 1).copy()
    bits[last] = kept
    buffers = [pa.py_buffer(bits.tobytes()), *array.buffers()[1:]]
    return pa.Array.from_buffers(array.type, length, buffers, null_count=array.null_count)


def _has_values_under_nulls(array: pa.Array) -> bool:
    # Producers such as DuckDB leave whatever was in memory under a null
    # integer, and IPC writes the value buffer as it is.
    if array.null_count == 0 or not pa.types.is_integer(array.type):
        return False
    validity, data = array.buffers()[0], array.buffers()[1]
    window = slice(array.offset, array.offset + len(array))
    valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[window]
    values = np.frombuffer(data, dtype=array.type.to_pandas_dtype())[window]
    return bool(values[valid == 0].any())
