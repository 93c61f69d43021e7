"""Parsers for the free-text fields of the dumps: ids, dates, durations, roles."""

from __future__ import annotations

import calendar
import re

_RELEASED_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")
_DURATION_RE = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2})\s*$")
_ROLE_CACHE_MAX = 200_000

_role_cache: dict[str, list[dict[str, str | None]] | None] = {}
_duration_cache: dict[str, int | None] = {}


INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def to_int(text: str | None, limit: int = INT32_MAX) -> int | None:
    """Return the integer in ``text``, or None when it is absent, not a number or beyond ``limit``.

    Numbers that do not fit the column (a 32-bit count, a 64-bit id) become
    None like other junk, rather than failing the whole batch.
    """
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if -limit - 1 <= value <= limit else None


def to_id(text: str | None) -> int | None:
    """Return a Discogs id, mapping 0 (an unlinked credit) and absence to None."""
    value = to_int(text, INT64_MAX)
    if value is None or value <= 0:
        return None
    return value


def parse_released(raw: str | None) -> tuple[int | None, int | None, int | None, bool | None]:
    """Split a ``released`` value into (year, month, day, valid).

    Discogs writes unknown parts as 00 (``1999-03-00``) and some values are
    only a year or free text. Unknown parts become None. ``valid`` is None when
    there is no value, False when the text is not a date or names a day that
    does not exist (``2003-02-29``; that day is dropped, year and month kept).
    """
    if raw is None or not raw.strip():
        return None, None, None, None
    match = _RELEASED_RE.match(raw)
    if not match:
        return None, None, None, False

    year = int(match.group(1)) or None
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    month = month or None
    day = day or None

    if month is not None and not 1 <= month <= 12:
        return year, None, None, False
    if day is not None:
        if month is None or year is None:
            return year, month, None, False
        if day > calendar.monthrange(year, month)[1]:
            return year, month, None, False
    return year, month, day, True


def parse_duration(raw: str | None) -> int | None:
    """Return a track duration (``M:SS``, ``MM:SS``, ``H:MM:SS``) in seconds, or None."""
    if not raw:
        return None
    seconds = _duration_cache.get(raw, -1)
    if seconds != -1:
        return seconds
    seconds = _parse_duration(raw)
    if len(_duration_cache) >= _ROLE_CACHE_MAX:
        _duration_cache.clear()
    _duration_cache[raw] = seconds
    return seconds


def _parse_duration(raw: str) -> int | None:
    match = _DURATION_RE.match(raw)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    total = int(minutes) * 60 + int(seconds)
    if hours:
        total += int(hours) * 3600
    return total if total <= INT32_MAX else None


def parse_roles(raw: str | None) -> list[dict[str, str | None]] | None:
    """Split a credit's role text into [{"role", "details"}] entries.

    Roles are separated by commas, and each may carry one bracketed qualifier
    that can itself hold commas and parentheses (``Percussion [Frame Drum,
    Shaker], Producer``), so only commas outside brackets split.
    """
    if not raw:
        return None
    cached = _role_cache.get(raw)
    if cached is not None or raw in _role_cache:
        return cached

    roles = _split_roles(raw)
    if len(_role_cache) >= _ROLE_CACHE_MAX:
        _role_cache.clear()
    _role_cache[raw] = roles
    return roles


def _split_roles(raw: str) -> list[dict[str, str | None]] | None:
    if "[" not in raw:
        parts = [p.strip() for p in raw.split(",")]
        return [{"role": p, "details": None} for p in parts if p] or None

    roles = []
    depth = 0
    start = 0
    for i, char in enumerate(raw):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            roles.append(_one_role(raw[start:i]))
            start = i + 1
    roles.append(_one_role(raw[start:]))
    return [r for r in roles if r["role"] or r["details"]] or None


def _one_role(text: str) -> dict[str, str | None]:
    text = text.strip()
    open_at = text.find("[")
    if open_at < 0:
        return {"role": text, "details": None}
    close_at = text.rfind("]")
    if close_at < open_at:
        close_at = len(text)
    details = text[open_at + 1 : close_at].strip() or None
    return {"role": text[:open_at].strip(), "details": details}
