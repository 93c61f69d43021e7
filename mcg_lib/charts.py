"""Altair charts rendered to inline SVG, so reports and pages load no scripts."""

from __future__ import annotations

import re

import altair as alt
import vl_convert

_XML_DECLARATION = re.compile(r"^<\?xml[^>]*>\s*")


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG string that can be embedded in HTML as is."""
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    return _XML_DECLARATION.sub("", svg)


def bar_chart(rows: list[dict], x: str, y: str, *, title: str, horizontal: bool = False,
              width: int = 520, height: int | None = None) -> alt.Chart:
    """Return a bar chart of ``rows`` (a list of dicts) with one bar per ``x``."""
    data = alt.Data(values=rows)
    if horizontal:
        encoding = {"y": alt.Y(f"{x}:N", sort="-x", title=None), "x": alt.X(f"{y}:Q", title=y)}
        height = height or max(120, 18 * len(rows))
    else:
        encoding = {"x": alt.X(f"{x}:O", title=x), "y": alt.Y(f"{y}:Q", title=y)}
        height = height or 220
    return alt.Chart(data, title=title).mark_bar().encode(**encoding).properties(width=width, height=height)
