"""A graph opened for a server (random_access=True) returns the same values as one opened for a job.

In server mode the offsets are narrowed to int32 in memory, the targets are
read in, and node-table values are read with pread instead of through the
map. Every lookup must still return the values of the mapped tables.
"""

from __future__ import annotations

import numpy as np
import pytest
from fixtures.graph.catalog import write_catalog, write_random_catalog, write_scene

from mcg_lib.errors import NotFoundError
from mcg_lib.graph import open_graph
from mcg_lib.graph.stage import run
from mcg_lib.graph.store import Graph

SNAPSHOT = "demo"


def both_modes(data_root) -> tuple[Graph, Graph]:
    run(data_root, SNAPSHOT, force=False, ruleset="all-credits")
    job = open_graph(data_root, SNAPSHOT, "all-credits")
    return job, Graph(job.path, random_access=True)


@pytest.mark.parametrize("scene", ["scene", "random"])
def test_server_lookups_match_mapped_tables(data_root, scene):
    if scene == "scene":
        write_scene(data_root, SNAPSHOT, "small_scene")
    else:
        write_random_catalog(data_root, SNAPSHOT, seed=7, artists=120, releases=90, max_credits=5)
    job, server = both_modes(data_root)

    assert server.by_release.offsets.dtype == np.int32
    for node in range(job.artist_count):
        assert server.artist_row(node) == job.artist_row(node)
        assert server.artist_row(node, ("name",)) == job.artist_row(node, ("name",))
        assert server.artist_node(int(job.artist_ids[node])) == node
    for node in range(job.release_count):
        assert server.release_row(node) == job.release_row(node)
        for artist in job.artists_of(node):
            assert server.roles(node, int(artist)) == job.roles(node, int(artist))


def test_server_lookups_keep_nulls_and_unicode(data_root):
    artists = [
        {"artist_id": 1, "name": "Björk", "name_display": "Björk"},
        {"artist_id": 2, "name": "坂本龍一", "name_display": "坂本龍一"},
    ]
    releases = [
        {"release_id": 7, "title": "Ágætis byrjun – 🎧", "year": None},
        {"release_id": 8, "title": "", "year": 1999},
    ]
    credits = [
        {"release_id": release, "credit_kind": "main", "artist_id": artist, "name": "x"}
        for release in (7, 8)
        for artist in (1, 2)
    ]
    write_catalog(data_root, SNAPSHOT, artists=artists, releases=releases, credits=credits)
    job, server = both_modes(data_root)

    assert [server.artist_row(node)["name"] for node in range(2)] == ["Björk", "坂本龍一"]
    assert server.release_row(0, ("title", "year")) == {"title": "Ágætis byrjun – 🎧", "year": None}
    assert server.release_row(1, ("title", "year")) == {"title": "", "year": 1999}
    for node in range(job.release_count):
        assert server.release_row(node) == job.release_row(node)


def test_server_artist_node_rejects_unknown_ids(data_root):
    write_scene(data_root, SNAPSHOT, "small_scene")
    _, server = both_modes(data_root)
    ids = [int(i) for i in server.artist_ids]

    for missing in (0, min(ids) - 1, max(ids) + 1, *(i + 1 for i in ids if i + 1 not in ids)):
        with pytest.raises(NotFoundError):
            server.artist_node(missing)
