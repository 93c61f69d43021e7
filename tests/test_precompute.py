"""Precomputed answers: chains equal find_path, shards, nodes, puzzles, limits."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from fixtures.graph.catalog import write_random_catalog, write_scene

from mcg_lib.cli import cli
from mcg_lib.errors import ConfigError, PublishError
from mcg_lib.graph import find_path, open_graph
from mcg_lib.graph.stage import run as build
from mcg_lib.precompute import answers
from mcg_lib.precompute.chains import compute_chains, popular_nodes
from mcg_lib.precompute.components import artist_components
from mcg_lib.precompute.puzzles import difficulty, schedule, start_date_for
from mcg_lib.precompute.stage import answers_dir, run

SNAPSHOT = "20150101"


def read(folder, relative):
    return json.loads((folder / relative).read_text(encoding="utf-8"))


def lookup_chain(folder, manifest, first, second):
    """Find a pair's chain as the site would: shard by the lower id, then reverse if needed."""
    low, high = min(first, second), max(first, second)
    layout = manifest["layout"]
    shard = read(folder, layout["pairs_pattern"].format(shard=low % layout["pair_shards"]))
    chain = shard[str(low)][str(high)]
    if chain is None or first == low:
        return chain
    return chain[::-1]


@pytest.fixture
def scene(data_root):
    write_scene(data_root, SNAPSHOT, "small_scene")
    build(data_root, SNAPSHOT, force=False, ruleset="all-credits")
    return data_root


