"""``mcg api``: the fallback API over one graph snapshot, served by uvicorn."""

from __future__ import annotations

import logging

import click

from mcg_lib.cli.options import FiniteFloatRange, data_root
from mcg_lib.graph.search import DEFAULT_MAX_EXPANDED, DEFAULT_MAX_HOPS


@click.command()
@click.option(
    "--snapshot",
    required=True,
    help="Snapshot to serve, or 'current' to follow the graph/current link and switch "
    "when it moves.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option(
    "--rulesets",
    default="",
    help="Comma-separated rulesets to serve; the first is the default. "
    "[default: every ruleset built for the snapshot, all-credits first]",
)
@click.option(
    "--origin",
    default=None,
    help="Origin of the game site that may call the API from a browser (CORS), "
    "such as https://mcg.example.org. [default: none]",
)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes."
)
@click.option(
    "--max-hops",
    default=DEFAULT_MAX_HOPS,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Maximum chain length searched, in hops.",
)
@click.option(
    "--max-expanded",
    default=DEFAULT_MAX_EXPANDED,
    show_default=True,
    type=click.IntRange(1),
    help="Maximum number of nodes whose neighbours one search may read.",
)
@click.option(
    "--timeout",
    default=1.0,
    show_default=True,
    type=FiniteFloatRange(0.01, 60),
    help="Seconds one path request may take, waiting for a search thread included.",
)
@click.option(
    "--rate-limit",
    default=10.0,
    show_default=True,
    type=FiniteFloatRange(0),
    help="Requests per second per client and worker (by CF-Connecting-IP); 0 turns limiting off.",
)
@click.option(
    "--burst",
    default=40,
    show_default=True,
    type=click.IntRange(1),
    help="Requests a client may send at once before the rate applies.",
)
@click.option(
    "--max-age",
    default=300,
    show_default=True,
    type=click.IntRange(0),
    help="Seconds browsers may reuse a response (Cache-Control max-age).",
)
@click.option(
    "--shared-max-age",
    default=86_400,
    show_default=True,
    type=click.IntRange(0),
    help="Seconds Cloudflare may reuse a response (Cache-Control s-maxage).",
)
@click.option(
    "--search-threads",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker that run path searches.",
)
@click.option(
    "--max-queued",
    default=64,
    show_default=True,
    type=click.IntRange(0),
    help="Path searches per worker that may wait for a thread; more get a 503 response.",
)
@click.option(
    "--cache-entries",
    default=20_000,
    show_default=True,
    type=click.IntRange(0),
    help="Responses each worker keeps in memory (at most 64 MB of them); 0 turns the cache off.",
)
@click.option(
    "--reload-interval",
    default=2.0,
    show_default=True,
    type=FiniteFloatRange(0.1),
    help="Seconds between checks for a new snapshot on disk.",
)
@click.option(
    "--set-current",
    is_flag=True,
    help="Verify the snapshot's graphs, point graph/current at it and exit, without serving. "
    "Servers started with --snapshot current switch to it.",
)
@click.pass_context
def command(
    ctx: click.Context,
    snapshot: str,
    host: str,
    port: int,
    rulesets: str,
    origin: str | None,
    workers: int,
    max_hops: int,
    max_expanded: int,
    timeout: float,
    rate_limit: float,
    burst: int,
    max_age: int,
    shared_max_age: int,
    search_threads: int,
    max_queued: int,
    cache_entries: int,
    reload_interval: float,
    set_current: bool,
) -> None:
    """Serve chains, artist search and neighbours over HTTP, for pairs the site did not precompute.

    \b
    Example:
      mcg api --snapshot 20150101 --origin https://mcg.example.org
      mcg api --snapshot 20150201 --set-current
      mcg api --snapshot current --workers 2
    """
    from mcg_lib.api.server import choose_rulesets, serve
    from mcg_lib.api.settings import ApiSettings, check_origin
    from mcg_lib.api.snapshot import switch_current
    from mcg_lib.paths import check_snapshot_name

    root = data_root(ctx)
    check_snapshot_name(snapshot)
    chosen = choose_rulesets(root, snapshot, rulesets)

    if set_current:
        link = switch_current(root, snapshot, chosen)
        click.echo(f"{link} -> {snapshot} (rulesets {', '.join(chosen)} verified)")
        return

    settings = ApiSettings(
        data_root=str(root.root),
        snapshot=snapshot,
        rulesets=chosen,
        origin=check_origin(origin),
        max_hops=max_hops,
        max_expanded=max_expanded,
        query_timeout=timeout,
        rate_limit=rate_limit,
        rate_burst=burst,
        max_age=max_age,
        shared_max_age=shared_max_age,
        search_threads=search_threads,
        max_queued=max_queued,
        reload_interval=reload_interval,
        cache_entries=cache_entries,
        log_level=logging.getLogger("mcg").getEffectiveLevel(),
    )
    serve(settings, host=host, port=port, workers=workers)
