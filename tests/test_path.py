"""Shortest chains: find_path against an independent BFS, budgets, names, and ``mcg path``."""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict, deque

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fixtures.graph.catalog import write_random_catalog, write_scene

from mcg_lib.cli import cli
from mcg_lib.errors import AmbiguousArtistError, ConfigError, NotFoundError
from mcg_lib.graph import find_path, open_graph, resolve_artist, search
from mcg_lib.graph.stage import run
from mcg_lib.graph.store import Graph

SNAPSHOT = "demo"


def plain_adjacency(graph_folder) -> dict[tuple[str, int], set[tuple[str, int]]]:
    """Read the published node tables and CSR back into a dict keyed by ("a"|"r", id)."""
    artists = pq.read_table(graph_folder / "artists.parquet").column("artist_id").to_pylist()
    releases = pq.read_table(graph_folder / "releases.parquet").column("release_id").to_pylist()
    offsets = np.load(graph_folder / "csr" / "release_offsets.npy")
    targets = np.load(graph_folder / "csr" / "release_artists.npy")
    adjacency = defaultdict(set)
    for release_node, release_id in enumerate(releases):
        for artist_node in targets[offsets[release_node] : offsets[release_node + 1]]:
            artist = ("a", artists[artist_node])
            adjacency[("r", release_id)].add(artist)
            adjacency[artist].add(("r", release_id))
    return adjacency


def canonical_chain(adjacency, start: int, end: int) -> list[int] | None:
    """The documented tie-breaking rule, written plainly: BFS from the lower id, then walk
    from the higher id, each step to the lowest-id neighbour one step closer."""
    low, high = ("a", min(start, end)), ("a", max(start, end))
    distance = {low: 0}
    queue = deque([low])
    while queue:
        node = queue.popleft()
        for neighbor in adjacency[node]:
            if neighbor not in distance:
                distance[neighbor] = distance[node] + 1
                queue.append(neighbor)
    if high not in distance:
        return None
    chain = [high]
    while chain[-1] != low:
        here = chain[-1]
        chain.append(min(n for n in adjacency[here] if distance.get(n) == distance[here] - 1))
    ids = [node_id for _, node_id in chain]
    return ids if start == high[1] else ids[::-1]


def result_ids(result) -> list[int]:
    return [element["id"] for element in result.to_json()["path"]]


@pytest.fixture
def scene_graph(data_root):
    write_scene(data_root, SNAPSHOT, "small_scene")
    run(data_root, SNAPSHOT, force=False, ruleset="all-credits")
    return open_graph(data_root, SNAPSHOT, "all-credits")


@pytest.mark.parametrize(
    ("seed", "max_credits", "server"),
    [(1, 3, False), (2, 3, False), (3, 3, True), (4, 6, False), (5, 6, True)],
)
def test_random_graphs_match_plain_bfs(data_root, seed, max_credits, server):
    # server: opened as mcg api opens it, with offsets narrowed to int32.
    write_random_catalog(data_root, SNAPSHOT, seed=seed, artists=300, releases=260, max_credits=max_credits)
    run(data_root, SNAPSHOT, force=False, ruleset="all-credits")
    graph = Graph(open_graph(data_root, SNAPSHOT, "all-credits").path, random_access=server)
    assert graph.by_artist.offsets.dtype == (np.int32 if server else np.int64)
    adjacency = plain_adjacency(graph.path)
    ids = graph.artist_ids.tolist()
    rng = random.Random(seed)
    outcomes = set()

    for _ in range(150):
        start, end = rng.sample(ids, 2)
        expected = canonical_chain(adjacency, start, end)
        result = find_path(graph, start, end, max_hops=100)
        if expected is None:
            assert result.status == "unreachable"
            assert result.hops is None
        else:
            assert result.status == "found"
            assert result.hops == (len(expected) - 1) // 2
            assert result_ids(result) == expected
        outcomes.add(result.status)
    assert outcomes == {"found", "unreachable"}


def test_reverse_pair_gives_reverse_chain(scene_graph):
    forward = result_ids(find_path(scene_graph, 10, 13))
    backward = result_ids(find_path(scene_graph, 13, 10))
    assert forward == backward[::-1]


