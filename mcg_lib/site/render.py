"""Render the site's templates with jinja2.

HTML templates (``*.html.j2``) are autoescaped, so every value from the
data is escaped in text and attributes; JSON embedded in a page goes through
jinja's ``tojson``, which escapes ``<``, ``>``, ``&`` and ``'`` as well.
The service worker and ``_headers`` are rendered without HTML escaping and
receive only values the build checked (snapshot names, hashes, URLs).
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from mcg_lib.site.assets import Asset


def environment(templates: Path) -> Environment:
    """Return a jinja2 environment over ``templates`` that escapes HTML templates only."""
    return Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def asset_lookup(assets: dict[str, Asset], page: str = ""):
    """Return a template function that maps an asset name to its hashed path from ``page``."""
    folder = posixpath.dirname(page)

    def asset(name: str) -> str:
        path = assets[name].path
        return posixpath.relpath(path, folder) if folder else path

    return asset


def render_page(env: Environment, template: str, out: Path, context: dict[str, Any]) -> Path:
    """Render one template to ``out`` (UTF-8) and return the path."""
    text = env.get_template(template).render(**context)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
