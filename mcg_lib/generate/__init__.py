"""Generators of dump-shaped data: a month of Discogs XML dumps, or a curated Parquet catalog.

``write_dumps`` writes the four gzipped XML dumps and the checksum file in the
raw serialisation of a chosen era; ``write_catalog`` writes the catalog tables
that a graph build reads, directly as Parquet, for sizes that XML would make
slow. Both are deterministic for a given seed.
"""

from mcg_lib.generate.dumps import DEFAULT_ERA, DEFAULT_RELEASES, DumpSet, write_dumps

__all__ = ["DEFAULT_ERA", "DEFAULT_RELEASES", "DumpSet", "write_dumps"]
