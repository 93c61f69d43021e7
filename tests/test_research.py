"""The research helpers: picking snapshots, opening them, artists, chains, charts and analytics.

Snapshot choice is tested on empty folders; everything else on the real
discograph-2015 sample, imported and built with the mcg verbs.
"""

from __future__ import annotations

import os
import time
from collections import deque

import altair as alt
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import mcg_lib.research as rs
from mcg_lib.cli import cli
from mcg_lib.errors import NotFoundError
from mcg_lib.graph import find_path
from mcg_lib.graph.roles import FAMILIES
from mcg_lib.paths import DATA_ROOT_ENV, DataRoot
from mcg_lib.pipeline.stages import project_dir

SNAPSHOT = "20150101"
AUTECHRE = 41


def build_month(root: DataRoot, sample, snapshot: str, *steps: list[str]) -> None:
    """Import one sample folder as ``snapshot`` and run the given mcg verbs on it."""
    runner = CliRunner()
    base = ["--data-root", str(root.root), "-q"]
    commands = [["fetch", "--snapshot", snapshot, "--from-dir", str(sample)]]
    commands += [[*step, "--snapshot", snapshot] for step in (["ingest"], *steps)]
    for command in commands:
        result = runner.invoke(cli, base + command)
        assert result.exit_code == 0, f"mcg {' '.join(command)} failed:\n{result.output}"


@pytest.fixture(scope="module")
def sample_root(samples_dir, tmp_path_factory) -> DataRoot:
    """A data root with the discograph-2015 sample ingested and its all-credits graph built."""
    root = DataRoot(tmp_path_factory.mktemp("research") / "data")
    graph = ["graph", "--ruleset", "all-credits"]
    build_month(root, samples_dir / "discograph-2015", SNAPSHOT, graph)
    return root


@pytest.fixture(scope="module")
def graph(sample_root):
    return rs.open_snapshot(SNAPSHOT, data_root=sample_root).graph()


def make_snapshots(root: DataRoot, *names: str) -> None:
    """Create empty curated folders, oldest first, one second of mtime apart."""
    start = time.time() - 100
    for offset, name in enumerate(names):
        folder = root.curated(name)
        folder.mkdir(parents=True)
        os.utime(folder, (start + offset, start + offset))


# picking a snapshot


def test_default_snapshot_newest_dated(data_root):
    make_snapshots(data_root, "20200806", "demo", "20150101")

    assert rs.default_snapshot(data_root) == "20200806"


def test_default_snapshot_demo_without_dated(data_root):
    make_snapshots(data_root, "demo", "zeta")

    assert rs.default_snapshot(data_root) == "demo"


def test_default_snapshot_named_newest_written(data_root):
    make_snapshots(data_root, "beta", "alpha")

    assert rs.default_snapshot(data_root) == "alpha"


def test_default_snapshot_empty_root_raises(data_root):
    with pytest.raises(NotFoundError) as error:
        rs.default_snapshot(data_root)

    assert str(data_root.root) in error.value.message
    assert "make demo" in error.value.hint


def test_previous_snapshot_dated_order(data_root):
    make_snapshots(data_root, "20150101", "20170401", "20200806", "demo")

    assert rs.previous_snapshot("20200806", data_root) == "20170401"
    assert rs.previous_snapshot("20170401", data_root) == "20150101"
    assert rs.previous_snapshot("20150101", data_root) is None


def test_previous_snapshot_named_has_none(data_root):
    make_snapshots(data_root, "20150101", "demo")

    assert rs.previous_snapshot("demo", data_root) is None


def test_resolve_root_environment_then_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "elsewhere"))
    assert rs.snapshots.resolve_root("").root == tmp_path / "elsewhere"

    monkeypatch.delenv(DATA_ROOT_ENV)
    assert rs.snapshots.resolve_root(None).root == project_dir() / "data"
    assert rs.snapshots.resolve_root(str(tmp_path)).root == tmp_path


def test_open_snapshot_missing_raises(data_root):
    make_snapshots(data_root, "20150101")

    with pytest.raises(NotFoundError) as error:
        rs.open_snapshot("20991231", data_root=data_root)

    assert "mcg ingest --snapshot 20991231" in error.value.hint


