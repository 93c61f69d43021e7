"""``mcg fetch``: download a month of Discogs dumps, or import dump files from a folder."""

from __future__ import annotations

from pathlib import Path

import click

from mcg_lib.cli.options import data_root, force_option, snapshot_option
from mcg_lib.pipeline.state import run_stage


@click.command("fetch")
@snapshot_option
@click.option(
    "--base-url",
    default="",
    help="URL of the dumps bucket; files are read from BASE_URL/data/YYYY/. "
    "[default: $MCG_DUMPS_URL, else the public Discogs bucket]",
)
@click.option(
    "--from-dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Import the dump files in this folder instead of downloading them.",
)
@click.option(
    "--series",
    default="",
    help="Series whose previous snapshot the quality stage compares counts with "
    "[default: discogs for downloads, the folder's name for --from-dir].",
)
@force_option
@click.pass_context
def command(
    ctx: click.Context, snapshot: str, base_url: str, from_dir: str | None, series: str, force: bool
) -> None:
    """Download or import the raw dumps of one snapshot and check their SHA-256.

    Downloads resume where an earlier run stopped. Rerunning with the same files
    changes nothing; other files for a published snapshot need --force.

    \b
    Example:
      mcg fetch --snapshot 20250101
      mcg fetch --snapshot 20150101 --from-dir path/to/dumps
    """
    root = data_root(ctx)
    manifest = run_stage(
        "fetch",
        snapshot=snapshot,
        data_root=root.root,
        force=force,
        raw_dir=str(Path(from_dir).resolve()) if from_dir else "",
        base_url=base_url,
        series=series,
    )

    summary = manifest["summary"]
    click.echo(
        f"raw snapshot {snapshot} (series {summary['series']}): "
        f"{', '.join(summary['kinds'])} in {root.raw(snapshot)}"
    )
    if summary["missing_kinds"]:
        click.echo(f"missing kinds: {', '.join(summary['missing_kinds'])}")
    click.echo(f"manifest: {root.raw_manifest(snapshot)}")
