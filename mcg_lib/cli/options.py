"""Options shared by several verbs."""

from __future__ import annotations

import math

import click

from mcg_lib.paths import DataRoot

snapshot_option = click.option(
    "--snapshot", required=True, help="Snapshot name: the dump date as YYYYMMDD, or a name such as demo."
)
ruleset_option = click.option(
    "--ruleset", default="all-credits", show_default=True, help="Ruleset name (pipelines/rulesets/NAME.toml)."
)
force_option = click.option("--force", is_flag=True, help="Rebuild and replace outputs that already exist.")


def data_root(ctx: click.Context) -> DataRoot:
    """Return the DataRoot chosen by the group's --data-root option."""
    return DataRoot.resolve(ctx.find_root().obj["data_root"])


class FiniteFloatRange(click.FloatRange):
    """A float range that also rejects nan and inf, which pass every comparison-based bound."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number
