"""The stage Jobs rendered from pipelines/stages.toml, and the committed file that contains them."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mcg_lib.cli import cli
from mcg_lib.cluster import CLUSTER_DATA_ROOT, JOBS_FILE
from mcg_lib.cluster.plan import GRAPH_STAGE, plan_jobs, upstream_stages
from mcg_lib.cluster.pods import LOCAL_ROOT, pod_spec
from mcg_lib.cluster.render import dump_jobs, read_jobs, render_jobs
from mcg_lib.pipeline.stages import load_pipeline

REPO = Path(__file__).resolve().parents[1]
JOBS_PATH = REPO / JOBS_FILE

# A Pi 3B has 1 GB of RAM; the OS and the K3s agent need the rest.
PI_MEMORY_MB = 700


def committed_jobs() -> list[dict]:
    return read_jobs(JOBS_PATH)


def container(job: dict) -> dict:
    return job["spec"]["template"]["spec"]["containers"][0]


def papermill_call(job: dict) -> tuple[str, str, dict[str, tuple[str, str]]]:
    """Split a Job's papermill arguments into notebook, output and {name: (flag, value)}."""
    args = container(job)["args"]
    notebook, output, rest = args[0], args[1], args[2:]
    params = {}
    i = 0
    while i < len(rest):
        if rest[i] in ("-p", "-r"):
            params[rest[i + 1]] = (rest[i], rest[i + 2])
            i += 3
        else:
            i += 1
    return notebook, output, params


