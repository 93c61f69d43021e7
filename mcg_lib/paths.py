"""The data root and where each stage reads and writes under it.

Layout (default root ``./data``, or ``--data-root`` / ``MCG_DATA_ROOT``)::

    raw/<snapshot>/                       dump files as imported or downloaded
    curated/<snapshot>/<table>/           Parquet catalog, one folder a table
    graph/<snapshot>/<ruleset>/           immutable graph snapshot
    exports/<snapshot>/                   quality report, answers, data, site
    staging/                              outputs being written, moved into place when complete
    manifests/                            raw, stage and schema manifests
    runs/<snapshot>/                      executed stage notebooks
    backups/                              archives of manifests and run records
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mcg_lib.errors import ConfigError, NotFoundError

DEFAULT_DATA_ROOT = Path("data")
DATA_ROOT_ENV = "MCG_DATA_ROOT"

# Monthly dumps are named by date (YYYYMMDD); other names, such as "demo",
# are allowed for imported or generated months.
_SNAPSHOT_RE = re.compile(r"^(?:\d{8}|[a-z][a-z0-9-]{0,31})$")
_RULESET_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def check_snapshot_name(snapshot: str) -> str:
    """Return the snapshot name, or raise ConfigError if it cannot be a folder name."""
    if not _SNAPSHOT_RE.match(snapshot or ""):
        raise ConfigError(
            f"invalid snapshot name {snapshot!r}",
            hint="use the dump date as YYYYMMDD (for example 20250101), "
            "or a lower-case name such as 'demo'",
        )
    return snapshot


def check_ruleset_name(ruleset: str) -> str:
    """Return the ruleset name, or raise ConfigError if it cannot be a folder name."""
    if not _RULESET_RE.match(ruleset or ""):
        raise ConfigError(
            f"invalid ruleset name {ruleset!r}",
            hint="ruleset names are lower-case letters, digits and hyphens, such as 'all-credits'",
        )
    return ruleset


def resolve_data_root(data_root: str | os.PathLike | None = None) -> Path:
    """Return the data root: the argument, else $MCG_DATA_ROOT, else ./data."""
    if data_root:
        return Path(data_root)
    env = os.environ.get(DATA_ROOT_ENV)
    if env:
        return Path(env)
    return DEFAULT_DATA_ROOT


@dataclass(frozen=True)
class DataRoot:
    """Paths of one data root. Creating the object touches nothing on disk."""

    root: Path

    @classmethod
    def resolve(cls, data_root: str | os.PathLike | None = None) -> DataRoot:
        return cls(resolve_data_root(data_root).absolute())

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def raw(self, snapshot: str) -> Path:
        return self.root / "raw" / check_snapshot_name(snapshot)

    def curated(self, snapshot: str) -> Path:
        return self.root / "curated" / check_snapshot_name(snapshot)

    def table(self, snapshot: str, table: str) -> Path:
        return self.curated(snapshot) / table

    def graph(self, snapshot: str, ruleset: str) -> Path:
        return self.root / "graph" / check_snapshot_name(snapshot) / check_ruleset_name(ruleset)

    def exports(self, snapshot: str) -> Path:
        return self.root / "exports" / check_snapshot_name(snapshot)

    def runs(self, snapshot: str) -> Path:
        return self.root / "runs" / check_snapshot_name(snapshot)

    def raw_manifest(self, snapshot: str) -> Path:
        return self.manifests / "raw" / f"{check_snapshot_name(snapshot)}.json"

    def stage_manifest(self, snapshot: str, stage: str, ruleset: str | None = None) -> Path:
        name = stage if ruleset is None else f"{stage}.{check_ruleset_name(ruleset)}"
        return self.manifests / "stages" / check_snapshot_name(snapshot) / f"{name}.json"

    def snapshots(self, kind: str = "curated") -> list[str]:
        """List the snapshots that have a folder under raw/, curated/, graph/ or exports/."""
        base = self.root / kind
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and _SNAPSHOT_RE.match(p.name))

    def require_curated(self, snapshot: str) -> Path:
        """Return the curated folder of a snapshot, or raise NotFoundError naming the fix."""
        path = self.curated(snapshot)
        if not path.is_dir():
            raise NotFoundError(
                f"no curated catalog for snapshot {snapshot} under {self.root}",
                hint=f"run 'mcg ingest --snapshot {snapshot}' (or 'mcg pipeline run "
                f"--snapshot {snapshot} --raw-dir DIR') first",
            )
        return path

    def require_graph(self, snapshot: str, ruleset: str) -> Path:
        """Return a graph folder, or raise NotFoundError naming the command that builds it."""
        path = self.graph(snapshot, ruleset)
        if not (path / "manifest.json").is_file():
            raise NotFoundError(
                f"no graph for snapshot {snapshot} and ruleset {ruleset} under {self.root}",
                hint=f"run 'mcg graph --snapshot {snapshot} --ruleset {ruleset}' first",
            )
        return path
