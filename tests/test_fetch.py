"""Downloads of a month of dumps from a real HTTP server on 127.0.0.1.

The server (tests/test_fetch_server.py) serves generated dumps in the layout of
the Discogs bucket and breaks on request: it drops connections mid-file,
responds with 5xx, serves a corrupt file or ignores Range headers.
"""

from __future__ import annotations

import hashlib
import logging

import pytest
from click.testing import CliRunner
from test_fetch_server import DumpServer, Fault, make_month

from mcg_lib.cli import cli
from mcg_lib.errors import ChecksumError, ConfigError, McgError, NotFoundError, PublishError
from mcg_lib.fetch import KINDS, open_dump, raw_files
from mcg_lib.fetch.bucket import (
    DEFAULT_BASE_URL,
    downloads_dir,
    fetch_snapshot,
    month_url,
    partial_path,
    resolve_base_url,
)
from mcg_lib.fetch.download import RetryPolicy
from mcg_lib.fetch.manifest import snapshot_lock
from mcg_lib.pipeline.state import run_stage
from mcg_lib.publish import read_json

SNAPSHOT = "20250101"
FOLDER = "/data/2025/"
CHECKSUMS = FOLDER + "discogs_20250101_CHECKSUM.txt"
ARTISTS = FOLDER + "discogs_20250101_artists.xml.gz"
MASTERS = FOLDER + "discogs_20250101_masters.xml.gz"
RELEASES = FOLDER + "discogs_20250101_releases.xml.gz"

FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05)


@pytest.fixture
def bucket():
    with DumpServer(files=make_month(SNAPSHOT)) as server:
        yield server


@pytest.fixture
def mcg_log(caplog):
    """Capture the package's log lines, which the CLI's logging setup keeps from the root logger."""
    logger = logging.getLogger("mcg")
    previous = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # so each line is captured once whether or not the CLI ran before
    yield caplog
    logger.setLevel(previous[0])
    logger.propagate = previous[1]
    logger.removeHandler(caplog.handler)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def published(data_root, path: str) -> bytes:
    return (data_root.raw(SNAPSHOT) / path.rsplit("/", 1)[-1]).read_bytes()


def test_download_publishes_month_and_manifest(data_root, bucket, mcg_log):
    stage = run_stage("fetch", snapshot=SNAPSHOT, data_root=data_root.root, base_url=bucket.url)

    manifest = read_json(data_root.raw_manifest(SNAPSHOT))
    assert manifest["snapshot"] == SNAPSHOT
    assert manifest["series"] == "discogs"
    assert manifest["source"] == f"{bucket.url}/data/2025/"
    assert manifest["method"] == "download"
    assert manifest["missing_kinds"] == []
    assert manifest["checksum_files"] == ["discogs_20250101_CHECKSUM.txt"]
    assert manifest["fetched_at"]
    assert list(manifest["files"]) == list(KINDS)
    for kind in KINDS:
        entry = manifest["files"][kind]
        served = bucket.files[FOLDER + entry["name"]]
        assert entry["name"] == f"discogs_20250101_{kind}.xml.gz"
        assert entry["bytes"] == len(served)
        assert entry["sha256"] == sha256(served)
        assert entry["gzip"] is True
        assert entry["records_dropped_as_duplicates"] == 0
        assert entry["seconds"] >= 0
        assert entry["source_files"][0]["url"] == bucket.url + FOLDER + entry["name"]
        assert entry["source_files"][0]["checksum_verified"] is True
        assert published(data_root, entry["name"]) == served

    assert published(data_root, CHECKSUMS) == bucket.files[CHECKSUMS]
    assert stage["summary"]["kinds"] == list(KINDS)
    assert data_root.stage_manifest(SNAPSHOT, "fetch").is_file()
    assert not downloads_dir(data_root, SNAPSHOT).exists()
    assert mcg_log.text.count("SHA-256 verified") == 4


def test_raw_files_opens_published_dumps(data_root, bucket):
    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    files = raw_files(data_root, SNAPSHOT)

    assert set(files) == set(KINDS)
    with open_dump(files["releases"]) as stream:
        text = stream.read()
    assert text.startswith(b'<releases>\n<release id="1">')
    assert text.count(b"<release id=") == 200


def test_dropped_connection_resumes_with_range(data_root, bucket, mcg_log):
    bucket.add_fault(RELEASES, Fault(times=1, drop_after=50_000))

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, retry=FAST_RETRY)

    assert bucket.requests_for(RELEASES) == [None, "bytes=50000-"]
    assert published(data_root, RELEASES) == bucket.files[RELEASES]
    assert "retrying" in mcg_log.text


def test_repeated_drops_still_complete(data_root, bucket):
    bucket.add_fault(RELEASES, Fault(times=10, drop_after=20_000))

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, retry=FAST_RETRY)

    ranges = bucket.requests_for(RELEASES)
    assert ranges[:3] == [None, "bytes=20000-", "bytes=40000-"]
    assert published(data_root, RELEASES) == bucket.files[RELEASES]


