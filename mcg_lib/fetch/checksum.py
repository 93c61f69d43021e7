"""Read checksum files and check dump files against them.

Discogs publishes ``discogs_YYYYMMDD_CHECKSUM.txt`` next to each month's dumps
in the format of ``sha256sum``: one ``<sha256>  <file name>`` line per file.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from mcg_lib.errors import InputError
from mcg_lib.log import progress

_BLOCK = 1 << 20

# "<hash>  <name>" (text mode) or "<hash> *<name>" (binary mode), as sha256sum writes them;
# also the BSD form "SHA256 (<name>) = <hash>" that `shasum --tag` writes.
_GNU_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
_BSD_LINE = re.compile(r"^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$")


def parse_checksums(text: str, *, source: Path | str) -> dict[str, str]:
    """Return {file name: lower-case sha256} from the text of a checksum file.

    Raises InputError naming the first line that is neither blank, a comment
    nor a SHA-256 line.
    """
    checksums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        gnu = _GNU_LINE.match(line)
        bsd = _BSD_LINE.match(line)
        if gnu:
            digest, name = gnu.groups()
        elif bsd:
            name, digest = bsd.groups()
        else:
            raise InputError(
                f"line {number} is not a SHA-256 checksum line: {line[:80]!r}",
                path=source,
                hint="checksum files list one '<sha256>  <file name>' line per file, "
                "as sha256sum writes them",
            )
        checksums[Path(name.strip()).name] = digest.lower()
    return checksums


def read_checksum_file(path: Path) -> dict[str, str]:
    """Parse a checksum file on disk; see parse_checksums."""
    return parse_checksums(Path(path).read_text(encoding="utf-8", errors="replace"), source=path)


def hash_file(path: Path, *, label: str | None = None) -> str:
    """Return the hex SHA-256 of a file, with a progress bar in MB."""
    path = Path(path)
    digest = hashlib.sha256()
    with (
        open(path, "rb") as handle,
        progress(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            unit_divisor=1000,
            desc=f"sha256 {label or path.name}",
        ) as bar,
    ):
        while block := handle.read(_BLOCK):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def move_aside(path: Path, name: str | None = None) -> Path:
    """Rename a file that failed its checksum to ``<name>.bad-<UTC time>``, so it is never
    taken for a good one. ``name`` defaults to the file's own name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    bad = path.with_name(f"{name or path.name}.bad-{stamp}")
    path.rename(bad)
    return bad
