"""A small thread pool for path searches, which sheds load instead of queueing without end.

Each concurrent search borrows per-graph scratch arrays (see mcg_lib.graph.search),
so the pool's size also bounds the memory that searches use.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from mcg_lib.api.responses import ApiError

T = TypeVar("T")


class SearchPool:
    """Run searches on ``threads`` threads; beyond ``max_queued`` waiting ones, reject with 503."""

    def __init__(self, threads: int, max_queued: int) -> None:
        self.threads = threads
        self.max_pending = threads + max_queued
        self.pending = 0
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mcg-search")

    async def run(self, function: Callable[..., T], *args, **kwargs) -> T:
        # Only the event loop thread changes ``pending``, so it needs no lock.
        if self.pending >= self.max_pending:
            raise ApiError(
                503,
                "busy",
                "the server is busy with other searches; retry in a few seconds",
                headers={"Retry-After": "2"},
            )
        self.pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._executor, functools.partial(function, *args, **kwargs)
            )
        finally:
            self.pending -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