def test_open_snapshot_defaults(sample_root):
    snap = rs.open_snapshot(data_root=sample_root)

    assert snap.name == SNAPSHOT
    assert snap.ruleset == "all-credits"
    assert snap.built_rulesets() == ["all-credits"]
    assert snap.quality_report() is None
    assert snap.previous() is None


# catalogs


def test_attach_catalog_second_snapshot(sample_root):
    con = rs.open_snapshot(SNAPSHOT, data_root=sample_root).catalog()

    assert rs.attach_catalog(con, SNAPSHOT, "previous", sample_root) == "previous"

    now = con.execute("SELECT count(*) FROM releases").fetchall()[0][0]
    before = con.execute("SELECT count(*) FROM previous.releases").fetchall()[0][0]
    assert now == before == 1700
    assert con.execute("SELECT current_schema()").fetchall()[0][0] == "main"


def test_attach_catalog_invalid_schema(sample_root):
    con = rs.open_snapshot(SNAPSHOT, data_root=sample_root).catalog()

    with pytest.raises(ValueError, match="invalid schema name"):
        rs.attach_catalog(con, SNAPSHOT, "previous; DROP", sample_root)


def test_register_role_families(sample_root):
    con = rs.open_snapshot(SNAPSHOT, data_root=sample_root).catalog()

    assert rs.register_role_families(con) == "role_families"

    families = dict(con.execute("SELECT role, family FROM role_families").fetchall())
    distinct = con.execute(
        "SELECT count(DISTINCT r.role) FROM (SELECT unnest(roles) AS r FROM release_credits)"
    ).fetchall()[0][0]
    assert len(families) == distinct
    assert set(families.values()) <= set(FAMILIES)
    assert families["Producer"] == "production"
    assert families["Written-By"] == "writing"


# artists and chains


def test_lookup_artist_by_name_and_id(graph):
    by_name = rs.lookup_artist(graph, "autechre")
    by_id = rs.lookup_artist(graph, AUTECHRE)

    assert by_name == by_id
    assert by_name["artist_id"] == AUTECHRE
    assert by_name["name"] == "Autechre"
    assert by_name["release_count"] > 0
    assert by_name["hint_title"]


def test_lookup_artist_unknown_raises(graph):
    with pytest.raises(NotFoundError):
        rs.lookup_artist(graph, "No Such Artist Anywhere")


def test_find_chain_by_names(graph):
    chain = rs.find_chain(graph, "Autechre", "Aphex Twin")

    assert chain.found
    assert chain.from_id == AUTECHRE
    assert chain.hops == find_path(graph, AUTECHRE, chain.to_id).hops


def test_draw_chain_names_every_element(graph):
    chain = rs.find_chain(graph, 7436, 23618)
    svg = rs.chain_svg(chain)

    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert f"{chain.hops} hops" in svg
    for element in chain.to_json()["path"]:
        if element["type"] == "artist":
            assert f"artist {element['id']}" in svg
        else:
            assert f"release {element['id']}" in svg


def test_draw_chain_without_chain():
    svg = rs.chain_svg({"from": 1, "to": 2, "hops": None, "path": []})

    assert "no chain found" in svg


def test_chain_elements_shorten_long_titles():
    path = [
        {"type": "artist", "id": 1, "name": "A", "name_display": "A"},
        {"type": "release", "id": 9, "title": "T" * 40, "year": None,
         "from_roles": ["Producer"], "to_roles": ["Vocals", "Guitar"]},
        {"type": "artist", "id": 2, "name": "B (2)", "name_display": "B"},
    ]
    rows = rs.charts.chain_elements({"from": 1, "to": 2, "hops": 1, "path": path})

    assert [row["kind"] for row in rows] == ["artist", "release", "artist"]
    assert rows[1]["label"].endswith("…")
    assert len(rows[1]["label"]) == 26
    assert rows[1]["detail"] == "year unknown · release 9"
    assert rows[1]["roles_in"] == "← Producer"
    assert rows[1]["roles_out"] == "→ Vocals, Guitar"
    assert rows[2]["label"] == "B"


