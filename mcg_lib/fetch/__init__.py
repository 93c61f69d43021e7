"""The fetch stage: raw Discogs dumps, downloaded or imported, checked by SHA-256.

Later stages read a raw snapshot through ``raw_files`` and ``open_dump``.
"""

from mcg_lib.fetch.layout import KINDS, RECORD_TAGS, open_dump, raw_files, read_raw_manifest

__all__ = ["KINDS", "RECORD_TAGS", "open_dump", "raw_files", "read_raw_manifest"]
