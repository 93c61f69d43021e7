"""The endpoints: chains, artist search, artists and their neighbours, health.

Query parameters are pydantic models that forbid unknown names, and the
ruleset parameter only accepts the rulesets this server loaded, so the
OpenAPI document lists them. This module must not use postponed
annotations: FastAPI reads the annotations of the endpoints defined inside
``build_router`` at run time.
"""

import re
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.responses import Response

from mcg_lib.api.catalog import ServedGraph
from mcg_lib.api.middleware import request_fields
from mcg_lib.api.models import (
    Artist,
    ErrorBody,
    Health,
    Neighbours,
    PathAnswer,
    Ready,
    SearchAnswer,
)
from mcg_lib.api.responses import (
    NO_STORE,
    ApiError,
    encode,
    etag_matches,
    json_response,
    not_modified,
    public_cache_control,
)
from mcg_lib.api.searches import SearchPool
from mcg_lib.api.settings import ApiSettings
from mcg_lib.api.snapshot import SnapshotHolder, SnapshotState
from mcg_lib.graph import PathResult, find_path

# The highest artist id in the 2025-01 dump excerpts is about 16 million;
# 2**31 - 1 leaves room and keeps ids within a signed 32-bit integer.
# NOTE: rulesets with drop_unlinked = false give unlinked credits negative
# ids, which the API cannot be asked for; no shipped ruleset does so.
ARTIST_ID_MAX = 2**31 - 1
SEARCH_LIMIT_MAX = 50
NEIGHBOURS_LIMIT_MAX = 100
OFFSET_MAX = 1_000_000
QUERY_LENGTH_MAX = 100

_DIGITS = re.compile(r"[0-9]{1,19}")
# At least one character that is not white space, and no control characters,
# so that the OpenAPI document rejects blank text as the endpoint does.
_SEARCH_TEXT = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"


def _plain_integer(value: Any) -> Any:
    """Accept only digits 0-9 for an integer: pydantic alone would take "+1", "1.0" or "1_000"."""
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise ValueError("must be a whole number written with the digits 0-9")
        return int(value)
    return value


# The bounds come before the validator; in the other order pydantic 2.14
# writes them into the JSON schema as "ge"/"le" instead of minimum/maximum.
ArtistId = Annotated[
    int,
    Field(ge=1, le=ARTIST_ID_MAX, description="Discogs artist id", examples=[3]),
    BeforeValidator(_plain_integer),
]


class StrictQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "invalid, unknown or repeated parameter"},
    429: {"model": ErrorBody, "description": "rate limit reached; see Retry-After"},
    503: {"model": ErrorBody, "description": "snapshot not loaded yet, or server busy"},
}
CACHED_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "not modified: the If-None-Match tag is the current ETag"},
    **ERROR_RESPONSES,
}
ARTIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **CACHED_RESPONSES,
    404: {"model": ErrorBody, "description": "no artist with this id in the ruleset's graph"},
}


def only_parameters(*names: str):
    """Return a dependency that rejects unknown and repeated query parameters."""
    allowed = ", ".join(names) if names else "no parameters"

    # A coroutine, so FastAPI runs it on the event loop instead of a thread.
    async def check(request: Request) -> None:
        seen: dict[str, int] = {}
        for name, _ in request.query_params.multi_items():
            seen[name] = seen.get(name, 0) + 1
        for name, count in seen.items():
            if name not in names:
                raise ApiError(
                    400,
                    "unknown_parameter",
                    f"unknown parameter {name[:40]!r}; this endpoint takes {allowed}",
                )
            if count > 1:
                raise ApiError(
                    400,
                    "repeated_parameter",
                    f"parameter {name!r} is given {count} times; give it once",
                )

    return check


