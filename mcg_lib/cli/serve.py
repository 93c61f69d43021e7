"""``mcg serve``: serve a built site on this machine."""

from __future__ import annotations

import click

from mcg_lib.cli.options import data_root
from mcg_lib.errors import NotFoundError
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot

log = get_logger(__name__)


def newest_site(root: DataRoot) -> str:
    """Return the snapshot whose site was built last, or raise NotFoundError."""
    built = [
        (index.stat().st_mtime, snapshot)
        for snapshot in root.snapshots("exports")
        if (index := root.exports(snapshot) / "site" / "index.html").is_file()
    ]
    if not built:
        raise NotFoundError(
            f"no built site under {root.root / 'exports'}",
            hint="run 'make demo', or 'mcg site --snapshot S' after the other stages",
        )
    return max(built)[1]


@click.command()
@click.option(
    "--snapshot", default=None, help="Snapshot whose site to serve [default: the site built last]."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one.",
)
@click.option(
    "--base-path",
    default="/",
    show_default=True,
    help="Path prefix to serve the site under, such as /mcg/.",
)
@click.pass_context
def command(ctx: click.Context, snapshot: str | None, host: str, port: int, base_path: str) -> None:
    """Serve exports/<snapshot>/site/ over HTTP with the headers of its _headers file.

    The server runs until interrupted (Ctrl+C).

    \b
    Example:
      mcg serve
      mcg serve --snapshot demo --port 8081 --base-path /mcg/
    """
    from mcg_lib.hosts import is_loopback
    from mcg_lib.site.server import make_server, server_url
    from mcg_lib.site.stage import site_dir

    root = data_root(ctx)
    snapshot = snapshot or newest_site(root)
    site = site_dir(root, snapshot)
    if not (site / "index.html").is_file():
        raise NotFoundError(
            f"no built site for snapshot {snapshot} in {site}",
            hint=f"run 'mcg site --snapshot {snapshot}' first",
        )
    if not is_loopback(host):
        log.warning("serving on %s, which other machines may reach", host)

    try:
        server = make_server(site, host, port, base_path)
    except OSError as error:
        raise NotFoundError(
            f"cannot listen on {host}:{port}: {error.strerror}",
            hint="choose another --port, or stop the program that uses this one",
        ) from error
    click.echo(f"serving snapshot {snapshot} from {site}")
    click.echo(f"open {server_url(server)} in a browser (Ctrl+C stops the server)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
