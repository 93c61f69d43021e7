"""Read a Cloudflare Pages ``_headers`` file and find the headers of a request path.

Format: a line without leading whitespace is a URL pattern, the indented
lines below it are ``Name: value`` headers, and ``! Name`` removes a header
that an earlier rule set. In a pattern, ``*`` matches any characters
(slashes included) and ``:name`` matches one path segment. Every rule that
matches applies, in file order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mcg_lib.errors import InputError


@dataclass
class HeaderRule:
    """One pattern and the headers it sets or removes."""

    pattern: str
    regex: re.Pattern
    headers: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def pattern_regex(pattern: str) -> re.Pattern:
    """Compile a ``_headers`` URL pattern into a regular expression over the request path."""
    parts = []
    for token in re.split(r"(\*|:[A-Za-z_]\w*)", pattern):
        if token == "*":
            parts.append(".*")
        elif token.startswith(":") and len(token) > 1:
            parts.append("[^/]+")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts) + r"\Z")


def parse_headers(text: str, *, source: str = "_headers") -> list[HeaderRule]:
    """Parse the text of a ``_headers`` file; raise InputError naming a malformed line."""
    rules: list[HeaderRule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            rules.append(HeaderRule(stripped, pattern_regex(stripped)))
            continue
        if not rules:
            raise InputError(f"line {number}: a header comes before any URL pattern", path=source)
        if stripped.startswith("!"):
            rules[-1].removed.append(stripped[1:].strip().lower())
            continue
        name, colon, value = stripped.partition(":")
        if not colon or not name.strip():
            raise InputError(
                f"line {number}: expected 'Name: value', found {stripped!r}", path=source
            )
        rules[-1].headers.append((name.strip(), value.strip()))
    return rules


def read_headers(path: Path) -> list[HeaderRule]:
    """Read a ``_headers`` file; an absent file means no rules."""
    if not path.is_file():
        return []
    return parse_headers(path.read_text(encoding="utf-8"), source=str(path))


def headers_for(rules: list[HeaderRule], path: str) -> list[tuple[str, str]]:
    """Return the headers of a request path, later rules adding to or removing earlier ones."""
    found: dict[str, tuple[str, str]] = {}
    for rule in rules:
        if not rule.regex.match(path):
            continue
        for name in rule.removed:
            found.pop(name, None)
        for name, value in rule.headers:
            key = name.lower()
            if key in found:
                # Cloudflare joins repeated headers with a comma.
                value = f"{found[key][1]}, {value}"
            found[key] = (name, value)
    return list(found.values())
