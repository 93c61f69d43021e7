"""``mcg graph``: build the credit graph of one ruleset, or verify a published one."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root, force_option, ruleset_option, snapshot_option


@click.command()
@snapshot_option
@ruleset_option
@force_option
@click.option(
    "--verify",
    is_flag=True,
    help="Check a published graph against its manifest instead of building.",
)
@click.pass_context
def command(ctx: click.Context, snapshot: str, ruleset: str, force: bool, verify: bool) -> None:
    """Build graph/<snapshot>/<ruleset>/ from the curated catalog.

    The graph is bipartite, artist - release - artist, with memory-mappable
    adjacency arrays, node tables and a manifest of checksums. Published
    graphs are immutable: --force replaces one.

    \b
    Example:
      mcg graph --snapshot 20150101 --ruleset all-credits
      mcg graph --snapshot 20150101 --ruleset all-credits --verify
    """
    root = data_root(ctx)
    if verify:
        from mcg_lib.graph.store import verify_graph

        checked = verify_graph(root.require_graph(snapshot, ruleset))
        click.echo(
            f"graph {snapshot}/{ruleset}: {checked['files']} files, "
            f"{checked['bytes']:,} bytes match the manifest"
        )
        return

    from mcg_lib.pipeline.state import run_stage

    manifest = run_stage(
        "graph", snapshot=snapshot, data_root=root.root, ruleset=ruleset, force=force
    )
    summary = manifest["summary"]
    click.echo(
        f"graph {snapshot}/{ruleset}: {summary['artists']:,} artists, "
        f"{summary['releases']:,} releases, "
        f"{summary['edges']:,} edges, {summary['bytes']:,} bytes in {root.graph(snapshot, ruleset)}"
    )
