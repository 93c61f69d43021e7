"""mcg demo: generate the built-in demo month and run the whole pipeline on it."""

from __future__ import annotations

import json

import click

from mcg_lib.cli.options import data_root


@click.command(name="demo")
@click.option("--snapshot", default="demo", show_default=True, help="Snapshot name of the demo month.")
@click.option("--releases", type=click.IntRange(100, 2_000_000), default=20_000, show_default=True,
              help="Releases in the generated month.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the generator.")
@click.option("--rulesets", help="Comma-separated rulesets to build (default: the list in stages.toml).")
@click.option("--top", type=click.IntRange(2, 100_000), help="Popular artists to precompute chains among.")
@click.option("--workers", type=click.IntRange(1, 64), help="Ingest worker processes.")
@click.option("--force", "force", multiple=True, metavar="STAGE",
              help="Rerun this stage even if its outputs are current (repeatable; 'all' for every stage).")
@click.pass_context
def command(ctx: click.Context, snapshot: str, releases: int, seed: int, rulesets: str | None,
            top: int | None, workers: int | None, force: tuple[str, ...]) -> None:
    """Generate a month of dump-shaped data and build everything from it.

    The month is written by mcg's own generator in the exact dump format, so
    the demo needs nothing outside the repository. It ends by printing where
    the site is and how to open it.

    \b
    Example:
      mcg demo
      mcg serve --snapshot demo
    """
    from mcg_lib.pipeline.runner import plan_pipeline, run_pipeline

    root = data_root(ctx)
    source = generate_demo_dumps(root, snapshot, releases, seed)
    names = [r.strip() for r in rulesets.split(",")] if rulesets else None
    overrides = {"raw_dir": str(source), "series": "demo", "top": top, "workers": workers}
    plan = plan_pipeline(snapshot, root, rulesets=names, overrides=overrides, force=list(force))
    run_pipeline(plan)

    site = root.exports(snapshot) / "site"
    click.echo("")
    click.echo(f"The demo month is built. Its site is in {site}")
    click.echo(f"Open it with:  uv run mcg --data-root {root.root} serve --snapshot {snapshot}")
    click.echo(f"Find a chain:  uv run mcg --data-root {root.root} path --snapshot {snapshot} "
               f"--ruleset all-credits {' '.join(_two_popular_artists(root, snapshot))}")


def _two_popular_artists(root, snapshot: str) -> list[str]:
    """Return the ids of the two most popular artists of the all-credits graph, or placeholders."""
    import numpy as np

    from mcg_lib.errors import McgError
    from mcg_lib.graph import open_graph

    try:
        artists = open_graph(root, snapshot, "all-credits").artists
    except McgError:
        return ["ARTIST", "ARTIST"]
    popularity = artists.column("popularity").to_numpy()
    top = np.argsort(-popularity, kind="stable")[:2]
    ids = artists.column("artist_id").to_numpy()
    return [str(ids[i]) for i in top] if len(top) == 2 else ["ARTIST", "ARTIST"]


def generate_demo_dumps(root, snapshot: str, releases: int, seed: int):
    """Write the generated dumps under staging/, unless the same ones are there already."""
    from mcg_lib.generate.dumps import write_dumps

    source = root.staging / f"generated-{snapshot}"
    params = {"snapshot": snapshot, "releases": releases, "seed": seed}
    marker = source / "generator.json"
    if marker.is_file() and json.loads(marker.read_text()) == params:
        return source
    write_dumps(source, snapshot, releases=releases, seed=seed)
    marker.write_text(json.dumps(params) + "\n")
    return source