def test_scene_answers(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits", top=20, days=5, workers=1)
    folder = answers_dir(scene, SNAPSHOT, "all-credits")
    manifest = read(folder, "manifest.json")
    graph = open_graph(scene, SNAPSHOT, "all-credits")

    popular = read(folder, "popular.json")
    assert len(popular) == graph.artist_count
    assert popular[0] == {
        "id": 10,
        "name": "Alpha",
        "name_display": "Alpha",
        "hint": "First Light (1990)",
        "popularity": 6,
    }
    scores = [(-entry["popularity"], entry["id"]) for entry in popular]
    assert scores == sorted(scores)

    ids = [entry["id"] for entry in popular]
    for first in ids:
        for second in ids:
            if first == second:
                continue
            expected = find_path(graph, first, second, max_hops=100)
            chain = lookup_chain(folder, manifest, first, second)
            if expected.found:
                assert chain == [e["id"] for e in expected.to_json()["path"]]
            else:
                assert chain is None
    assert manifest["counts"]["pairs"] == len(ids) * (len(ids) - 1) // 2


def test_nodes_cover_chains(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits", top=20, days=5, workers=1)
    folder = answers_dir(scene, SNAPSHOT, "all-credits")
    manifest = read(folder, "manifest.json")
    assert manifest["layout"]["nodes_pattern"] == "nodes.json"
    nodes = read(folder, "nodes.json")
    chain = lookup_chain(folder, manifest, 10, 13)
    assert chain == [10, 100, 20, 103, 12, 102, 13]
    assert nodes["artists"]["20"] == {"name": "Producer Person", "name_display": "Producer Person"}
    assert nodes["releases"]["103"]["title"] == "Third Way (Remaster)"
    assert nodes["releases"]["103"]["year"] == 2005
    assert nodes["roles"]["100:20"] == ["Mixed By", "Producer"]
    assert nodes["roles"]["100:10"] == ["Artist"]


def test_puzzles_schedule(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits", top=20, days=5, workers=1)
    folder = answers_dir(scene, SNAPSHOT, "all-credits")
    puzzles = read(folder, "puzzles.json")
    assert len(puzzles) == 5
    assert [p["date"] for p in puzzles] == [f"2015-01-0{day}" for day in range(1, 6)]
    pairs = [frozenset((p["from"], p["to"])) for p in puzzles]
    assert len(set(pairs)) == len(pairs)
    graph = open_graph(scene, SNAPSHOT, "all-credits")
    for puzzle in puzzles:
        assert puzzle["path"][0] == puzzle["from"]
        assert puzzle["path"][-1] == puzzle["to"]
        assert puzzle["hops"] == find_path(graph, puzzle["from"], puzzle["to"]).hops
        assert puzzle["difficulty"] in ("easy", "medium", "hard")


def test_answers_are_deterministic(scene, data_root):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits", top=20, days=5, workers=1)
    folder = answers_dir(scene, SNAPSHOT, "all-credits")
    first = {
        p.relative_to(folder): p.read_bytes()
        for p in folder.rglob("*.json")
        if p.name != "manifest.json"
    }
    run(scene, SNAPSHOT, force=True, ruleset="all-credits", top=20, days=5, workers=1)
    second = {
        p.relative_to(folder): p.read_bytes()
        for p in folder.rglob("*.json")
        if p.name != "manifest.json"
    }
    assert first == second


def test_random_graph_workers_agree(data_root):
    write_random_catalog(data_root, SNAPSHOT, seed=11, artists=400, releases=300, max_credits=3)
    build(data_root, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(data_root, SNAPSHOT, "all-credits")
    popular = popular_nodes(graph, 40)
    labels = artist_components(graph)
    in_process = compute_chains(graph, popular, labels, workers=1)
    in_workers = compute_chains(graph, popular, labels, workers=2)
    assert in_process == in_workers
    for (low, high), chain in in_process.items():
        result = find_path(graph, low, high, max_hops=100)
        assert chain == ([e["id"] for e in result.to_json()["path"]] if result.found else None)


def test_pair_shards_split_by_lower_id(tmp_path, monkeypatch):
    monkeypatch.setattr(answers, "TARGET_SHARD_BYTES", 100)
    chains = {(3, 8): [3, 50, 8], (4, 8): None, (5, 9): [5, 51, 9], (6, 7): [6, 52, 7]}
    layout = answers.write_pairs(tmp_path, chains)
    shards = layout["pair_shards"]
    assert shards > 1
    for (low, high), chain in chains.items():
        shard = read(tmp_path, f"pairs/{low % shards:03d}.json")
        assert shard[str(low)][str(high)] == chain


def test_node_shards_when_large(tmp_path, monkeypatch):
    monkeypatch.setattr(answers, "NODES_SINGLE_FILE", 10)
    monkeypatch.setattr(answers, "TARGET_SHARD_BYTES", 60)
    records = {
        "artists": {"10": {"name": "A"}, "11": {"name": "B"}, "12": {"name": "C"}},
        "releases": {"100": {"title": "X"}, "101": {"title": "Y"}},
        "roles": {"100:10": ["Artist"], "101:11": ["Producer"]},
    }
    layout = answers.write_nodes(tmp_path, records)
    shards = layout["node_shards"]
    assert shards > 1
    assert read(tmp_path, f"nodes/{11 % shards:03d}.json")["artists"]["11"] == {"name": "B"}
    assert read(tmp_path, f"nodes/{101 % shards:03d}.json")["roles"]["101:11"] == ["Producer"]


def test_file_over_limit_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(answers, "MAX_FILE_BYTES", 50)
    with pytest.raises(PublishError, match="limit"):
        answers.write_file(tmp_path, "popular.json", [{"name": "x" * 100}])


def test_too_many_files_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(answers, "MAX_FILES", 2)
    for index in range(3):
        (tmp_path / f"{index}.json").write_text("{}")
    with pytest.raises(PublishError, match="number 3,"):
        answers.check_limits(tmp_path)


@pytest.mark.parametrize(
    ("hops", "versions", "tier"),
    [
        (1, [1], "easy"),
        (2, [10, 10], "easy"),
        (2, [1, 1], "medium"),
        (3, [5, 5, 5], "medium"),
        (4, [20, 20, 20, 20], "medium"),
        (4, [1, 1, 1, 1], "hard"),
        (6, [50] * 6, "hard"),
    ],
)
def test_difficulty_tiers(hops, versions, tier):
    assert difficulty(hops, versions)[0] == tier


def test_start_date_defaults():
    assert start_date_for("20150101") == date(2015, 1, 1)
    assert start_date_for("demo") == date(2026, 1, 1)
    assert start_date_for("20150101", "2030-02-03") == date(2030, 2, 3)
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        start_date_for("demo", "03/02/2030")


def chain_of(first: int, hops: int, release_base: int) -> list[int]:
    chain = [first]
    for step in range(hops):
        chain += [release_base + step, first + 100 if step == hops - 1 else 900 + step]
    return chain


def test_schedule_follows_week_pattern():
    chains = {}
    for first in range(1, 10):
        chains[(first, first + 100)] = chain_of(first, 2, 1000)  # easy: reissued releases
    for first in range(10, 20):
        chains[(first, first + 100)] = chain_of(first, 3, 2000)  # medium
    for first in range(20, 30):
        chains[(first, first + 100)] = chain_of(first, 5, 3000)  # hard
    versions = (
        {1000: 10, 1001: 10} | {2000 + i: 1 for i in range(3)} | {3000 + i: 1 for i in range(5)}
    )
    puzzles = schedule(chains, versions, days=14, start=date(2024, 1, 1), seed_text="x")
    # 2024-01-01 is a Monday: two easy days, three medium, two hard.
    tiers = [p["difficulty"] for p in puzzles]
    assert tiers[:7] == ["easy", "easy", "medium", "medium", "medium", "hard", "hard"]
    assert tiers[7:] == tiers[:7]
    assert puzzles == schedule(chains, versions, days=14, start=date(2024, 1, 1), seed_text="x")
    assert puzzles != schedule(chains, versions, days=14, start=date(2024, 1, 1), seed_text="y")


def test_schedule_shorter_without_pairs():
    puzzles = schedule(
        {(1, 2): [1, 10, 2], (1, 3): None}, {10: 1}, days=5, start=date(2024, 1, 1), seed_text="x"
    )
    assert len(puzzles) == 1


def test_cli_precompute(scene):
    result = CliRunner().invoke(
        cli,
        [
            "--data-root",
            str(scene.root),
            "precompute",
            "--snapshot",
            SNAPSHOT,
            "--top",
            "5",
            "--days",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "10 pairs" in result.output
    manifest = read(answers_dir(scene, SNAPSHOT, "all-credits"), "manifest.json")
    assert manifest["top"] == 5
    assert manifest["size"]["files"] >= 4


def test_cli_precompute_without_graph(data_root):
    result = CliRunner().invoke(
        cli, ["--data-root", str(data_root.root), "precompute", "--snapshot", SNAPSHOT]
    )
    assert result.exit_code == 3
    assert "mcg graph" in result.output


def test_membership_nodes_in_chains(scene, tmp_path):
    from mcg_lib.graph.build import build_graph, write_manifest
    from mcg_lib.graph.rulesets import parse_ruleset
    from mcg_lib.graph.store import Graph

    rules = parse_ruleset("members", tmp_path / "members.toml", {"link_group_members": True})
    folder = tmp_path / "graph"
    folder.mkdir()
    write_manifest(folder, SNAPSHOT, rules, build_graph(scene, SNAPSHOT, rules, folder))
    graph = Graph(folder)

    # Lonely (16) reaches Delta (13) only through the group's membership node.
    result = find_path(graph, 16, 13)
    assert result.hops == 1
    assert result.to_json()["path"][1]["type"] == "membership"
    assert result.to_json()["path"][1]["id"] == 30

    popular = popular_nodes(graph, graph.artist_count)
    chains = compute_chains(graph, popular, artist_components(graph), workers=1)
    assert chains[(13, 16)] == [13, -30, 16]
    records = answers.node_records(graph, chains, popular)
    assert records["releases"]["-30"]["kind"] == "membership"
    assert records["roles"]["-30:16"] == ["Member"]
    assert records["roles"]["-30:13"] == ["Member"]
