"""The fetch stage: download a month of dumps, or import dump files from a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcg_lib.errors import ConfigError
from mcg_lib.fetch.bucket import DOWNLOAD_SERIES, fetch_snapshot
from mcg_lib.fetch.importer import import_folder
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import read_json, sha256_file

log = get_logger(__name__)


def run(
    root: DataRoot,
    snapshot: str,
    *,
    force: bool,
    raw_dir: str = "",
    base_url: str = "",
    series: str = "",
) -> StageResult:
    """Publish ``raw/<snapshot>/`` and its raw manifest.

    A non-empty ``raw_dir`` imports the dump files in that folder, and the
    series defaults to the folder's name. Otherwise the month is downloaded
    from ``base_url``, else $MCG_DUMPS_URL, else the public Discogs bucket, and
    the series defaults to "discogs".
    """
    if raw_dir and base_url:
        raise ConfigError(
            "a dump folder and a base URL were both given",
            hint="give a dump folder to import files on disk (--from-dir in mcg fetch, --raw-dir in "
            "mcg pipeline run), or a base URL to download, not both",
        )

    published = None if (force or raw_dir or base_url or series) else _published(root, snapshot)
    if published is not None:
        # A rerun that names no source keeps the published month rather than
        # downloading it again, whether it was imported or downloaded.
        log.info("raw snapshot %s is already published; keeping it (--force fetch replaces it)", snapshot)
        manifest = published
    elif raw_dir:
        manifest = import_folder(root, snapshot, Path(raw_dir), series=series, force=force)
    else:
        manifest = fetch_snapshot(
            root, snapshot, base_url=base_url, series=series or DOWNLOAD_SERIES, force=force
        )

    manifest_path = root.raw_manifest(snapshot)
    checksums = {
        "raw": {entry["name"]: entry["sha256"] for entry in manifest["files"].values()},
        "manifest": sha256_file(manifest_path),
    }
    return StageResult(
        outputs=[root.raw(snapshot), manifest_path],
        summary=summarise(manifest),
        checksums=checksums,
    )


def _published(root: DataRoot, snapshot: str) -> dict[str, Any] | None:
    """Return the raw manifest of ``snapshot`` if it is published with all its files, else None."""
    manifest_path = root.raw_manifest(snapshot)
    if not manifest_path.is_file():
        return None
    manifest = read_json(manifest_path)
    files = manifest.get("files", {}).values()
    if not all((root.raw(snapshot) / entry["name"]).is_file() for entry in files):
        return None
    return manifest


def summarise(manifest: dict[str, Any]) -> dict[str, Any]:
    """Return the short summary of a raw manifest that the stage manifest keeps."""
    files = manifest["files"]
    return {
        "series": manifest["series"],
        "source": manifest["source"],
        "method": manifest["method"],
        "kinds": list(files),
        "missing_kinds": manifest["missing_kinds"],
        "bytes": sum(entry["bytes"] for entry in files.values()),
        "records_dropped_as_duplicates": sum(
            entry["records_dropped_as_duplicates"] for entry in files.values()
        ),
    }
