"""Pick a snapshot and open its catalog, graphs and quality report for a notebook."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from mcg_lib.catalog import create_views, open_catalog
from mcg_lib.errors import NotFoundError
from mcg_lib.graph import Graph, list_rulesets, open_graph
from mcg_lib.paths import DATA_ROOT_ENV, DataRoot, check_ruleset_name, check_snapshot_name
from mcg_lib.pipeline.stages import project_dir
from mcg_lib.publish import read_json

DEMO_SNAPSHOT = "demo"
DEFAULT_RULESET = "all-credits"

_DATED = re.compile(r"^\d{8}$")


def resolve_root(data_root: str | os.PathLike | DataRoot | None = None) -> DataRoot:
    """Return the data root: the argument, else $MCG_DATA_ROOT, else ``data/`` in the checkout.

    Notebooks run with their own folder as the working directory, so the
    fallback is the project's ``data/`` (the default of ``make lab``), not ``./data``.
    """
    if isinstance(data_root, DataRoot):
        return data_root
    if data_root:
        return DataRoot(Path(data_root).absolute())
    if os.environ.get(DATA_ROOT_ENV):
        return DataRoot.resolve()
    return DataRoot(project_dir() / "data")


def default_snapshot(data_root: str | os.PathLike | DataRoot | None = None) -> str:
    """Return the snapshot a notebook opens when none is given.

    That is the newest dated (YYYYMMDD) curated snapshot, else the demo month,
    else the most recently written curated snapshot. Raises NotFoundError
    naming the commands that build one when the data root has none.
    """
    root = resolve_root(data_root)
    names = root.snapshots("curated")
    dated = [name for name in names if _DATED.match(name)]
    if dated:
        return dated[-1]
    if DEMO_SNAPSHOT in names:
        return DEMO_SNAPSHOT
    if names:
        return max(names, key=lambda name: root.curated(name).stat().st_mtime)
    raise NotFoundError(
        f"no curated snapshot under {root.root}",
        hint="run 'make demo' to build the demo month, or 'mcg pipeline run --snapshot YYYYMMDD "
        "--raw-dir DIR' on a folder of dumps",
    )


def previous_snapshot(
    snapshot: str, data_root: str | os.PathLike | DataRoot | None = None
) -> str | None:
    """Return the newest dated curated snapshot older than ``snapshot``, or None.

    Only dated snapshots have an order, so a named one such as the demo month
    has no previous snapshot.
    """
    check_snapshot_name(snapshot)
    if not _DATED.match(snapshot):
        return None
    root = resolve_root(data_root)
    older = [name for name in root.snapshots("curated") if _DATED.match(name) and name < snapshot]
    return older[-1] if older else None


def attach_catalog(
    con: duckdb.DuckDBPyConnection,
    snapshot: str,
    schema: str,
    data_root: str | os.PathLike | DataRoot | None = None,
) -> str:
    """Create the catalog views of ``snapshot`` in ``schema`` of an open connection.

    This puts two snapshots in one connection, so a query can join
    ``releases`` with ``previous.releases``. Returns the schema name.
    """
    if not re.match(r"^[a-z_][a-z0-9_]*$", schema):
        raise ValueError(f"invalid schema name {schema!r}: use lower-case letters, digits and _")
    curated = resolve_root(data_root).require_curated(snapshot)

    current = con.execute("SELECT current_schema()").fetchall()[0][0]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(f"USE {schema}")
    try:
        create_views(con, curated)
    finally:
        con.execute(f"USE {current}")
    return schema


@dataclass(frozen=True)
class Snapshot:
    """One snapshot of a data root, with the ruleset a notebook works on."""

    name: str
    ruleset: str
    root: DataRoot

    def __str__(self) -> str:
        return f"snapshot {self.name}, ruleset {self.ruleset}"

    def catalog(self) -> duckdb.DuckDBPyConnection:
        """Return a DuckDB connection with a view per catalog table."""
        return open_catalog(self.name, self.root)

    def graph(self, ruleset: str | None = None) -> Graph:
        """Open the graph of this snapshot for ``ruleset`` (default: the snapshot's ruleset)."""
        return open_graph(self.root, self.name, ruleset or self.ruleset)

    def built_rulesets(self) -> list[str]:
        """Return the rulesets that have a published graph for this snapshot, in file order."""
        return [
            name
            for name in list_rulesets()
            if (self.root.graph(self.name, name) / "manifest.json").is_file()
        ]

    def quality_report(self) -> dict[str, Any] | None:
        """Return the quality report of this snapshot, or None if the quality stage has not run."""
        path = self.root.exports(self.name) / "quality" / "report.json"
        return read_json(path) if path.is_file() else None

    def previous(self) -> str | None:
        """Return the previous dated snapshot of the same data root, or None."""
        return previous_snapshot(self.name, self.root)


def open_snapshot(
    snapshot: str = "",
    *,
    ruleset: str = DEFAULT_RULESET,
    data_root: str | os.PathLike | DataRoot | None = None,
) -> Snapshot:
    """Return the Snapshot a notebook works on; an empty ``snapshot`` picks the default one.

    Raises NotFoundError when the snapshot has no curated catalog.
    """
    root = resolve_root(data_root)
    name = snapshot or default_snapshot(root)
    root.require_curated(name)
    return Snapshot(name=name, ruleset=check_ruleset_name(ruleset or DEFAULT_RULESET), root=root)
