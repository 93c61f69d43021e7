"""Record parsers: one module per dump kind.

Each parser takes one record element (an lxml element) and appends one tuple
per row to ``rows[table]``, in the column order of the table's schema.
Elements a parser does not know are counted in ``unknown`` by path
(``release/foo``, ``release/labels/label@bar``). A second pass over each
record (``shape.py``) also counts the attributes and elements it does not
read: attributes on elements whose attributes it ignores, and children of
elements it reads as text.
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
