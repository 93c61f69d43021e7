"""The fallback API: a small, read-only HTTP service over one graph snapshot.

The static site serves popular pairs from files, and this service serves
the rest, behind a Cloudflare Tunnel. ``mcg api`` starts it with uvicorn;
``docs/api.md`` describes the endpoints, errors, caching and the snapshot switch.

Public API::

    from mcg_lib.api import ApiSettings, create_app, switch_current
"""

from __future__ import annotations

from mcg_lib.api.app import create_app
from mcg_lib.api.settings import ApiSettings
from mcg_lib.api.snapshot import switch_current

__all__ = ["ApiSettings", "create_app", "switch_current"]
