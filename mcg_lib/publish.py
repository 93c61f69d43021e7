"""Atomic publishing of stage outputs.

Every stage writes into a fresh folder under ``staging/`` and renames it into
place only when it is complete. The staging folder is on the same filesystem
as the target, so the final step is one ``rename``: a reader sees either the
old output or the new one, never a half-written folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcg_lib.errors import PublishError
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot

log = get_logger(__name__)

_HASH_BLOCK = 1 << 20


@contextmanager
def staged_dir(root: DataRoot, target: Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder that becomes ``target`` when the block succeeds.

    If the block raises, the staging folder is deleted and ``target`` is left as
    it was. An existing ``target`` is an error unless ``replace`` is true; then
    the old folder is moved aside, the new one renamed in, and the old deleted.
    """
    target = Path(target)
    if target.exists() and not replace:
        raise PublishError(
            f"{target} is already published and published outputs are immutable",
            hint="rerun the stage with --force to replace it",
        )

    root.staging.mkdir(parents=True, exist_ok=True)
    work = root.staging / f"{target.name}.{uuid.uuid4().hex[:12]}"
    work.mkdir()
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

    target.parent.mkdir(parents=True, exist_ok=True)
    _fsync_tree(work)
    if target.exists():
        aside = root.staging / f"{target.name}.replaced.{uuid.uuid4().hex[:12]}"
        os.rename(target, aside)
        os.rename(work, target)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.rename(work, target)
    log.debug("published %s", target)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    """Read a JSON file written by ``write_json_atomic``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def checksum_tree(folder: Path) -> dict[str, dict[str, Any]]:
    """Return {relative path: {sha256, bytes}} for every file under ``folder``."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return files


def fingerprint(data: Any) -> str:
    """Return a stable SHA-256 of JSON-serialisable data, used to compare stage inputs."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def exclusive_lock(path: Path, *, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block, or raise PublishError saying ``busy``.

    The lock is ``flock`` on the file, so the kernel releases it when the
    holder exits, even when it is killed. A lock file left behind blocks no later run.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"{busy} (lock {path} is held)", hint="wait for it to finish, then rerun") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
