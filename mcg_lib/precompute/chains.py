"""Shortest chains for every pair among the most popular artists.

One BFS per source artist, sources in id order, each stopping once it has
reached every popular artist with a higher id in its component. Sources are
spread over worker processes that map the same graph files.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from mcg_lib.graph.store import Graph
from mcg_lib.log import get_logger, progress
from mcg_lib.precompute.bfs import SourceSearch

log = get_logger(__name__)

Chain = list[int]

# Worker-process state, set by _init_worker.
_worker: dict = {}


def popular_nodes(graph: Graph, top: int) -> np.ndarray:
    """Return the artist nodes of the ``top`` most popular artists, most popular first.

    Ties in popularity go to the lower artist id.
    """
    popularity = graph.artists.column("popularity").to_numpy()
    order = np.lexsort((graph.artist_ids, -popularity))
    return order[:top].astype(np.int32)


def chain_ids(graph: Graph, chain: list[int]) -> Chain:
    """Turn a node chain into ids: artist ids, and release ids (-group id for a membership)."""
    ids = []
    for position, node in enumerate(chain):
        if position % 2 == 0:
            ids.append(int(graph.artist_ids[node]))
        else:
            release_id = int(graph.release_ids[node])
            ids.append(release_id if release_id >= 0 else -int(graph.release_row(node)["group_id"]))
    return ids


def chains_from(
    graph: Graph, search: SourceSearch, source: int, targets: np.ndarray
) -> list[tuple[int, Chain | None]]:
    """Search from one source and return (target artist id, chain ids or None) per target."""
    answers: list[tuple[int, Chain | None]] = []
    if len(targets):
        search.run(source, targets)
    for target in targets:
        target = int(target)
        chain = chain_ids(graph, search.chain(source, target)) if search.reached(target) else None
        answers.append((int(graph.artist_ids[target]), chain))
    return answers


def _init_worker(folder: str, labels: np.ndarray) -> None:
    graph = Graph(Path(folder))
    _worker.update(graph=graph, search=SourceSearch(graph), labels=labels)


def _run_source(task: tuple[int, np.ndarray]) -> tuple[int, list[tuple[int, Chain | None]]]:
    source, targets = task
    graph, search = _worker["graph"], _worker["search"]
    return int(graph.artist_ids[source]), chains_from(graph, search, source, targets)


def _tasks(popular: np.ndarray, labels: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    ordered = np.sort(popular)
    for index, source in enumerate(ordered[:-1]):
        later = ordered[index + 1 :]
        yield int(source), later[labels[later] == labels[source]]


def compute_chains(
    graph: Graph, popular: np.ndarray, labels: np.ndarray, *, workers: int | None = None
) -> dict[tuple[int, int], Chain | None]:
    """Return {(lower artist id, higher artist id): chain from the lower id, or None}.

    Pairs in different components get None without a search.
    """
    chains: dict[tuple[int, int], Chain | None] = {}
    ids = graph.artist_ids
    popular_ids = sorted(int(ids[node]) for node in popular)
    for index, first in enumerate(popular_ids):
        for second in popular_ids[index + 1 :]:
            chains[(first, second)] = None

    tasks = list(_tasks(popular, labels))
    workers = workers or os.cpu_count() or 1
    bar = progress(total=len(tasks), desc="chains", unit="source")
    if workers == 1 or len(tasks) < 2 * workers:
        search = SourceSearch(graph)
        results = (
            (int(ids[source]), chains_from(graph, search, source, targets))
            for source, targets in tasks
        )
        _collect(results, chains, bar)
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(
            workers, initializer=_init_worker, initargs=(str(graph.path), labels)
        ) as pool:
            _collect(pool.imap_unordered(_run_source, tasks, chunksize=1), chains, bar)
    bar.close()
    return chains


def _collect(results, chains: dict, bar) -> None:
    for source_id, answers in results:
        for target_id, chain in answers:
            chains[(source_id, target_id)] = chain
        bar.update(1)