def build_router(settings: ApiSettings, holder: SnapshotHolder, searches: SearchPool) -> APIRouter:
    """Return the router of every endpoint; the ruleset parameter accepts the loaded ones."""
    Ruleset = Literal[settings.rulesets]  # noqa: N806 - a type built at run time
    ruleset_field = Field(
        default=settings.default_ruleset,
        description="which credits link artists; the rulesets this server loaded",
    )
    cache_control = public_cache_control(settings.max_age, settings.shared_max_age)
    router = APIRouter()

    class PathQuery(StrictQuery):
        from_: ArtistId = Field(alias="from")
        to: ArtistId
        ruleset: Ruleset = ruleset_field

    class SearchQuery(StrictQuery):
        q: str = Field(
            min_length=1,
            max_length=QUERY_LENGTH_MAX,
            pattern=_SEARCH_TEXT,
            description="start of an artist's name, any case",
            examples=["autechre"],
        )
        limit: int = Field(default=10, ge=1, le=SEARCH_LIMIT_MAX)
        ruleset: Ruleset = ruleset_field

    class ArtistQuery(StrictQuery):
        ruleset: Ruleset = ruleset_field

    class NeighboursQuery(StrictQuery):
        limit: int = Field(default=20, ge=1, le=NEIGHBOURS_LIMIT_MAX)
        offset: int = Field(default=0, ge=0, le=OFFSET_MAX)
        ruleset: Ruleset = ruleset_field

    ArtistIdPath = Annotated[  # noqa: N806 - a type alias
        int,
        Path(ge=1, le=ARTIST_ID_MAX, description="Discogs artist id", examples=[3]),
        BeforeValidator(_plain_integer),
    ]

    def ready_state() -> SnapshotState:
        state = holder.current
        if state is None:
            raise ApiError(
                503,
                "not_ready",
                "the server is still loading its data; retry in a few seconds",
                headers={"Retry-After": "5"},
            )
        return state

    def artist_node(served: ServedGraph, artist_id: int) -> int:
        node = served.artist_node(artist_id)
        if node is None:
            raise ApiError(
                404,
                "artist_not_found",
                f"artist {artist_id} is not in the {served.ruleset} graph of snapshot "
                f"{served.snapshot}; find artists with /v1/artists/search, or try another ruleset",
            )
        return node

    def cached_answer(request: Request, state: SnapshotState, served: ServedGraph, key, compute):
        """Return 304, a cached body, or a body computed now and cached."""
        if etag_matches(request.headers.get("if-none-match"), served.etag):
            request_fields(request.scope)["cache"] = "etag"
            return not_modified(served.etag, cache_control)
        body = state.cache.get(key)
        request_fields(request.scope)["cache"] = "hit" if body is not None else "miss"
        if body is None:
            body = encode(compute())
            state.cache.put(key, body)
        return json_response(body, etag=served.etag, cache_control=cache_control)

    @router.get(
        "/v1/path",
        response_model=PathAnswer,
        responses=ARTIST_RESPONSES,
        dependencies=[Depends(only_parameters("from", "to", "ruleset"))],
        summary="Shortest chain of shared credits between two artists",
    )
    async def get_path(request: Request, query: Annotated[PathQuery, Query()]) -> Response:
        deadline = time.monotonic() + settings.query_timeout
        fields = request_fields(request.scope)
        fields.update({"ruleset": query.ruleset, "from": query.from_, "to": query.to})

        state = ready_state()
        served = state.graph(query.ruleset)
        artist_node(served, query.from_)
        artist_node(served, query.to)
        if etag_matches(request.headers.get("if-none-match"), served.etag):
            fields["cache"] = "etag"
            return not_modified(served.etag, cache_control)

        key = ("path", query.ruleset, query.from_, query.to)
        body = state.cache.get(key)
        fields["cache"] = "hit" if body is not None else "miss"
        if body is not None:
            return json_response(body, etag=served.etag, cache_control=cache_control)

        result, body = await searches.run(
            search_path, served, query.from_, query.to, settings, deadline
        )
        fields.update({"result": result.status, "hops": result.hops, "expanded": result.expanded})
        if result.reason == "deadline passed":
            # How far a search gets in its time depends on the load, so the
            # response is neither cached here nor by Cloudflare.
            return json_response(body, cache_control=NO_STORE)
        state.cache.put(key, body)
        return json_response(body, etag=served.etag, cache_control=cache_control)

    @router.get(
        "/v1/artists/search",
        response_model=SearchAnswer,
        responses=CACHED_RESPONSES,
        dependencies=[Depends(only_parameters("q", "limit", "ruleset"))],
        summary="Artists whose name starts with the given text, for autocomplete",
    )
    # Search and neighbours are plain functions, which FastAPI runs on its thread
    # pool: their cost grows with the data (a one-letter prefix spans many names,
    # a prolific artist has thousands of releases), so they must not block the loop.
    def search_artists(request: Request, query: Annotated[SearchQuery, Query()]) -> Response:
        text = query.q.strip()
        fields = request_fields(request.scope)
        fields.update({"ruleset": query.ruleset, "q": repr(text[:40]), "limit": query.limit})
        if not text:
            raise ApiError(
                400,
                "invalid_parameter",
                "parameter 'q' is blank; give the start of an artist's name",
            )

        state = ready_state()
        served = state.graph(query.ruleset)
        key = ("search", query.ruleset, text, query.limit)
        return cached_answer(
            request,
            state,
            served,
            key,
            lambda: {"query": text, "results": served.search(text, query.limit)},
        )

    @router.get(
        "/v1/artists/{artist_id}",
        response_model=Artist,
        responses=ARTIST_RESPONSES,
        dependencies=[Depends(only_parameters("ruleset"))],
        summary="One artist: summary and number of releases",
    )
    async def get_artist(
        request: Request, artist_id: ArtistIdPath, query: Annotated[ArtistQuery, Query()]
    ) -> Response:
        request_fields(request.scope).update({"ruleset": query.ruleset, "id": artist_id})
        state = ready_state()
        served = state.graph(query.ruleset)
        node = artist_node(served, artist_id)
        key = ("artist", query.ruleset, artist_id)
        return cached_answer(request, state, served, key, lambda: served.artist(node))

    @router.get(
        "/v1/artists/{artist_id}/neighbours",
        response_model=Neighbours,
        responses=ARTIST_RESPONSES,
        dependencies=[Depends(only_parameters("limit", "offset", "ruleset"))],
        summary="One page of an artist's releases, each with its other artists",
    )
    def get_neighbours(
        request: Request, artist_id: ArtistIdPath, query: Annotated[NeighboursQuery, Query()]
    ) -> Response:
        fields = request_fields(request.scope)
        fields.update({"ruleset": query.ruleset, "id": artist_id, "offset": query.offset})
        state = ready_state()
        served = state.graph(query.ruleset)
        node = artist_node(served, artist_id)
        key = ("neighbours", query.ruleset, artist_id, query.offset, query.limit)
        return cached_answer(
            request,
            state,
            served,
            key,
            lambda: served.neighbours(node, query.offset, query.limit),
        )

    @router.get(
        "/healthz",
        response_model=Health,
        dependencies=[Depends(only_parameters())],
        summary="The process is alive",
    )
    async def healthz() -> Response:
        return json_response(encode({"status": "ok"}))

    @router.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": ErrorBody, "description": "snapshot not loaded or not verified"}},
        dependencies=[Depends(only_parameters())],
        summary="A snapshot is loaded and verified",
    )
    async def readyz() -> Response:
        state = holder.current
        if state is None:
            detail = (
                "the snapshot failed to load or verify; the server log says why"
                if holder.error
                else "the snapshot is still loading and being verified; retry in a few seconds"
            )
            raise ApiError(503, "not_ready", detail)
        body = {
            "status": "ready",
            "snapshot": state.snapshot,
            "rulesets": list(state.graphs),
            "loaded_at": state.loaded_at,
        }
        return json_response(encode(body))

    return router


