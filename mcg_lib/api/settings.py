"""Settings of the fallback API, passed from ``mcg api`` to every uvicorn worker.

Workers are separate processes that import the app by name, so the settings
travel as JSON in one environment variable.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from mcg_lib.errors import ConfigError
from mcg_lib.graph.search import DEFAULT_MAX_EXPANDED, DEFAULT_MAX_HOPS

SETTINGS_ENV = "MCG_API_SETTINGS"

# Snapshot name that makes the server follow the graph/current symlink.
FOLLOW_CURRENT = "current"


@dataclass(frozen=True)
class ApiSettings:
    """Everything a worker needs to serve one snapshot; the CLI checks the values."""

    data_root: str
    snapshot: str
    rulesets: tuple[str, ...]
    origin: str | None = None
    max_hops: int = DEFAULT_MAX_HOPS
    max_expanded: int = DEFAULT_MAX_EXPANDED
    # Seconds one path search may take, counted from the request's arrival.
    query_timeout: float = 1.0
    # Requests per second and burst size per client; a rate of 0 turns limiting off.
    rate_limit: float = 10.0
    rate_burst: int = 40
    # Seconds browsers (max-age) and Cloudflare (s-maxage) may reuse a response.
    max_age: int = 300
    shared_max_age: int = 86_400
    # Threads that run path searches in each worker, and searches allowed to wait for one.
    search_threads: int = 2
    max_queued: int = 64
    # Seconds between two checks of the snapshot on disk.
    reload_interval: float = 2.0
    cache_entries: int = 20_000
    # Level of the mcg logger in the workers (a logging level number).
    log_level: int = 20

    @property
    def default_ruleset(self) -> str:
        return self.rulesets[0]

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> ApiSettings:
        text = os.environ.get(SETTINGS_ENV)
        if not text:
            raise ConfigError(
                f"${SETTINGS_ENV} is not set",
                hint="start the API with 'mcg api --snapshot S', which sets it for every worker",
            )
        values = json.loads(text)
        values["rulesets"] = tuple(values["rulesets"])
        return cls(**values)


def check_origin(origin: str | None) -> str | None:
    """Return a site origin as browsers send it (scheme://host[:port]), or raise ConfigError."""
    if not origin:
        return None
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"invalid origin {origin!r}",
            hint="give the site's origin as scheme://host[:port], for example https://mcg.example.org",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError(
            f"invalid origin {origin!r}: an origin has no path, query or user name",
            hint="drop everything after the host and port, for example https://mcg.example.org",
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"
