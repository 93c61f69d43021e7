"""mcg check: run the data-quality checks over a snapshot's catalog."""

from __future__ import annotations

import click

from mcg_lib.cli.options import FiniteFloatRange, force_option, snapshot_option


@click.command(name="check")
@snapshot_option
@click.option("--baseline", default="auto", show_default=True,
              help="Snapshot to compare record counts with: auto (the previous one of the same series), "
              "none, or a snapshot name.")
@click.option("--max-drop", type=FiniteFloatRange(0, 1), default=0.1, show_default=True,
              help="Largest allowed fall in a dump's record count compared with the baseline, as a share.")
@force_option
@click.pass_context
def command(ctx: click.Context, snapshot: str, baseline: str, max_drop: float, force: bool) -> None:
    """Check curated/SNAPSHOT with DuckDB; write exports/SNAPSHOT/quality/report.{json,html}.

    Exits non-zero when a hard check fails (duplicate ids, rows that do not
    match the dump's elements, a large drop in record counts).

    \b
    Example:
      mcg check --snapshot 20250101
    """
    from mcg_lib.pipeline import run_stage

    manifest = run_stage("quality", snapshot=snapshot, data_root=ctx.find_root().obj["data_root"],
                         force=force, baseline=baseline, max_drop=max_drop)
    summary = manifest.get("summary", {})
    click.echo(f"quality {summary.get('status')}, {summary.get('warnings')} warnings: "
               f"exports/{snapshot}/quality/report.html")
