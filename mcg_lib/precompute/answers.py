"""Write the precomputed answers as static JSON files sized for Cloudflare Pages.

Layout of ``exports/<snapshot>/answers/<ruleset>/`` (docs/graph.md is the
contract for the site):

    manifest.json      counts, sizes, seconds, and the shard layout
    popular.json       the top artists, most popular first
    pairs/NNN.json     {"<lower id>": {"<higher id>": [ids...] or null}},
                       shard = lower id % pair_shards
    nodes/NNN.json     names, titles and roles the chains need, shard = id % node_shards
                       (one nodes.json instead when everything fits in NODES_SINGLE_FILE bytes)
    puzzles.json       the daily schedule
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mcg_lib.errors import PublishError
from mcg_lib.graph.store import Graph

# Cloudflare Pages limits that the site deployment must respect: at most
# 20,000 files per deployment and 25 MiB per file.
MAX_FILES = 20_000
MAX_FILE_BYTES = 25 * 1024 * 1024

# Shards aim at this size: small enough for a phone to fetch per question.
TARGET_SHARD_BYTES = 512 * 1024
MAX_SHARDS = 1000
NODES_SINGLE_FILE = 2 * 1024 * 1024


def dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode(
        "utf-8"
    )


def write_file(folder: Path, relative: str, data: Any) -> int:
    """Write compact JSON and return its size; raise PublishError past the per-file limit."""
    return write_payload(
        folder, relative, dump(data),
        hint="precompute fewer artists (--top): more shards cannot split one artist's pairs",
    )


def write_payload(folder: Path, relative: str, payload: bytes, *, hint: str) -> int:
    """Write ``payload`` to ``folder/relative`` and return its size.

    Raises PublishError, with ``hint``, past the static host's per-file limit.
    """
    if len(payload) > MAX_FILE_BYTES:
        raise PublishError(
            f"{relative} would be {len(payload):,} bytes, "
            f"over the {MAX_FILE_BYTES:,}-byte file limit",
            hint=hint,
        )
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return len(payload)


def shard_count(estimated_bytes: int) -> int:
    return max(1, min(MAX_SHARDS, math.ceil(estimated_bytes / TARGET_SHARD_BYTES)))


def popular_entries(graph: Graph, popular_nodes) -> list[dict[str, Any]]:
    entries = []
    for node in popular_nodes:
        row = graph.artist_row(int(node))
        hint = row["hint_title"]
        if hint and row["hint_year"]:
            hint = f"{hint} ({row['hint_year']})"
        entries.append(
            {
                "id": row["artist_id"],
                "name": row["name"],
                "name_display": row["name_display"],
                "hint": hint,
                "popularity": row["popularity"],
            }
        )
    return entries


def write_pairs(folder: Path, chains: dict[tuple[int, int], list[int] | None]) -> dict[str, Any]:
    """Write the pair shards and return their layout and sizes."""
    estimate = sum(12 + (len(c) * 9 if c else 4) for c in chains.values())
    shards = shard_count(estimate)
    grouped: list[dict[str, dict[str, Any]]] = [{} for _ in range(shards)]
    for (low, high), chain in sorted(chains.items()):
        grouped[low % shards].setdefault(str(low), {})[str(high)] = chain

    sizes = [
        write_file(folder, f"pairs/{index:03d}.json", shard) for index, shard in enumerate(grouped)
    ]
    return {
        "pair_shards": shards,
        "pairs_pattern": "pairs/{shard:03d}.json",
        "pair_bytes": sum(sizes),
    }


def node_records(graph: Graph, chains, popular_nodes) -> dict[str, dict[str, Any]]:
    """Collect the artists, releases and edge roles that the chains and popular.json mention.

    Vectorised over all chains: ids become nodes with one searchsorted, and
    each edge's position in the release -> artist CSR comes from a binary
    search run on all edges at once.
    """
    release_ids, artist_ids = [], []
    for chain in chains.values():
        if chain and len(chain) > 1:
            releases = chain[1::2]
            release_ids += releases + releases
            artist_ids += chain[0:-1:2] + chain[2::2]

    edges = np.unique(np.array([release_ids, artist_ids], dtype=np.int64).reshape(2, -1), axis=1)
    edge_artist_nodes = np.searchsorted(graph.artist_ids, edges[1]).astype(np.int64)
    edge_release_nodes = _release_nodes(graph, edges[0])
    positions = _edge_positions(graph, edge_release_nodes, edge_artist_nodes)

    artist_nodes = np.union1d(np.asarray(popular_nodes, dtype=np.int64), edge_artist_nodes)
    artist_rows = (
        graph.artists.take(artist_nodes).select(["artist_id", "name", "name_display"]).to_pylist()
    )
    artists = {
        str(row["artist_id"]): {"name": row["name"], "name_display": row["name_display"]}
        for row in artist_rows
    }

    release_nodes = np.unique(edge_release_nodes)
    columns = ["release_id", "group_id", "title", "year", "formats", "kind", "versions"]
    releases = {}
    for row in graph.releases.take(release_nodes).select(columns).to_pylist():
        releases[_release_key(row)] = {
            key: row[key] for key in ("title", "year", "formats", "kind", "versions")
        }

    role_sets = graph.role_sets
    edge_role_sets = graph.edge_role_sets[positions]
    roles = {
        f"{release_id}:{artist_id}": list(role_sets[role_set])
        for release_id, artist_id, role_set in zip(
            edges[0].tolist(), edges[1].tolist(), edge_role_sets.tolist(), strict=True
        )
    }
    return {"artists": artists, "releases": releases, "roles": roles}


def _release_nodes(graph: Graph, release_ids: np.ndarray) -> np.ndarray:
    """Map release ids to nodes; negative ids stand for group-membership nodes (-group id)."""
    real = graph.release_count - graph.membership_count
    nodes = np.searchsorted(graph.release_ids[:real], release_ids).astype(np.int64)
    memberships = np.flatnonzero(release_ids < 0)
    if len(memberships):
        group_ids = graph.releases.column("group_id").to_numpy(zero_copy_only=False)[real:]
        order = np.argsort(group_ids)
        found = np.searchsorted(group_ids[order], -release_ids[memberships])
        nodes[memberships] = real + order[found]
    return nodes


def _edge_positions(
    graph: Graph, release_nodes: np.ndarray, artist_nodes: np.ndarray
) -> np.ndarray:
    """Return the index of each (release node, artist node) edge in the release -> artist CSR."""
    targets = graph.by_release.targets
    low = graph.by_release.offsets[release_nodes].astype(np.int64)
    high = graph.by_release.offsets[release_nodes + 1].astype(np.int64)
    while True:
        open_ranges = low < high
        if not open_ranges.any():
            return low
        middle = (low + high) // 2
        right = open_ranges & (targets[np.minimum(middle, len(targets) - 1)] < artist_nodes)
        low = np.where(right, middle + 1, low)
        high = np.where(open_ranges & ~right, middle, high)


def _release_key(row: dict[str, Any]) -> str:
    return str(row["release_id"]) if row["kind"] != "membership" else str(-row["group_id"])


def write_nodes(folder: Path, records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Write nodes.json, or node shards keyed by id % node_shards when large."""
    total = len(dump(records))
    if total <= NODES_SINGLE_FILE:
        size = write_file(folder, "nodes.json", records)
        return {"node_shards": 1, "nodes_pattern": "nodes.json", "node_bytes": size}

    shards = shard_count(total)
    grouped = [{"artists": {}, "releases": {}, "roles": {}} for _ in range(shards)]
    for kind in ("artists", "releases"):
        for key, value in records[kind].items():
            grouped[abs(int(key)) % shards][kind][key] = value
    for key, value in records["roles"].items():
        grouped[abs(int(key.split(":")[0])) % shards]["roles"][key] = value
    sizes = [
        write_file(folder, f"nodes/{index:03d}.json", shard) for index, shard in enumerate(grouped)
    ]
    return {
        "node_shards": shards,
        "nodes_pattern": "nodes/{shard:03d}.json",
        "node_bytes": sum(sizes),
    }


def check_limits(folder: Path) -> dict[str, int]:
    """Count the files and bytes under ``folder``; raise PublishError past the deployment limit."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    sizes = [p.stat().st_size for p in files]
    if len(files) > MAX_FILES:
        raise PublishError(
            f"the answer files number {len(files):,}, over the {MAX_FILES:,}-file deployment limit",
            hint="precompute fewer artists (--top)",
        )
    return {"files": len(files), "bytes": sum(sizes), "largest_file_bytes": max(sizes, default=0)}
