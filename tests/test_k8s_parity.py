"""The rendered Jobs' commands, run here in order, build the same month as `mcg pipeline run`.

This runs every stage Job's papermill command from k8s/jobs/pipeline.yaml on
this machine, with the data root pointed at a temporary folder and the
Indexed ingest Job run once per index, as the cluster would. Its outputs are
compared with those of `mcg pipeline run` on the same generated month: table
contents (sorted rows), graph node and edge counts, and the export file list.
Two differences from the cluster apply to both sides alike. Fetch imports the
generated dumps (raw_dir) where the cluster downloads them. Precompute gets a
smaller top, fewer days and a fixed start date, which keeps the test short.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mcg_lib.cluster import CLUSTER_DATA_ROOT, JOBS_FILE
from mcg_lib.cluster.plan import INDEX_VAR, RUN_ID_VAR, SNAPSHOT_VAR
from mcg_lib.cluster.pods import LOCAL_ROOT
from mcg_lib.cluster.render import read_jobs
from mcg_lib.publish import read_json

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAPSHOT = "demo"
RUN_ID = "parity"

# Extra papermill parameters per stage, with the `mcg pipeline run` options that match them.
PRECOMPUTE = {"top": "50", "days": "20", "start_date": "2025-01-01"}
PIPELINE_OPTIONS = ["--top", "50", "--days", "20", "--start-date", "2025-01-01"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def mcg(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, MCG_NO_PROGRESS="1")
    return subprocess.run(
        [str(BIN / "mcg"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1500
    )


def require_pipeline_commands() -> None:
    for command in (["pipeline", "run", "--help"], ["generate", "dumps", "--help"]):
        if mcg(*command).returncode != 0:
            pytest.skip(
                f"'mcg {' '.join(command[:2])}' does not work yet; the parity test needs it"
            )


def job_commands(data_root: Path, raw_dir: Path) -> list[list[str]]:
    """Return the command lines of every Job, init containers first, with the values filled in.

    An init container copies a graph to a folder beside the data root, as it
    would to the Pi's disk. The stage itself then reads the graph in the data
    root: the pod mounts the copy there, which a process here cannot do.
    """
    commands = []
    for job in read_jobs(REPO / JOBS_FILE):
        pod = job["spec"]["template"]["spec"]
        local = data_root.parent / "local" / job["metadata"]["name"]
        for init in pod.get("initContainers", []):
            command = [str(BIN / init["command"][0]), *init["command"][1:]]
            values = {SNAPSHOT_VAR: SNAPSHOT}
            commands.append(
                [fill(arg, values, data_root).replace(LOCAL_ROOT, str(local)) for arg in command]
            )

        container = pod["containers"][0]
        base = [str(BIN / container["command"][0]), *container["args"]]
        stage = job["metadata"]["labels"]["mcg/stage"]
        if stage == "fetch":
            base += ["-r", "raw_dir", str(raw_dir)]
        if stage == "precompute":
            base += ["-p", "top", PRECOMPUTE["top"], "-p", "days", PRECOMPUTE["days"]]
            base += ["-r", "start_date", PRECOMPUTE["start_date"]]
        indexes = (
            range(job["spec"].get("completions", 1)) if "completionMode" in job["spec"] else [None]
        )
        for index in indexes:
            values = {SNAPSHOT_VAR: SNAPSHOT, RUN_ID_VAR: RUN_ID}
            if index is not None:
                values[INDEX_VAR] = str(index)
            commands.append([fill(arg, values, data_root) for arg in base])
    return commands


def fill(arg: str, values: dict[str, str], data_root: Path) -> str:
    for name, value in values.items():
        arg = arg.replace(f"$({name})", value)
    assert "$(" not in arg, f"unfilled variable in {arg}"
    return arg.replace(CLUSTER_DATA_ROOT, str(data_root))


def table_rows(root: Path) -> dict[str, list[tuple]]:
    rows = {}
    con = duckdb.connect()
    for folder in sorted((root / "curated" / SNAPSHOT).iterdir()):
        if folder.is_dir() and list(folder.rglob("*.parquet")):
            query = f"SELECT * FROM read_parquet('{folder}/**/*.parquet') ORDER BY ALL"
            rows[folder.name] = con.execute(query).fetchall()
    con.close()
    return rows


def graph_counts(root: Path) -> dict[str, dict]:
    graphs = root / "graph" / SNAPSHOT
    return {
        folder.name: read_json(folder / "manifest.json")["counts"]
        for folder in sorted(graphs.iterdir())
        if (folder / "manifest.json").is_file()
    }


def export_files(root: Path) -> list[str]:
    """List the export files, with the content hash in site asset names replaced by HASH.

    The site stamps its build time into its pages and scripts, so two builds
    minutes apart give some assets different content hashes.
    """
    exports = root / "exports" / SNAPSHOT
    names = (p.relative_to(exports).as_posix() for p in exports.rglob("*") if p.is_file())
    return sorted(re.sub(r"\.[0-9a-f]{10}\.", ".HASH.", name) for name in names)


def run_job_commands(cluster: Path, raw_dir: Path, env: dict[str, str]) -> None:
    # The submitter creates the run folder before the first Job writes into it.
    (cluster / "runs" / SNAPSHOT / RUN_ID).mkdir(parents=True)
    for command in job_commands(cluster, raw_dir):
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1500
        )
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr[-4000:]}"


def test_jobs_match_pipeline_run(tmp_path):
    require_pipeline_commands()
    raw_dir = tmp_path / "dumps"
    reference = tmp_path / "reference"
    cluster = tmp_path / "cluster"

    generated = mcg(
        "generate", "dumps", "--snapshot", SNAPSHOT, "--out", str(raw_dir), "--releases", "2000"
    )
    assert generated.returncode == 0, generated.stderr

    # The two sides write to separate data roots, so the reference runs alongside.
    env = dict(os.environ, MCG_NO_PROGRESS="1")
    pipeline_run = [str(BIN / "mcg"), "--data-root", str(reference), "pipeline", "run"]
    pipeline_run += ["--snapshot", SNAPSHOT, "--raw-dir", str(raw_dir), *PIPELINE_OPTIONS]
    reference_log = tmp_path / "reference.log"
    with open(reference_log, "w") as log:
        running = subprocess.Popen(pipeline_run, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            run_job_commands(cluster, raw_dir, env)
        finally:
            code = running.wait(timeout=1500)
    assert code == 0, reference_log.read_text()[-4000:]

    cluster_tables = table_rows(cluster)
    reference_tables = table_rows(reference)
    assert cluster_tables.keys() == reference_tables.keys()
    for table, rows in reference_tables.items():
        assert cluster_tables[table] == rows, f"table {table} differs"
    assert graph_counts(cluster) == graph_counts(reference)
    assert export_files(cluster) == export_files(reference)
