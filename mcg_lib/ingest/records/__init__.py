"""Record parsers: one module per dump kind.

Each parser takes one record element (an lxml element) and appends one tuple
per row to ``rows[table]``, in the column order of the table's schema.
Elements a parser does not know, in the record and in every list it reads, and
attributes it does not know on the elements that carry attributes in the
dumps, are counted in ``unknown`` by path (``release/foo``,
``release/labels/label@bar``).

NOTE: attributes on elements that carry none in any dump (``<track>``, a
credit's ``<artist>``, text elements), and children of text elements and of
``<label>``, ``<image>`` or ``<descriptions>`` (other than ``<description>``),
are dropped without being counted; releases.c does the same. No dump so far
has any of them.
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
