"""mcg pipeline: run the stage notebooks in order, list the stages, write the notebooks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from mcg_lib.cli.options import data_root, snapshot_option


@click.group(name="pipeline")
def group() -> None:
    """Run or inspect the monthly pipeline (stages in pipelines/stages.toml)."""


@group.command(name="run")
@snapshot_option
@click.option("--raw-dir", type=click.Path(exists=True, file_okay=False),
              help="Import the dumps from this folder instead of downloading them.")
@click.option("--series", help="Series name for comparing record counts with earlier snapshots.")
@click.option(
    "--base-url",
    help="Base URL of the dumps to download [default: $MCG_DUMPS_URL, else the public Discogs bucket].",
)
@click.option("--rulesets", help="Comma-separated rulesets to build (default: the list in stages.toml).")
@click.option("--workers", type=click.IntRange(1, 64), help="Ingest workers (see mcg ingest --help).")
@click.option("--top", type=click.IntRange(2, 100_000), help="Popular artists to precompute chains among.")
@click.option("--days", type=click.IntRange(1, 5000), help="Days of daily puzzles to schedule.")
@click.option("--start-date", help="First day of the puzzle schedule, YYYY-MM-DD.")
@click.option("--research/--no-research", default=None,
              help="Publish the research notebooks as pages of the site [default: yes].")
@click.option("--force", "force", multiple=True, metavar="STAGE",
              help="Rerun this stage even if its outputs are current (repeatable; 'all' for every stage).")
@click.option("--only", multiple=True, metavar="STAGE", help="Run only this stage (repeatable).")
@click.pass_context
def run(ctx: click.Context, snapshot: str, raw_dir: str | None, series: str | None, base_url: str | None,
        rulesets: str | None, workers: int | None, top: int | None, days: int | None,
        start_date: str | None, research: bool | None, force: tuple[str, ...], only: tuple[str, ...]) -> None:
    """Run every stage notebook for SNAPSHOT with papermill, skipping current ones.

    Executed notebooks are kept under runs/SNAPSHOT/<run id>/ as the record of the run.

    \b
    Example:
      mcg pipeline run --snapshot 20150101 --raw-dir ../shared/discogs-samples/discograph-2015
    """
    from mcg_lib.pipeline.runner import plan_pipeline, run_pipeline

    overrides = {
        "raw_dir": str(Path(raw_dir).resolve()) if raw_dir else None,
        "series": series,
        "base_url": base_url,
        "workers": workers,
        "top": top,
        "days": days,
        "start_date": start_date,
        "research": research,
    }
    if start_date:
        _check_date(start_date)
    names = None
    if rulesets is not None:
        names = [r.strip() for r in rulesets.split(",") if r.strip()]
        if not names:
            raise click.BadParameter("name at least one ruleset, such as all-credits", param_hint="--rulesets")
    plan = plan_pipeline(snapshot, data_root(ctx), rulesets=names, overrides=overrides,
                         force=list(force), only=list(only))
    run_dir = run_pipeline(plan)
    click.echo(f"executed notebooks: {run_dir}")


@group.command(name="list")
def list_stages() -> None:
    """List the stages in order, with their notebooks and placement."""
    from mcg_lib.pipeline.stages import load_pipeline

    pipeline = load_pipeline()
    for stage in pipeline.stages:
        scope = "per ruleset" if stage.per_ruleset else "once"
        click.echo(f"{stage.name:<11} {stage.notebook:<20} {scope:<12} {stage.placement:<8} {stage.title}")
    click.echo(f"default rulesets: {', '.join(pipeline.rulesets)}")


@group.command(name="notebooks")
@click.option("--write", is_flag=True, help="Rewrite notebooks/pipeline/ from pipelines/stages.toml.")
def notebooks(write: bool) -> None:
    """Check (or rewrite) that the stage notebooks match the stage list."""
    from mcg_lib.pipeline.notebooks import stale_stage_notebooks, write_stage_notebooks

    if write:
        for path in write_stage_notebooks():
            click.echo(f"wrote {path}")
        return
    stale = stale_stage_notebooks()
    for path in stale:
        click.echo(f"out of date: {path}")
    if stale:
        raise click.ClickException("stage notebooks differ from pipelines/stages.toml; "
                                   "run 'mcg pipeline notebooks --write'")
    click.echo("stage notebooks match pipelines/stages.toml")


def _check_date(text: str) -> None:
    # Checked here so a bad date fails before the earlier stages run, not at precompute.
    try:
        date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date in the form YYYY-MM-DD", param_hint="--start-date") from None