def search_path(
    served: ServedGraph, from_id: int, to_id: int, settings: ApiSettings, deadline: float
) -> tuple[PathResult, bytes]:
    """Find and describe a chain; runs on a search thread, since both read the mapped graph."""
    result = find_path(
        served.graph,
        from_id,
        to_id,
        max_hops=settings.max_hops,
        max_expanded=settings.max_expanded,
        deadline=deadline,
    )
    return result, encode(path_answer(result, served, settings))


def path_answer(result: PathResult, served: ServedGraph, settings: ApiSettings) -> dict[str, Any]:
    """Return the /v1/path body: the ``mcg path --json`` object plus status, snapshot, ruleset."""
    body: dict[str, Any] = {
        "status": result.status,
        "snapshot": served.snapshot,
        "ruleset": served.ruleset,
        **result.to_json(),
    }
    if result.status == "unreachable":
        body["message"] = (
            f"no chain: artists {result.from_id} and {result.to_id} are not connected "
            f"by any credits in the {served.ruleset} ruleset"
        )
    elif result.status == "budget":
        body["message"] = _budget_message(result, settings)
    return body


def _budget_message(result: PathResult, settings: ApiSettings) -> str:
    if result.reason == "deadline passed":
        return (
            f"no chain found: the search timed out after {settings.query_timeout:g} s; "
            "try again later"
        )
    if result.reason.startswith("more than"):
        return (
            f"no chain found within the search budget ({result.reason}); "
            "the artists may be many hops apart"
        )
    return result.reason
