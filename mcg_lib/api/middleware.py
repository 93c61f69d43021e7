"""ASGI middleware: the request log, CORS for the site's origin, and per-client rate limits.

They are plain ASGI classes rather than Starlette's BaseHTTPMiddleware,
which costs a task and a memory stream per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import Response

from mcg_lib.api.ratelimit import RateLimiter, client_key, retry_after
from mcg_lib.api.responses import ApiError, error_response
from mcg_lib.log import get_logger

log = get_logger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# Fields that endpoints add to the request's log line: request_fields(scope)["from"] = 12.
LOG_FIELDS = "mcg.log"

# Probes call these every few seconds; they are neither limited nor logged at INFO.
HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


def request_fields(scope: Scope) -> dict[str, Any]:
    """Return the dict of ids and outcomes logged with this request."""
    return scope.setdefault(LOG_FIELDS, {})


class AccessLogMiddleware:
    """Log one line per request (status, latency, client, ids) and turn crashes into JSON 500s."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        fields = request_fields(scope)
        fields["client"] = client_key(scope)
        status = 0

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except Exception:
            log.exception(
                "request failed: %s %s?%s %s",
                scope["method"],
                _printable(scope["path"]),
                _printable(scope.get("query_string", b"").decode("latin-1")),
                _format_fields(fields),
            )
            if status == 0:
                error = ApiError(
                    500, "internal_error", "the server failed to answer; try again later"
                )
                await error_response(error)(scope, receive, send)
            status = 500

        milliseconds = (time.perf_counter() - started) * 1000
        level = logging.DEBUG if scope["path"] in HEALTH_PATHS and status < 500 else logging.INFO
        log.log(
            level,
            "%s %s %d %.1f ms %s",
            scope["method"],
            _printable(scope["path"]),
            status,
            milliseconds,
            _format_fields(fields),
        )


def _printable(text: str, limit: int = 200) -> str:
    """Escape control characters and cut long text, so a client cannot forge or flood log lines."""
    if text.isprintable() and len(text) <= limit:
        return text
    escaped = text.encode("unicode_escape").decode("ascii")
    return escaped[:limit] + ("..." if len(escaped) > limit else "")


def _format_fields(fields: dict[str, Any]) -> str:
    return " ".join(f"{name}={value}" for name, value in fields.items() if value is not None)


class CorsMiddleware:
    """Allow the configured site origin to GET, and respond to its preflight requests.

    Every response carries Access-Control-Allow-Origin with the one allowed
    origin, whatever the request's Origin. Cloudflare's cache honours
    ``Vary`` only where a Cache Rule enables it
    (https://developers.cloudflare.com/cache/concepts/vary/), so a header
    that depended on the request could be cached for one caller and served
    to another. Browsers on any other origin see a mismatch and block the
    response.
    """

    ALLOWED_HEADERS = frozenset({"if-none-match", "accept", "accept-language", "content-language"})
    PREFLIGHT_MAX_AGE = "86400"

    def __init__(self, app: App, origin: str | None) -> None:
        self.app = app
        self.origin = origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers)(scope, receive, send)
            return
        if self.origin is None:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"access-control-allow-origin", self.origin.encode("latin-1")),
                    (b"access-control-expose-headers", b"ETag, Retry-After"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _preflight(self, headers: dict[str, str]) -> Response:
        origin = headers.get("origin")
        method = headers.get("access-control-request-method", "")
        requested = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
            if name.strip()
        }
        if self.origin is None or origin != self.origin:
            allowed = self.origin or "no other origin"
            return error_response(
                ApiError(
                    403, "cors_rejected", f"cross-origin requests are allowed from {allowed} only"
                )
            )
        if method != "GET" or not requested <= self.ALLOWED_HEADERS:
            return error_response(
                ApiError(
                    403,
                    "cors_rejected",
                    "cross-origin requests may only GET, with no headers other than If-None-Match",
                )
            )

        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": self.origin,
                "Access-Control-Allow-Methods": "GET",
                "Access-Control-Allow-Headers": "If-None-Match",
                "Access-Control-Max-Age": self.PREFLIGHT_MAX_AGE,
                "Cache-Control": "no-store",
            },
        )


class RateLimitMiddleware:
    """Reject with 429 and Retry-After once a client has used up its bucket; health is exempt."""

    def __init__(self, app: App, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS or not self.limiter.enabled:
            await self.app(scope, receive, send)
            return

        key = request_fields(scope).get("client") or client_key(scope)
        wait = self.limiter.acquire(key)
        if wait > 0:
            request_fields(scope)["error"] = "rate_limited"
            seconds = retry_after(wait)
            error = ApiError(
                429,
                "rate_limited",
                f"too many requests from your address; retry in {seconds} s",
                headers={"Retry-After": seconds},
            )
            await error_response(error)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }
