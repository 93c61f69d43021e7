"""``mcg export``: write the game's data files of one ruleset."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root, force_option, ruleset_option, snapshot_option


@click.command()
@snapshot_option
@ruleset_option
@force_option
@click.pass_context
def command(ctx: click.Context, snapshot: str, ruleset: str, force: bool) -> None:
    """Export exports/<snapshot>/data/<ruleset>/ from the graph and the precomputed answers.

    Writes the autocomplete shards, the neighbour data of popular artists and
    of every puzzle chain's artists, one file and one SVG per puzzle day, and
    the chains among popular artists for free play.

    \b
    Example:
      mcg export --snapshot demo --ruleset all-credits
    """
    from mcg_lib.export.stage import data_dir
    from mcg_lib.pipeline.state import run_stage

    root = data_root(ctx)
    manifest = run_stage(
        "export", snapshot=snapshot, data_root=root.root, ruleset=ruleset, force=force
    )
    summary = manifest["summary"]
    click.echo(
        f"export {snapshot}/{ruleset}: {summary['days']} puzzle days (largest "
        f"{summary['largest_day_gzip_bytes']:,} bytes gzipped), "
        f"{summary['neighbour_artists']:,} artists "
        f"with neighbour data, {summary['files']:,} files, {summary['bytes']:,} bytes in "
        f"{data_dir(root, snapshot, ruleset)}"
    )
