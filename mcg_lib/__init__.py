"""mcg: the Music-Credit Graph.

Turns one month of Discogs XML dumps into a Parquet catalog, quality reports,
credit graphs per ruleset, precomputed connection answers and a static game site.
"""

import os

__version__ = "0.1.0"

# Arrow's default allocator (mimalloc in current pyarrow wheels) keeps freed
# memory for reuse. Over the ingest's stream of batches that held about 50 MB
# more per process than the C library's malloc, which matters on a 1 GB
# Raspberry Pi; set before pyarrow is first imported. An explicit setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
