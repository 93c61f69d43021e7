"""Write the quality report as JSON and as a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from mcg_lib.charts import bar_chart, to_svg
from mcg_lib.publish import write_json_atomic


def releases_per_year(con: duckdb.DuckDBPyConnection) -> list[dict[str, int]]:
    rows = con.execute(
        "SELECT year, count(*) FROM releases WHERE year IS NOT NULL GROUP BY year ORDER BY year"
    ).fetchall()
    return [{"year": year, "releases": n} for year, n in rows]


def charts(report: dict[str, Any], per_year: list[dict[str, int]]) -> dict[str, str]:
    """Return the report's charts as SVG strings, by name."""
    svgs = {}
    tables = [{"table": t, "rows": n} for t, n in report["tables"].items() if n]
    if tables:
        svgs["tables"] = to_svg(bar_chart(tables, "table", "rows", title="Rows per table", horizontal=True))
    if per_year:
        svgs["years"] = to_svg(bar_chart(per_year, "year", "releases", title="Releases per year", width=640))
    coverage = next((c for c in report["checks"] if c["name"] == "roles.family_coverage"), None)
    if coverage and coverage["details"].get("families"):
        families = [{"family": f, "mentions": n} for f, n in coverage["details"]["families"].items()]
        svgs["families"] = to_svg(
            bar_chart(families, "family", "mentions", title="Role mentions per family", horizontal=True)
        )
    return svgs


def write_report(folder: Path, report: dict[str, Any], con: duckdb.DuckDBPyConnection) -> None:
    """Write report.json and report.html into ``folder``."""
    write_json_atomic(folder / "report.json", report)
    env = Environment(loader=PackageLoader("mcg_lib.quality", "templates"), autoescape=select_autoescape())
    html = env.get_template("report.html.j2").render(
        report=report, charts=charts(report, releases_per_year(con))
    )
    (folder / "report.html").write_text(html, encoding="utf-8")
