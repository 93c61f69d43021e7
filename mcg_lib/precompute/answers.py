"""Write the precomputed answers as static JSON files sized for Cloudflare Pages.

Layout of ``exports/<snapshot>/answers/<ruleset>/`` (docs/graph.md is the
contract for the site):

    manifest.json      counts, sizes, seconds, and the shard layout
    popular.json       the top artists, most popular first
    pairs/NNN.json     {"<lower id>": {"<higher id>": [ids...] or null}}, shard = lower id % pair_shards
    nodes/NNN.json     names, titles and roles the chains need, shard = id % node_shards
                       (one nodes.json instead when everything fits in NODES_SINGLE_FILE bytes)
    puzzles.json       the daily schedule
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from mcg_lib.errors import PublishError
from mcg_lib.graph.store import Graph

# Cloudflare Pages accepts at most 20,000 files per deployment and 25 MiB per
# file (limits published in its documentation, checked 2025).
MAX_FILES = 20_000
MAX_FILE_BYTES = 25 * 1024 * 1024

# Shards aim at this size: small enough for a phone to fetch per question.
TARGET_SHARD_BYTES = 512 * 1024
MAX_SHARDS = 1000
NODES_SINGLE_FILE = 2 * 1024 * 1024


def dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def write_file(folder: Path, relative: str, data: Any) -> int:
    """Write compact JSON and return its size; raise PublishError past the per-file limit."""
    payload = dump(data)
    if len(payload) > MAX_FILE_BYTES:
        raise PublishError(
            f"{relative} would be {len(payload):,} bytes, over the {MAX_FILE_BYTES:,}-byte file limit",
            hint="precompute fewer artists (--top), since more shards cannot split one artist's pairs",
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

    sizes = [write_file(folder, f"pairs/{index:03d}.json", shard) for index, shard in enumerate(grouped)]
    return {"pair_shards": shards, "pairs_pattern": "pairs/{shard:03d}.json", "pair_bytes": sum(sizes)}


def node_records(graph: Graph, chains, popular_nodes) -> dict[str, dict[str, Any]]:
    """Collect the artists, releases and edge roles that the chains and puzzles mention."""
    artists: dict[str, Any] = {}
    releases: dict[str, Any] = {}
    roles: dict[str, list[str]] = {}

    artist_nodes = {int(node) for node in popular_nodes}
    edges: set[tuple[int, int]] = set()
    for chain in chains.values():
        if not chain:
            continue
        nodes = [graph.artist_node(a) for a in chain[0::2]]
        artist_nodes.update(nodes)
        for index, release_id in enumerate(chain[1::2]):
            release = _release_node(graph, release_id)
            edges.add((release, nodes[index]))
            edges.add((release, nodes[index + 1]))

    for node in sorted(artist_nodes):
        row = graph.artist_row(node)
        artists[str(row["artist_id"])] = {"name": row["name"], "name_display": row["name_display"]}
    for release, artist in sorted(edges):
        row = graph.release_row(release)
        key = _release_key(row)
        releases[key] = {
            "title": row["title"],
            "year": row["year"],
            "formats": row["formats"],
            "kind": row["kind"],
            "versions": row["versions"],
        }
        roles[f"{key}:{int(graph.artist_ids[artist])}"] = graph.roles(release, artist)
    return {"artists": artists, "releases": releases, "roles": roles}


def _release_node(graph: Graph, release_id: int) -> int:
    if release_id >= 0:
        return graph.release_node(release_id)
    group_ids = graph.releases.column("group_id").to_pylist()
    return group_ids.index(-release_id)


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
    sizes = [write_file(folder, f"nodes/{index:03d}.json", shard) for index, shard in enumerate(grouped)]
    return {"node_shards": shards, "nodes_pattern": "nodes/{shard:03d}.json", "node_bytes": sum(sizes)}


def check_limits(folder: Path) -> dict[str, int]:
    """Count the files and bytes under ``folder``; raise PublishError past the deployment limit."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    sizes = [p.stat().st_size for p in files]
    if len(files) > MAX_FILES:
        raise PublishError(
            f"the answers are {len(files):,} files, over the {MAX_FILES:,}-file deployment limit",
            hint="precompute fewer artists (--top)",
        )
    return {"files": len(files), "bytes": sum(sizes), "largest_file_bytes": max(sizes, default=0)}
