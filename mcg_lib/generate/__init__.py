"""Generators of dump-shaped data: a month of Discogs XML dumps, or a curated Parquet catalog.

``write_dumps`` writes the four gzipped XML dumps and the checksum file in the
raw serialisation of a chosen era. ``write_catalog`` writes the catalog tables
that a graph build reads directly as Parquet, for sizes at which XML would be
too slow. Both give the same output for the same seed.
"""

from mcg_lib.generate.catalog import CatalogSummary, write_catalog
from mcg_lib.generate.dumps import DEFAULT_ERA, DEFAULT_RELEASES, DumpSet, write_dumps

__all__ = [
    "DEFAULT_ERA",
    "DEFAULT_RELEASES",
    "CatalogSummary",
    "DumpSet",
    "write_catalog",
    "write_dumps",
]
