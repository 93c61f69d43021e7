"""``mcg precompute``: chains among the most popular artists and the daily puzzles."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root, force_option, ruleset_option, snapshot_option


@click.command()
@snapshot_option
@ruleset_option
@click.option(
    "--top",
    default=1000,
    show_default=True,
    type=click.IntRange(2),
    help="Number of popular artists.",
)
@click.option(
    "--days",
    default=400,
    show_default=True,
    type=click.IntRange(1),
    help="Days of puzzles to schedule.",
)
@click.option(
    "--start-date",
    default="",
    help="First puzzle date, YYYY-MM-DD [default: the snapshot date, or 2026-01-01].",
)
@force_option
@click.pass_context
def command(
    ctx: click.Context,
    snapshot: str,
    ruleset: str,
    top: int,
    days: int,
    start_date: str,
    force: bool,
) -> None:
    """Precompute a shortest chain for every pair among the --top most popular artists.

    Writes exports/<snapshot>/answers/<ruleset>/: popular.json, sharded
    pairs/ and nodes, puzzles.json and manifest.json, within Cloudflare
    Pages' limits (20,000 files, 25 MiB a file).

    \b
    Example:
      mcg precompute --snapshot 20150101 --ruleset all-credits --top 1000
    """
    from mcg_lib.pipeline.state import run_stage
    from mcg_lib.precompute.stage import answers_dir

    root = data_root(ctx)
    manifest = run_stage(
        "precompute",
        snapshot=snapshot,
        data_root=root.root,
        ruleset=ruleset,
        force=force,
        top=top,
        days=days,
        start_date=start_date,
    )
    summary = manifest["summary"]
    click.echo(
        f"answers {snapshot}/{ruleset}: {summary['pairs']:,} pairs "
        f"({summary['found']:,} connected), "
        f"{summary['puzzles']} puzzles, {summary['files']} files, {summary['bytes']:,} bytes "
        f"(largest file {summary['largest_file_bytes']:,}) "
        f"in {answers_dir(root, snapshot, ruleset)}"
    )
