"""The fetch stage: download a month of dumps, or import dump files from a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcg_lib.errors import ConfigError
from mcg_lib.fetch.bucket import DOWNLOAD_SERIES, fetch_snapshot
from mcg_lib.fetch.importer import import_folder
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import sha256_file


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
            hint="use --from-dir DIR to import files on disk, or --base-url URL to download",
        )

    if raw_dir:
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
