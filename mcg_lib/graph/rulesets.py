"""Rulesets: which credits make an artist-release edge, read from pipelines/rulesets/NAME.toml.

A ruleset file is declarative; ``docs/rulesets.md`` describes every key.
Loading checks each key's name, type and value and names the file and the key
in the error, so a typo never silently builds a different graph.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.graph.roles import FAMILIES
from mcg_lib.paths import check_ruleset_name
from mcg_lib.pipeline.stages import project_dir

CREDIT_KINDS = ("main", "extra", "track", "track_extra")
ALL_FAMILIES = "all"

# Pseudo-artists that would connect almost any two artists in one or two hops.
PSEUDO_ARTISTS = (194, 355, 118760, 151641, 967691)

# key: (accepted Python types, description used in error messages, default)
_KEYS: dict[str, tuple[tuple[type, ...], str, Any]] = {
    "description": ((str,), "a string", ""),
    "credit_kinds": ((list,), f"a list drawn from {list(CREDIT_KINDS)}", list(CREDIT_KINDS)),
    "role_families": (
        (list, str),
        f'"{ALL_FAMILIES}" or a list drawn from {list(FAMILIES)}',
        ALL_FAMILIES,
    ),
    "exclude_artist_ids": ((list,), "a list of artist ids (integers)", list(PSEUDO_ARTISTS)),
    "drop_unlinked": ((bool,), "true or false", True),
    "max_artists_per_release": ((int,), "an integer >= 0 (0 means no cap)", 0),
    "merge_masters": ((bool,), "true or false", False),
    "link_group_members": ((bool,), "true or false", False),
}


@dataclass(frozen=True)
class Ruleset:
    """One parsed and checked ruleset file."""

    name: str
    path: Path
    description: str
    credit_kinds: tuple[str, ...]
    role_families: tuple[str, ...] | None
    exclude_artist_ids: tuple[int, ...]
    drop_unlinked: bool
    max_artists_per_release: int
    merge_masters: bool
    link_group_members: bool

    @property
    def counts_all_roles(self) -> bool:
        return self.role_families is None

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain data, for manifests and comparisons."""
        return {
            "name": self.name,
            "description": self.description,
            "credit_kinds": list(self.credit_kinds),
            "role_families": ALL_FAMILIES
            if self.role_families is None
            else list(self.role_families),
            "exclude_artist_ids": list(self.exclude_artist_ids),
            "drop_unlinked": self.drop_unlinked,
            "max_artists_per_release": self.max_artists_per_release,
            "merge_masters": self.merge_masters,
            "link_group_members": self.link_group_members,
        }


def rulesets_dir() -> Path:
    return project_dir() / "pipelines" / "rulesets"


def list_rulesets(folder: Path | None = None) -> list[str]:
    """Return the names of the ruleset files, sorted."""
    folder = folder or rulesets_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_ruleset(name: str, folder: Path | None = None) -> Ruleset:
    """Read and check ``<folder>/<name>.toml`` (default folder: pipelines/rulesets)."""
    check_ruleset_name(name)
    folder = folder or rulesets_dir()
    path = folder / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(list_rulesets(folder)) or "none"
        raise NotFoundError(
            f"ruleset {name!r} not found: {path} does not exist",
            hint=f"the rulesets are: {known}; 'mcg rulesets list' describes them",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    return parse_ruleset(name, path, data)


def parse_ruleset(name: str, path: Path, data: dict[str, Any]) -> Ruleset:
    """Check the keys of one ruleset file and return the Ruleset."""
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r}",
            hint=f"the keys a ruleset may set are: {', '.join(_KEYS)}",
        )

    values = {}
    for key, (types, described, default) in _KEYS.items():
        value = data.get(key, default)
        # bool is a subclass of int, so `true` must not pass as a number.
        if not isinstance(value, types) or (int in types and isinstance(value, bool)):
            raise ConfigError(
                f"{path}: key {key!r} must be {described}, not {value!r}",
            )
        values[key] = value

    return Ruleset(
        name=name,
        path=path,
        description=values["description"],
        credit_kinds=_check_credit_kinds(path, values["credit_kinds"]),
        role_families=_check_role_families(path, values["role_families"]),
        exclude_artist_ids=_check_artist_ids(path, values["exclude_artist_ids"]),
        drop_unlinked=values["drop_unlinked"],
        max_artists_per_release=_check_cap(path, values["max_artists_per_release"]),
        merge_masters=values["merge_masters"],
        link_group_members=values["link_group_members"],
    )


def _check_credit_kinds(path: Path, kinds: list) -> tuple[str, ...]:
    for kind in kinds:
        if kind not in CREDIT_KINDS:
            raise ConfigError(
                f"{path}: key 'credit_kinds' has unknown credit kind {kind!r}",
                hint=f"credit kinds are: {', '.join(CREDIT_KINDS)}",
            )
    if not kinds:
        raise ConfigError(f"{path}: key 'credit_kinds' is empty, so the graph would have no edges")
    return tuple(k for k in CREDIT_KINDS if k in kinds)


def _check_role_families(path: Path, families: list | str) -> tuple[str, ...] | None:
    if isinstance(families, str):
        if families != ALL_FAMILIES:
            raise ConfigError(
                f"{path}: key 'role_families' must be \"{ALL_FAMILIES}\" or a list of families, "
                f"not {families!r}",
                hint=f"families are: {', '.join(FAMILIES)}",
            )
        return None
    for family in families:
        if family not in FAMILIES:
            raise ConfigError(
                f"{path}: key 'role_families' has unknown family {family!r}",
                hint=f"families are: {', '.join(FAMILIES)} "
                "(see pipelines/contracts/role_families.toml)",
            )
    return tuple(f for f in FAMILIES if f in families)


def _check_artist_ids(path: Path, ids: list) -> tuple[int, ...]:
    for artist_id in ids:
        if not isinstance(artist_id, int) or isinstance(artist_id, bool) or artist_id <= 0:
            raise ConfigError(
                f"{path}: key 'exclude_artist_ids' has {artist_id!r}, "
                "which is not a positive artist id",
            )
    return tuple(sorted(set(ids)))


def _check_cap(path: Path, cap: int) -> int:
    if cap < 0:
        raise ConfigError(
            f"{path}: key 'max_artists_per_release' is {cap}",
            hint="use 0 for no cap, or the largest number of artists a release may credit",
        )
    return cap
