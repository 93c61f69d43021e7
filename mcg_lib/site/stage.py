"""The site stage: render ``exports/<snapshot>/site/`` from the templates and the exported data."""

from __future__ import annotations

import time
from pathlib import Path

from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot, check_ruleset_name
from mcg_lib.pipeline.stages import load_pipeline
from mcg_lib.pipeline.state import StageResult
from mcg_lib.publish import staged_dir
from mcg_lib.site.build import build_site
from mcg_lib.site.settings import api_url_from_env

log = get_logger(__name__)


def site_dir(root: DataRoot, snapshot: str) -> Path:
    """Return ``exports/<snapshot>/site/``."""
    return root.exports(snapshot) / "site"


def exported_rulesets(root: DataRoot, snapshot: str) -> list[str]:
    """Return the rulesets whose data is exported for a snapshot, in pipeline order."""
    data = root.exports(snapshot) / "data"
    present = (
        {path.name for path in data.iterdir() if (path / "manifest.json").is_file()}
        if data.is_dir()
        else set()
    )
    ordered = [name for name in load_pipeline().rulesets if name in present]
    return ordered + sorted(present - set(ordered))


def choose_rulesets(root: DataRoot, snapshot: str, rulesets: str) -> list[str]:
    """Return the rulesets to build: the comma-separated list, or every exported one."""
    available = exported_rulesets(root, snapshot)
    if not rulesets.strip():
        if not available:
            raise NotFoundError(
                f"no exported data for snapshot {snapshot} under {root.root}",
                hint=f"run 'mcg export --snapshot {snapshot} --ruleset all-credits' first",
            )
        return available

    names = [check_ruleset_name(name.strip()) for name in rulesets.split(",") if name.strip()]
    missing = [name for name in names if name not in available]
    if missing:
        raise NotFoundError(
            f"no exported data for ruleset {missing[0]} of snapshot {snapshot}",
            hint=f"run 'mcg export --snapshot {snapshot} --ruleset {missing[0]}' first"
            + (f", or choose from: {', '.join(available)}" if available else ""),
        )
    if len(set(names)) != len(names):
        raise ConfigError(f"ruleset listed twice in {rulesets!r}", hint="list each ruleset once")
    return names


def run(
    root: DataRoot, snapshot: str, *, force: bool, rulesets: str = "", research: bool = True
) -> StageResult:
    """Build the static site of a snapshot and publish it atomically.

    ``research=False`` leaves the research pages out, which skips executing
    the research notebooks (the tests use it).
    """
    names = choose_rulesets(root, snapshot, rulesets)
    # NOTE: the API URL is not a stage parameter, so `mcg pipeline run` skips a
    # current site after MCG_API_URL changes; `mcg site --force` rebuilds it.
    api_url = api_url_from_env()
    target = site_dir(root, snapshot)

    started = time.monotonic()
    with staged_dir(root, target, replace=force) as work:
        report = build_site(root, snapshot, names, work, api_url=api_url, research=research)
    seconds = round(time.monotonic() - started, 3)

    budgets = report.budgets
    log.info(
        "site %s: game shell %.1f KB gzipped (budget %.0f KB), "
        "largest day %.1f KB gzipped (budget %.0f KB)",
        snapshot,
        budgets.shell_gzip_bytes / 1000,
        budgets.as_dict()["shell_budget_gzip_bytes"] / 1000,
        budgets.largest_day_gzip_bytes / 1000,
        budgets.as_dict()["day_budget_gzip_bytes"] / 1000,
    )
    log.info(
        "site %s: rulesets %s, %d files (%d data files linked, %d copied), %.1f MB, "
        "API %s, in %.1f s",
        snapshot,
        ", ".join(names),
        budgets.files,
        report.linked_files,
        report.copied_files,
        budgets.bytes / 1e6,
        api_url or "none",
        seconds,
    )
    return StageResult(
        outputs=[target],
        summary={
            "rulesets": names,
            "research_pages": report.research_pages,
            **budgets.as_dict(),
            "api": api_url,
            "seconds": seconds,
        },
    )