def declared_parameters(notebook: Path) -> set[str]:
    """Return the names assigned in the notebook's cell tagged 'parameters'."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            names = set()
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign):
                    names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
            return names
    raise AssertionError(f"{notebook} has no cell tagged 'parameters'")


def undeclared_parameters(job: dict, project: Path) -> list[str]:
    notebook, _, params = papermill_call(job)
    return sorted(set(params) - declared_parameters(project / notebook))


def test_committed_jobs_match_renderer():
    rendered = dump_jobs(render_jobs(load_pipeline()))

    assert JOBS_PATH.read_text(encoding="utf-8") == rendered, (
        f"{JOBS_FILE} is stale: run 'uv run mcg cluster render' and commit it"
    )


def test_render_check_command(tmp_path):
    runner = CliRunner()
    stale = tmp_path / "pipeline.yaml"
    stale.write_text("# an old rendering\n", encoding="utf-8")

    current = runner.invoke(cli, ["cluster", "render", "--check"])
    differs = runner.invoke(cli, ["cluster", "render", "--check", "--output", str(stale)])
    written = runner.invoke(cli, ["cluster", "render", "--output", str(stale)])

    assert current.exit_code == 0, current.output
    assert differs.exit_code != 0
    assert "mcg cluster render" in differs.output
    assert written.exit_code == 0, written.output
    assert stale.read_text(encoding="utf-8") == JOBS_PATH.read_text(encoding="utf-8")


def test_every_stage_has_jobs():
    pipeline = load_pipeline()
    jobs = committed_jobs()
    keys = [job["metadata"]["labels"]["mcg/job"] for job in jobs]

    for stage in pipeline.stages:
        stage_keys = [
            k
            for j, k in zip(jobs, keys, strict=True)
            if j["metadata"]["labels"]["mcg/stage"] == stage.name
        ]
        assert stage_keys, f"stage {stage.name} has no Job"
        if stage.per_ruleset:
            assert stage_keys == [f"{stage.name}-{r}" for r in pipeline.rulesets]


def test_jobs_follow_stage_order():
    order = [stage.name for stage in load_pipeline().stages]
    stages = [job["metadata"]["labels"]["mcg/stage"] for job in committed_jobs()]

    positions = [order.index(name) for name in stages]
    assert positions == sorted(positions)


def test_ingest_fans_out_over_workers():
    jobs = {job["metadata"]["labels"]["mcg/job"]: job for job in committed_jobs()}
    keys = list(jobs)
    chunk = jobs["ingest-chunk"]
    chunks = load_pipeline().stage("ingest").parameters["chunks"]

    assert keys.index("ingest-split") < keys.index("ingest-chunk") < keys.index("ingest-merge")
    assert chunk["spec"]["completionMode"] == "Indexed"
    assert chunk["spec"]["completions"] == chunks
    assert chunk["spec"]["parallelism"] == chunks
    assert chunk["spec"]["template"]["spec"]["nodeSelector"]["mcg/placement"] == "worker"
    assert papermill_call(chunk)[2]["index"] == ("-p", "$(JOB_COMPLETION_INDEX)")
    assert papermill_call(jobs["ingest-split"])[2]["step"] == ("-r", "split")
    assert papermill_call(jobs["ingest-merge"])[2]["step"] == ("-r", "merge")


def test_chunk_notebooks_do_not_collide():
    outputs = [papermill_call(job)[1] for job in committed_jobs()]

    assert len(outputs) == len(set(outputs))
    chunk_output = outputs[
        [j["metadata"]["name"] for j in committed_jobs()].index("mcg-ingest-chunk")
    ]
    assert "$(JOB_COMPLETION_INDEX)" in chunk_output


def test_jobs_set_deadlines_and_retries():
    for job in committed_jobs():
        spec = job["spec"]
        name = job["metadata"]["name"]
        assert spec["backoffLimit"] >= 1, name
        assert spec["activeDeadlineSeconds"] > 0, name
        assert spec["ttlSecondsAfterFinished"] > 0, name
        assert spec["template"]["spec"]["restartPolicy"] == "Never", name


def test_pod_failure_policy_rules():
    rules = committed_jobs()[0]["spec"]["podFailurePolicy"]["rules"]

    def action_for_exit(code: int) -> str:
        for rule in rules:
            codes = rule.get("onExitCodes")
            if codes is None:
                continue
            inside = code in codes["values"]
            if inside == (codes["operator"] == "In"):
                return rule["action"]
        return "Count"

    # papermill exits 1 when a cell raised, 138 when the kernel died; 137 is SIGKILL.
    assert action_for_exit(1) == "FailJob"
    assert action_for_exit(138) == "Count"
    assert action_for_exit(137) == "Count"
    assert rules[0] == {
        "action": "Ignore",
        "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
    }
    for job in committed_jobs():
        assert job["spec"]["podFailurePolicy"]["rules"] == rules


def test_resources_fit_their_nodes():
    pipeline = load_pipeline()
    for job in committed_jobs():
        stage = pipeline.stage(job["metadata"]["labels"]["mcg/stage"])
        resources = container(job)["resources"]
        selector = job["spec"]["template"]["spec"]["nodeSelector"]
        memory = f"{stage.memory_mb}Mi"

        assert resources["requests"]["memory"] == memory
        assert resources["limits"]["memory"] == memory
        if selector["mcg/placement"] == "worker":
            assert selector["kubernetes.io/arch"] == "arm64"
            assert stage.memory_mb <= PI_MEMORY_MB, (
                f"{job['metadata']['name']} does not fit a Pi 3B"
            )


def test_storage_jobs_mount_nvme_directly():
    for job in committed_jobs():
        pod = job["spec"]["template"]["spec"]
        claim = pod["volumes"][0]["persistentVolumeClaim"]["claimName"]
        placement = pod["nodeSelector"]["mcg/placement"]

        assert claim == ("music-graph-local" if placement == "storage" else "music-graph-nfs")
        assert container(job)["volumeMounts"][0]["mountPath"] == CLUSTER_DATA_ROOT


def test_string_parameters_pass_raw():
    """A snapshot such as 20250101 must reach the notebook as a string, not an int."""
    for job in committed_jobs():
        _, _, params = papermill_call(job)
        assert params["snapshot"] == ("-r", "$(MCG_SNAPSHOT)")
        assert params["data_root"] == ("-r", CLUSTER_DATA_ROOT)
        if "ruleset" in params:
            assert params["ruleset"][0] == "-r"


def test_jobs_write_notebooks_under_runs():
    for job in committed_jobs():
        notebook, output, _ = papermill_call(job)
        assert notebook.startswith("notebooks/pipeline/")
        assert output.startswith(f"{CLUSTER_DATA_ROOT}/runs/$(MCG_SNAPSHOT)/$(MCG_RUN_ID)/")


@pytest.mark.parametrize("job", committed_jobs(), ids=lambda job: job["metadata"]["name"])
def test_job_notebook_declares_parameters(job):
    notebook = REPO / papermill_call(job)[0]
    if not notebook.is_file():
        pytest.skip(f"{notebook.relative_to(REPO)} is not written yet")

    assert undeclared_parameters(job, REPO) == []


def test_parameter_check_finds_undeclared(tmp_path):
    job = next(j for j in committed_jobs() if j["metadata"]["name"] == "mcg-ingest-chunk")
    notebook = tmp_path / "notebooks" / "pipeline" / "10_ingest.ipynb"
    notebook.parent.mkdir(parents=True)
    cell = {
        "cell_type": "code",
        "metadata": {"tags": ["parameters"]},
        "source": ['snapshot = ""\n', 'data_root = ""\n', 'step: str = "all"\n'],
        "outputs": [],
        "execution_count": None,
    }
    notebook.write_text(
        json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )

    assert undeclared_parameters(job, tmp_path) == ["index"]


def test_worker_graph_readers_copy_locally():
    """A worker stage after the graph reads a verified local copy, never the graph over NFS."""
    pipeline = load_pipeline()
    checked = 0
    for job in committed_jobs():
        pod = job["spec"]["template"]["spec"]
        stage = pipeline.stage(job["metadata"]["labels"]["mcg/stage"])
        reads_graph = stage.per_ruleset and GRAPH_STAGE in upstream_stages(pipeline, stage)
        if pod["nodeSelector"]["mcg/placement"] != "worker" or not reads_graph:
            assert "initContainers" not in pod, job["metadata"]["name"]
            continue

        ruleset = papermill_call(job)[2]["ruleset"][1]
        sync = pod["initContainers"][0]["command"]
        graph_mount = container(job)["volumeMounts"][1]
        assert sync[:5] == ["mcg", "--data-root", CLUSTER_DATA_ROOT, "cluster", "sync-graph"]
        assert sync[sync.index("--ruleset") + 1] == ruleset
        assert sync[sync.index("--dest") + 1] == LOCAL_ROOT
        assert graph_mount == {
            "name": "local-graph",
            "mountPath": f"{CLUSTER_DATA_ROOT}/graph",
            "subPath": "graph",
            "readOnly": True,
        }
        checked += 1


def test_worker_stage_after_graph_gets_a_local_copy():
    """Were a stage that reads a graph placed on a Pi, its pod would copy the graph first."""
    pipeline = load_pipeline()
    on_worker = dataclasses.replace(pipeline.stage("export"), placement="worker")
    pipeline = dataclasses.replace(
        pipeline, stages=tuple(on_worker if s.name == "export" else s for s in pipeline.stages)
    )
    plans = [plan for plan in plan_jobs(pipeline) if plan.stage.name == "export"]

    assert [plan.local_graph for plan in plans] == list(pipeline.rulesets)
    pod = pod_spec(plans[0])
    sync = pod["initContainers"][0]["command"]
    assert sync[:5] == ["mcg", "--data-root", CLUSTER_DATA_ROOT, "cluster", "sync-graph"]
    assert sync[sync.index("--dest") + 1] == LOCAL_ROOT
    assert pod["containers"][0]["volumeMounts"][1]["readOnly"] is True


def test_upstream_stages_transitive():
    pipeline = load_pipeline()

    assert upstream_stages(pipeline, pipeline.stage("export")) == {
        "precompute",
        "graph",
        "ingest",
        "fetch",
    }
    assert upstream_stages(pipeline, pipeline.stage("fetch")) == set()
