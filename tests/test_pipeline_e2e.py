"""The whole pipeline through the command line, as a user runs it.

Each test runs ``mcg pipeline run`` (papermill, real kernels) in a fresh data
root. They are the slowest tests of the suite, so each sample set runs once
and the checks share its output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from ingest_helpers import read_table

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SETS = [
    "discograph-2015",
    "elpassion-discogs_data-2020",
    "philipmat-discogs-xml2db/20170401-head50",
    "philipmat-discogs-xml2db/20200806",
    "philipmat-discogs-xml2db/single-records",
    "tgmz-discogs-2025",
]
PSEUDO_ARTISTS = {194, 355, 118760, 151641, 967691}

pytestmark = pytest.mark.slow


def mcg(data_root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "MCG_NO_PROGRESS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mcg_lib.cli", "--data-root", str(data_root), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1200,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"mcg {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def discograph(tmp_path_factory, samples_dir) -> Path:
    data_root = tmp_path_factory.mktemp("e2e") / "data"
    mcg(data_root, "pipeline", "run", "--snapshot", "20150101", "--raw-dir",
        str(samples_dir / "discograph-2015"))
    return data_root


def test_pipeline_writes_every_folder(discograph):
    for folder in ("raw", "curated", "graph", "exports", "manifests", "runs"):
        assert (discograph / folder / ("20150101" if folder not in ("manifests",) else "")).exists(), folder
    assert (discograph / "exports" / "20150101" / "site" / "index.html").is_file()
    runs = list((discograph / "runs" / "20150101").glob("*/*.ipynb"))
    assert {p.name.split(".")[0] for p in runs} >= {
        "00_fetch", "10_ingest", "20_quality", "30_graph", "40_precompute", "50_export", "60_site",
    }


def test_second_run_skips_every_stage(discograph, samples_dir):
    result = mcg(discograph, "pipeline", "run", "--snapshot", "20150101", "--raw-dir",
                 str(samples_dir / "discograph-2015"))

    assert "running" not in result.stderr
    assert result.stderr.count("skipped: outputs are current") >= 7


def plain_bfs(credits: list[dict], start: int, goal: int) -> int | None:
    """Hops (releases) between two artists over linked credits: the all-credits meaning, independently."""
    releases_of: dict[int, set[int]] = {}
    artists_of: dict[int, set[int]] = {}
    for credit in credits:
        artist = credit["artist_id"]
        if artist is None or artist in PSEUDO_ARTISTS:
            continue
        releases_of.setdefault(artist, set()).add(credit["release_id"])
        artists_of.setdefault(credit["release_id"], set()).add(artist)

    seen = {start: 0}
    queue = deque([start])
    while queue:
        artist = queue.popleft()
        if artist == goal:
            return seen[artist]
        for release in releases_of.get(artist, ()):
            for other in artists_of[release]:
                if other not in seen:
                    seen[other] = seen[artist] + 1
                    queue.append(other)
    return None


def test_path_cli_matches_plain_bfs(discograph, tmp_path):
    credits = read_table(discograph / "curated" / "20150101", "release_credits")
    artists = sorted({c["artist_id"] for c in credits if c["artist_id"] and c["artist_id"] not in PSEUDO_ARTISTS})
    pairs = [(artists[0], artists[i]) for i in (1, len(artists) // 3, len(artists) // 2, -1)]
    pairs_file = tmp_path / "pairs.tsv"
    pairs_file.write_text("".join(f"{a}\t{b}\n" for a, b in pairs))

    result = mcg(discograph, "path", "--snapshot", "20150101", "--ruleset", "all-credits",
                 "--pairs", str(pairs_file), "--json")
    answers = [json.loads(line) for line in result.stdout.splitlines()]

    assert len(answers) == len(pairs)
    for (a, b), answer in zip(pairs, answers, strict=True):
        assert (answer["from"], answer["to"]) == (a, b)
        assert answer["hops"] == plain_bfs(credits, a, b), (a, b)


def test_path_cli_by_name(discograph):
    result = mcg(discograph, "path", "--snapshot", "20150101", "--ruleset", "all-credits", "Autechre", "Sean Booth")

    assert "Autechre" in result.stdout
    assert "Sean Booth" in result.stdout
    assert "Producer" in result.stdout


@pytest.mark.parametrize("sample_set", SAMPLE_SETS[1:])
def test_pipeline_on_every_sample_set(tmp_path, samples_dir, sample_set):
    data_root = tmp_path / "data"
    mcg(data_root, "pipeline", "run", "--snapshot", "sample", "--raw-dir", str(samples_dir / sample_set),
        "--rulesets", "all-credits", "--no-research")

    assert (data_root / "exports" / "sample" / "site" / "index.html").is_file()
    assert (data_root / "graph" / "sample" / "all-credits" / "manifest.json").is_file()


def test_demo_month(tmp_path):
    data_root = tmp_path / "data"
    result = mcg(data_root, "demo", "--releases", "1500", "--top", "60")

    assert (data_root / "exports" / "demo" / "site" / "index.html").is_file()
    assert "mcg" in result.stdout and "serve --snapshot demo" in result.stdout
    suggested = result.stdout.split("--ruleset all-credits ")[-1].split()
    assert len(suggested) == 2
    assert all(artist.isdigit() for artist in suggested)
    chain = mcg(data_root, "path", "--snapshot", "demo", "--ruleset", "all-credits", *suggested)
    assert "hop" in chain.stdout
    for ruleset in ("all-credits", "performers", "studio"):
        assert (data_root / "graph" / "demo" / ruleset / "manifest.json").is_file(), ruleset
