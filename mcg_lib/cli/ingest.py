"""mcg ingest: stream a raw snapshot's dumps into the Parquet catalog."""

from __future__ import annotations

import click

from mcg_lib.cli.options import force_option, snapshot_option


@click.command(name="ingest")
@snapshot_option
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Workers that parse batches of records in parallel: threads for releases, "
              "processes for the other dumps.")
@click.option("--step", type=click.Choice(["all", "split", "chunk", "merge"]), default="all", show_default=True,
              help="Run the whole ingest, or one step of the fan-out across cluster nodes.")
@click.option("--chunks", type=click.IntRange(1, 4096), default=4, show_default=True,
              help="With --step split: how many record-aligned chunks to cut the releases dump into.")
@click.option("--index", type=int, default=-1, envvar="JOB_COMPLETION_INDEX",
              help="With --step chunk: which chunk to parse (env JOB_COMPLETION_INDEX).")
@force_option
@click.pass_context
def command(ctx: click.Context, snapshot: str, workers: int, step: str, chunks: int, index: int,
            force: bool) -> None:
    """Stream the dumps of raw/SNAPSHOT into curated/SNAPSHOT/<table>/part-*.parquet.

    \b
    Example:
      mcg ingest --snapshot 20250101 --workers 2
    """
    from mcg_lib.pipeline import run_stage

    manifest = run_stage(
        "ingest", snapshot=snapshot, data_root=ctx.find_root().obj["data_root"], force=force,
        workers=workers, step=step, chunks=chunks, index=index,
    )
    tables = manifest.get("summary", {}).get("tables", {})
    if tables:
        click.echo(f"curated/{snapshot}: " + ", ".join(f"{t} {n}" for t, n in sorted(tables.items()) if n))
