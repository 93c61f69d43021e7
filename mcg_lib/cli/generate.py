"""``mcg generate``: write generated dump-shaped data for demos and benchmarks."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root, force_option, snapshot_option


@click.group(name="generate", context_settings={"help_option_names": ["-h", "--help"]})
def command() -> None:
    """Write invented but dump-shaped data: XML dumps of a month, or a Parquet catalog.

    \b
    Example:
      mcg generate dumps --snapshot demo --out data/raw/demo
      mcg generate dumps --snapshot bench --out /tmp/bench --releases 400000 --format 2020
      mcg generate catalog --snapshot big --releases 1700000 --artists 900000 --edges 7500000
    """


@command.command("dumps")
@snapshot_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the four .xml.gz dumps and the CHECKSUM file (created if missing).",
)
@click.option(
    "--releases",
    default=20_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of releases; artists, labels and masters follow in proportion.",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of every random draw.")
@click.option(
    "--format",
    "era_name",
    type=click.Choice(["2020", "2025"]),
    default="2025",
    show_default=True,
    help="Dump serialisation: 2020 (images, empty leaves, <id>0</id>) or 2025 (since 2024-12).",
)
def dumps(snapshot: str, out_dir: str, releases: int, seed: int, era_name: str) -> None:
    """Write a month of Discogs-format XML dumps, byte-identical for the same arguments."""
    from mcg_lib.generate.dumps import write_dumps

    result = write_dumps(out_dir, snapshot, releases=releases, seed=seed, era_name=era_name)
    for dump in result.files.values():
        click.echo(
            f"{dump.path}  {dump.records:,} records  {dump.xml_bytes / 1e6:,.1f} MB XML  "
            f"{dump.gz_bytes / 1e6:,.1f} MB gzip"
        )
    click.echo(f"{result.checksum_path}")


@command.command("catalog")
@snapshot_option
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False),
    default=None,
    help="Data root to write curated/<snapshot>/ under; defaults to the global --data-root.",
)
@click.option(
    "--releases",
    default=17_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows of the releases table.",
)
@click.option(
    "--artists",
    default=9_000_000,
    show_default=True,
    type=click.IntRange(min=14),
    help="Rows of the artists table, the four pseudo-artists included.",
)
@click.option(
    "--edges",
    default=75_000_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Rows of the release_credits table.",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of every random draw.")
@force_option
@click.pass_context
def catalog(
    ctx: click.Context,
    snapshot: str,
    out_root: str | None,
    releases: int,
    artists: int,
    edges: int,
    seed: int,
    force: bool,
) -> None:
    """Write the curated Parquet tables a graph build reads, without going through XML."""
    from mcg_lib.generate.catalog import write_catalog
    from mcg_lib.paths import DataRoot

    root = DataRoot.resolve(out_root) if out_root else data_root(ctx)
    summary = write_catalog(
        root, snapshot, releases=releases, artists=artists, edges=edges, seed=seed, force=force
    )
    for table, rows in summary.rows.items():
        click.echo(f"{summary.path}/{table}  {rows:,} rows in {summary.parts[table]} parts")
