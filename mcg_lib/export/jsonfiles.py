"""Compact JSON files and their gzipped sizes."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

from mcg_lib.errors import PublishError
from mcg_lib.export.layout import MAX_FILE_BYTES, MAX_SHARDS, TARGET_SHARD_BYTES


def dump_json(data: Any) -> bytes:
    """Serialise compact UTF-8 JSON; names keep their characters rather than \\u escapes."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def gzip_size(payload: bytes) -> int:
    """Return the gzipped size of ``payload`` at level 9, as a static host would serve it."""
    return len(gzip.compress(payload, compresslevel=9, mtime=0))


def write_bytes(folder: Path, relative: str, payload: bytes) -> int:
    """Write ``payload`` to ``folder/relative`` and return its size.

    Raises PublishError past the static host's per-file limit.
    """
    if len(payload) > MAX_FILE_BYTES:
        raise PublishError(
            f"{relative} would be {len(payload):,} bytes, "
            f"over the {MAX_FILE_BYTES:,}-byte file limit",
            hint="lower the caps in mcg_lib/export/layout.py or precompute fewer artists (--top)",
        )
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return len(payload)


def write_json(folder: Path, relative: str, data: Any) -> int:
    """Write compact JSON to ``folder/relative`` and return its size in bytes."""
    return write_bytes(folder, relative, dump_json(data))


def shard_count(total_bytes: int) -> int:
    """Return a power of two of shards that keeps each near TARGET_SHARD_BYTES."""
    wanted = max(1, math.ceil(total_bytes / TARGET_SHARD_BYTES))
    count = 1
    while count < wanted and count < MAX_SHARDS:
        count *= 2
    return count