def test_offline_charts_render_svg_only():
    rs.use_offline_charts()
    chart = alt.Chart(alt.Data(values=[{"x": 1, "y": 2}])).mark_bar().encode(x="x:O", y="y:Q")

    bundle = chart._repr_mimebundle_()

    assert list(bundle) == ["image/svg+xml"]
    assert "<script" not in bundle["image/svg+xml"]


def test_setup_notebook_shows_tables_in_full():
    frame = pl.DataFrame({"title": ["x" * 70] * 20, "year": list(range(1990, 2010))})

    with pl.Config():
        rs.setup_notebook()
        html = frame._repr_html_()

    assert "x" * 70 in html
    assert "2009" in html
    assert "…" not in html
    assert "shape:" not in html
    assert alt.renderers.active == "svg"


# analytics


def plain_artist_distances(graph, source_id: int) -> dict[int, int]:
    """Hops from one artist to every reachable artist, by a textbook BFS over the CSR arrays."""
    start = graph.artist_node(source_id)
    hops = {start: 0}
    queue = deque([start])
    while queue:
        artist = queue.popleft()
        for release in graph.releases_of(artist):
            for other in graph.artists_of(int(release)):
                if int(other) not in hops:
                    hops[int(other)] = hops[artist] + 1
                    queue.append(int(other))
    return {int(graph.artist_ids[node]): distance for node, distance in hops.items()}


def test_rustworkx_copy_has_every_edge(graph):
    network = rs.to_rustworkx(graph)

    assert network.num_nodes() == graph.artist_count + graph.release_count
    assert network.num_edges() == graph.edge_count
    node = graph.artist_node(AUTECHRE)
    releases = sorted(n - graph.artist_count for n in network.neighbors(node))
    assert releases == sorted(graph.releases_of(node).tolist())


def test_distances_among_match_plain_bfs(graph):
    ids = rs.popular_artists(graph, 12)["artist_id"].to_list()
    reachable = plain_artist_distances(graph, ids[0])
    ids.append(next(int(a) for a in graph.artist_ids if int(a) not in reachable))

    frame = rs.distances_among(graph, ids)

    assert len(frame) == len(ids) * (len(ids) - 1) // 2
    assert frame["hops"].null_count() >= len(ids) - 1
    for from_id in ids[:3]:
        expected = plain_artist_distances(graph, from_id)
        for row in frame.filter(frame["from_id"] == from_id).iter_rows(named=True):
            assert row["hops"] == expected.get(row["to_id"]), (from_id, row["to_id"])


def test_component_sizes_cover_graph(graph):
    components = rs.component_sizes(graph)

    assert components["artists"].sum() == graph.artist_count
    assert components["releases"].sum() == graph.release_count
    assert components["artists"].to_list() == sorted(components["artists"].to_list(), reverse=True)
    assert components["component"].to_list() == list(range(len(components)))


def test_degree_distribution_totals(graph):
    artists = rs.degree_distribution(graph, "artist")
    releases = rs.degree_distribution(graph, "release")

    assert artists["nodes"].sum() == graph.artist_count
    assert releases["nodes"].sum() == graph.release_count
    assert (artists["degree"] * artists["nodes"]).sum() == graph.edge_count
    assert (releases["degree"] * releases["nodes"]).sum() == graph.edge_count


def test_degree_distribution_invalid_side(graph):
    with pytest.raises(ValueError, match="invalid side 'label'"):
        rs.degree_distribution(graph, "label")


def test_hubs_are_the_highest_degrees(graph):
    artists = rs.hub_artists(graph, 5)
    releases = rs.hub_releases(graph, 5)

    assert artists["releases"][0] == int(np.diff(graph.by_artist.offsets).max())
    assert releases["artists"][0] == int(np.diff(graph.by_release.offsets).max())
    assert artists["releases"].to_list() == sorted(artists["releases"].to_list(), reverse=True)
    assert releases["artists"].to_list() == sorted(releases["artists"].to_list(), reverse=True)


def test_popular_artists_by_popularity(graph):
    popular = rs.popular_artists(graph, 20)

    assert len(popular) == 20
    assert popular["artist_id"][0] == AUTECHRE
    assert popular["popularity"].to_list() == sorted(popular["popularity"].to_list(), reverse=True)
