"""Download one month of dumps from the Discogs dumps bucket.

The public bucket ``discogs-data-dumps`` (AWS us-west-2) keeps each month under
``data/<YYYY>/``: ``discogs_<YYYYMMDD>_{artists,labels,masters,releases}.xml.gz``
and ``discogs_<YYYYMMDD>_CHECKSUM.txt``. Files are downloaded into
``staging/fetch-<snapshot>/`` and each is checked against the checksum file
before anything is published. A verified file stays there until the snapshot
is published, so a rerun after a failure downloads only what is still missing.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from mcg_lib.errors import ChecksumError, ConfigError, InputError
from mcg_lib.fetch.checksum import hash_file, move_aside, parse_checksums
from mcg_lib.fetch.download import (
    DEFAULT_RETRY,
    RetryPolicy,
    download_file,
    fetch_text,
    make_client,
)
from mcg_lib.fetch.layout import KINDS, checksum_name, dump_name, is_gzip
from mcg_lib.fetch.manifest import content_key, plan_publish, snapshot_lock, write_manifest
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot, check_snapshot_name
from mcg_lib.publish import read_json, staged_dir

log = get_logger(__name__)

DEFAULT_BASE_URL = "https://discogs-data-dumps.s3.us-west-2.amazonaws.com"
BASE_URL_ENV = "MCG_DUMPS_URL"
DOWNLOAD_SERIES = "discogs"


def resolve_base_url(base_url: str = "") -> str:
    """Return the bucket URL: the argument, else $MCG_DUMPS_URL, else the public Discogs bucket."""
    return (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def month_url(base_url: str, snapshot: str) -> str:
    """Return the URL of the folder that contains one month's files."""
    return f"{base_url.rstrip('/')}/data/{snapshot[:4]}/"


def downloads_dir(root: DataRoot, snapshot: str) -> Path:
    """Return the folder that keeps partial and verified downloads until they are published."""
    return root.staging / f"fetch-{check_snapshot_name(snapshot)}"


def partial_path(root: DataRoot, snapshot: str, name: str) -> Path:
    """Return where the partial download of one file is kept between runs."""
    return downloads_dir(root, snapshot) / f"{name}.part"


def fetch_snapshot(
    root: DataRoot,
    snapshot: str,
    *,
    base_url: str = "",
    series: str = DOWNLOAD_SERIES,
    force: bool = False,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> dict[str, Any]:
    """Download, verify and publish one month of dumps; return the raw manifest.

    Raises NotFoundError if the bucket has no checksum file for the month,
    ChecksumError if a file does not match it, and PublishError if another
    content is already published under this snapshot and ``force`` is false.
    """
    _check_dump_date(snapshot)
    base = resolve_base_url(base_url)
    folder_url = month_url(base, snapshot)
    work = downloads_dir(root, snapshot)

    with snapshot_lock(root, snapshot), make_client() as client:
        checksum_file = checksum_name(snapshot)
        checksum_text = fetch_text(client, folder_url + checksum_file, retry=retry)
        expected = parse_checksums(checksum_text, source=folder_url + checksum_file)
        listed = _listed_dumps(snapshot, expected, folder_url + checksum_file)

        key = content_key(series, {kind: [expected[name]] for kind, name in listed.items()})
        plan = plan_publish(root, snapshot, key, force=force)
        if plan.no_op:
            return read_json(root.raw_manifest(snapshot))

        files = {}
        for kind, name in listed.items():
            files[kind] = _download_verified(
                client, folder_url, name, expected[name], work, checksum_file, retry
            )
        (work / checksum_file).write_text(checksum_text, encoding="utf-8")

        with staged_dir(root, root.raw(snapshot), replace=plan.replace) as staged:
            for name in [entry["name"] for entry in files.values()] + [checksum_file]:
                os.link(work / name, staged / name)

        manifest = write_manifest(
            root,
            snapshot,
            series=series,
            source=folder_url,
            method="download",
            files=files,
            checksum_files=[checksum_file],
        )
        shutil.rmtree(work, ignore_errors=True)

    log.info("published raw snapshot %s from %s", snapshot, folder_url)
    return manifest


def _check_dump_date(snapshot: str) -> None:
    try:
        datetime.strptime(snapshot, "%Y%m%d")
    except ValueError:
        raise ConfigError(
            f"snapshot {snapshot!r} is not a dump date",
            hint="downloads are named by the dump date as YYYYMMDD, such as 20250101; "
            "to import files under another name, use --from-dir DIR",
        ) from None


def _listed_dumps(snapshot: str, expected: dict[str, str], source: str) -> dict[str, str]:
    """Return {kind: file name} of the dumps the checksum file lists."""
    listed = {}
    for kind in KINDS:
        name = dump_name(snapshot, kind)
        if name in expected:
            listed[kind] = name
        else:
            # Months before 2011-11 have no masters dump.
            log.warning("%s does not list %s; the snapshot will have no %s", source, name, kind)
    if not listed:
        raise InputError(
            f"lists none of the dump files discogs_{snapshot}_<kind>.xml.gz",
            path=source,
            hint="check the snapshot date and --base-url (env MCG_DUMPS_URL)",
        )
    return listed


def _download_verified(
    client: httpx.Client,
    folder_url: str,
    name: str,
    expected: str,
    work: Path,
    checksum_file: str,
    retry: RetryPolicy,
) -> dict[str, Any]:
    """Download one file into ``work`` unless a verified copy is there; return its entry."""
    url = folder_url + name
    final = work / name

    if final.is_file():
        actual = hash_file(final)
        if actual == expected:
            log.info("%s: already downloaded and verified in an earlier run", name)
            return _entry(name, url, final, expected, seconds=0.0)
        bad = move_aside(final)
        log.warning("%s no longer matches %s; moved it to %s", final, checksum_file, bad.name)

    part = work / f"{name}.part"
    result = download_file(client, url, part, retry=retry)
    if result.sha256 != expected:
        bad = move_aside(part, name)
        raise ChecksumError(
            f"SHA-256 mismatch: {checksum_file} lists {expected}, the download has {result.sha256}",
            path=url,
            hint=f"the bad file was moved aside to {bad}; rerun the same command to download "
            "it again (files already verified are kept)",
        )
    part.rename(final)

    rate = result.bytes / 1e6 / result.seconds if result.seconds else 0.0
    log.info(
        "%s: %.1f MB in %.1f s (%.1f MB/s%s), SHA-256 verified",
        name,
        result.bytes / 1e6,
        result.seconds,
        rate,
        f", resumed at {result.resumed_from / 1e6:.1f} MB" if result.resumed_from else "",
    )
    return _entry(name, url, final, expected, seconds=result.seconds)


def _entry(name: str, url: str, path: Path, sha256: str, *, seconds: float) -> dict[str, Any]:
    size = path.stat().st_size
    gzipped = is_gzip(path)
    return {
        "name": name,
        "bytes": size,
        "sha256": sha256,
        "gzip": gzipped,
        "method": "download",
        "records": None,
        "records_dropped_as_duplicates": 0,
        "seconds": seconds,
        "source_files": [
            {
                "name": name,
                "url": url,
                "bytes": size,
                "sha256": sha256,
                "gzip": gzipped,
                "checksum_verified": True,
            }
        ],
    }
