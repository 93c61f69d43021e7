"""The docs stay true to the code: every table and column, every verb and stage."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from mcg_lib.cli import COMMANDS, cli
from mcg_lib.ingest.schema import SCHEMAS
from mcg_lib.pipeline.stages import load_stages

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _schema_rows() -> dict[str, set[str]]:
    rows = {}
    for line in (DOCS / "schema.md").read_text().splitlines():
        match = re.match(r"\| `(\w+)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = set(re.findall(r"`(\w+)`", match.group(2)))
    return rows


def test_schema_doc_lists_every_table():
    assert set(_schema_rows()) == set(SCHEMAS)


def test_schema_doc_lists_every_column():
    rows = _schema_rows()
    for table, schema in SCHEMAS.items():
        assert set(schema.names) <= rows[table], table


def test_every_verb_has_help():
    runner = CliRunner()
    for verb in COMMANDS:
        result = runner.invoke(cli, [verb, "--help"])
        assert result.exit_code == 0, verb
        assert "Usage:" in result.output, verb


def test_architecture_names_every_stage():
    text = (DOCS / "architecture.md").read_text()
    for stage in load_stages():
        assert stage.notebook in text, stage.notebook


def test_readme_names_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text()
    assert "make demo" in readme
    assert "make test" in readme
