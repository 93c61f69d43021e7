"""JSON responses, API errors and the HTTP caching headers (ETag, Cache-Control, 304)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"
NO_STORE = "no-store"

# Sent with every response: browsers must not guess another content type.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


class ApiError(Exception):
    """An error sent as {"error": {"code", "message"}} with an HTTP status.

    The message is shown to people, so it says what to do next and never
    contains a server path or a stack trace.
    """

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def encode(body: Any) -> bytes:
    """Return compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(
    content: bytes,
    *,
    status: int = 200,
    etag: str | None = None,
    cache_control: str = NO_STORE,
    headers: dict[str, str] | None = None,
) -> Response:
    """Return already encoded JSON with the caching headers."""
    all_headers = {**SECURITY_HEADERS, "Cache-Control": cache_control, **(headers or {})}
    if etag is not None:
        all_headers["ETag"] = etag
    return Response(content, status_code=status, media_type=JSON_TYPE, headers=all_headers)


def error_response(error: ApiError) -> Response:
    body = encode({"error": {"code": error.code, "message": error.message}})
    return json_response(body, status=error.status, headers=error.headers)


def not_modified(etag: str, cache_control: str) -> Response:
    """Return a 304 with the headers a cache needs to keep its copy fresh."""
    headers = {**SECURITY_HEADERS, "ETag": etag, "Cache-Control": cache_control}
    return Response(status_code=304, headers=headers)


def public_cache_control(max_age: int, shared_max_age: int) -> str:
    """Return the Cache-Control value of a successful response."""
    return f"public, max-age={max_age}, s-maxage={shared_max_age}"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Return whether an If-None-Match header names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in if_none_match.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag
