"""``mcg lab``: the researchers' JupyterLab, with a snapshot ready."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root
from mcg_lib.errors import NotFoundError


@click.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8888,
    show_default=True,
    help="Port JupyterLab listens on, on 127.0.0.1.",
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab.")
@click.option(
    "--build/--no-build",
    default=True,
    show_default=True,
    help="Build the demo month with 'mcg demo' first when no snapshot is built.",
)
@click.option("--dry-run", is_flag=True, help="Print what would run and start nothing.")
@click.pass_context
def command(ctx: click.Context, port: int, no_browser: bool, build: bool, dry_run: bool) -> None:
    """Start JupyterLab at notebooks/ with the project's kernel and a built snapshot.

    Kernels find the data root through MCG_DATA_ROOT, set to --data-root.
    When no snapshot is built, 'mcg demo' builds the demo month first.
    The server listens on 127.0.0.1 only; stop it with Ctrl-C.

    \b
    Example:
      mcg lab
      mcg --data-root /srv/mcg lab --no-browser --port 8890
      mcg lab --dry-run
    """
    from mcg_lib.research.lab import (
        built_snapshot,
        demo_available,
        missing_graph,
        plan_lab,
        start_lab,
    )

    root = data_root(ctx)
    plan = plan_lab(root, port=port, open_browser=not no_browser)

    snapshot = built_snapshot(root)
    if snapshot is None and build:
        if not demo_available():
            raise NotFoundError(
                f"no snapshot is built under {root.root}, "
                "and 'mcg demo' is not available to build one",
                hint="build a month from a folder of Discogs dumps with "
                "'mcg pipeline run --snapshot YYYYMMDD --raw-dir DIR', "
                "or pass --no-build to start JupyterLab anyway",
            )
        if dry_run:
            click.echo("would build the demo month first: mcg demo")
            _echo_lines(plan.describe())
            return
        click.echo(f"no snapshot is built under {root.root}: building the demo month (mcg demo)")
        ctx.invoke(ctx.find_root().command.get_command(ctx, "demo"))
        snapshot = built_snapshot(root)

    if snapshot is None:
        click.echo(f"warning: no snapshot under {root.root}; the research notebooks need one")
    else:
        click.echo(f"notebooks open snapshot {snapshot} by default (data root {root.root})")
        if missing_graph(root, snapshot):
            click.echo(
                f"warning: snapshot {snapshot} has no all-credits graph; "
                f"build it with 'mcg graph --snapshot {snapshot}'"
            )

    if dry_run:
        _echo_lines(plan.describe())
        return
    start_lab(plan)


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)
