"""docs/operations.md names only mcg commands, options and repository files that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from mcg_lib.cli import cli

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "operations.md"
TEXT = DOC.read_text(encoding="utf-8")

# An mcg command in a code span or a code block line, up to the end of the span or line.
COMMAND = re.compile(r"(?:^|`|\$ |\n)(?:uv run )?(mcg(?: [^`\n|]*)?)")
# Files the operator writes while following the page.
WRITTEN_BY_OPERATOR = {"ansible/group_vars/cluster/vault.yml"}
REPO_PATH = re.compile(r"`((?:k8s|ansible|docs|pipelines|tests|mcg_lib)/[\w./-]+|Dockerfile)`")


def documented_commands() -> list[str]:
    commands = []
    for match in COMMAND.finditer(TEXT):
        command = match.group(1).strip()
        if command != "mcg":
            commands.append(command)
    return commands


def check_command(line: str) -> None:
    """Raise AssertionError unless every verb and option of ``line`` exists in the CLI."""
    tokens = shlex.split(line)
    command: click.Command = cli
    ctx = click.Context(cli)
    i = 1
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            params = [p for p in command.params if name in getattr(p, "opts", [])]
            assert params, f"{line}: '{command.name}' has no option {name}"
            takes_value = not params[0].is_flag and params[0].nargs == 1 and "=" not in token
            i += 2 if takes_value else 1
            continue
        if isinstance(command, click.Group):
            sub = command.get_command(ctx, token)
            assert sub is not None, f"{line}: '{command.name}' has no subcommand {token}"
            command = sub
        i += 1


def test_doc_mentions_mcg_commands():
    commands = documented_commands()

    assert any(c.startswith("mcg cluster render") for c in commands)
    assert any(c.startswith("mcg cluster sync-graph") for c in commands)


@pytest.mark.parametrize("line", documented_commands())
def test_documented_command_exists(line):
    check_command(line)


def test_command_check_catches_typo():
    with pytest.raises(AssertionError, match="no subcommand"):
        check_command("mcg cluster sumbit")
    with pytest.raises(AssertionError, match="no option"):
        check_command("mcg cluster render --chek")


@pytest.mark.parametrize("path", sorted(set(REPO_PATH.findall(TEXT)) - WRITTEN_BY_OPERATOR))
def test_documented_path_exists(path):
    assert (REPO / path).exists(), f"docs/operations.md names {path}, which does not exist"


@pytest.mark.parametrize(
    "topic",
    [
        "Setting up the cluster from bare boards",
        "The monthly run",
        "Watching a run",
        "A failed stage",
        "A lost Wi-Fi link",
        "A dead Pi",
        "Upgrading K3s",
        "Backups",
        "Cloudflare Pages",
        "Tunnel",
        "docker buildx build --platform linux/amd64,linux/arm64",
        "Why the submitter uses the Kubernetes Python client",
    ],
)
def test_doc_covers_topic(topic):
    assert topic in TEXT
