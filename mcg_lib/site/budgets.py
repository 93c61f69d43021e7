"""Size budgets of the site and the limits of the static host.

Budgets: the game shell (HTML, CSS, JavaScript and the service worker)
under 60 KB gzipped, and one day's puzzle data (its JSON and SVG) under
20 KB gzipped. Limits of Cloudflare Pages: 25 MiB per file, 20,000 files
per deployment, and in ``_headers`` 100 rules and 2,000 characters a line
(its documentation, "Headers" and "Limits", read in 2025). The build fails
past any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcg_lib.errors import PublishError
from mcg_lib.export.jsonfiles import gzip_size
from mcg_lib.export.layout import DAY_BUDGET_GZIP_BYTES, MAX_FILE_BYTES, MAX_FILES

SHELL_BUDGET_GZIP_BYTES = 60_000
HEADER_RULES_LIMIT = 100
HEADER_LINE_LIMIT = 2_000
SHELL_SUFFIXES = (".html", ".css", ".js")


@dataclass
class Budgets:
    """Measured sizes, in bytes, against their budgets."""

    shell_gzip_bytes: int
    shell_files: int
    largest_day_gzip_bytes: int
    largest_day: str
    files: int
    bytes: int
    largest_file_bytes: int

    def as_dict(self) -> dict:
        return {
            "shell_gzip_bytes": self.shell_gzip_bytes,
            "shell_budget_gzip_bytes": SHELL_BUDGET_GZIP_BYTES,
            "shell_files": self.shell_files,
            "largest_day_gzip_bytes": self.largest_day_gzip_bytes,
            "largest_day": self.largest_day,
            "day_budget_gzip_bytes": DAY_BUDGET_GZIP_BYTES,
            "files": self.files,
            "file_limit": MAX_FILES,
            "bytes": self.bytes,
            "largest_file_bytes": self.largest_file_bytes,
            "file_size_limit": MAX_FILE_BYTES,
        }


def shell_files(site: Path) -> list[Path]:
    """Return the files of the game shell: the game's pages, the service worker and assets."""
    files = [site / "index.html", site / "about.html", site / "sw.js"]
    files += sorted(path for path in (site / "assets").rglob("*") if path.suffix in SHELL_SUFFIXES)
    return [path for path in files if path.is_file()]


def largest_day(site: Path) -> tuple[str, int]:
    """Return (relative name, gzipped bytes of JSON plus SVG) of the largest puzzle day."""
    best = ("", 0)
    for day in sorted(site.glob("data/*/puzzles/*.json")):
        size = gzip_size(day.read_bytes())
        svg = day.with_suffix(".svg")
        if svg.is_file():
            size += gzip_size(svg.read_bytes())
        if size > best[1]:
            best = (day.relative_to(site).as_posix(), size)
    return best


def measure(site: Path) -> Budgets:
    """Measure the built site and raise PublishError past a budget or a host limit."""
    shell = shell_files(site)
    shell_gzip = sum(gzip_size(path.read_bytes()) for path in shell)
    day_name, day_gzip = largest_day(site)

    files = [path for path in site.rglob("*") if path.is_file()]
    sizes = {path: path.stat().st_size for path in files}
    largest_path = max(sizes, key=sizes.get, default=None)
    budgets = Budgets(
        shell_gzip_bytes=shell_gzip,
        shell_files=len(shell),
        largest_day_gzip_bytes=day_gzip,
        largest_day=day_name,
        files=len(files),
        bytes=sum(sizes.values()),
        largest_file_bytes=sizes.get(largest_path, 0),
    )

    if shell_gzip > SHELL_BUDGET_GZIP_BYTES:
        raise PublishError(
            f"the game shell is {shell_gzip:,} bytes gzipped, "
            f"over its {SHELL_BUDGET_GZIP_BYTES:,}-byte budget",
            hint="shrink site_templates/assets or move code out of the first load",
        )
    if day_gzip > DAY_BUDGET_GZIP_BYTES:
        raise PublishError(
            f"{day_name} and its SVG are {day_gzip:,} bytes gzipped, over the "
            f"{DAY_BUDGET_GZIP_BYTES:,}-byte budget of one day",
            hint="rerun 'mcg export --force' for that ruleset, "
            "which shrinks each day to its budget",
        )
    if largest_path is not None and sizes[largest_path] > MAX_FILE_BYTES:
        raise PublishError(
            f"{largest_path.relative_to(site)} is {sizes[largest_path]:,} bytes, "
            "over the static host's "
            f"{MAX_FILE_BYTES:,}-byte file limit",
            hint="lower the export caps, or leave that file out of the site",
        )
    check_headers_file(site / "_headers")
    if len(files) > MAX_FILES:
        raise PublishError(
            f"the site has {len(files):,} files, over the static host's {MAX_FILES:,}-file limit",
            hint="build the site with fewer rulesets (--rulesets) "
            "or precompute fewer days (--days)",
        )
    return budgets


def check_headers_file(path: Path) -> None:
    """Raise PublishError when ``_headers`` has more rules or longer lines than the host accepts."""
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    rules = [
        line
        for line in lines
        if line.strip() and not line[0].isspace() and not line.startswith("#")
    ]
    if len(rules) > HEADER_RULES_LIMIT:
        raise PublishError(
            f"{path.name} has {len(rules)} rules, over the host's limit of {HEADER_RULES_LIMIT}",
            hint="merge rules in site_templates/_headers.j2",
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > HEADER_LINE_LIMIT:
            raise PublishError(
                f"{path.name} line {number} is {len(line)} characters, over the host's limit of "
                f"{HEADER_LINE_LIMIT}",
                hint="shorten the header value, such as the Content-Security-Policy",
            )
