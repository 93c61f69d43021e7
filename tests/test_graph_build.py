"""Graph build: edges per ruleset, node tables, CSR arrays, manifest, publishing."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from fixtures.graph.catalog import write_scene

from mcg_lib.errors import ChecksumError, NotFoundError, PublishError
from mcg_lib.graph import open_graph, verify_graph
from mcg_lib.graph.build import build_graph
from mcg_lib.graph.rulesets import load_ruleset, parse_ruleset
from mcg_lib.graph.stage import run

SNAPSHOT = "demo"


@pytest.fixture
def scene(data_root):
    write_scene(data_root, SNAPSHOT, "small_scene")
    return data_root


def edge_ids(graph) -> set[tuple[int, int]]:
    """Return the (release id, artist id) pairs of every edge."""
    pairs = set()
    release_ids = graph.release_ids
    for release in range(graph.release_count):
        for artist in graph.artists_of(release):
            pairs.add((int(release_ids[release]), int(graph.artist_ids[artist])))
    return pairs


def build_with(data_root, tmp_path, **settings):
    rules = parse_ruleset("custom", tmp_path / "custom.toml", settings)
    out = tmp_path / "graph"
    out.mkdir()
    report = build_graph(data_root, SNAPSHOT, rules, out)
    return out, report


def test_all_credits_edges(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(scene, SNAPSHOT, "all-credits")
    edges = edge_ids(graph)

    assert (104, 13) in edges
    assert (104, 14) in edges
    assert (104, 15) in edges
    assert (101, 11) in edges
    assert (108, 40) in edges
    assert not any(artist in (194, 355) for _, artist in edges)
    assert not any(artist <= 0 for _, artist in edges)
    assert {artist for release, artist in edges if release == 105} == {15}
    assert len(edges) == graph.edge_count


def test_pseudo_and_unlinked_never_nodes(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(scene, SNAPSHOT, "all-credits")
    ids = set(graph.artist_ids.tolist())
    assert ids == {10, 11, 12, 13, 14, 15, 16, 20, 21, 30, 40}


def test_roles_per_edge(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(scene, SNAPSHOT, "all-credits")
    release = graph.release_node(101)
    assert graph.roles(release, graph.artist_node(11)) == ["Artist", "Guitar"]
    assert graph.roles(release, graph.artist_node(20)) == ["Producer"]
    first = graph.release_node(100)
    assert graph.roles(first, graph.artist_node(20)) == ["Mixed By", "Producer"]
    assert graph.roles(graph.release_node(104), graph.artist_node(13)) == ["Track Artist"]
    with pytest.raises(NotFoundError):
        graph.roles(first, graph.artist_node(11))


def test_csr_directions_agree(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(scene, SNAPSHOT, "all-credits")
    forward = {(r, int(a)) for r in range(graph.release_count) for a in graph.artists_of(r)}
    backward = {(int(r), a) for a in range(graph.artist_count) for r in graph.releases_of(a)}
    assert forward == backward
    assert graph.by_artist.offsets.dtype == np.int64
    assert graph.by_artist.targets.dtype == np.int32
    assert graph.by_release.targets.dtype == np.int32
    assert len(graph.edge_role_sets) == graph.edge_count
    for release in range(graph.release_count):
        neighbors = graph.artists_of(release)
        assert list(neighbors) == sorted(neighbors)


def test_node_tables(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    graph = open_graph(scene, SNAPSHOT, "all-credits")
    artists = pq.read_table(graph.path / "artists.parquet").to_pylist()
    assert [row["node"] for row in artists] == list(range(len(artists)))
    assert [row["artist_id"] for row in artists] == sorted(row["artist_id"] for row in artists)

    alpha = graph.artist_row(graph.artist_node(10))
    # Main credits on releases 100 and 108 weigh 3 each.
    assert alpha["popularity"] == 6
    assert alpha["release_count"] == 2
    assert alpha["hint_release_id"] == 100

    ghost = graph.artist_row(graph.artist_node(40))
    assert ghost["name"] == "Ghost Singer (3)"
    assert ghost["name_display"] == "Ghost Singer"

    first = graph.release_row(graph.release_node(100))
    assert first["formats"] == "Vinyl, CD"
    assert first["title"] == "First Light"
    assert graph.release_row(graph.release_node(105))["year"] is None
    assert graph.release_row(graph.release_node(102))["versions"] == 2


def test_performers_filters_roles(scene, tmp_path):
    run(scene, SNAPSHOT, force=False, ruleset="performers")
    graph = open_graph(scene, SNAPSHOT, "performers")
    edges = edge_ids(graph)
    assert (103, 11) in edges
    assert (108, 40) in edges
    assert not any(artist in (20, 21) for _, artist in edges)


def test_studio_merges_masters(scene):
    run(scene, SNAPSHOT, force=False, ruleset="studio")
    graph = open_graph(scene, SNAPSHOT, "studio")
    edges = edge_ids(graph)
    # The remaster's credit lands on the master's main release 102.
    assert (102, 20) in edges
    assert (100, 20) in edges
    assert all(release != 103 for release, _ in edges)
    assert graph.release_row(graph.release_node(102))["kind"] == "master"
    assert graph.release_row(graph.release_node(102))["title"] == "Third Way"
    assert not any(artist in (10, 11, 12) for _, artist in edges)


def test_cap_drops_large_releases(scene, tmp_path):
    out, report = build_with(scene, tmp_path, max_artists_per_release=2)
    # Releases 100, 103 and 104 credit three artists each.
    assert report.counts["releases_over_cap"] == 3
    assert report.counts["edges_over_cap"] == 9
    release_ids = pq.read_table(out / "releases.parquet").column("release_id").to_pylist()
    assert release_ids == [101, 102, 105, 106, 107, 108]


def test_keeping_unlinked_credits(scene, tmp_path):
    out, _ = build_with(scene, tmp_path, drop_unlinked=False)
    artists = pq.read_table(out / "artists.parquet").to_pylist()
    unlinked = [row for row in artists if not row["linked"]]
    # Both spellings of the unlinked writer become one name-keyed node.
    assert len(unlinked) == 1
    assert unlinked[0]["artist_id"] < 0
    assert unlinked[0]["name"] == "Some Writer / Other Writer"


def test_group_members_linked(scene, tmp_path):
    out, report = build_with(scene, tmp_path, link_group_members=True)
    assert report.counts["membership_nodes"] == 1
    releases = pq.read_table(out / "releases.parquet").to_pylist()
    membership = releases[-1]
    assert membership["kind"] == "membership"
    assert membership["group_id"] == 30
    assert membership["release_id"] is None
    assert membership["title"] == "members of The Group"


def test_manifest_lists_every_file(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    folder = scene.graph(SNAPSHOT, "all-credits")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["snapshot"] == SNAPSHOT
    assert manifest["ruleset"] == "all-credits"
    assert manifest["counts"]["edges"] == 18
    assert manifest["build_seconds"] >= 0
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json"}
    assert verify_graph(folder)["files"] == len(manifest["files"])


def test_verify_detects_changed_file(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    folder = scene.graph(SNAPSHOT, "all-credits")
    target = folder / "csr" / "artist_releases.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="artist_releases"):
        verify_graph(folder)


def test_published_graph_is_immutable(scene):
    run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    with pytest.raises(PublishError):
        run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    run(scene, SNAPSHOT, force=True, ruleset="all-credits")
    assert not list(scene.staging.iterdir())


def test_failed_build_publishes_nothing(scene, tmp_path):
    (scene.table(SNAPSHOT, "release_credits") / "part-0.parquet").write_bytes(b"not parquet")
    with pytest.raises(duckdb.Error):
        run(scene, SNAPSHOT, force=False, ruleset="all-credits")
    assert not scene.graph(SNAPSHOT, "all-credits").exists()
    assert not list(scene.staging.iterdir())


def test_missing_catalog(data_root):
    with pytest.raises(NotFoundError, match="mcg ingest"):
        run(data_root, SNAPSHOT, force=False, ruleset="all-credits")


def test_missing_graph(data_root):
    with pytest.raises(NotFoundError, match="mcg graph"):
        open_graph(data_root, SNAPSHOT, "all-credits")


def test_shipped_ruleset_settings_in_manifest(scene):
    run(scene, SNAPSHOT, force=False, ruleset="performers")
    manifest = open_graph(scene, SNAPSHOT, "performers").manifest
    assert manifest["ruleset_settings"] == load_ruleset("performers").to_dict()