def test_rerun_continues_partial_download(data_root, bucket):
    bucket.add_fault(RELEASES, Fault(times=1, drop_after=60_000))
    bucket.add_fault(RELEASES, Fault(times=5, status=503))
    give_up_fast = RetryPolicy(attempts=2, first_delay=0.01)

    with pytest.raises(McgError, match="failed at byte 60000") as caught:
        fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, retry=give_up_fast)

    part = partial_path(data_root, SNAPSHOT, "discogs_20250101_releases.xml.gz")
    assert "rerun" in str(caught.value)
    assert part.stat().st_size == 60_000
    assert not data_root.raw(SNAPSHOT).exists()
    assert not data_root.raw_manifest(SNAPSHOT).exists()

    bucket.faults.clear()
    run_stage("fetch", snapshot=SNAPSHOT, data_root=data_root.root, base_url=bucket.url)

    assert bucket.requests_for(RELEASES)[-1] == "bytes=60000-"
    assert len(bucket.requests_for(ARTISTS)) == 1
    assert published(data_root, RELEASES) == bucket.files[RELEASES]


def test_complete_partial_file_not_redownloaded(data_root, bucket):
    size = len(bucket.files[RELEASES])
    part = partial_path(data_root, SNAPSHOT, "discogs_20250101_releases.xml.gz")
    part.parent.mkdir(parents=True)
    part.write_bytes(bucket.files[RELEASES])

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    assert bucket.requests_for(RELEASES) == [f"bytes={size}-"]
    assert published(data_root, RELEASES) == bucket.files[RELEASES]


def test_oversized_partial_file_restarts(data_root, bucket, mcg_log):
    part = partial_path(data_root, SNAPSHOT, "discogs_20250101_releases.xml.gz")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * (len(bucket.files[RELEASES]) + 10))

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    assert bucket.requests_for(RELEASES)[-1] is None
    assert published(data_root, RELEASES) == bucket.files[RELEASES]
    assert "does not fit" in mcg_log.text


def test_checksum_mismatch_keeps_verified_files(data_root, bucket):
    good = bucket.files[MASTERS]
    corrupt = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]
    bucket.files[MASTERS] = corrupt

    with pytest.raises(ChecksumError) as caught:
        run_stage("fetch", snapshot=SNAPSHOT, data_root=data_root.root, base_url=bucket.url)

    message = str(caught.value)
    assert "discogs_20250101_masters.xml.gz" in message
    assert sha256(good) in message
    assert sha256(corrupt) in message
    assert "rerun" in message

    work = downloads_dir(data_root, SNAPSHOT)
    assert (work / "discogs_20250101_artists.xml.gz").read_bytes() == bucket.files[ARTISTS]
    assert (work / "discogs_20250101_labels.xml.gz").is_file()
    moved = list(work.glob("discogs_20250101_masters.xml.gz.bad-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == corrupt
    assert not (work / "discogs_20250101_masters.xml.gz").exists()
    assert not (work / "discogs_20250101_masters.xml.gz.part").exists()
    assert not data_root.raw(SNAPSHOT).exists()
    assert not data_root.raw_manifest(SNAPSHOT).exists()


def test_rerun_after_mismatch_fetches_failed_file(data_root, bucket):
    good = bucket.files[MASTERS]
    bucket.files[MASTERS] = good[:-1] + bytes([good[-1] ^ 0xFF])
    with pytest.raises(ChecksumError):
        fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    bucket.files[MASTERS] = good
    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    assert len(bucket.requests_for(ARTISTS)) == 1
    assert len(bucket.requests_for(MASTERS)) == 2
    assert published(data_root, MASTERS) == good


def test_missing_snapshot_is_not_found(data_root, bucket):
    with pytest.raises(NotFoundError, match="discogs_20240101_CHECKSUM.txt") as caught:
        run_stage("fetch", snapshot="20240101", data_root=data_root.root, base_url=bucket.url)

    assert "HTTP 404" in str(caught.value)
    assert not data_root.raw("20240101").exists()
    assert not data_root.raw_manifest("20240101").exists()


def test_missing_dump_file_is_not_found(data_root, bucket):
    del bucket.files[RELEASES]

    with pytest.raises(NotFoundError, match="discogs_20250101_releases.xml.gz"):
        fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    assert not data_root.raw(SNAPSHOT).exists()


def test_server_without_range_restarts_from_zero(data_root, bucket, mcg_log):
    bucket.ignore_range = True
    bucket.add_fault(RELEASES, Fault(times=1, drop_after=50_000))

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, retry=FAST_RETRY)

    assert bucket.requests_for(RELEASES) == [None, "bytes=50000-"]
    assert "ignored the Range request" in mcg_log.text
    assert published(data_root, RELEASES) == bucket.files[RELEASES]


def test_server_errors_are_retried(data_root, bucket):
    bucket.add_fault(CHECKSUMS, Fault(times=2, status=503))
    bucket.add_fault(ARTISTS, Fault(times=1, status=500))

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, retry=FAST_RETRY)

    assert len(bucket.requests_for(CHECKSUMS)) == 3
    assert len(bucket.requests_for(ARTISTS)) == 2
    assert published(data_root, ARTISTS) == bucket.files[ARTISTS]


