"""Helpers that keep the first cell of a research notebook short.

Typical first cell::

    import mcg_lib.research as rs

    rs.setup_notebook()       # charts as inline SVG, tables in full
    snap = rs.open_snapshot(snapshot, ruleset=ruleset, data_root=data_root)
    con = snap.catalog()      # DuckDB, one view per catalog table
    graph = snap.graph()      # the credit graph of snap.ruleset

    rs.lookup_artist(graph, "Aphex Twin")
    rs.draw_chain(rs.find_chain(graph, "Autechre", "Aphex Twin"))

``mcg_lib.research.publish.render_research_pages`` turns the notebooks under
notebooks/research/ into HTML pages for the site.
"""

from mcg_lib.research.analytics import (
    component_sizes,
    degree_distribution,
    distances_among,
    hub_artists,
    hub_releases,
    popular_artists,
    to_rustworkx,
)
from mcg_lib.research.artists import find_chain, lookup_artist
from mcg_lib.research.charts import chain_svg, draw_chain, use_offline_charts
from mcg_lib.research.display import setup_notebook
from mcg_lib.research.roles import register_role_families
from mcg_lib.research.snapshots import (
    Snapshot,
    attach_catalog,
    default_snapshot,
    open_snapshot,
    previous_snapshot,
)

__all__ = [
    "Snapshot",
    "attach_catalog",
    "chain_svg",
    "component_sizes",
    "default_snapshot",
    "degree_distribution",
    "distances_among",
    "draw_chain",
    "find_chain",
    "hub_artists",
    "hub_releases",
    "lookup_artist",
    "open_snapshot",
    "popular_artists",
    "previous_snapshot",
    "register_role_families",
    "setup_notebook",
    "to_rustworkx",
    "use_offline_charts",
]
