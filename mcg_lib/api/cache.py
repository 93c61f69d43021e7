"""A bounded in-process cache of encoded response bodies, one per served snapshot.

A new snapshot gets a new, empty cache, so no entry outlives the graph it
was computed from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_ENTRIES = 20_000
DEFAULT_BYTES = 64 * 1024 * 1024


class ResponseCache:
    """Least-recently-used map from a request key to its encoded JSON body.

    Both the number of entries and the sum of their sizes are bounded.
    Endpoints run on several threads, so every access takes a lock.
    """

    def __init__(self, max_entries: int = DEFAULT_ENTRIES, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if self.max_entries <= 0 or len(body) > self.max_bytes // 16:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._entries[key] = body
            self._bytes += len(body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    def __len__(self) -> int:
        return len(self._entries)
