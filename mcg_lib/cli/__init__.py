"""The ``mcg`` command: one verb per pipeline stage, plus path, serve, api and demo.

Each verb lives in its own module and is imported only when it runs, so that
``mcg --help`` and ``mcg path`` start fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from mcg_lib import __version__
from mcg_lib.errors import McgError
from mcg_lib.log import configure_logging

COMMANDS = {
    "demo": "mcg_lib.cli.demo:command",
    "generate": "mcg_lib.cli.generate:command",
    "fetch": "mcg_lib.cli.fetch:command",
    "ingest": "mcg_lib.cli.ingest:command",
    "check": "mcg_lib.cli.check:command",
    "graph": "mcg_lib.cli.graph:command",
    "precompute": "mcg_lib.cli.precompute:command",
    "export": "mcg_lib.cli.export:command",
    "site": "mcg_lib.cli.site:command",
    "pipeline": "mcg_lib.cli.pipeline:group",
    "path": "mcg_lib.cli.path:command",
    "rulesets": "mcg_lib.cli.rulesets:group",
    "serve": "mcg_lib.cli.serve:command",
    "api": "mcg_lib.cli.api:command",
    "cluster": "mcg_lib.cli.cluster:group",
    "lab": "mcg_lib.cli.lab:command",
}


class CommandError(click.ClickException):
    """A ClickException that keeps the exit code of the McgError it wraps."""

    def __init__(self, error: McgError) -> None:
        super().__init__(str(error))
        self.exit_code = error.exit_code


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self.lazy.get(name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except McgError as error:
            raise CommandError(error) from error
        except OSError as error:
            # Permissions, a read-only or full disk, a file where a folder should be.
            raise CommandError(_file_system_error(error)) from error


def _file_system_error(error: OSError) -> McgError:
    where = error.filename if error.filename is not None else "a file"
    reason = error.strerror or str(error)
    return McgError(
        f"cannot use {where}: {reason}",
        hint="check that the data root (--data-root or MCG_DATA_ROOT) is a folder you can write to, "
        "on a disk with free space",
    )


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcg")
@click.option(
    "--data-root",
    envvar="MCG_DATA_ROOT",
    type=click.Path(file_okay=False),
    default="data",
    show_default=True,
    help="Folder that holds raw/, curated/, graph/, exports/ and the rest (env MCG_DATA_ROOT).",
)
@click.option("-v", "--verbose", count=True, help="Log debug lines too.")
@click.option("-q", "--quiet", is_flag=True, help="Log warnings and errors only.")
@click.pass_context
def cli(ctx: click.Context, data_root: str, verbose: int, quiet: bool) -> None:
    """mcg turns a month of Discogs dumps into a Parquet catalog, credit graphs and a game site.

    \b
    Example:
      mcg pipeline run --snapshot 20150101 --raw-dir path/to/dumps
      mcg path --snapshot 20150101 --ruleset all-credits "Autechre" "Aphex Twin"
    """
    configure_logging(verbose=verbose, quiet=quiet)
    ctx.obj = {"data_root": data_root}


def main() -> None:
    try:
        code = cli(prog_name="mcg", standalone_mode=False)
    except click.exceptions.Abort:
        # Ctrl-C exits with the shell's 128 + SIGINT, so scripts can tell it from an error.
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    # --help and --version return their exit code here instead of exiting.
    sys.exit(code if isinstance(code, int) else 0)
