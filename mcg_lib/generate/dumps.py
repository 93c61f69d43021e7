"""Write a month of dump files: four gzipped XML dumps and the checksum file.

Files are named as Discogs names them (``discogs_<snapshot>_<kind>.xml.gz``
and ``discogs_<snapshot>_CHECKSUM.txt``) and are byte-identical for the same
arguments: the gzip header has mtime 0 and the XML file name, all draws come
from seeded generators, and nothing iterates over a set or depends on the
hash seed. Records are streamed to disk in blocks, so memory stays bounded by
the size of the world (artists, labels, master plan), not by the output.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from isal import igzip

from mcg_lib.errors import ConfigError
from mcg_lib.generate.entities import EntityBuilder
from mcg_lib.generate.memory import compact_memory_pool
from mcg_lib.generate.plan import Plan
from mcg_lib.generate.releases import ReleaseBuilder
from mcg_lib.generate.world import World
from mcg_lib.generate.xmlout import ERAS, era
from mcg_lib.log import get_logger, progress
from mcg_lib.paths import check_snapshot_name
from mcg_lib.publish import sha256_file

log = get_logger(__name__)

KINDS = ("artists", "labels", "masters", "releases")
DEFAULT_RELEASES = 20_000
DEFAULT_ERA = "2025"
# isal's level 2 compressed about ten times faster than zlib's level 6 in a
# measurement on the development container, and still gives a standard gzip stream.
GZIP_LEVEL = 2
_BLOCK_CHARS = 1 << 20


@dataclass
class DumpFile:
    """One written dump file."""

    kind: str
    path: Path
    records: int
    xml_bytes: int
    gz_bytes: int
    sha256: str
    seconds: float


@dataclass
class DumpSet:
    """The files of one generated month."""

    snapshot: str
    era: str
    seed: int
    files: dict[str, DumpFile] = field(default_factory=dict)
    checksum_path: Path | None = None

    def summary(self) -> dict:
        return {
            "snapshot": self.snapshot,
            "era": self.era,
            "seed": self.seed,
            "files": {
                kind: {
                    "path": str(f.path),
                    "records": f.records,
                    "xml_bytes": f.xml_bytes,
                    "gz_bytes": f.gz_bytes,
                    "sha256": f.sha256,
                    "seconds": round(f.seconds, 3),
                }
                for kind, f in self.files.items()
            },
            "checksum": str(self.checksum_path),
        }


def dump_name(snapshot: str, kind: str) -> str:
    return f"discogs_{snapshot}_{kind}.xml.gz"


def checksum_name(snapshot: str) -> str:
    return f"discogs_{snapshot}_CHECKSUM.txt"


def write_dumps(
    out_dir: str | os.PathLike,
    snapshot: str,
    *,
    releases: int = DEFAULT_RELEASES,
    seed: int = 1,
    era_name: str = DEFAULT_ERA,
) -> DumpSet:
    """Write the four dumps and the checksum file of a generated month into ``out_dir``.

    Existing files of the same names are replaced; each file appears under its
    final name only when it is complete.
    """
    check_snapshot_name(snapshot)
    if era_name not in ERAS:
        raise ConfigError(
            f"unknown dump format {era_name!r}", hint=f"use one of: {', '.join(ERAS)}"
        )
    if releases < 1:
        raise ConfigError(
            f"--releases must be at least 1, not {releases}", hint="ask for 20000 for a demo month"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    with compact_memory_pool():
        sources = _record_sources(snapshot, releases, seed, era_name)
        dump_set = DumpSet(snapshot=snapshot, era=era_name, seed=seed)
        for kind in KINDS:
            count, build = sources[kind]
            dump_set.files[kind] = write_dump(out / dump_name(snapshot, kind), kind, count, build)
    dump_set.checksum_path = write_checksums(out / checksum_name(snapshot), dump_set.files.values())
    return dump_set


def _record_sources(
    snapshot: str, releases: int, seed: int, era_name: str
) -> dict[str, tuple[int, Callable[[int], str]]]:
    """Build the month's world and return, per dump kind, the record count and record builder."""
    started = time.perf_counter()
    world = World(seed, releases)
    plan = Plan(world)
    rules = era(era_name)
    entities = EntityBuilder(world, plan, rules, seed)
    release_builder = ReleaseBuilder(world, plan, rules, seed)
    log.info(
        "built the world for %s: %d artists, %d labels, %d masters in %.1f s",
        snapshot,
        len(world.artists),
        len(world.labels.ids),
        plan.masters,
        time.perf_counter() - started,
    )
    return {
        "artists": (len(world.artists), entities.artist),
        "labels": (len(world.labels.ids), entities.label),
        "masters": (plan.masters, entities.master),
        "releases": (len(plan), release_builder.record),
    }


def write_dump(path: Path, kind: str, count: int, build: Callable[[int], str]) -> DumpFile:
    """Stream ``count`` records from ``build`` into one gzipped dump under its root element."""
    started = time.perf_counter()
    records = 0
    with progress(total=count, desc=path.name, unit=" records") as bar:

        def chunks() -> Iterable[str]:
            nonlocal records
            for index in range(count):
                text = build(index)
                if text:
                    records += 1
                    yield text
                bar.update(1)

        xml_bytes = _write_gzip(path, kind, chunks())

    seconds = time.perf_counter() - started
    gz_bytes = path.stat().st_size
    log.info(
        "wrote %s: %d records, %.1f MB of XML in %.1f s (%.1f MB/s)",
        path.name,
        records,
        xml_bytes / 1e6,
        seconds,
        xml_bytes / 1e6 / max(seconds, 1e-9),
    )
    return DumpFile(kind, path, records, xml_bytes, gz_bytes, sha256_file(path), seconds)


def _write_gzip(path: Path, root: str, records: Iterable[str]) -> int:
    """Write ``<root>``, the records and ``</root>`` through gzip; return the XML size in bytes."""
    partial = path.with_name(path.name + ".partial")
    xml_bytes = 0
    try:
        with (
            open(partial, "wb") as raw,
            igzip.GzipFile(
                filename=path.name.removesuffix(".gz"),
                mode="wb",
                fileobj=raw,
                mtime=0,
                compresslevel=GZIP_LEVEL,
            ) as gz,
        ):
            block = [f"<{root}>"]
            size = 0
            for record in records:
                block.append(record)
                size += len(record)
                if size >= _BLOCK_CHARS:
                    xml_bytes += gz.write("".join(block).encode("utf-8"))
                    block.clear()
                    size = 0
            block.append(f"\n</{root}>\n")
            xml_bytes += gz.write("".join(block).encode("utf-8"))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return xml_bytes


def write_checksums(path: Path, files: Iterable[DumpFile]) -> Path:
    """Write ``<sha256>  <file name>`` lines, the layout of Discogs' CHECKSUM files."""
    lines = "".join(f"{f.sha256}  {f.path.name}\n" for f in files)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(lines, encoding="ascii")
    os.replace(partial, path)
    return path
