"""Parse one <label> record of labels.xml."""

from __future__ import annotations

from collections import Counter

from mcg_lib.ingest.records.common import Rows, add_images, add_plain_text, count_unknown
from mcg_lib.ingest.text import to_id

TEXT_FIELDS = ("id", "name", "contactinfo", "profile", "data_quality")


def parse_label(record, rows: Rows, unknown: Counter) -> int | None:
    """Append one label's rows; return its id, or None if it has no usable id.

    Sublabels are <label> elements nested in the record. They are read here as
    children of <sublabels>, never as records, because the splitter hands over
    whole records only.
    """
    text = dict.fromkeys(TEXT_FIELDS)
    containers = []
    for child in record:
        tag = child.tag
        if tag in text:
            text[tag] = child.text
        else:
            containers.append(child)

    label_id = to_id(text["id"])
    if label_id is None:
        return None

    parent_id = parent_name = None
    for child in containers:
        tag = child.tag
        if tag == "parentLabel":
            parent_id, parent_name = to_id(child.get("id")), child.text
        elif tag == "sublabels":
            _add_sublabels(child, label_id, rows, unknown)
        elif tag == "urls":
            add_plain_text(child, label_id, "label_urls", "url", rows, unknown, "label/urls")
        elif tag == "images":
            add_images(child, label_id, "label_images", rows, unknown, "label/images")
        else:
            count_unknown(child, "label", unknown)

    rows["labels"].append(
        (label_id, text["name"], None, text["contactinfo"], text["profile"], parent_id, parent_name,
         text["data_quality"])
    )
    return label_id


def _add_sublabels(container, label_id: int, rows: Rows, unknown: Counter) -> None:
    out = rows["label_sublabels"]
    for item in container:
        if item.tag != "label":
            count_unknown(item, "label/sublabels", unknown)
            continue
        sublabel_id = to_id(item.get("id"))
        if sublabel_id is None and not item.text:
            continue
        out.append((label_id, sublabel_id, item.text))
