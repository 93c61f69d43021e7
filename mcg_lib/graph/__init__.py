"""The credit graph: rulesets, graph snapshots, shortest chains between artists.

Public API::

    from mcg_lib.graph import open_graph, find_path, resolve_artist

    graph = open_graph(DataRoot.resolve(), "20150101", "all-credits")
    result = find_path(graph, 1, 2)
    result.to_json()  # {"from": 1, "to": 2, "hops": ..., "path": [...]}
"""

from __future__ import annotations

from mcg_lib.graph.resolve import resolve_artist
from mcg_lib.graph.roles import role_family
from mcg_lib.graph.rulesets import Ruleset, list_rulesets, load_ruleset
from mcg_lib.graph.search import PathResult, find_path
from mcg_lib.graph.store import Graph, open_graph, verify_graph

__all__ = [
    "Graph",
    "PathResult",
    "Ruleset",
    "find_path",
    "list_rulesets",
    "load_ruleset",
    "open_graph",
    "resolve_artist",
    "role_family",
    "verify_graph",
]
