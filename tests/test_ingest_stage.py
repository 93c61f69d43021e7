"""The ingest stage end to end: publishing, reruns, workers, the fan-out, real samples."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ingest_helpers import read_table

from mcg_lib.errors import InputError, PublishError
from mcg_lib.ingest.schema import SCHEMAS
from mcg_lib.pipeline import run_stage

DISCOGRAPH = "discograph-2015"

# Expected counts, from SOURCES.md of the samples and the files themselves.
SAMPLE_COUNTS = {
    "discograph-2015": {"releases": 1700, "artists": 5560, "labels": 656, "masters": 396, "release_credits": 23101},
    "elpassion-discogs_data-2020": {"releases": 50, "artists": 50, "labels": 50, "masters": 50,
                                    "label_sublabels": 99},
    "philipmat-discogs-xml2db/20170401-head50": {"releases": 10, "artists": 27, "labels": 5, "masters": 47},
    "philipmat-discogs-xml2db/20200806": {"releases": 1000, "artists": 1000, "labels": 1000, "masters": 1000,
                                          "release_credits": 11774},
    "philipmat-discogs-xml2db/single-records": {"releases": 1, "artists": 1, "labels": 0, "masters": 0},
    "tgmz-discogs-2025": {"releases": 11, "artists": 19, "labels": 9, "masters": 4},
}


def import_sample(data_root, samples_dir: Path, folder: str, snapshot: str = "s1") -> str:
    run_stage("fetch", snapshot=snapshot, data_root=data_root.root, raw_dir=str(samples_dir / folder))
    return snapshot


def parquet_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.parquet"))}


@pytest.mark.parametrize("folder", sorted(SAMPLE_COUNTS))
def test_every_sample_ingests(data_root, samples_dir, folder):
    snapshot = import_sample(data_root, samples_dir, folder)
    manifest = run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    tables = manifest["summary"]["tables"]

    for table, expected in SAMPLE_COUNTS[folder].items():
        assert tables[table] == expected, table
    ingest_manifest = (data_root.curated(snapshot) / "manifest.json").read_text()
    assert '"reconciliation_mismatches": {}' in ingest_manifest
    for table in SCHEMAS:
        assert list((data_root.table(snapshot, table)).glob("*.parquet")), table


def test_rerun_is_byte_identical(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, DISCOGRAPH)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    first = parquet_bytes(data_root.curated(snapshot))
    first_manifest = (data_root.curated(snapshot) / "manifest.json").read_bytes()

    run_stage("ingest", snapshot=snapshot, data_root=data_root.root, force=True)

    assert parquet_bytes(data_root.curated(snapshot)) == first
    assert (data_root.curated(snapshot) / "manifest.json").read_bytes() == first_manifest


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_processes_write_the_same_bytes(data_root, samples_dir, monkeypatch, workers):
    from mcg_lib.ingest import runner

    snapshot = import_sample(data_root, samples_dir, DISCOGRAPH)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    in_process = parquet_bytes(data_root.curated(snapshot))

    # The samples are small enough to be parsed in the calling process; make
    # every file go through the worker processes instead.
    monkeypatch.setattr(runner, "IN_PROCESS_MAX_BYTES", 0)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root, force=True, workers=workers)

    assert parquet_bytes(data_root.curated(snapshot)) == in_process


def test_rerun_without_force_is_skipped(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, DISCOGRAPH)
    first = run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    second = run_stage("ingest", snapshot=snapshot, data_root=data_root.root, workers=2)

    assert second["finished_at"] == first["finished_at"]


def test_published_catalog_is_not_overwritten(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, DISCOGRAPH)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    data_root.stage_manifest(snapshot, "ingest").unlink()

    with pytest.raises(PublishError, match="--force"):
        run_stage("ingest", snapshot=snapshot, data_root=data_root.root)


def test_failed_ingest_publishes_nothing(data_root, samples_dir, tmp_path):
    source = tmp_path / "dumps"
    shutil.copytree(samples_dir / DISCOGRAPH, source)
    releases = source / "discogs_test_releases.xml.gz"
    data = gzip.decompress(releases.read_bytes())
    (source / "discogs_test_releases.xml.gz").unlink()
    (source / "discogs_test_releases.xml").write_bytes(data[: len(data) * 2 // 3])

    run_stage("fetch", snapshot="cut", data_root=data_root.root, raw_dir=str(source))
    with pytest.raises(InputError, match="truncated|ends inside"):
        run_stage("ingest", snapshot="cut", data_root=data_root.root)

    assert not data_root.curated("cut").exists()
    assert not [p for p in data_root.staging.iterdir() if p.is_dir()]


def test_fanout_equals_one_go(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, DISCOGRAPH)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    one_go = {table: read_table(data_root.curated(snapshot), table) for table in SCHEMAS}
    one_go_manifest = (data_root.curated(snapshot) / "manifest.json").read_text()
    shutil.rmtree(data_root.curated(snapshot))
    data_root.stage_manifest(snapshot, "ingest").unlink()

    run_stage("ingest", snapshot=snapshot, data_root=data_root.root, step="split", chunks=3)
    chunk_files = sorted((data_root.staging / f"ingest-{snapshot}" / "chunks").iterdir())
    assert len(chunk_files) == 3
    for index in range(3):
        run_stage("ingest", snapshot=snapshot, data_root=data_root.root, step="chunk", index=index)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root, step="merge")

    for table in SCHEMAS:
        assert read_table(data_root.curated(snapshot), table) == one_go[table], table
    assert (data_root.curated(snapshot) / "manifest.json").read_text() == one_go_manifest
    assert not (data_root.staging / f"ingest-{snapshot}").exists()


def test_merge_waits_for_every_chunk(data_root, samples_dir):
    from mcg_lib.errors import NotFoundError

    snapshot = import_sample(data_root, samples_dir, DISCOGRAPH)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root, step="split", chunks=2)
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root, step="chunk", index=0)

    with pytest.raises(NotFoundError, match=r"chunks \[1\]"):
        run_stage("ingest", snapshot=snapshot, data_root=data_root.root, step="merge")
    assert not data_root.curated(snapshot).exists()


def test_artist_kinds_from_members_and_groups(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, "philipmat-discogs-xml2db/20200806")
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    artists = {a["artist_id"]: a["kind"] for a in read_table(data_root.curated(snapshot), "artists")}
    members = read_table(data_root.curated(snapshot), "artist_members")

    groups = {m["group_id"] for m in members}
    assert groups and all(artists[g] == "group" for g in groups if g in artists)
    persons = {m["member_id"] for m in members if m["member_id"] in artists} - groups
    assert persons and all(artists[p] == "person" for p in persons)


def test_schema_matches_files(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, "tgmz-discogs-2025")
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)

    for table, schema in SCHEMAS.items():
        for part in data_root.table(snapshot, table).glob("*.parquet"):
            assert pq.read_schema(part).remove_metadata() == schema, table


def test_replaced_raw_snapshot_rebuilds_the_catalog(data_root, samples_dir):
    snapshot = import_sample(data_root, samples_dir, "tgmz-discogs-2025")
    run_stage("ingest", snapshot=snapshot, data_root=data_root.root)
    other = samples_dir / "philipmat-discogs-xml2db" / "20170401-head50"
    run_stage("fetch", snapshot=snapshot, data_root=data_root.root, raw_dir=str(other), force=True)

    manifest = run_stage("ingest", snapshot=snapshot, data_root=data_root.root)

    assert manifest["summary"]["tables"]["releases"] == SAMPLE_COUNTS["philipmat-discogs-xml2db/20170401-head50"]["releases"]


def test_truncated_dump_fails_ingest_naming_the_file(data_root, samples_dir, tmp_path):
    source = tmp_path / "dumps"
    shutil.copytree(samples_dir / DISCOGRAPH, source)
    releases = source / "discogs_test_releases.xml.gz"
    releases.write_bytes(releases.read_bytes()[:200_000])
    run_stage("fetch", snapshot="s1", data_root=data_root.root, raw_dir=str(source))

    with pytest.raises(InputError, match="releases.xml.gz: the compressed data is truncated"):
        run_stage("ingest", snapshot="s1", data_root=data_root.root)

    assert not data_root.curated("s1").exists()
