"""``mcg path``: the shortest chain of shared credits between two artists."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from mcg_lib.cli.options import FiniteFloatRange, data_root, ruleset_option, snapshot_option
from mcg_lib.errors import AmbiguousArtistError, InputError, NotFoundError
from mcg_lib.graph.search import MAX_HOPS_LIMIT

DEFAULT_TIMEOUT = 10.0


@click.command()
@snapshot_option
@ruleset_option
@click.argument("from_artist", required=False)
@click.argument("to_artist", required=False)
@click.option(
    "--pairs",
    "pairs_file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="File of artist-id pairs, tab-separated, one pair a line ('-' reads stdin).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object a line.")
@click.option(
    "--max-hops",
    default=12,
    show_default=True,
    type=click.IntRange(1, MAX_HOPS_LIMIT),
    help="Maximum chain length searched, in hops.",
)
@click.option(
    "--max-expanded",
    default=5_000_000,
    show_default=True,
    type=click.IntRange(1),
    help="Most nodes whose neighbours one search may read.",
)
@click.option(
    "--timeout",
    default=DEFAULT_TIMEOUT,
    show_default=True,
    type=FiniteFloatRange(min=0, min_open=True),
    help="Seconds one search may take.",
)
@click.pass_context
def command(
    ctx: click.Context,
    snapshot: str,
    ruleset: str,
    from_artist: str | None,
    to_artist: str | None,
    pairs_file: str | None,
    as_json: bool,
    max_hops: int,
    max_expanded: int,
    timeout: float,
) -> None:
    """Print a shortest chain artist -> release -> artist -> ... between two artists.

    Artists are given by name (case-insensitive) or numeric id. A name shared
    by several artists lists them, each with its best-known release, and exits
    with status 7. A chain longer than --max-hops, or a search that exceeds
    its budget, prints "no chain within N hops" or names the budget that
    stopped it. With --json, "status" is found, unreachable or budget, and a
    stopped search carries its "reason".

    \b
    Example:
      mcg path --snapshot 20150101 "Autechre" "Aphex Twin"
      mcg path --snapshot 20150101 --pairs pairs.tsv --json
    """
    from mcg_lib.graph import find_path, open_graph
    from mcg_lib.graph.describe import format_chain

    if pairs_file is None and (from_artist is None or to_artist is None):
        raise click.UsageError("give two artists, or --pairs FILE")
    if pairs_file is not None and (from_artist or to_artist):
        raise click.UsageError("give either two artists or --pairs FILE, not both")

    graph = open_graph(data_root(ctx), snapshot, ruleset)
    budget = {"max_hops": max_hops, "max_expanded": max_expanded}

    if pairs_file is None:
        from_id, to_id = _resolve(graph, from_artist), _resolve(graph, to_artist)
        result = find_path(graph, from_id, to_id, deadline=time.monotonic() + timeout, **budget)
        click.echo(
            json.dumps(_record(result), ensure_ascii=False) if as_json else format_chain(result)
        )
        return

    bad_lines = 0
    for line_number, from_id, to_id, problem in _read_pairs(pairs_file):
        if problem is None:
            try:
                result = find_path(graph, from_id, to_id, deadline=time.monotonic() + timeout, **budget)
            except NotFoundError as error:
                problem = error.message
        else:
            bad_lines += 1
        if problem is not None:
            _echo_error(as_json, line_number, from_id, to_id, problem)
            continue
        click.echo(
            json.dumps(_record(result), ensure_ascii=False) if as_json else format_chain(result)
        )

    if bad_lines:
        raise InputError(
            f"{bad_lines} line(s) are not two artist ids separated by a tab; "
            "their output lines carry the error",
            path="stdin" if pairs_file == "-" else Path(pairs_file),
            hint="write one pair a line: FROM_ID<TAB>TO_ID",
        )


def _record(result) -> dict:
    """Return the JSON object of one result: the chain, its status, and why a search stopped."""
    record = {**result.to_json(), "status": result.status}
    if result.reason:
        record["reason"] = result.reason
    return record


def _echo_error(as_json: bool, line_number: int, from_id: int | None, to_id: int | None, problem: str) -> None:
    """Print the output line of a pair that got no search: a JSON record, or text naming the line."""
    if not as_json:
        click.echo(f"line {line_number}: {problem}")
        return
    record = {"from": from_id, "to": to_id, "hops": None, "path": [], "line": line_number, "error": problem}
    click.echo(json.dumps(record, ensure_ascii=False))


def _resolve(graph, text: str) -> int:
    from mcg_lib.graph import resolve_artist

    try:
        return resolve_artist(graph, text)
    except AmbiguousArtistError as error:
        lines = [f"{error.message}:"]
        for candidate in error.candidates:
            known = f" - best known for {candidate['hint']}" if candidate["hint"] else ""
            lines.append(f"  {candidate['id']:>10}  {candidate['name']}{known}")
        raise AmbiguousArtistError(
            "\n".join(lines), candidates=error.candidates, hint=error.hint
        ) from None


def _read_pairs(pairs_file: str):
    """Yield (line number, from id, to id, problem) of each pair line; skip blank and '#' lines.

    A line that is not a pair yields None ids and a problem, so that one bad
    line of a long batch does not stop the lines after it.
    """
    handle = sys.stdin if pairs_file == "-" else open(pairs_file, encoding="utf-8-sig")  # noqa: SIM115
    name = "stdin" if pairs_file == "-" else Path(pairs_file)
    try:
        for line_number, line in enumerate(handle, start=1):
            # Files saved as UTF-8 with a byte-order mark start with U+FEFF. The utf-8-sig
            # codec drops it from files, but stdin keeps it.
            text = line.strip().removeprefix("\ufeff")
            if not text or text.startswith("#"):
                continue
            fields = text.split("\t")
            if len(fields) != 2 or not all(_is_id(f.strip()) for f in fields):
                yield line_number, None, None, f"{text!r} is not two artist ids separated by a tab"
                continue
            yield line_number, int(fields[0]), int(fields[1]), None
    except UnicodeDecodeError as error:
        raise InputError(
            f"is not UTF-8 text (byte {error.start} of a line cannot be decoded)",
            path=name,
            hint="save the pairs file as UTF-8 or plain ASCII",
        ) from error
    finally:
        if handle is not sys.stdin:
            handle.close()


def _is_id(text: str) -> bool:
    # str.isdigit() also accepts superscripts such as "²", which int() rejects.
    return text.isascii() and text.isdigit()
