"""Compact JSON files and their gzipped sizes."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

from mcg_lib.export.layout import MAX_SHARDS, TARGET_SHARD_BYTES
from mcg_lib.precompute.answers import write_payload


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
    return write_payload(
        folder, relative, payload,
        hint="lower the caps in mcg_lib/export/layout.py or precompute fewer artists (--top)",
    )


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
