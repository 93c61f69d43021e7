"""Write every file of ``exports/<snapshot>/data/<ruleset>/`` from a graph and its answers."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from mcg_lib.errors import NotFoundError
from mcg_lib.export import layout
from mcg_lib.export.autocomplete import build_autocomplete
from mcg_lib.export.jsonfiles import dump_json, shard_count, write_bytes, write_json
from mcg_lib.export.neighbours import NeighbourBuilder
from mcg_lib.export.nodes import NodeReader
from mcg_lib.export.pairs import export_chain_nodes, export_pairs
from mcg_lib.export.puzzles import chain_nodes, day_files
from mcg_lib.graph.rulesets import load_ruleset
from mcg_lib.graph.store import Graph
from mcg_lib.log import get_logger, progress
from mcg_lib.publish import fingerprint, read_json

log = get_logger(__name__)


def read_answers(answers: Path, graph: Graph) -> dict[str, Any]:
    """Read the precompute manifest, popular list and schedule; check they match the graph."""
    manifest_path = answers / "manifest.json"
    command = f"mcg precompute --snapshot {graph.snapshot} --ruleset {graph.ruleset}"
    if not manifest_path.is_file():
        raise NotFoundError(
            f"no precomputed answers for snapshot {graph.snapshot} and ruleset {graph.ruleset} "
            f"in {answers}",
            hint=f"run '{command}' first",
        )
    manifest = read_json(manifest_path)
    expected = manifest.get("graph_fingerprint")
    if expected is not None and expected != fingerprint(graph.manifest["files"]):
        raise NotFoundError(
            f"the answers in {answers} were computed from another build of the "
            f"{graph.ruleset} graph of snapshot {graph.snapshot}",
            hint=f"rerun '{command} --force'",
        )
    return {
        "manifest": manifest,
        "popular": read_json(answers / "popular.json"),
        "puzzles": read_json(answers / "puzzles.json"),
    }


def export_ruleset(graph: Graph, answers: Path, out: Path) -> dict[str, Any]:
    """Write the data files of one ruleset into ``out`` and return the manifest written there."""
    source = read_answers(answers, graph)
    reader = NodeReader(graph)
    builder = NeighbourBuilder(reader)
    sizes: dict[str, int] = {}

    popular_nodes = [reader.artist_node(entry["id"]) for entry in source["popular"]]
    sizes["popular"] = write_json(
        out,
        layout.POPULAR,
        [reader.summary(node) for node in popular_nodes[: layout.POPULAR_LISTED]],
    )

    autocomplete = write_autocomplete(reader, out)
    sizes["autocomplete"] = autocomplete["bytes"]

    days = write_days(builder, source["puzzles"], out)
    sizes["puzzles"] = days["bytes"]

    neighbours = write_neighbours(builder, popular_nodes, source["puzzles"], out)
    sizes["neighbours"] = neighbours["bytes"]

    answer_layout = source["manifest"]["layout"]
    pairs = export_pairs(answers, answer_layout, out)
    chain_nodes_info = export_chain_nodes(answers, answer_layout, out)
    sizes["pairs"] = pairs["bytes"]
    sizes["chain_nodes"] = chain_nodes_info["bytes"]

    manifest = {
        "format": layout.FORMAT_VERSION,
        "snapshot": graph.snapshot,
        "ruleset": graph.ruleset,
        "description": load_ruleset(graph.ruleset).description,
        "caps": {
            "releases_per_artist": layout.RELEASES_PER_ARTIST,
            "artists_per_release": layout.ARTISTS_PER_RELEASE,
        },
        "counts": {
            "artists": graph.artist_count,
            "releases": graph.release_count,
            "popular": len(popular_nodes),
        },
        "schedule": days["schedule"],
        "neighbours": {"shards": neighbours["shards"], "artists": neighbours["artists"]},
        "autocomplete": {
            "artists": autocomplete["artists"],
            "complete": autocomplete["artists"] == graph.artist_count,
            "files": autocomplete["files"],
            "max_depth": layout.AUTOCOMPLETE_MAX_DEPTH,
        },
        "pairs": {"shards": pairs["shards"], "artists": len(popular_nodes)},
        "chain_nodes": {"shards": chain_nodes_info["shards"]},
        "day_budget": {
            "limit_gzip_bytes": layout.DAY_BUDGET_GZIP_BYTES,
            "largest_gzip_bytes": days["largest_gzip"],
        },
        "sizes": sizes,
    }
    sizes["manifest"] = write_json(out, layout.MANIFEST, manifest)
    return manifest


def write_autocomplete(reader: NodeReader, out: Path) -> dict[str, Any]:
    """Write the autocomplete index and files over the most popular artists."""
    graph = reader.graph
    order = np.lexsort((graph.artist_ids, -reader.popularity))[: layout.AUTOCOMPLETE_MAX_ARTISTS]
    summaries = [
        reader.summary(int(node)) for node in progress(order, desc="autocomplete", unit="artist")
    ]
    tree = build_autocomplete(summaries)

    total = write_json(out, layout.AUTOCOMPLETE_INDEX, tree.index)
    for number, entries in enumerate(tree.files):
        total += write_json(out, layout.AUTOCOMPLETE_FILE.format(number=number), entries)
    return {"artists": len(summaries), "files": len(tree.files), "bytes": total}


def write_days(
    builder: NeighbourBuilder, puzzles: list[dict[str, Any]], out: Path
) -> dict[str, Any]:
    """Write one JSON file and one SVG per scheduled day; return the schedule and sizes."""
    schedule = []
    total = 0
    largest = 0
    for number, puzzle in enumerate(progress(puzzles, desc="puzzles", unit="day"), start=1):
        files = day_files(builder, puzzle, number)
        total += write_bytes(out, layout.PUZZLE_FILE.format(date=files.date), files.json_bytes)
        total += write_bytes(
            out, layout.PUZZLE_SVG.format(date=files.date), files.svg_text.encode("utf-8")
        )
        largest = max(largest, files.gzip_bytes)
        schedule.append([puzzle["date"], puzzle.get("difficulty") or ""])
    return {"schedule": schedule, "bytes": total, "largest_gzip": largest}


def write_neighbours(
    builder: NeighbourBuilder, popular_nodes: list[int], puzzles: list[dict[str, Any]], out: Path
) -> dict[str, Any]:
    """Write the neighbour shards of the popular artists and of every puzzle chain's artists."""
    # {artist node: {release node: artist nodes}} of the chain links each entry must list.
    keep: dict[int, dict[int, set[int]]] = {node: {} for node in popular_nodes}
    for puzzle in puzzles:
        chain = chain_nodes(builder, puzzle["path"])
        for position, node in enumerate(chain.artists):
            for release, artists in chain.keep(position).items():
                keep.setdefault(node, {}).setdefault(release, set()).update(artists)

    reader = builder.reader
    entries: dict[int, bytes] = {}
    for node in progress(sorted(keep), desc="neighbours", unit="artist"):
        entry = builder.entry(
            node,
            release_cap=layout.RELEASES_PER_ARTIST,
            artist_cap=layout.ARTISTS_PER_RELEASE,
            keep=keep[node],
        )
        entries[reader.summary(node)["id"]] = dump_json(entry)

    shards = shard_count(sum(len(payload) for payload in entries.values()))
    grouped: dict[int, list[bytes]] = defaultdict(list)
    for artist_id, payload in sorted(entries.items()):
        grouped[artist_id % shards].append(b'"%d":%s' % (artist_id, payload))

    total = 0
    for shard in range(shards):
        content = b"{" + b",".join(grouped.get(shard, [])) + b"}"
        total += write_bytes(out, layout.NEIGHBOURS_FILE.format(shard=shard), content)
    return {"shards": shards, "artists": len(entries), "bytes": total}
