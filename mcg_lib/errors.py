"""The exception tree of mcg.

Every error a user can see carries what failed, on which input, and what to do
next. The CLI prints ``str(error)`` followed by the hint and exits with the
error's ``exit_code``; Ctrl-C exits with 130.
"""

from __future__ import annotations

from pathlib import Path


class McgError(Exception):
    """Base class of every error mcg raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nHint: {self.hint}"
        return self.message


class ConfigError(McgError):
    """A ruleset, stage list or option is invalid."""

    exit_code = 2


class NotFoundError(McgError):
    """A snapshot, table, graph, artist or file that was requested does not exist."""

    exit_code = 3


class InputError(McgError):
    """An input file is malformed: truncated, corrupt or not a Discogs dump."""

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        record_id: int | str | None = None,
        hint: str | None = None,
    ) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if record_id is not None:
            where.append(f"record {record_id}")
        if where:
            message = f"{', '.join(where)}: {message}"
        super().__init__(message, hint=hint)
        self.path = path
        self.record_id = record_id


class ChecksumError(InputError):
    """A downloaded or imported file does not match its published checksum."""


class QualityError(McgError):
    """The quality stage found hard failures in a catalog."""

    exit_code = 5


class PublishError(McgError):
    """An output could not be published, or would overwrite a published one."""

    exit_code = 6


class AmbiguousArtistError(McgError):
    """An artist name matches several artists."""

    exit_code = 7

    def __init__(self, message: str, *, candidates: list[dict], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.candidates = candidates
