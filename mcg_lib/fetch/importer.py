"""Import dump files that are already on disk as a raw snapshot.

Each file directly in the folder is sniffed for its kind; other files are
skipped with a warning. One file of a kind is hard-linked (or copied across
filesystems) with its bytes unchanged; several files of a kind are merged.
A checksum file in the folder is used for every file it lists.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcg_lib.errors import ChecksumError, InputError, NotFoundError
from mcg_lib.fetch.checksum import hash_file, read_checksum_file
from mcg_lib.fetch.layout import KINDS, dump_name
from mcg_lib.fetch.manifest import content_key, plan_publish, snapshot_lock, write_manifest
from mcg_lib.fetch.merge import merge_dumps
from mcg_lib.fetch.sniff import DumpFile, NotADumpError, sniff_dump
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot, check_snapshot_name
from mcg_lib.publish import read_json, staged_dir

log = get_logger(__name__)

_CHECKSUM_NAME = re.compile(r"checksum|sha256", re.IGNORECASE)
# The name Discogs gives each dump file; such a name settles the file's kind.
_DUMP_NAME = re.compile(r"discogs_\d{8}_(artists|labels|masters|releases)\.xml(?:\.gz)?", re.IGNORECASE)
_COPY_BLOCK = 1 << 20


@dataclass
class FolderScan:
    """Contents of an import folder: dumps by kind in merge order, checksums and skipped files."""

    folder: Path
    dumps: dict[str, list[DumpFile]] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    checksum_files: list[str] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)

    def ignore(self, path: Path, reason: str) -> None:
        log.warning("ignoring %s: %s", path, reason)
        self.ignored.append({"name": path.name, "reason": reason})


def import_folder(
    root: DataRoot,
    snapshot: str,
    folder: Path,
    *,
    series: str = "",
    force: bool = False,
) -> dict[str, Any]:
    """Import the dumps in ``folder`` as raw snapshot ``snapshot``; return the raw manifest.

    ``series`` defaults to the folder's name. Raises InputError if the folder
    contains no dump, ChecksumError if a file does not match a checksum file in
    the folder, and PublishError if another content is already published
    under this snapshot and ``force`` is false.
    """
    check_snapshot_name(snapshot)
    folder = Path(folder).resolve()
    scan = scan_folder(folder)
    series = series or folder.name

    with snapshot_lock(root, snapshot):
        hashes = {
            dump.path: hash_file(dump.path) for files in scan.dumps.values() for dump in files
        }
        verified = _verify(scan, hashes)

        key = content_key(
            series, {kind: [hashes[d.path] for d in files] for kind, files in scan.dumps.items()}
        )
        plan = plan_publish(root, snapshot, key, force=force)
        if plan.no_op:
            return read_json(root.raw_manifest(snapshot))

        entries = {}
        with staged_dir(root, root.raw(snapshot), replace=plan.replace) as staged:
            for kind, files in scan.dumps.items():
                entries[kind] = _place(snapshot, files, staged, hashes, verified)

        for kind in KINDS:
            if kind not in entries:
                log.warning(
                    "no %s dump in %s; the ingest writes empty %s tables", kind, folder, kind
                )
        manifest = write_manifest(
            root,
            snapshot,
            series=series,
            source=str(folder),
            method="import",
            files=entries,
            checksum_files=scan.checksum_files,
            ignored_files=scan.ignored,
        )

    log.info("published raw snapshot %s (series %s) from %s", snapshot, series, folder)
    return manifest


def scan_folder(folder: Path) -> FolderScan:
    """Sort the files directly in ``folder`` into dumps, checksum files and skipped files."""
    if not folder.is_dir():
        raise NotFoundError(
            f"folder {folder} not found", hint="pass the folder that contains the dump files"
        )

    scan = FolderScan(folder)
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            scan.ignore(
                path, "it is a folder; only the files directly in the import folder are read"
            )
        elif _CHECKSUM_NAME.search(path.name):
            _add_checksum_file(scan, path)
        else:
            _add_dump(scan, path)

    if not scan.dumps:
        raise InputError(
            "no Discogs dump files found (a dump's first element is <artists>, <labels>, "
            "<masters>, <releases> or one such record)",
            path=folder,
            hint="pass the folder that directly contains the .xml or .xml.gz dump files",
        )

    for files in scan.dumps.values():
        # The largest file goes first, so a full dump keeps its own records and
        # order, and excerpts next to it only add the records it lacks.
        files.sort(key=lambda d: (-d.path.stat().st_size, d.path.name))
    scan.dumps = {kind: scan.dumps[kind] for kind in KINDS if kind in scan.dumps}
    _drop_unused_checksums(scan)
    return scan


def _add_checksum_file(scan: FolderScan, path: Path) -> None:
    try:
        entries = read_checksum_file(path)
    except InputError as error:
        scan.ignore(path, f"it is named like a checksum file but is not one ({error.message})")
        return
    scan.checksum_files.append(path.name)
    for name, digest in entries.items():
        scan.checksums.setdefault(name, digest)


def _add_dump(scan: FolderScan, path: Path) -> None:
    """Add a dump file by its content; a file with a Discogs dump name must hold that kind."""
    named = _DUMP_NAME.fullmatch(path.name)
    try:
        if path.stat().st_size == 0:
            raise NotADumpError("it is empty")
        dump = sniff_dump(path)
    except NotADumpError as error:
        if named:
            raise InputError(
                f"is named as a Discogs {named.group(1).lower()} dump, but {error}",
                path=path,
                hint="the copy is probably broken: copy or download it again, or move it out of the folder",
            ) from None
        scan.ignore(path, str(error))
        return
    if named and dump.kind != named.group(1).lower():
        raise InputError(
            f"is named as a Discogs {named.group(1).lower()} dump, but it contains {dump.kind}",
            path=path,
            hint="rename the file after what it contains, or put the right file in its place",
        )
    scan.dumps.setdefault(dump.kind, []).append(dump)


def _drop_unused_checksums(scan: FolderScan) -> None:
    names = {d.path.name for files in scan.dumps.values() for d in files}
    if scan.checksum_files and not names & scan.checksums.keys():
        for name in scan.checksum_files:
            scan.ignore(scan.folder / name, "it lists none of the dump files in the folder")
        scan.checksum_files = []
        scan.checksums = {}


def _verify(scan: FolderScan, hashes: dict[Path, str]) -> set[Path]:
    """Check every dump listed in a checksum file; return the paths verified."""
    verified = set()
    for path, actual in hashes.items():
        expected = scan.checksums.get(path.name)
        if expected is None:
            if scan.checksum_files:
                log.warning(
                    "%s is not listed in %s, so it is not verified",
                    path.name,
                    ", ".join(scan.checksum_files),
                )
            continue
        if actual != expected:
            raise ChecksumError(
                f"SHA-256 mismatch: {', '.join(scan.checksum_files)} lists {expected}, "
                f"the file has {actual}",
                path=path,
                hint="the file differs from the one the checksum file describes; copy or "
                "download it again, then rerun (nothing was published)",
            )
        verified.add(path)
    return verified


def _place(
    snapshot: str,
    files: list[DumpFile],
    staged: Path,
    hashes: dict[Path, str],
    verified: set[Path],
) -> dict[str, Any]:
    """Put the file(s) of one kind into the staging folder; return the manifest entry."""
    started = time.monotonic()
    sources = [_source_entry(d, hashes[d.path], d.path in verified) for d in files]
    kind = files[0].kind

    if len(files) == 1:
        dump = files[0]
        target = staged / dump_name(snapshot, kind, gzipped=dump.gzipped)
        method = _link_or_copy(dump.path, target, hashes[dump.path])
        sha256, records, dropped = hashes[dump.path], None, 0
        log.info(
            "%s: %s %s as %s (%.1f MB)",
            kind,
            "linked" if method == "hardlink" else "copied",
            dump.path.name,
            target.name,
            target.stat().st_size / 1e6,
        )
    else:
        target = staged / dump_name(snapshot, kind, gzipped=True)
        result = merge_dumps(files, target)
        method, sha256, records, dropped = "merge", result.sha256, result.records, result.dropped
        for source, count in zip(sources, result.sources, strict=True):
            source["records"] = count.records
            source["records_dropped_as_duplicates"] = count.dropped
        log.info(
            "%s: merged %d files into %s: %d records, %d duplicates dropped",
            kind,
            len(files),
            target.name,
            records,
            dropped,
        )

    return {
        "name": target.name,
        "bytes": target.stat().st_size,
        "sha256": sha256,
        "gzip": files[0].gzipped if method != "merge" else True,
        "method": method,
        "records": records,
        "records_dropped_as_duplicates": dropped,
        "seconds": round(time.monotonic() - started, 3),
        "source_files": sources,
    }


def _source_entry(dump: DumpFile, sha256: str, verified: bool) -> dict[str, Any]:
    return {
        "name": dump.path.name,
        "path": str(dump.path),
        "bytes": dump.path.stat().st_size,
        "sha256": sha256,
        "gzip": dump.gzipped,
        "rooted": dump.rooted,
        "checksum_verified": verified,
    }


def _link_or_copy(source: Path, target: Path, sha256: str) -> str:
    """Hard-link ``source`` to ``target``, or copy it if linking is not possible."""
    # NOTE: a hard link shares the file with the import folder, so editing a
    # source file in place also changes the published dump. Replacing the file
    # (write a new one, then rename) leaves the published dump as it was.
    try:
        os.link(source, target)
        return "hardlink"
    except OSError as error:
        # Other filesystem (EXDEV), or a file owned by another user under
        # fs.protected_hardlinks (EPERM): copy instead.
        log.debug("cannot hard-link %s (%s); copying it", source, error)

    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while block := src.read(_COPY_BLOCK):
            digest.update(block)
            dst.write(block)
    if digest.hexdigest() != sha256:
        raise InputError(
            "the file changed while it was imported",
            path=source,
            hint="wait until nothing writes to the folder, then rerun",
        )
    return "copy"
