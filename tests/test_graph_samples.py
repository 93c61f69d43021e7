"""Golden tests on real Discogs samples: hop counts equal those of a plain BFS over the credits.

The expected answers come from code written here, independently of the
graph build: it reads the curated ``release_credits`` with pyarrow, applies
the fixed meaning of the all-credits ruleset, and runs a textbook BFS.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

from mcg_lib.cli import cli
from mcg_lib.graph import find_path, open_graph
from mcg_lib.paths import DataRoot

SNAPSHOT = "20150101"
PSEUDO_ARTISTS = {194, 355, 118760, 151641, 967691}
SAMPLE_SETS = ["discograph-2015", "philipmat-discogs-xml2db/20200806", "tgmz-discogs-2025"]


def ingest(samples_dir, tmp_path_factory, sample: str) -> DataRoot:
    root = DataRoot(tmp_path_factory.mktemp("samples") / "data")
    runner = CliRunner()
    base = ["--data-root", str(root.root), "-q"]
    steps = [
        ["fetch", "--snapshot", SNAPSHOT, "--from-dir", str(samples_dir / sample)],
        ["ingest", "--snapshot", SNAPSHOT],
        ["graph", "--snapshot", SNAPSHOT, "--ruleset", "all-credits"],
    ]
    for step in steps:
        result = runner.invoke(cli, base + step)
        assert result.exit_code == 0, f"mcg {' '.join(step)} failed:\n{result.output}"
    return root


def all_credit_edges(root: DataRoot) -> set[tuple[int, int]]:
    """(release id, artist id) of every credit with a real artist id, any kind."""
    table = ds.dataset(root.table(SNAPSHOT, "release_credits"), format="parquet").to_table(
        columns=["release_id", "artist_id"]
    )
    edges = set()
    for release_id, artist_id in zip(
        table.column("release_id").to_pylist(), table.column("artist_id").to_pylist(), strict=True
    ):
        if artist_id is not None and artist_id > 0 and artist_id not in PSEUDO_ARTISTS:
            edges.add((release_id, artist_id))
    return edges


def plain_distances(adjacency, start) -> dict:
    distance = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for neighbor in adjacency[node]:
            if neighbor not in distance:
                distance[neighbor] = distance[node] + 1
                queue.append(neighbor)
    return distance


@pytest.fixture(scope="module", params=SAMPLE_SETS)
def sample(request, samples_dir, tmp_path_factory):
    root = ingest(samples_dir, tmp_path_factory, request.param)
    edges = all_credit_edges(root)
    adjacency = defaultdict(set)
    for release_id, artist_id in edges:
        adjacency[("r", release_id)].add(("a", artist_id))
        adjacency[("a", artist_id)].add(("r", release_id))
    return request.param, root, edges, adjacency


def test_graph_edges_equal_credits(sample):
    _, root, edges, _ = sample
    graph = open_graph(root, SNAPSHOT, "all-credits")
    built = set()
    for release in range(graph.release_count):
        release_id = int(graph.release_ids[release])
        built.update((release_id, int(graph.artist_ids[a])) for a in graph.artists_of(release))
    assert built == edges


def test_hops_equal_plain_bfs(sample):
    name, root, _, adjacency = sample
    graph = open_graph(root, SNAPSHOT, "all-credits")
    artists = sorted(node_id for kind, node_id in adjacency if kind == "a")
    popular = (
        graph.artists.sort_by([("popularity", "descending")]).column("artist_id").to_pylist()[:15]
    )
    rng = random.Random(2015)
    sources = popular[:5] + rng.sample(artists, min(10, len(artists)))

    checked = {"found": 0, "unreachable": 0}
    for source in sources:
        distance = plain_distances(adjacency, ("a", source))
        targets = popular + rng.sample(artists, min(40, len(artists)))
        for target in targets:
            expected = distance.get(("a", target))
            result = find_path(graph, source, target, max_hops=1000, max_expanded=10**9)
            if expected is None:
                assert result.status == "unreachable", (name, source, target)
                checked["unreachable"] += 1
            else:
                assert result.status == "found", (name, source, target)
                assert result.hops == expected // 2, (name, source, target)
                checked["found"] += 1
    assert checked["found"] > 0


def test_discograph_has_long_chains(samples_dir, tmp_path_factory):
    """The most connected set must give chains of several hops, not only neighbours."""
    root = ingest(samples_dir, tmp_path_factory, "discograph-2015")
    graph = open_graph(root, SNAPSHOT, "all-credits")
    ids = graph.artist_ids.tolist()
    rng = random.Random(7)
    hops = set()
    for _ in range(200):
        result = find_path(graph, *rng.sample(ids, 2), max_hops=1000, max_expanded=10**9)
        if result.found:
            hops.add(result.hops)
    assert max(hops) >= 4
