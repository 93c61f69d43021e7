"""Re-shard the precomputed chains for free play into files small enough per request.

The precompute writes ``pairs/`` and ``nodes`` shards sized for the data
root. Here each of its shards is split ``factor`` ways, so the site's shard
count is a multiple of the precompute's and every pair or node keeps the
same rule, ``id % shards``. That lets the split read one precompute shard
at a time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mcg_lib.errors import NotFoundError
from mcg_lib.export.jsonfiles import write_json
from mcg_lib.export.layout import CHAIN_NODES_FILE, MAX_SHARDS, PAIRS_FILE, TARGET_SHARD_BYTES
from mcg_lib.publish import read_json


def _factor(files: list[Path], shards: int) -> int:
    """Return how many ways to split each source shard so the largest lands near the target size."""
    largest = max((path.stat().st_size for path in files), default=0)
    return max(1, min(MAX_SHARDS // max(shards, 1), math.ceil(largest / TARGET_SHARD_BYTES)))


def _source_files(answers: Path, pattern: str, shards: int) -> list[Path]:
    files = [answers / pattern.format(shard=shard) for shard in range(shards)]
    missing = [path for path in files if not path.is_file()]
    if missing:
        raise NotFoundError(
            f"precomputed answer file {missing[0]} is missing",
            hint="rerun 'mcg precompute' for this snapshot and ruleset with --force",
        )
    return files


def export_pairs(answers: Path, layout: dict[str, Any], out: Path) -> dict[str, Any]:
    """Write ``pairs/<n>.json`` and return {"shards", "bytes"}."""
    source_shards = int(layout["pair_shards"])
    files = _source_files(answers, layout["pairs_pattern"], source_shards)
    factor = _factor(files, source_shards)
    shards = source_shards * factor

    total = 0
    for source in files:
        split: dict[int, dict[str, Any]] = {}
        for low, targets in read_json(source).items():
            split.setdefault(int(low) % shards, {})[low] = targets
        for shard, content in split.items():
            total += write_json(out, PAIRS_FILE.format(shard=shard), content)
    _fill_empty(out, PAIRS_FILE, shards, {})
    return {"shards": shards, "bytes": total}


def export_chain_nodes(answers: Path, layout: dict[str, Any], out: Path) -> dict[str, Any]:
    """Write ``chain-nodes/<n>.json`` and return {"shards", "bytes"}.

    Artists and releases go by ``abs(id) % shards``, roles by the release
    part of their "<release id>:<artist id>" key, as in the precompute.
    """
    source_shards = int(layout["node_shards"])
    files = _source_files(answers, layout["nodes_pattern"], source_shards)
    factor = _factor(files, source_shards)
    shards = source_shards * factor

    total = 0
    for source in files:
        records = read_json(source)
        split: dict[int, dict[str, dict[str, Any]]] = {}
        for kind in ("artists", "releases", "roles"):
            for key, value in records.get(kind, {}).items():
                shard = abs(int(key.split(":")[0])) % shards
                bucket = split.setdefault(shard, {"artists": {}, "releases": {}, "roles": {}})
                bucket[kind][key] = value
        for shard, content in split.items():
            total += write_json(out, CHAIN_NODES_FILE.format(shard=shard), content)
    _fill_empty(out, CHAIN_NODES_FILE, shards, {"artists": {}, "releases": {}, "roles": {}})
    return {"shards": shards, "bytes": total}


def _fill_empty(out: Path, pattern: str, shards: int, empty: Any) -> None:
    # Every shard exists, so a lookup is never a 404 that a browser would log.
    for shard in range(shards):
        relative = pattern.format(shard=shard)
        if not (out / relative).exists():
            write_json(out, relative, empty)
