"""Copy a graph snapshot to a Pi's local disk and verify every file against its manifest.

A Pi never reads a graph over NFS: the API loads it from a local copy, made
by streaming each file listed in ``graph/<snapshot>/<ruleset>/manifest.json``
once and checking its SHA-256 and size on the way. A graph snapshot is
immutable, so a local copy whose manifest and files still match is kept.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mcg_lib.errors import ChecksumError, InputError
from mcg_lib.log import get_logger, progress
from mcg_lib.paths import DataRoot
from mcg_lib.publish import read_json, sha256_file, staged_dir

log = get_logger(__name__)

_BLOCK = 1 << 20


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync: the local folder, its file count and size, and whether it copied."""

    path: Path
    files: int
    bytes: int
    copied: bool


def sync_graph(source: DataRoot, dest: DataRoot, snapshot: str, ruleset: str) -> SyncResult:
    """Copy one graph snapshot from ``source`` into ``dest`` unless a verified copy is there."""
    source_dir = source.require_graph(snapshot, ruleset)
    manifest_path = source_dir / "manifest.json"
    files = read_manifest_files(manifest_path)
    total = sum(entry["bytes"] for entry in files.values())
    target = dest.graph(snapshot, ruleset)

    if _is_verified_copy(target, manifest_path, files):
        log.info("graph %s/%s: local copy at %s is current", snapshot, ruleset, target)
        return SyncResult(target, len(files), total, copied=False)

    log.info(
        "graph %s/%s: copying %d files (%.1f MB) to %s",
        snapshot,
        ruleset,
        len(files),
        total / 1e6,
        target,
    )
    with staged_dir(dest, target, replace=True) as work:
        with progress(total=total, unit="B", unit_scale=True, desc=f"{ruleset}") as bar:
            for rel, entry in sorted(files.items()):
                _copy_verified(source_dir / rel, work / rel, entry, bar)
        # The manifest goes last: its presence marks a complete copy.
        shutil.copyfile(manifest_path, work / "manifest.json")
    return SyncResult(target, len(files), total, copied=True)


def prune_graphs(dest: DataRoot, keep: str) -> list[str]:
    """Delete every local graph snapshot but ``keep``, so a Pi's SD card keeps one month."""
    base = dest.root / "graph"
    removed = []
    for snapshot in dest.snapshots("graph"):
        if snapshot == keep:
            continue
        shutil.rmtree(base / snapshot)
        removed.append(snapshot)
        log.info("removed local graph snapshot %s from %s", snapshot, base)
    return removed


def read_manifest_files(path: Path) -> dict[str, dict[str, Any]]:
    """Return the ``files`` map of a graph manifest, checking each entry's name and fields."""
    manifest = read_json(path)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        raise InputError(
            "graph manifest has no 'files' map of {name: {sha256, bytes}}",
            path=path,
            hint="rebuild the graph with 'mcg graph --snapshot S --ruleset R --force'",
        )
    for rel, entry in files.items():
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts or rel == "manifest.json":
            raise InputError(f"invalid file name {rel!r} in the graph manifest", path=path)
        if not isinstance(entry, dict) or not {"sha256", "bytes"} <= set(entry):
            raise InputError(f"entry {rel!r} lacks sha256 or bytes", path=path)
    return files


def _is_verified_copy(target: Path, manifest_path: Path, files: dict[str, dict[str, Any]]) -> bool:
    local_manifest = target / "manifest.json"
    if not local_manifest.is_file() or local_manifest.read_bytes() != manifest_path.read_bytes():
        return False
    for rel, entry in files.items():
        local = target / rel
        if not local.is_file() or local.stat().st_size != entry["bytes"]:
            return False
        if sha256_file(local) != entry["sha256"]:
            log.warning("graph copy %s: %s does not match its checksum, copying again", target, rel)
            return False
    return True


def _copy_verified(source: Path, dest: Path, entry: dict[str, Any], bar: Any) -> None:
    """Stream one file to ``dest`` while hashing it; raise if it differs from its entry."""
    if not source.is_file():
        raise InputError(
            "file listed in the graph manifest is missing",
            path=source,
            hint="the graph folder is incomplete: rebuild it with 'mcg graph --force'",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as reader, open(dest, "wb") as writer:
        while block := reader.read(_BLOCK):
            digest.update(block)
            writer.write(block)
            size += len(block)
            bar.update(len(block))

    if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
        raise ChecksumError(
            f"copy does not match the graph manifest: {size} bytes, sha256 {digest.hexdigest()}; "
            f"expected {entry['bytes']} bytes, sha256 {entry['sha256']}",
            path=source,
            hint="the source file is corrupt or changed after publishing: "
            "rebuild the graph with --force, then sync again",
        )
