"""Charts for notebooks: altair rendered offline, and a drawing of one chain."""

from __future__ import annotations

from typing import Any

import altair as alt

from mcg_lib.charts import to_svg
from mcg_lib.graph import PathResult

# Horizontal space of one chain element, and the height of the line joining them, in pixels.
_STEP_WIDTH = 170
_LINE_Y = 60
_LABEL_CHARS = 26

_KINDS = ["artist", "release", "membership"]
_SHAPES = ["circle", "square", "diamond"]
_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c"]


def use_offline_charts() -> None:
    """Render every altair chart of this kernel as inline SVG.

    The ``svg`` renderer draws with vl-convert inside the kernel, so a chart
    output is plain SVG: it shows in JupyterLab, in nbconvert pages and in
    git diffs alike, and no page has to load Vega from another site.
    """
    alt.renderers.enable("svg")
    # Notebooks aggregate in DuckDB first; a chart of more rows is still
    # drawn rather than rejected.
    alt.data_transformers.disable_max_rows()


def _shorten(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _roles_label(arrow: str, roles: list[str] | None) -> str:
    return f"{arrow} {_shorten(', '.join(roles))}" if roles else ""


def chain_elements(chain: PathResult | dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per chain element (artist or release) with its position and labels."""
    data = chain.to_json() if isinstance(chain, PathResult) else chain
    rows = []
    for position, element in enumerate(data.get("path", [])):
        if element["type"] == "artist":
            label = _shorten(element.get("name_display") or element["name"])
            detail = f"artist {element['id']}"
        else:
            label = _shorten(element.get("title"))
            year = element.get("year") or "year unknown"
            detail = f"{year} · {element['type']} {element['id']}"
        rows.append(
            {
                "position": position,
                "kind": element["type"],
                "label": label,
                "detail": detail,
                "roles_in": _roles_label("←", element.get("from_roles")),
                "roles_out": _roles_label("→", element.get("to_roles")),
            }
        )
    return rows


def draw_chain(chain: PathResult | dict[str, Any], *, title: str | None = None) -> alt.LayerChart:
    """Draw a chain artist -> release -> artist ... left to right, with the roles on each release.

    ``chain`` is a PathResult or its ``to_json()`` object. A chain that was not
    found draws as an empty chart titled "no chain found".
    """
    rows = chain_elements(chain)
    data = chain.to_json() if isinstance(chain, PathResult) else chain
    if title is None:
        hops = data.get("hops")
        title = f"{hops} hop{'s' if hops != 1 else ''}" if hops is not None else "no chain found"

    slots = max(len(rows), 1)
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("position:Q", axis=None, scale=alt.Scale(domain=[-0.5, slots - 0.5])),
    )
    links = (
        base.mark_rule(color="#999")
        .encode(y=alt.value(_LINE_Y), x2=alt.X2("next:Q"))
        .transform_calculate(next="datum.position + 1")
        .transform_filter(f"datum.position < {len(rows) - 1}")
    )
    nodes = base.mark_point(size=400, filled=True, opacity=1).encode(
        y=alt.value(_LINE_Y),
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=_KINDS, range=_SHAPES), legend=None),
        color=alt.Color("kind:N", scale=alt.Scale(domain=_KINDS, range=_COLORS), legend=None),
        tooltip=["label:N", "detail:N"],
    )
    texts = [
        base.mark_text(fontWeight="bold").encode(y=alt.value(_LINE_Y + 30), text="label:N"),
        _small_text(base, _LINE_Y + 44, "detail"),
        _small_text(base, _LINE_Y - 35, "roles_in"),
        _small_text(base, _LINE_Y - 22, "roles_out"),
    ]
    return alt.layer(links, nodes, *texts).properties(
        width=slots * _STEP_WIDTH, height=120, title=title
    )


def _small_text(base: alt.Chart, y: int, field: str) -> alt.Chart:
    return base.mark_text(color="#555", fontSize=10).encode(y=alt.value(y), text=f"{field}:N")


def chain_svg(chain: PathResult | dict[str, Any], *, title: str | None = None) -> str:
    """Return the drawing of a chain as an SVG string, for pages and files."""
    return to_svg(draw_chain(chain, title=title))
