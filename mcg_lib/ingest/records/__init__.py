"""Record parsers: one module per dump kind.

Each parser takes one record element (an lxml element) and appends one tuple
per row to ``rows[table]``, in the column order of the table's schema.
Elements and attributes a parser does not know are counted in ``unknown`` by
path (``release/foo``, ``release/labels/label@bar``), never silently dropped.
"""

from mcg_lib.ingest.records.artists import parse_artist
from mcg_lib.ingest.records.labels import parse_label
from mcg_lib.ingest.records.masters import parse_master
from mcg_lib.ingest.records.releases import parse_release

PARSERS = {
    "artists": parse_artist,
    "labels": parse_label,
    "masters": parse_master,
    "releases": parse_release,
}

__all__ = ["PARSERS"]
