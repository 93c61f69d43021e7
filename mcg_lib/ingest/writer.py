"""Write one table's batches to Parquet part files, deterministically.

Row groups and part boundaries depend only on the input (rows and source
bytes), never on timing or worker count, so a rerun writes byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 131_072
# Rows are also flushed when the pending ones reach this size, so that a
# table of long texts (release notes, profiles) does not hold 131,072 rows of
# them in memory. Flushing depends only on the data, so output stays the same.
ROW_GROUP_BYTES = 4 << 20
COMPRESSION = "zstd"


def logical_bytes(table: pa.Table) -> int:
    """Estimate a table's size from its values alone.

    ``Table.nbytes`` depends on how the buffers were built (in this process,
    after a round trip through pickle, or by the compiled converter), and
    flushing on it would make row groups depend on that too.
    """
    total = 0
    for column in table.columns:
        for chunk in column.chunks:
            total += _chunk_bytes(chunk)
    return total


def _chunk_bytes(chunk: pa.Array) -> int:
    rows = len(chunk)
    if not rows:
        return 0
    kind = chunk.type
    if pa.types.is_string(kind) or pa.types.is_binary(kind) or pa.types.is_list(kind):
        offsets = memoryview(chunk.buffers()[1]).cast("i")
        items = offsets[chunk.offset + rows] - offsets[chunk.offset]
        # A list's items are counted at a flat 16 bytes: close enough to flush on.
        return 4 * rows + (items if not pa.types.is_list(kind) else 16 * items)
    if pa.types.is_boolean(kind):
        return (rows + 7) // 8
    return rows * max(kind.bit_width // 8, 1) if hasattr(kind, "bit_width") else 8 * rows


def part_name(number: int) -> str:
    return f"part-{number:05d}.parquet"


class TableWriter:
    """Append Arrow tables to ``<folder>/<table>/part-NNNNN.parquet`` files."""

    def __init__(self, folder: Path, table: str, schema: pa.Schema, first_part: int = 0):
        self.folder = Path(folder) / table
        self.folder.mkdir(parents=True, exist_ok=True)
        self.table = table
        self.schema = schema
        self.part = first_part
        self.parts_written = 0
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def write(self, table: pa.Table, size: int | None = None) -> None:
        """Append rows; ``size`` is their logical_bytes when the caller knows it already."""
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        self._pending_bytes += logical_bytes(table) if size is None else size
        self.rows += table.num_rows
        if self._pending_rows >= ROW_GROUP_ROWS or self._pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def next_part(self) -> None:
        """Close the current part file; later rows go to the next one."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self.part += 1

    def close(self) -> None:
        self.next_part()
        if self.parts_written == 0:
            # Every table gets at least one file, so readers can always glob it.
            pq.write_table(self.schema.empty_table(), self.folder / part_name(self.part), compression=COMPRESSION)
            self.parts_written = 1

    def _flush(self) -> None:
        if not self._pending:
            return
        data = pa.concat_tables(self._pending).combine_chunks()
        self._pending = []
        self._pending_rows = 0
        self._pending_bytes = 0
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self.folder / part_name(self.part), self.schema, compression=COMPRESSION
            )
            self.parts_written += 1
        for start in range(0, data.num_rows, ROW_GROUP_ROWS):
            self._writer.write_table(data.slice(start, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
