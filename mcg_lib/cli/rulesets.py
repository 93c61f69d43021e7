"""``mcg rulesets``: list the rulesets and compare their graphs."""

from __future__ import annotations

import json

import click

from mcg_lib.cli.options import data_root, snapshot_option


@click.group()
def group() -> None:
    """List rulesets, or compare the graphs two rulesets build from one snapshot."""


@group.command("list")
def list_command() -> None:
    """List the ruleset files with what each counts.

    \b
    Example:
      mcg rulesets list
    """
    from mcg_lib.graph.rulesets import list_rulesets, load_ruleset

    for name in list_rulesets():
        rules = load_ruleset(name)
        families = "all roles" if rules.counts_all_roles else ", ".join(rules.role_families)
        options = []
        if rules.merge_masters:
            options.append("masters merged")
        if rules.max_artists_per_release:
            options.append(f"at most {rules.max_artists_per_release} artists a release")
        if rules.link_group_members:
            options.append("group members linked")
        if not rules.drop_unlinked:
            options.append("unlinked credits kept")
        click.echo(f"{name}: {rules.description}")
        click.echo(f"    kinds: {', '.join(rules.credit_kinds)}; roles: {families}")
        if options:
            click.echo(f"    {'; '.join(options)}")


@group.command("compare")
@snapshot_option
@click.argument("first")
@click.argument("second")
@click.option(
    "--popular",
    default=50,
    show_default=True,
    type=click.IntRange(2),
    help="Popular artists whose distances are compared.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.pass_context
def compare_command(
    ctx: click.Context, snapshot: str, first: str, second: str, popular: int, as_json: bool
) -> None:
    """Compare the graphs of rulesets FIRST and SECOND: sizes, hub artists, distances.

    Both graphs must be built ('mcg graph --snapshot S --ruleset R').

    \b
    Example:
      mcg rulesets compare --snapshot 20150101 all-credits performers
    """
    from mcg_lib.graph import open_graph
    from mcg_lib.graph.compare import compare_graphs

    root = data_root(ctx)
    report = compare_graphs(
        open_graph(root, snapshot, first), open_graph(root, snapshot, second), popular=popular
    )
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return

    sides = [report["sides"][first], report["sides"][second]]
    click.echo(f"snapshot {snapshot}: {first} vs {second}")
    for label in ("artists", "releases", "edges"):
        click.echo(f"  {label:<9} {sides[0][label]:>12,} {sides[1][label]:>12,}")
    click.echo(f"  artists in both graphs: {report['shared_artists']:,}")
    click.echo(f"  distances among {report['popular_compared']} popular artists of {first}:")
    for name, side in ((first, sides[0]), (second, sides[1])):
        d = side["distances"]
        click.echo(
            f"    {name}: {d['connected']}/{d['pairs']} pairs connected, "
            f"mean {d['mean_hops']} hops, max {d['max_hops']}"
        )
    click.echo(f"    pairs whose distance differs: {report['pairs_with_other_distance']}")
    for name, side in ((first, sides[0]), (second, sides[1])):
        hubs = ", ".join(f"{h['name']} ({h['releases']})" for h in side["hubs"][:5])
        click.echo(f"  hubs of {name}: {hubs}")
