"""The raw manifest of a snapshot, and whether a rerun may replace what is published.

A raw snapshot is identified by its series and, per kind, the SHA-256 of each
source file in merge order. A rerun with the same identity is a no-op. A rerun
with another identity fails unless forced, because published outputs are
immutable and later stages were built from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mcg_lib import __version__
from mcg_lib.errors import PublishError
from mcg_lib.fetch.layout import KINDS
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.publish import exclusive_lock, read_json, write_json_atomic

log = get_logger(__name__)


@dataclass(frozen=True)
class PublishPlan:
    """Decision of one run about the raw snapshot: leave it, publish it, or replace it."""

    no_op: bool
    replace: bool


def content_key(series: str, source_hashes: dict[str, list[str]]) -> dict[str, Any]:
    """Return the identity of a raw snapshot: its series and {kind: [source sha256, ...]}."""
    return {
        "series": series,
        "files": {kind: list(source_hashes[kind]) for kind in sorted(source_hashes)},
    }


def key_of(manifest: dict[str, Any]) -> dict[str, Any]:
    """Return the identity of a published raw snapshot from its manifest."""
    hashes = {
        kind: [source["sha256"] for source in entry["source_files"]]
        for kind, entry in manifest.get("files", {}).items()
    }
    return content_key(manifest.get("series", ""), hashes)


def plan_publish(root: DataRoot, snapshot: str, key: dict[str, Any], *, force: bool) -> PublishPlan:
    """Compare a new raw snapshot with the published one and decide what to do.

    Raises PublishError if a different snapshot is published and ``force`` is false.
    """
    manifest_path = root.raw_manifest(snapshot)
    folder = root.raw(snapshot)
    if force:
        return PublishPlan(no_op=False, replace=True)

    if not manifest_path.is_file():
        if folder.exists():
            log.warning(
                "%s exists without its manifest, so an earlier run stopped while publishing; "
                "replacing it",
                folder,
            )
            return PublishPlan(no_op=False, replace=True)
        return PublishPlan(no_op=False, replace=False)

    published = read_json(manifest_path)
    changes = describe_changes(key_of(published), key)
    if changes:
        raise PublishError(
            f"raw snapshot {snapshot} is already published with other content: "
            + "; ".join(changes),
            hint="rerun with --force to replace it (each later stage then rebuilds "
            "from it when it next runs), or use another snapshot name",
        )

    missing = [
        entry["name"]
        for entry in published.get("files", {}).values()
        if not (folder / entry["name"]).is_file()
    ]
    if missing:
        log.warning("%s lacks %s; publishing the snapshot again", folder, ", ".join(missing))
        return PublishPlan(no_op=False, replace=True)

    log.info("raw snapshot %s is unchanged (same series and checksums); nothing to do", snapshot)
    return PublishPlan(no_op=True, replace=False)


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """List in words how two raw snapshot identities differ; empty if they are equal."""
    changes = []
    if old["series"] != new["series"]:
        changes.append(f"series {old['series']!r} becomes {new['series']!r}")
    for kind in KINDS:
        before, after = old["files"].get(kind), new["files"].get(kind)
        if before == after:
            continue
        if before is None:
            changes.append(f"{kind} is new")
        elif after is None:
            changes.append(f"{kind} is missing now")
        else:
            changes.append(
                f"{kind} has other source files (sha256 {_short(before)} becomes {_short(after)})"
            )
    return changes


def _short(hashes: list[str]) -> str:
    return "+".join(h[:12] for h in hashes)


def write_manifest(
    root: DataRoot,
    snapshot: str,
    *,
    series: str,
    source: str,
    method: str,
    files: dict[str, dict[str, Any]],
    checksum_files: list[str],
    ignored_files: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Write ``manifests/raw/<snapshot>.json`` and return its content."""
    manifest = {
        "snapshot": snapshot,
        "series": series,
        "source": source,
        "method": method,
        "files": {kind: files[kind] for kind in KINDS if kind in files},
        "missing_kinds": [kind for kind in KINDS if kind not in files],
        "checksum_files": checksum_files,
        "ignored_files": ignored_files or [],
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": __version__,
    }
    write_json_atomic(root.raw_manifest(snapshot), manifest)
    return manifest


@contextmanager
def snapshot_lock(root: DataRoot, snapshot: str) -> Iterator[None]:
    """Hold an exclusive lock on one raw snapshot, or raise PublishError if another run has it."""
    path = root.staging / f"raw-{snapshot}.lock"
    with exclusive_lock(path, busy=f"another mcg fetch is writing raw snapshot {snapshot}"):
        yield
