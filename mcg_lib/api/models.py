"""Response bodies as pydantic models, for the OpenAPI document.

The endpoints encode their responses themselves, because they cache them
as bytes. These models describe the bodies rather than build them, and the
property-based tests check every response against them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ArtistSummary(BaseModel):
    """An artist wherever one is listed."""

    id: int
    name: str = Field(description='Discogs name, which may end in " (N)" to tell namesakes apart')
    name_display: str = Field(description='the name without the " (N)" suffix')
    hint: str = Field(
        description='best-known release and year, such as "Anti EP (1994)"; "" if none'
    )
    popularity: float


class Artist(ArtistSummary):
    release_count: int = Field(description="releases the artist is credited on in this ruleset")


class SearchAnswer(BaseModel):
    query: str
    results: list[ArtistSummary]


class CreditedArtist(BaseModel):
    id: int
    name: str
    name_display: str
    roles: list[str]


class NeighbourRelease(BaseModel):
    id: int = Field(description="release id, or the group's artist id for a membership")
    kind: Literal["membership"] | None = Field(
        default=None, description='only for a group membership: "membership"'
    )
    title: str | None
    year: int | None
    formats: str | None
    roles: list[str] = Field(description="roles of the requested artist on this release")
    artist_count: int = Field(description="artists linked to the release, this one included")
    artists: list[CreditedArtist] = Field(
        description="other artists on the release, most popular first, at most 20"
    )


class Neighbours(BaseModel):
    artist: ArtistSummary
    ruleset: str
    total: int = Field(description="releases the artist is on")
    offset: int
    limit: int
    releases: list[NeighbourRelease]


class ArtistStep(BaseModel):
    type: Literal["artist"]
    id: int
    name: str
    name_display: str


class ReleaseStep(BaseModel):
    type: Literal["release", "membership"]
    id: int
    title: str | None
    year: int | None
    formats: str | None
    master_id: int | None
    kind: str
    from_roles: list[str] = Field(description="roles of the artist before this step")
    to_roles: list[str] = Field(description="roles of the artist after this step")


class PathAnswer(BaseModel):
    """A chain as ``mcg path --json`` prints it, plus status, snapshot and ruleset."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["found", "unreachable", "budget"]
    snapshot: str
    ruleset: str
    from_: int = Field(alias="from")
    to: int
    hops: int | None
    path: list[ArtistStep | ReleaseStep]
    message: str | None = Field(
        default=None, description="why no chain is given, when status is not found"
    )


class ErrorDetail(BaseModel):
    code: str
    message: str = Field(description="what failed and what to do next")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    snapshot: str
    rulesets: list[str]
    loaded_at: float = Field(description="Unix time the snapshot was loaded and verified")
