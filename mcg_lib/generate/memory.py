"""Memory settings for generating large outputs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def compact_memory_pool() -> Iterator[None]:
    """Use jemalloc with immediate decay for pyarrow inside the block, where pyarrow has it.

    pyarrow's default pool (mimalloc) keeps freed blocks. On this project's
    container it left about 400 MB more resident after building the full-size
    catalog's artists, and 30 MB more after a 400,000-release world. jemalloc
    with a decay of 0 returns freed blocks to the system.
    """
    previous = pa.default_memory_pool()
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowNotImplementedError):
        yield
        return
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
