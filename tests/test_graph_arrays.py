"""Graph build internals: the artist-order sort, per-artist reductions, byte-identical output."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from fixtures.graph.catalog import write_random_catalog, write_scene

from mcg_lib.graph import csr, popularity
from mcg_lib.graph.build import build_graph, write_manifest
from mcg_lib.graph.layout import read_ipc, write_ipc
from mcg_lib.graph.rulesets import load_ruleset, parse_ruleset


def random_edges(seed: int, releases: int, artists: int, edges: int):
    """Return unique (release, artist) edges in (release, artist) order, with random flags."""
    rng = np.random.default_rng(seed)
    pairs = np.unique(
        np.stack([rng.integers(0, releases, edges), rng.integers(0, artists, edges)], axis=1),
        axis=0,
    )
    flags = rng.random(len(pairs)) < 0.3
    return pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32), flags


def test_artist_major_matches_lexsort():
    release_nodes, artist_nodes, flags = random_edges(1, releases=500, artists=300, edges=4000)

    releases, sorted_flags = csr.artist_major(release_nodes, artist_nodes, flags)

    order = np.lexsort((release_nodes, artist_nodes))
    assert releases.dtype == np.int32
    assert np.array_equal(releases, release_nodes[order])
    assert np.array_equal(sorted_flags, flags[order])


def test_artist_major_empty():
    empty = np.empty(0, dtype=np.int32)
    releases, flags = csr.artist_major(empty, empty, np.empty(0, dtype=bool))
    assert len(releases) == 0
    assert len(flags) == 0


def plain_stats(offsets, releases, is_main, versions, years, real_releases):
    """Popularity, release count and hint node per artist, by the documented rule, in plain Python."""
    result = []
    for artist in range(len(offsets) - 1):
        edges = [
            (int(releases[e]), bool(is_main[e]))
            for e in range(offsets[artist], offsets[artist + 1])
            if releases[e] < real_releases
        ]
        weight = sum(popularity.MAIN_CREDIT_WEIGHT if main else 1 for _, main in edges)
        # A main credit first, then more versions (capped), then an earlier
        # year (unknown last), then the lower release node.
        ranked = sorted(
            edges,
            key=lambda edge: (
                not edge[1],
                -min(versions[edge[0]], 65535),
                years[edge[0]] if years[edge[0]] else 10000,
                edge[0],
            ),
        )
        hint = ranked[0][0] if ranked else -1
        result.append((weight, len(edges), hint))
    return result


@pytest.mark.parametrize("chunk", [1 << 23, 5])
def test_artist_stats_match_plain_rule(monkeypatch, chunk):
    monkeypatch.setattr(popularity, "_CHUNK", chunk)
    rng = np.random.default_rng(2)
    real_releases, memberships, artists = 60, 4, 40
    release_nodes, artist_nodes, flags = random_edges(
        3, releases=real_releases + memberships, artists=artists, edges=400
    )
    # Artist 0 is credited on membership nodes only, so it has no hint release.
    keep = (artist_nodes != 0) | (release_nodes >= real_releases)
    release_nodes, artist_nodes, flags = release_nodes[keep], artist_nodes[keep], flags[keep]
    releases, is_main = csr.artist_major(release_nodes, artist_nodes, flags)
    offsets = csr.offsets_from_counts(np.bincount(artist_nodes, minlength=artists))
    versions = rng.choice([1, 2, 3, 70000], size=real_releases + memberships).astype(np.int32)
    years = rng.choice([0, 1970, 1980, 1999], size=real_releases + memberships).astype(np.int32)

    stats = popularity.artist_stats(
        offsets,
        releases,
        is_main,
        popularity.hint_release_keys(versions, years),
        real_releases=real_releases,
    )

    expected = plain_stats(offsets, releases, is_main, versions, years, real_releases)
    assert stats.popularity.tolist() == [row[0] for row in expected]
    assert stats.release_count.tolist() == [row[1] for row in expected]
    assert stats.hint_node.tolist() == [row[2] for row in expected]
    assert stats.hint_node[0] == -1


def test_ipc_bytes_ignore_values_under_nulls(tmp_path):
    validity = pa.array([True, False, True]).buffers()[1]
    tables = []
    for hidden in (0, 12345):
        values = pa.py_buffer(np.array([7, hidden, 9], dtype=np.int64).tobytes())
        array = pa.Array.from_buffers(pa.int64(), 3, [validity, values], null_count=1)
        tables.append(pa.table({"year": array}))

    write_ipc(tables[0], tmp_path / "first.arrow")
    write_ipc(tables[1], tmp_path / "second.arrow")

    assert (tmp_path / "first.arrow").read_bytes() == (tmp_path / "second.arrow").read_bytes()
    assert read_ipc(tmp_path / "second.arrow").column("year").to_pylist() == [7, None, 9]


def build_files(root, snapshot, rules, out) -> dict[str, dict]:
    out.mkdir()
    report = build_graph(root, snapshot, rules, out)
    return write_manifest(out, snapshot, rules, report)["files"]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"drop_unlinked": False, "merge_masters": True, "link_group_members": True},
    ],
)
def test_build_is_byte_identical(data_root, tmp_path, settings):
    write_scene(data_root, "demo", "small_scene")
    rules = parse_ruleset("custom", tmp_path / "custom.toml", settings)

    first = build_files(data_root, "demo", rules, tmp_path / "first")
    second = build_files(data_root, "demo", rules, tmp_path / "second")

    assert first == second


def test_random_catalog_byte_identical(data_root, tmp_path):
    write_random_catalog(data_root, "random", seed=5, artists=3000, releases=6000)
    rules = load_ruleset("all-credits")

    first = build_files(data_root, "random", rules, tmp_path / "first")
    second = build_files(data_root, "random", rules, tmp_path / "second")

    assert first == second


def test_ipc_bytes_ignore_stray_validity_bits(tmp_path):
    # Rows 0 and 2 are valid; the bits after row 2 differ between the tables.
    offsets = pa.py_buffer(np.array([0, 1, 1, 2], dtype=np.int32).tobytes())
    years = pa.py_buffer(np.array([7, 0, 9], dtype=np.int64).tobytes())
    tables = []
    for validity_byte in (0b0000_0101, 0b1111_0101):
        validity = pa.py_buffer(bytes([validity_byte]))
        year = pa.Array.from_buffers(pa.int64(), 3, [validity, years], null_count=1)
        title = pa.Array.from_buffers(pa.string(), 3, [validity, offsets, pa.py_buffer(b"ab")], null_count=1)
        tables.append(pa.table({"year": year, "title": title}))

    write_ipc(tables[0], tmp_path / "first.arrow")
    write_ipc(tables[1], tmp_path / "second.arrow")

    assert (tmp_path / "first.arrow").read_bytes() == (tmp_path / "second.arrow").read_bytes()
    assert read_ipc(tmp_path / "second.arrow").column("title").to_pylist() == ["a", None, "b"]
