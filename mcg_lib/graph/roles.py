"""The role-family table: which family each Discogs credit role belongs to.

The table lives in ``pipelines/contracts/role_families.toml``; its header
explains the matching order. Rulesets name families, never single roles, so
that the thousands of spelling variants in the dumps need no ruleset edits.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mcg_lib.errors import ConfigError
from mcg_lib.pipeline.stages import project_dir

FAMILIES = (
    "performing",
    "vocals",
    "production",
    "writing",
    "technical",
    "visual",
    "management",
    "other",
)
FALLBACK_FAMILY = "other"

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[\w&']+")


def normalize_role(role: str) -> str:
    """Return the matching key of a role: lower case, hyphens as spaces, no qualifier."""
    text = role.split("[", 1)[0].lower().replace("-", " ")
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class RoleMatch:
    """The family of one role and how it was found: "role", "word" or "fallback"."""

    family: str
    matched_by: str


@dataclass(frozen=True)
class RoleFamilyTable:
    """Exact role names and family words, loaded from the contracts file."""

    path: Path
    titles: dict[str, str]
    exact: dict[str, str]
    words: tuple[tuple[str, frozenset[str]], ...]

    def match(self, role: str) -> RoleMatch:
        """Return the family of ``role`` and which rule matched it."""
        key = normalize_role(role)
        family = self.exact.get(key)
        if family is not None:
            return RoleMatch(family, "role")

        tokens = set(_WORD.findall(key))
        for family, words in self.words:
            if tokens & words:
                return RoleMatch(family, "word")
        return RoleMatch(FALLBACK_FAMILY, "fallback")


def role_families_path() -> Path:
    return project_dir() / "pipelines" / "contracts" / "role_families.toml"


@cache
def load_role_families(path: Path | None = None) -> RoleFamilyTable:
    """Read and check the role-family table; raise ConfigError naming the bad entry."""
    path = Path(path or role_families_path())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"role-family table {path} not found",
            hint="run mcg from a checkout of the project, or set MCG_PROJECT_DIR to one",
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None

    families = data.get("families", {})
    unknown = sorted(set(families) - set(FAMILIES))
    missing = sorted(set(FAMILIES) - set(families))
    if unknown or missing:
        raise ConfigError(
            f"{path}: families must be exactly {', '.join(FAMILIES)}",
            hint=f"unknown: {unknown or 'none'}; missing: {missing or 'none'}",
        )

    exact: dict[str, str] = {}
    for family, entry in families.items():
        for role in entry.get("roles", []):
            key = normalize_role(role)
            if key in exact and exact[key] != family:
                raise ConfigError(
                    f"{path}: role {role!r} is listed under both {exact[key]} and {family}",
                    hint="keep each role in one family",
                )
            exact[key] = family

    order = data.get("match_order", list(FAMILIES))
    if sorted(order) != sorted(FAMILIES):
        raise ConfigError(
            f"{path}: match_order must list each family once", hint=f"families: {FAMILIES}"
        )
    words = tuple(
        (family, frozenset(normalize_role(w) for w in families[family].get("words", [])))
        for family in order
    )
    titles = {family: families[family].get("title", family) for family in FAMILIES}
    return RoleFamilyTable(path=path, titles=titles, exact=exact, words=words)


def role_family(role: str) -> str:
    """Return the family of a Discogs role name, such as "Lead Vocals" -> "vocals"."""
    return load_role_families().match(role).family


def role_family_coverage(roles: dict[str, int]) -> dict[str, object]:
    """Summarise how a role table matches a set of roles counted by occurrence.

    Returns the share of occurrences matched by an exact role or a family
    word, occurrences per family, and the most frequent unmatched roles, for
    the quality report.
    """
    table = load_role_families()
    per_family = dict.fromkeys(FAMILIES, 0)
    by_rule = {"role": 0, "word": 0, "fallback": 0}
    unmatched: dict[str, int] = {}
    for role, count in roles.items():
        match = table.match(role)
        per_family[match.family] += count
        by_rule[match.matched_by] += count
        if match.matched_by == "fallback":
            unmatched[role] = unmatched.get(role, 0) + count

    total = sum(roles.values())
    matched = by_rule["role"] + by_rule["word"]
    top_unmatched = sorted(unmatched.items(), key=lambda item: (-item[1], item[0]))[:50]
    return {
        "occurrences": total,
        "matched_share": matched / total if total else 1.0,
        "by_rule": by_rule,
        "per_family": per_family,
        "top_unmatched": [{"role": role, "count": count} for role, count in top_unmatched],
    }