def test_retries_run_out(data_root, bucket):
    bucket.add_fault(CHECKSUMS, Fault(times=10, status=502))

    with pytest.raises(McgError, match="HTTP 502"):
        fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, retry=FAST_RETRY)

    assert len(bucket.requests_for(CHECKSUMS)) == FAST_RETRY.attempts
    assert not data_root.raw(SNAPSHOT).exists()


def test_rerun_with_same_month_is_noop(data_root, bucket, mcg_log):
    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)
    first = read_json(data_root.raw_manifest(SNAPSHOT))

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    assert read_json(data_root.raw_manifest(SNAPSHOT)) == first
    assert len(bucket.requests_for(RELEASES)) == 1
    assert "nothing to do" in mcg_log.text


def test_changed_month_needs_force(data_root, bucket):
    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)
    bucket.files.update(make_month(SNAPSHOT, seed=1))

    with pytest.raises(PublishError, match="--force") as caught:
        fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)
    assert "releases has other source files" in str(caught.value)

    fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url, force=True)

    manifest = read_json(data_root.raw_manifest(SNAPSHOT))
    assert manifest["files"]["releases"]["sha256"] == sha256(bucket.files[RELEASES])
    assert published(data_root, RELEASES) == bucket.files[RELEASES]


def test_force_through_stage_replaces_snapshot(data_root, bucket):
    run_stage("fetch", snapshot=SNAPSHOT, data_root=data_root.root, base_url=bucket.url)
    bucket.files.update(make_month(SNAPSHOT, seed=2))

    run_stage("fetch", snapshot=SNAPSHOT, data_root=data_root.root, base_url=bucket.url, force=True)

    assert published(data_root, RELEASES) == bucket.files[RELEASES]


def test_month_without_masters_missing_kind(data_root):
    month = make_month("20080309", kinds=("artists", "labels", "releases"))
    with DumpServer(files=month) as server:
        fetch_snapshot(data_root, "20080309", base_url=server.url)

    manifest = read_json(data_root.raw_manifest("20080309"))
    assert manifest["missing_kinds"] == ["masters"]
    assert set(raw_files(data_root, "20080309")) == {"artists", "labels", "releases"}


def test_base_url_from_environment(data_root, bucket, monkeypatch):
    monkeypatch.setenv("MCG_DUMPS_URL", bucket.url)

    run_stage("fetch", snapshot=SNAPSHOT, data_root=data_root.root)

    assert read_json(data_root.raw_manifest(SNAPSHOT))["source"] == f"{bucket.url}/data/2025/"


def test_default_base_url_is_discogs_bucket(monkeypatch):
    """Only builds the URL string; nothing is requested from it."""
    monkeypatch.delenv("MCG_DUMPS_URL", raising=False)

    base = resolve_base_url("")

    assert base == DEFAULT_BASE_URL
    assert month_url(base, "20250101") == (
        "https://discogs-data-dumps.s3.us-west-2.amazonaws.com/data/2025/"
    )


def test_download_needs_dump_date(data_root):
    with pytest.raises(ConfigError, match="YYYYMMDD"):
        fetch_snapshot(data_root, "demo", base_url="http://127.0.0.1:9")


def test_concurrent_fetch_is_rejected(data_root, bucket):
    with snapshot_lock(data_root, SNAPSHOT), pytest.raises(PublishError, match="another mcg fetch"):
        fetch_snapshot(data_root, SNAPSHOT, base_url=bucket.url)

    assert bucket.requests == []


def test_cli_fetch_downloads_month(data_root, bucket):
    result = CliRunner().invoke(
        cli,
        [
            "--data-root",
            str(data_root.root),
            "fetch",
            "--snapshot",
            SNAPSHOT,
            "--base-url",
            bucket.url,
        ],
    )

    assert result.exit_code == 0, result.output
    assert "artists, labels, masters, releases" in result.output
    assert str(data_root.raw_manifest(SNAPSHOT)) in result.output


def test_cli_missing_snapshot_exit_code(data_root, bucket):
    result = CliRunner().invoke(
        cli,
        [
            "--data-root",
            str(data_root.root),
            "fetch",
            "--snapshot",
            "20240101",
            "--base-url",
            bucket.url,
        ],
    )

    assert result.exit_code == NotFoundError.exit_code
    assert "not found" in result.output


def test_cli_rejects_base_url_with_from_dir(data_root, bucket, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "--data-root",
            str(data_root.root),
            "fetch",
            "--snapshot",
            SNAPSHOT,
            "--base-url",
            bucket.url,
            "--from-dir",
            str(tmp_path),
        ],
    )

    assert result.exit_code == ConfigError.exit_code
    assert "--from-dir" in result.output
    assert bucket.requests == []