def test_chain_json_shape(scene_graph):
    data = find_path(scene_graph, 10, 13).to_json()
    assert set(data) == {"from", "to", "hops", "path"}
    assert (data["from"], data["to"], data["hops"]) == (10, 13, 3)
    types = [element["type"] for element in data["path"]]
    assert types == ["artist", "release"] * 3 + ["artist"]
    first_release = data["path"][1]
    assert first_release == {
        "type": "release",
        "id": 100,
        "title": "First Light",
        "year": 1990,
        "formats": "Vinyl, CD",
        "master_id": None,
        "kind": "release",
        "from_roles": ["Artist"],
        "to_roles": ["Mixed By", "Producer"],
    }
    assert data["path"][0] == {"type": "artist", "id": 10, "name": "Alpha", "name_display": "Alpha"}


def test_same_artist_zero_hops(scene_graph):
    data = find_path(scene_graph, 12, 12).to_json()
    assert data["hops"] == 0
    assert [element["id"] for element in data["path"]] == [12]


def test_unreachable_pair(scene_graph):
    result = find_path(scene_graph, 10, 16)
    assert result.status == "unreachable"
    assert result.to_json() == {"from": 10, "to": 16, "hops": None, "path": []}


def test_hop_budget(scene_graph):
    result = find_path(scene_graph, 10, 13, max_hops=2)
    assert result.status == "budget"
    assert result.hops is None
    assert "2 hops" in result.reason
    assert find_path(scene_graph, 10, 13, max_hops=3).hops == 3


def test_expansion_budget(scene_graph):
    result = find_path(scene_graph, 10, 13, max_expanded=2)
    assert result.status == "budget"
    assert result.expanded <= 2


def test_deadline_in_the_past(scene_graph):
    result = find_path(scene_graph, 10, 13, deadline=time.monotonic() - 1)
    assert result.status == "budget"
    assert "deadline" in result.reason


def test_unknown_artist_id(scene_graph):
    with pytest.raises(NotFoundError, match="999"):
        find_path(scene_graph, 10, 999)


def test_searches_do_not_leak_marks(scene_graph):
    # Many queries on one scratch must return the chains of fresh ones.
    first = [result_ids(find_path(scene_graph, a, b)) for a, b in [(10, 13), (11, 15), (20, 14)]]
    for _ in range(20):
        find_path(scene_graph, 13, 14)
    again = [result_ids(find_path(scene_graph, a, b)) for a, b in [(10, 13), (11, 15), (20, 14)]]
    assert first == again


def test_stopped_searches_leave_marks_clear(data_root, monkeypatch):
    # The kernel then looks at the clock before every node, so that deadlines
    # pass in the middle of levels as well as between them.
    monkeypatch.setattr(search, "CLOCK_EVERY", 1)
    write_random_catalog(data_root, SNAPSHOT, seed=11, artists=3000, releases=20000, max_credits=4)
    run(data_root, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(data_root, SNAPSHOT, "all-credits")
    ids = graph.artist_ids.tolist()
    rng = random.Random(11)
    pairs = [tuple(rng.sample(ids, 2)) for _ in range(30)]
    expected = [result_ids(find_path(graph, a, b)) for a, b in pairs]

    statuses = set()
    for a, b in pairs:
        statuses.add(find_path(graph, a, b, max_expanded=rng.randint(1, 50)).status)
        statuses.add(find_path(graph, a, b, max_hops=1).status)
        for _ in range(10):
            deadline = time.monotonic() + rng.choice([0, 2e-5, 5e-5, 1e-4, 2e-4])
            statuses.add(find_path(graph, a, b, deadline=deadline).status)
    assert "budget" in statuses

    with graph.scratch() as scratch:
        assert not any(marks.any() for marks in scratch.marks)
    assert [result_ids(find_path(graph, a, b)) for a, b in pairs] == expected


@pytest.mark.parametrize("damaged", ["csr/release_artists.npy", "lookup/artists.arrow"])
def test_cli_damaged_graph_file(data_root, scene_graph, damaged):
    target = scene_graph.path / damaged
    target.write_bytes(target.read_bytes()[:-24])

    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "10", "13")

    assert result.exit_code == 4
    assert damaged.split("/")[-1] in result.output
    assert "--force" in result.output


@pytest.mark.parametrize("damaged", ["release_artists", "artist_releases", "artist_offsets"])
def test_cli_damaged_graph_values(data_root, scene_graph, damaged):
    # Whole files whose values point outside the graph: the checksums would
    # tell, but mcg path does not read them.
    target = scene_graph.path / "csr" / f"{damaged}.npy"
    values = np.load(target)
    values[-1] = 1 << 30
    np.save(target, values)

    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "10", "13")

    assert result.exit_code == 4
    assert "damaged" in result.output
    assert "--force" in result.output


