"""Build settings of the site: the fallback API's URL and the Content Security Policy."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from mcg_lib.errors import ConfigError

API_URL_ENV = "MCG_API_URL"


def api_url_from_env() -> str:
    """Return the fallback API base URL from $MCG_API_URL, checked; "" means no API."""
    return check_api_url(os.environ.get(API_URL_ENV, ""))


def check_api_url(value: str) -> str:
    """Return an http(s) base URL without a trailing slash, or raise ConfigError."""
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"invalid {API_URL_ENV} {value!r}",
            hint="give the API's base URL, such as https://api.example.org, "
            "or leave it empty for no API",
        )
    return value.rstrip("/")


def api_origin(api_url: str) -> str:
    """Return scheme://host[:port] of the API URL, or "" when there is none."""
    if not api_url:
        return ""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(api_url: str) -> str:
    """Return the policy of the game's pages: nothing loads from other sites but the API."""
    connect = "'self'"
    origin = api_origin(api_url)
    if origin:
        connect += f" {origin}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )
