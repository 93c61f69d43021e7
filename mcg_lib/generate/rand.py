"""Seeded random draws that give the same values for the same seed.

Only ``random.Random.random()`` is used, because Python guarantees its
sequence for a given integer seed across versions. The helpers that turn it
into choices live here, because the standard library's ``choice`` and
``randrange`` algorithms may change. numpy generators are seeded from the
same root seed through ``derive_seed``.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


def derive_seed(seed: int, *labels: object) -> int:
    """Return a 63-bit seed for one purpose (``labels``) derived from the root ``seed``."""
    text = ":".join([str(seed), *map(str, labels)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def numpy_rng(seed: int, *labels: object) -> np.random.Generator:
    """Return a numpy generator for one purpose, seeded from the root ``seed``."""
    return np.random.Generator(np.random.PCG64(derive_seed(seed, *labels)))


class Weighted(Generic[T]):
    """Items with relative weights, for repeated weighted draws."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        if not pairs:
            raise ValueError("a weighted table needs at least one item")
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(float(weight) for _, weight in pairs))
        self.total = self.cumulative[-1]


class Rng:
    """Draws built on one ``random.Random`` stream."""

    __slots__ = ("random",)

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        """Return an integer in [0, n)."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """Return an integer in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, table: Weighted[T]) -> T:
        return table.items[bisect_right(table.cumulative, self.random() * table.total)]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """Return ``k`` distinct items in a random order (all of them if there are fewer)."""
        pool = list(items)
        k = min(k, len(pool))
        for i in range(k):
            j = i + int(self.random() * (len(pool) - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def geometric(self, p: float, limit: int) -> int:
        """Return the failures before a success of probability ``p``, at most ``limit``."""
        n = 0
        while n < limit and self.random() >= p:
            n += 1
        return n
