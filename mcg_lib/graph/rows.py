"""Single values of a mapped Arrow IPC table, read with ``pread`` instead of through the map.

A long-running server reads a few values of the node tables per chain it describes,
scattered over gigabytes. Through a map, each value costs a page fault and
adds the page to the process's resident memory. Recent kernels map the whole
large folio of the page cache that contains it (up to several MB), so a
server that describes random chains grows towards the size of its tables.
``pread`` copies just the bytes out of the page cache, for about a
microsecond each.

The table is still opened through the map, for its schema and the positions
of its buffers; only the values are read with ``pread``. Supported column
types are the ones the node tables contain: integers, booleans and strings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

_UNSIGNED = frozenset({pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()})


@dataclass(frozen=True)
class _Column:
    kind: str  # "int", "bool" or "string"
    width: int  # bytes per value, for integers
    signed: bool
    first: int  # the array's offset, in rows
    validity: int | None  # file position of the validity bitmap
    values: int  # file position of the values, or of the string offsets
    data: int  # file position of the string bytes


class PreadRows:
    """Reads single values of a one-chunk table mapped from ``path``."""

    def __init__(self, table: pa.Table, base_address: int, path: os.PathLike) -> None:
        self._descriptor = os.open(path, os.O_RDONLY)
        self._columns = {
            name: _column(table.column(name).chunk(0), base_address) for name in table.column_names
        }

    def __del__(self) -> None:
        descriptor = getattr(self, "_descriptor", None)
        if descriptor is not None:
            os.close(descriptor)

    def value(self, name: str, row: int) -> Any:
        """Return the value of column ``name`` at ``row`` as a Python object."""
        column = self._columns[name]
        position = column.first + row
        if column.validity is not None and not self._bit(column.validity, position):
            return None
        if column.kind == "bool":
            return self._bit(column.values, position)
        if column.kind == "int":
            raw = os.pread(self._descriptor, column.width, column.values + position * column.width)
            return int.from_bytes(raw, "little", signed=column.signed)
        bounds = os.pread(self._descriptor, 8, column.values + position * 4)
        start = int.from_bytes(bounds[:4], "little", signed=True)
        end = int.from_bytes(bounds[4:], "little", signed=True)
        if end == start:  # an all-empty column may have no data buffer at all
            return ""
        return os.pread(self._descriptor, end - start, column.data + start).decode()

    def row(self, row: int, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
        names = columns if columns is not None else tuple(self._columns)
        return {name: self.value(name, row) for name in names}

    def search_sorted(self, name: str, value: int, length: int) -> int:
        """Return the first row whose value in ``name`` (ascending, no nulls) is not below ``value``."""
        low, high = 0, length
        while low < high:
            middle = (low + high) // 2
            if self.value(name, middle) < value:
                low = middle + 1
            else:
                high = middle
        return low

    def _bit(self, position: int, index: int) -> bool:
        byte = os.pread(self._descriptor, 1, position + index // 8)[0]
        return bool(byte >> (index % 8) & 1)


class PreadArray:
    """Single items of a one-dimensional ``.npy`` file, read with ``pread``."""

    def __init__(self, array: np.ndarray, path: os.PathLike) -> None:
        self._descriptor = os.open(path, os.O_RDONLY)
        self._dtype = array.dtype
        # The map starts at the file's first byte, so the array's offset into it is its header.
        self._start = array.__array_interface__["data"][0] - _map_address(array)

    def __del__(self) -> None:
        descriptor = getattr(self, "_descriptor", None)
        if descriptor is not None:
            os.close(descriptor)

    def __getitem__(self, index: int) -> Any:
        size = self._dtype.itemsize
        raw = os.pread(self._descriptor, size, self._start + index * size)
        return np.frombuffer(raw, dtype=self._dtype)[0]


def _map_address(array: np.ndarray) -> int:
    base = array.base
    while isinstance(base, np.ndarray):
        base = base.base
    return np.frombuffer(base, dtype=np.uint8).__array_interface__["data"][0]


def _column(array: pa.Array, base_address: int) -> _Column:
    buffers = array.buffers()
    validity = buffers[0].address - base_address if buffers[0] is not None and array.null_count else None
    # An array of nulls only may come without a values buffer, and its validity is read first.
    values = buffers[1].address - base_address if buffers[1] is not None else 0
    if pa.types.is_string(array.type):
        data = buffers[2].address - base_address if buffers[2] is not None else 0
        return _Column("string", 0, False, array.offset, validity, values, data)
    if pa.types.is_boolean(array.type):
        return _Column("bool", 0, False, array.offset, validity, values, 0)
    if pa.types.is_integer(array.type):
        width = array.type.bit_width // 8
        return _Column("int", width, array.type not in _UNSIGNED, array.offset, validity, values, 0)
    raise TypeError(f"no pread reader for a column of type {array.type}")
