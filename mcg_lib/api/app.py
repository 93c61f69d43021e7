"""Build the FastAPI application: endpoints, error handlers, middleware, OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from mcg_lib import __version__
from mcg_lib.api.middleware import (
    AccessLogMiddleware,
    CorsMiddleware,
    RateLimitMiddleware,
    request_fields,
)
from mcg_lib.api.ratelimit import RateLimiter
from mcg_lib.api.responses import ApiError, error_response
from mcg_lib.api.routes import build_router
from mcg_lib.api.searches import SearchPool
from mcg_lib.api.settings import ApiSettings
from mcg_lib.api.snapshot import SnapshotHolder
from mcg_lib.log import configure_logging, get_logger

TITLE = "mcg fallback API"
DESCRIPTION = (
    "Read-only answers for the Music-Credit Graph game: shortest chains of shared "
    "credits between two artists, artist search and neighbours. Every error is "
    '{"error": {"code", "message"}}.'
)


def create_app(settings: ApiSettings) -> FastAPI:
    """Return the application; the snapshot loads in the background once it starts."""
    holder = SnapshotHolder(settings)
    searches = SearchPool(settings.search_threads, settings.max_queued)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # uvicorn accepts connections for this worker only after start-up,
        # so the first load finishes before any request reaches the worker.
        await anyio.to_thread.run_sync(holder.start)
        yield
        holder.stop()
        searches.shutdown()

    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        lifespan=lifespan,
        # The interactive pages load scripts from a CDN; the JSON document is enough.
        docs_url=None,
        redoc_url=None,
        # A trailing slash gets a JSON 404, not a redirect built from the Host header.
        redirect_slashes=False,
        # FastAPI's OpenTelemetry hooks stay off, even when OTEL_* or
        # FASTAPI_OTEL_AUTO_CONFIGURE is set: the service sends nothing elsewhere.
        telemetry={
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        },
    )
    app.state.holder = holder
    app.state.searches = searches
    app.include_router(build_router(settings, holder, searches))

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)

    # Added innermost first: the log sees every response, 429s get CORS headers.
    app.add_middleware(
        RateLimitMiddleware, limiter=RateLimiter(settings.rate_limit, settings.rate_burst)
    )
    app.add_middleware(CorsMiddleware, origin=settings.origin)
    app.add_middleware(AccessLogMiddleware)

    app.openapi = lambda: _openapi(app)
    return app


def app_from_environment() -> FastAPI:
    """Build the app from $MCG_API_SETTINGS; uvicorn workers import this factory by name."""
    settings = ApiSettings.from_environment()
    configure_logging()
    get_logger().setLevel(settings.log_level)
    return create_app(settings)


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    request_fields(request.scope)["error"] = error.code
    return error_response(error)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [describe_validation_error(item) for item in error.errors()]
    message = "; ".join(problems[:3]) + "; the parameters are described in /openapi.json"
    return await _api_error(request, ApiError(400, "invalid_parameter", message))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        api_error = ApiError(
            404, "not_found", "no such endpoint; the endpoints are listed in /openapi.json"
        )
    elif error.status_code == 405:
        api_error = ApiError(
            405,
            "method_not_allowed",
            f"{request.method[:16]} is not allowed; this API answers GET only",
            headers={"Allow": "GET"},
        )
    else:
        api_error = ApiError(error.status_code, "http_error", str(error.detail)[:200])
    return await _api_error(request, api_error)


def describe_validation_error(item: dict[str, Any]) -> str:
    """Turn one pydantic error into "invalid limit 500: must be at most 50"-style text."""
    location = item.get("loc", ())
    name = str(location[-1]) if location else "request"
    if name == "from_":
        name = "from"
    kind = item.get("type", "")
    if kind == "missing":
        return f"missing parameter {name!r}"
    if kind == "extra_forbidden":
        return f"unknown parameter {name[:40]!r}"

    context = item.get("ctx") or {}
    reasons = {
        "greater_than_equal": f"must be at least {context.get('ge')}",
        "less_than_equal": f"must be at most {context.get('le')}",
        "string_too_short": "must not be empty",
        "string_too_long": f"must be at most {context.get('max_length')} characters",
        "string_pattern_mismatch": "must contain a visible character and no control characters",
        "literal_error": f"must be one of {context.get('expected')}",
        "int_parsing": "must be a whole number written with the digits 0-9",
        "int_type": "must be a whole number written with the digits 0-9",
    }
    reason = reasons.get(kind) or str(item.get("msg", "is invalid")).removeprefix("Value error, ")
    value = repr(item.get("input"))
    if len(value) > 40:
        value = value[:37] + "..."
    return f"invalid {name} {value}: {reason}"


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI document, with FastAPI's 422 replaced by the 400 this API returns."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = document
    return document
