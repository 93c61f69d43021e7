"""Start uvicorn with the API, one or several worker processes."""

from __future__ import annotations

import os
import socket

from mcg_lib.api.settings import FOLLOW_CURRENT, SETTINGS_ENV, ApiSettings
from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.graph.layout import MANIFEST_FILE
from mcg_lib.hosts import is_loopback
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot, check_ruleset_name

log = get_logger(__name__)

APP_FACTORY = "mcg_lib.api.app:app_from_environment"
DEFAULT_RULESET = "all-credits"

# Connections and requests one worker handles at once. Beyond it uvicorn
# returns a plain-text 503 before the app sees the request.
MAX_CONCURRENCY = 1000


def choose_rulesets(root: DataRoot, snapshot: str, names: str) -> tuple[str, ...]:
    """Return the rulesets to serve: the given comma-separated names, else every built one.

    The first is the default of the ruleset parameter; when the names are
    not given that is all-credits if it was built. Raises NotFoundError when
    a ruleset has no graph for the snapshot.
    """
    chosen = [check_ruleset_name(name.strip()) for name in names.split(",") if name.strip()]
    if not chosen:
        folder = root.root / "graph" / snapshot
        built = (
            sorted(path.name for path in folder.glob("*") if (path / MANIFEST_FILE).is_file())
            if folder.is_dir()
            else []
        )
        if not built and snapshot == FOLLOW_CURRENT:
            raise NotFoundError(
                f"no graph/current link to a built snapshot under {root.root}",
                hint="point it at one with 'mcg api --snapshot S --set-current'",
            )
        if not built:
            raise NotFoundError(
                f"no graph of snapshot {snapshot} under {root.root}",
                hint=f"run 'mcg graph --snapshot {snapshot} --ruleset {DEFAULT_RULESET}' first",
            )
        chosen = sorted(built, key=lambda name: (name != DEFAULT_RULESET, name))
    if len(set(chosen)) != len(chosen):
        raise ConfigError(f"--rulesets names a ruleset twice: {','.join(chosen)}")
    for ruleset in chosen:
        root.require_graph(snapshot, ruleset)
    return tuple(chosen)


def check_port_free(host: str, port: int) -> None:
    """Raise ConfigError if the address is taken, before minutes of loading and verifying graphs."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # uvicorn sets SO_REUSEADDR too, so a port with connections in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {error.strerror or error}",
                hint="stop the server that uses this port, or pass another --port or --host",
            ) from error


def serve(settings: ApiSettings, *, host: str, port: int, workers: int) -> None:
    """Run the API until interrupted.

    Workers import the app factory by name and read the settings from the environment.
    """
    import uvicorn

    if not is_loopback(host):
        log.warning(
            "listening on %s: the API trusts the CF-Connecting-IP header for rate limits, "
            "so only the Cloudflare Tunnel may reach this address",
            host,
        )
    check_port_free(host, port)
    os.environ[SETTINGS_ENV] = settings.to_environment()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        limit_concurrency=MAX_CONCURRENCY,
        timeout_graceful_shutdown=10,
        log_level="warning" if settings.log_level > 20 else "info",
    )