def test_max_expanded_beyond_64_bits(scene_graph):
    result = find_path(scene_graph, 10, 13, max_expanded=1 << 70)
    assert result.status == "found"


@pytest.mark.parametrize("content", [b"", b"not a shared library"])
def test_broken_kernel_fails_prepare(scene_graph, tmp_path, monkeypatch, content):
    kernel = tmp_path / "_bfs.so"
    kernel.write_bytes(content)
    monkeypatch.setattr(search, "KERNEL", kernel)
    monkeypatch.setattr(search, "_kernel", None)

    with pytest.raises(ConfigError) as caught:
        scene_graph.prepare_searches(1)

    assert "cannot be loaded" in caught.value.message
    assert "reinstall-package" in caught.value.hint


def test_resolve_by_id_and_name(scene_graph):
    assert resolve_artist(scene_graph, "13") == 13
    assert resolve_artist(scene_graph, "alpha") == 10
    assert resolve_artist(scene_graph, "  PRODUCER person ") == 20
    assert resolve_artist(scene_graph, "Echo (2)") == 15
    assert resolve_artist(scene_graph, "ghost singer") == 40


def test_resolve_ambiguous_lists_candidates(scene_graph):
    with pytest.raises(AmbiguousArtistError) as caught:
        resolve_artist(scene_graph, "Echo")
    candidates = caught.value.candidates
    assert [c["id"] for c in candidates] == [15, 14]
    assert candidates[1]["hint"] == "Sampler (1995)"
    assert candidates[0]["name"] == "Echo (2)"


def test_resolve_unknown_suggests(scene_graph):
    with pytest.raises(NotFoundError) as caught:
        resolve_artist(scene_graph, "Produc")
    assert "Producer Person" in caught.value.hint
    with pytest.raises(NotFoundError):
        resolve_artist(scene_graph, "999999")


def invoke(data_root, *args, input=None):
    runner = CliRunner()
    return runner.invoke(cli, ["--data-root", str(data_root.root), *args], input=input)


def test_cli_path_by_names(data_root, scene_graph):
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "Alpha", "delta")
    assert result.exit_code == 0, result.output
    assert "3 hops: Alpha -> Delta" in result.output
    assert '"First Light" (1990)' in result.output
    assert "Mixed By, Producer" in result.output


def test_cli_ambiguous_exits_nonzero(data_root, scene_graph):
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "Alpha", "Echo")
    assert result.exit_code == 7
    assert "Sampler (1995)" in result.output
    assert "15" in result.output


def test_cli_budget_message(data_root, scene_graph):
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "--max-hops", "1", "10", "13")
    assert result.exit_code == 0
    assert "no chain within 1 hop" in result.output
    assert "1 hops" not in result.output


def test_cli_pairs_json(data_root, scene_graph, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# from\tto\n10\t13\n\n10\t16\n13\t999\n", encoding="utf-8")
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "--pairs", str(pairs), "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["hops"] for line in lines] == [3, None, None]
    assert lines[0] == {**find_path(scene_graph, 10, 13).to_json(), "status": "found"}
    assert lines[1]["status"] == "unreachable"
    assert lines[1]["path"] == []
    assert "999" in lines[2]["error"]


def test_cli_pairs_bad_line(data_root, scene_graph, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("10 13\n", encoding="utf-8")
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "--pairs", str(pairs))
    assert result.exit_code == 4
    assert "line 1" in result.output


def test_cli_pairs_bad_line_keeps_going(data_root, scene_graph, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("10\t13\n10 13\nx\ty\n10\t16\n", encoding="utf-8")
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "--pairs", str(pairs), "--json")

    assert result.exit_code == 4
    records = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [record["hops"] for record in records] == [3, None, None, None]
    assert [record.get("line") for record in records[1:3]] == [2, 3]
    assert "not two artist ids" in records[1]["error"]
    assert records[3]["from"] == 10
    assert "2 line(s)" in result.output


def test_cli_pairs_with_byte_order_mark(data_root, scene_graph, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("\ufeff10\t13\n", encoding="utf-8")
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "--pairs", str(pairs), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hops"] == 3


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_cli_timeout_must_be_finite(data_root, scene_graph, value):
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "--timeout", value, "10", "13")

    assert result.exit_code == 2
    assert "not a finite number" in result.output


def test_cli_needs_two_artists(data_root, scene_graph):
    result = invoke(data_root, "path", "--snapshot", SNAPSHOT, "Alpha")
    assert result.exit_code == 2
