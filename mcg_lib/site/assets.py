"""Content-hashed asset files: ``assets/js/main.js`` becomes ``assets/js/main.<hash>.js``.

JavaScript modules import each other by relative path, so a module's
imports are rewritten to the hashed names of its dependencies before its own
hash is taken: a change anywhere changes the name of every module that
depends on it, and a cached module never loads a stale dependency.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from mcg_lib.errors import ConfigError

HASH_LENGTH = 10

# Static relative imports and re-exports: `from './x.js'`, `import './x.js'`, `import('./x.js')`.
_IMPORT = re.compile(
    r"""(?P<lead>\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(?P<quote>['"])(?P<spec>\.{1,2}/[^'"]+?\.js)(?P=quote)"""
)


@dataclass(frozen=True)
class Asset:
    """One asset as published: its source name, hashed path and content."""

    name: str
    path: str
    content: bytes

    @property
    def is_module(self) -> bool:
        return self.name.endswith(".js")


def hashed_name(name: str, content: bytes) -> str:
    """Return ``dir/stem.<hash>.ext`` for an asset name and its final content."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{digest}.{extension}" if dot else f"{name}.{digest}"


def module_imports(name: str, text: str) -> list[str]:
    """Return the asset names a JavaScript module imports, resolved against its own folder."""
    folder = posixpath.dirname(name)
    return [
        posixpath.normpath(posixpath.join(folder, match["spec"]))
        for match in _IMPORT.finditer(text)
    ]


def build_assets(source: Path) -> dict[str, Asset]:
    """Read every file under ``source`` and return {name: Asset} with hashed paths under assets/."""
    files = {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }
    assets: dict[str, Asset] = {}
    for name in _dependency_order(files):
        content = files[name]
        if name.endswith(".js"):
            content = _rewrite_imports(name, content.decode("utf-8"), assets).encode("utf-8")
        assets[name] = Asset(name, f"assets/{hashed_name(name, content)}", content)
    return assets


def _rewrite_imports(name: str, text: str, done: dict[str, Asset]) -> str:
    folder = posixpath.dirname(name)

    def replace(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(folder, match["spec"]))
        hashed = done[target].path.removeprefix("assets/")
        relative = posixpath.relpath(hashed, folder or ".")
        if not relative.startswith("."):
            relative = f"./{relative}"
        return f"{match['lead']}{match['quote']}{relative}{match['quote']}"

    return _IMPORT.sub(replace, text)


def _dependency_order(files: dict[str, bytes]) -> list[str]:
    """Return asset names with every module after the modules it imports."""
    imports = {
        name: module_imports(name, content.decode("utf-8")) if name.endswith(".js") else []
        for name, content in files.items()
    }
    for name, targets in imports.items():
        missing = [target for target in targets if target not in files]
        if missing:
            raise ConfigError(
                f"site asset {name} imports {missing[0]}, "
                "which is not under site_templates/assets/",
                hint="fix the import path; modules import each other as './name.js'",
            )

    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            raise ConfigError(
                f"site modules import each other in a cycle: {' -> '.join((*trail, name))}",
                hint="content hashing needs modules without import cycles, "
                "so move the shared code into a module of its own",
            )
        state[name] = "open"
        for target in imports[name]:
            visit(target, (*trail, name))
        state[name] = "done"
        ordered.append(name)

    for name in sorted(files):
        visit(name, ())
    return ordered
