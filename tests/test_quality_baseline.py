"""Which snapshot `mcg check` compares record counts with."""

from __future__ import annotations

import pytest

from mcg_lib.errors import NotFoundError
from mcg_lib.quality.stage import find_baseline


def test_named_baseline_missing(data_root):
    for snapshot in ("20240101", "20240201"):
        data_root.curated(snapshot).mkdir(parents=True)

    with pytest.raises(NotFoundError) as caught:
        find_baseline(data_root, "20240201", "20231201")

    assert "baseline snapshot '20231201'" in caught.value.message
    assert "20240101" in caught.value.hint
    assert "20240201" not in caught.value.hint


def test_named_baseline_found(data_root):
    data_root.curated("20240101").mkdir(parents=True)

    assert find_baseline(data_root, "20240201", "20240101") == "20240101"
    assert find_baseline(data_root, "20240201", "none") is None
