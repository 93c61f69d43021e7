"""The served snapshot: load and verify its graphs, and switch to a new one without downtime.

Each worker process keeps one ``SnapshotState`` at a time and a thread that
checks the graph folders every few seconds. A change (``graph/current``
pointing elsewhere, or a graph republished in place) makes the thread load
and verify the new graphs while the old ones keep serving. Then one
assignment swaps them. Requests that started on the old state finish on it.
The arrays are memory-mapped, so every worker shares the same page cache.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mcg_lib.api.cache import ResponseCache
from mcg_lib.api.catalog import ServedGraph
from mcg_lib.api.settings import FOLLOW_CURRENT, ApiSettings
from mcg_lib.errors import ConfigError, McgError
from mcg_lib.graph import Graph, verify_graph
from mcg_lib.graph.layout import MANIFEST_FILE
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot, check_snapshot_name
from mcg_lib.publish import fingerprint

log = get_logger(__name__)

# The response format; part of every ETag, so a new format invalidates caches.
API_FORMAT = "v1"

# Identity of the files of one ruleset on disk: the real folder and the
# manifest's inode, size and modification time.
Signature = tuple[tuple[str, int, int, int] | None, ...]


@dataclass
class SnapshotState:
    """The graphs of one snapshot, loaded and verified, with their response cache."""

    snapshot: str
    graphs: dict[str, ServedGraph]
    signature: Signature
    loaded_at: float
    cache: ResponseCache = field(repr=False, default_factory=ResponseCache)

    def graph(self, ruleset: str) -> ServedGraph:
        return self.graphs[ruleset]


def graph_folder(root: DataRoot, snapshot: str, ruleset: str) -> Path:
    """Return the real folder of a graph, with graph/current resolved."""
    return Path(os.path.realpath(root.require_graph(snapshot, ruleset)))


def read_signature(root: DataRoot, settings: ApiSettings) -> Signature:
    """Return what identifies the served graphs on disk now; None for a ruleset that is missing."""
    parts = []
    for ruleset in settings.rulesets:
        folder = Path(os.path.realpath(root.graph(settings.snapshot, ruleset)))
        try:
            stat = (folder / MANIFEST_FILE).stat()
        except OSError:
            parts.append(None)
            continue
        parts.append((str(folder), stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(parts)


def load_state(settings: ApiSettings) -> SnapshotState:
    """Open and verify every served ruleset of the snapshot; raise McgError when one is unusable.

    The signature is read before and after the load. If the files changed
    meanwhile, the load starts again, so a state never mixes two versions of a graph.
    """
    root = DataRoot.resolve(settings.data_root)
    for _attempt in range(3):
        before = read_signature(root, settings)
        graphs = {
            ruleset: _open_verified(root, settings.snapshot, ruleset, settings.search_threads)
            for ruleset in settings.rulesets
        }
        if read_signature(root, settings) == before:
            break
    else:
        raise McgError(
            f"the graphs of snapshot {settings.snapshot} changed three times while loading",
            hint="wait until the graph build or copy has finished",
        )

    snapshots = {served.snapshot for served in graphs.values()}
    if len(snapshots) != 1:
        raise ConfigError(
            f"the served rulesets belong to different snapshots: {sorted(snapshots)}",
            hint="build every ruleset of one snapshot before pointing graph/current at it",
        )
    return SnapshotState(
        snapshot=snapshots.pop(),
        graphs=graphs,
        signature=before,
        loaded_at=time.time(),
        cache=ResponseCache(settings.cache_entries),
    )


def _open_verified(root: DataRoot, snapshot: str, ruleset: str, searches: int) -> ServedGraph:
    folder = graph_folder(root, snapshot, ruleset)
    graph = Graph(folder, random_access=True)
    served = ServedGraph(graph, etag=_etag(graph))
    checked = verify_graph(folder)
    # After the check, which reads every file: the first queries then find
    # their pages ready.
    graph.prepare_searches(searches)
    log.info(
        "graph %s/%s verified: %d files, %d bytes in %s",
        graph.snapshot,
        ruleset,
        checked["files"],
        checked["bytes"],
        folder,
    )
    return served


def _etag(graph: Graph) -> str:
    digest = fingerprint(graph.manifest.get("files", {}))[:16]
    return f'"{API_FORMAT}-{graph.snapshot}-{graph.ruleset}-{digest}"'


class SnapshotHolder:
    """The current state of one worker, and the thread that replaces it when the files change."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self.root = DataRoot.resolve(settings.data_root)
        self.current: SnapshotState | None = None
        self.error: str | None = None
        self._failed: Signature | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Load the snapshot now, then start the thread that watches for a new one.

        The first load blocks, so a worker that calls this before accepting
        connections never gets a request while it is still loading. A failed
        load is logged, and the worker then responds 503 until the files change.
        """
        self._check_and_log()
        self._thread = threading.Thread(target=self._watch, name="mcg-api-snapshot", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check(self) -> None:
        """Load the snapshot if its files changed; keep serving the old one if that fails."""
        signature = read_signature(self.root, self.settings)
        served = self.current.signature if self.current else None
        if signature == served or signature == self._failed:
            return

        started = time.monotonic()
        try:
            state = load_state(self.settings)
        except McgError as error:
            # Logged once per version of the files, not on every check.
            self._failed = signature
            self.error = error.message
            log.error(
                "snapshot %s not loaded, still serving %s: %s",
                self.settings.snapshot,
                self.current.snapshot if self.current else "nothing",
                error,
            )
            return

        previous = self.current
        self.current = state
        self.error = None
        self._failed = None
        log.info(
            "serving snapshot %s (rulesets %s) after %.1f s of loading%s",
            state.snapshot,
            ", ".join(self.settings.rulesets),
            time.monotonic() - started,
            f", replacing {previous.snapshot}" if previous else "",
        )

    def _check_and_log(self) -> None:
        try:
            self.check()
        except Exception:  # noqa: BLE001 - the watcher must survive any one failed check
            log.exception("checking snapshot %s failed", self.settings.snapshot)

    def _watch(self) -> None:
        while not self._stop.wait(self.settings.reload_interval):
            self._check_and_log()


def switch_current(root: DataRoot, snapshot: str, rulesets: tuple[str, ...]) -> Path:
    """Point graph/current at ``snapshot`` after verifying its graphs; return the link.

    The link is replaced by a rename, which is atomic: a reader sees either
    the old target or the new one, never a missing link.
    """
    check_snapshot_name(snapshot)
    if snapshot == FOLLOW_CURRENT:
        raise ConfigError(
            "graph/current cannot point at itself", hint="give the name of a built snapshot"
        )
    for ruleset in rulesets:
        verify_graph(root.require_graph(snapshot, ruleset))

    link = root.root / "graph" / FOLLOW_CURRENT
    if link.exists() and not link.is_symlink():
        raise ConfigError(
            f"{link} is a folder, not a link, so a snapshot is named {FOLLOW_CURRENT!r}",
            hint=f"rename that snapshot; the name {FOLLOW_CURRENT!r} is kept for the link",
        )
    temporary = link.with_name(f".{FOLLOW_CURRENT}.{uuid.uuid4().hex[:8]}")
    # A relative target keeps the link valid where the data root is mounted elsewhere.
    os.symlink(snapshot, temporary)
    os.replace(temporary, link)
    log.info("graph/current now points at %s", snapshot)
    return link
