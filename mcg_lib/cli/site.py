"""``mcg site``: render the static game site of a snapshot."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root, force_option, snapshot_option


@click.command()
@snapshot_option
@click.option(
    "--rulesets",
    default="",
    help="Comma-separated rulesets to include [default: every ruleset exported for the snapshot].",
)
@click.option("--research/--no-research", default=True, show_default=True,
              help="Execute the research notebooks and publish them as pages.")
@force_option
@click.pass_context
def command(ctx: click.Context, snapshot: str, rulesets: str, research: bool, force: bool) -> None:
    """Render site_templates/ into exports/<snapshot>/site/, ready for a static host.

    The site copies in the exported data of each ruleset (hard links where
    possible) and the research pages. The environment variable MCG_API_URL
    sets the fallback API's base URL; empty means the site has no API. The
    build fails when the game shell or a day's puzzle is over its gzipped
    budget, a file is over 25 MiB, or the site has more than 20,000 files.

    \b
    Example:
      mcg site --snapshot demo
      MCG_API_URL=https://api.example.org mcg site --snapshot demo --rulesets all-credits --force
    """
    from mcg_lib.pipeline.state import run_stage
    from mcg_lib.site.stage import site_dir

    root = data_root(ctx)
    manifest = run_stage(
        "site", snapshot=snapshot, data_root=root.root, force=force, rulesets=rulesets, research=research
    )
    summary = manifest["summary"]
    click.echo(
        f"site {snapshot}: {', '.join(summary['rulesets'])}; "
        f"shell {summary['shell_gzip_bytes']:,} bytes gzipped, "
        f"largest day {summary['largest_day_gzip_bytes']:,} bytes gzipped, {summary['files']:,} "
        f"files in {site_dir(root, snapshot)}"
    )
    click.echo(f"open it with: mcg serve --snapshot {snapshot}")
