"""Build the static site of one snapshot into a folder.

Steps: hash the assets, link each ruleset's data in, publish the research
pages, render the pages, the service worker and ``_headers``, then measure
the budgets and the host's limits.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from mcg_lib.errors import NotFoundError
from mcg_lib.export.layout import MANIFEST
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.stages import project_dir
from mcg_lib.publish import checksum_tree, fingerprint, read_json, write_json_atomic
from mcg_lib.site.assets import Asset, build_assets
from mcg_lib.site.budgets import Budgets, measure
from mcg_lib.site.render import asset_lookup, environment, render_page
from mcg_lib.site.settings import content_security_policy

log = get_logger(__name__)

BUILD_FILE = "build.json"


@dataclass
class SiteReport:
    """Counts and budgets of one site build."""

    rulesets: list[str]
    research_pages: int
    budgets: Budgets
    linked_files: int
    copied_files: int


def templates_dir() -> Path:
    return project_dir() / "site_templates"


def build_site(
    root: DataRoot,
    snapshot: str,
    rulesets: list[str],
    out: Path,
    *,
    api_url: str,
    research: bool = True,
) -> SiteReport:
    """Build the site of ``snapshot`` with the data of ``rulesets`` into the empty ``out``."""
    templates = templates_dir()
    assets = build_assets(templates / "assets")
    for asset in assets.values():
        path = out / asset.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(asset.content)

    linked = copied = 0
    manifests = {}
    for ruleset in rulesets:
        source = root.exports(snapshot) / "data" / ruleset
        counts = link_tree(source, out / "data" / ruleset)
        linked, copied = linked + counts[0], copied + counts[1]
        manifests[ruleset] = read_json(source / MANIFEST)

    pages = publish_research(root, snapshot, out / "research") if research else []

    context = page_context(snapshot, rulesets, manifests, pages, assets, api_url)
    env = environment(templates)
    render_page(env, "index.html.j2", out / "index.html", {**context, "home": ""})
    render_page(env, "about.html.j2", out / "about.html", {**context, "home": "./"})
    render_page(env, "_headers.j2", out / "_headers", context)
    shell = ["./", "index.html", "about.html", *sorted(asset.path for asset in assets.values())]
    render_page(
        env,
        "sw.js.j2",
        out / "sw.js",
        {
            **context,
            "shell": shell,
            "shell_version": fingerprint(
                [(a.path, a.name) for a in assets.values()] + [context["config"]]
            )[:12],
            "data_version": fingerprint(checksum_tree(out / "data"))[:12],
        },
    )

    budgets = measure(out)
    write_json_atomic(
        out / BUILD_FILE,
        {
            "snapshot": snapshot,
            "rulesets": rulesets,
            "built_at": context["built_at"],
            "api": api_url,
            "research_pages": [page["file"] for page in pages],
            "budgets": budgets.as_dict(),
        },
    )
    return SiteReport(rulesets, len(pages), budgets, linked, copied)


def page_context(
    snapshot: str,
    rulesets: list[str],
    manifests: dict[str, dict[str, Any]],
    pages: list[dict[str, str]],
    assets: dict[str, Asset],
    api_url: str,
) -> dict[str, Any]:
    """Return the values the templates read."""
    described = [
        {
            "name": name,
            "description": manifests[name].get("description", ""),
            "artists": manifests[name].get("counts", {}).get("artists"),
            "releases": manifests[name].get("counts", {}).get("releases"),
            "days": len(manifests[name].get("schedule", [])),
        }
        for name in rulesets
    ]
    modules = sorted(asset.path for asset in assets.values() if asset.is_module)
    built_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {
        "snapshot": snapshot,
        "snapshot_date": snapshot_date(snapshot),
        "rulesets": described,
        "research": pages,
        "api": api_url,
        "csp": content_security_policy(api_url),
        "asset": asset_lookup(assets),
        "modules": modules,
        "built_at": built_at,
        "config": {
            "snapshot": snapshot,
            "api": api_url,
            "defaultRuleset": "all-credits" if "all-credits" in rulesets else rulesets[0],
            "rulesets": [{"name": r["name"], "description": r["description"]} for r in described],
        },
    }


def snapshot_date(snapshot: str) -> str:
    """Return YYYY-MM-DD for a snapshot named by its dump date, or "" for a name such as demo."""
    if not re.fullmatch(r"\d{8}", snapshot):
        return ""
    try:
        return date(int(snapshot[:4]), int(snapshot[4:6]), int(snapshot[6:])).isoformat()
    except ValueError:
        return ""


def link_tree(source: Path, target: Path) -> tuple[int, int]:
    """Hard-link every file of ``source`` under ``target``, copying where links fail.

    Returns (files linked, files copied). A link fails across filesystems,
    and on filesystems without hard links.
    """
    if not (source / MANIFEST).is_file():
        raise NotFoundError(
            f"no exported data in {source}",
            hint="run 'mcg export' for that snapshot and ruleset first",
        )
    linked = copied = 0
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
            linked += 1
        except OSError:
            shutil.copy2(path, destination)
            copied += 1
    return linked, copied


def publish_research(root: DataRoot, snapshot: str, out: Path) -> list[dict[str, str]]:
    """Render the research notebooks into ``out``; return their pages with paths from the site root.

    The research publisher is optional. Without it, the About page states
    that the build has no research pages.
    """
    try:
        from mcg_lib.research.publish import render_research_pages
    except ImportError as error:
        log.info(
            "site %s: no research pages, because the research publisher is not available (%s)",
            snapshot,
            error,
        )
        return []

    pages = []
    for page in render_research_pages(root, snapshot, out):
        relative = PurePosixPath(str(page["file"]))
        if relative.is_absolute() or ".." in relative.parts or not (out / relative).is_file():
            log.warning(
                "site %s: skipped research page %r, which is not a file under %s",
                snapshot,
                page["file"],
                out,
            )
            continue
        pages.append({**page, "file": f"research/{relative.as_posix()}"})
    log.info("site %s: %d research pages", snapshot, len(pages))
    return pages
