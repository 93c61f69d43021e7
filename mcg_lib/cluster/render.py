"""Render the stage Jobs of the home cluster from the stage list.

Every stage in pipelines/stages.toml becomes one Job that runs the stage
notebook with papermill in the project image. A per-ruleset stage becomes one
Job per default ruleset. A stage that declares the parameters ``step``,
``chunks`` and ``index`` fans out into three Jobs: a split Job, an Indexed Job
whose pods each parse one chunk on a worker, and a merge Job.

The rendered file (``k8s/jobs/pipeline.yaml``) lists the Jobs in the order the
submitter runs them. The Jobs are templates: the submitter fills in the
snapshot, the run id and the image before it creates each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mcg_lib.cluster import (
    CLUSTER_DATA_ROOT,
    IMAGE_UID,
    IMAGE_WORKDIR,
    LOCAL_CLAIM,
    NFS_CLAIM,
    PLACEMENT_LABEL,
)
from mcg_lib.pipeline.stages import PipelineConfig, Stage

CONTAINER = "stage"

# Variables the submitter sets on each Job it creates; papermill's arguments
# refer to them as $(NAME), which the kubelet expands.
SNAPSHOT_VAR = "MCG_SNAPSHOT"
RUN_ID_VAR = "MCG_RUN_ID"
INDEX_VAR = "JOB_COMPLETION_INDEX"

FANOUT_PARAMETERS = frozenset({"step", "chunks", "index"})

# NOTE: estimates, not measured on the boards: a quarter of the releases dump
# parsed on a Pi 3B, or a full download over the ZimaBoard's Wi-Fi.
DEADLINE_SECONDS = 12 * 3600
BACKOFF_LIMIT = 2
# Finished Jobs and their pod logs stay a week; the executed notebooks under
# runs/ on the NVMe are the lasting record.
TTL_SECONDS = 7 * 24 * 3600

# papermill exits 138 when the kernel died; the kubelet reports 137 when the
# container was killed (SIGKILL, usually the memory limit).
KILLED_EXIT_CODES = [137, 138]

HEADER = """\
# The stage Jobs of the monthly pipeline, in the order the submitter runs them.
# Generated from pipelines/stages.toml by `mcg cluster render`: do not edit.
# tests/test_k8s_render.py fails when this file differs from the renderer's output.
"""


@dataclass(frozen=True)
class JobPlan:
    """One Job to render: its key, the stage it runs and how."""

    key: str
    stage: Stage
    output_name: str
    placement: str
    parameters: dict[str, Any] = field(default_factory=dict)
    completions: int | None = None


def plan_jobs(pipeline: PipelineConfig) -> list[JobPlan]:
    """List the Jobs of the pipeline in run order."""
    plans: list[JobPlan] = []
    for stage in pipeline.stages:
        if FANOUT_PARAMETERS <= set(stage.parameters):
            plans.extend(_fanout_plans(stage))
        elif stage.per_ruleset:
            plans.extend(_ruleset_plan(stage, ruleset) for ruleset in pipeline.rulesets)
        else:
            stem = Path(stage.notebook).stem
            plans.append(JobPlan(stage.name, stage, f"{stem}.ipynb", stage.placement))
    return plans


def _ruleset_plan(stage: Stage, ruleset: str) -> JobPlan:
    stem = Path(stage.notebook).stem
    return JobPlan(
        key=f"{stage.name}-{ruleset}",
        stage=stage,
        output_name=f"{stem}-{ruleset}.ipynb",
        placement=stage.placement,
        parameters={"ruleset": ruleset},
    )


def _fanout_plans(stage: Stage) -> list[JobPlan]:
    """Split on the stage's own node, one chunk per worker, merge on the stage's node."""
    stem = Path(stage.notebook).stem
    chunks = int(stage.parameters["chunks"])
    return [
        JobPlan(
            key=f"{stage.name}-split",
            stage=stage,
            output_name=f"{stem}-split.ipynb",
            placement=stage.placement,
            parameters={"step": "split", "chunks": chunks},
        ),
        JobPlan(
            key=f"{stage.name}-chunk",
            stage=stage,
            output_name=f"{stem}-chunk-$({INDEX_VAR}).ipynb",
            placement="worker",
            parameters={"step": "chunk", "index": f"$({INDEX_VAR})"},
            completions=chunks,
        ),
        JobPlan(
            key=f"{stage.name}-merge",
            stage=stage,
            output_name=f"{stem}-merge.ipynb",
            placement=stage.placement,
            parameters={"step": "merge"},
        ),
    ]


def papermill_args(plan: JobPlan) -> list[str]:
    """Return papermill's arguments for one Job.

    A parameter whose default in stages.toml is a string goes through ``-r``
    (raw), because papermill's ``-p`` would turn a snapshot such as 20250101
    into an integer. Numbers and booleans go through ``-p``.
    """
    stage = plan.stage
    run_dir = f"{CLUSTER_DATA_ROOT}/runs/$({SNAPSHOT_VAR})/$({RUN_ID_VAR})"
    args = [f"notebooks/pipeline/{stage.notebook}", f"{run_dir}/{plan.output_name}"]

    params: dict[str, Any] = {"snapshot": f"$({SNAPSHOT_VAR})", "data_root": CLUSTER_DATA_ROOT}
    params.update(plan.parameters)
    defaults = stage.all_parameters()
    for name, value in params.items():
        flag = "-r" if isinstance(defaults[name], str) else "-p"
        args += [flag, name, str(value)]
    return args + ["--log-output", "--no-progress-bar"]


def render_job(plan: JobPlan) -> dict[str, Any]:
    """Return the Job manifest of one plan."""
    labels = {
        "app.kubernetes.io/name": "mcg",
        "app.kubernetes.io/component": "stage",
        "mcg/stage": plan.stage.name,
        "mcg/job": plan.key,
    }
    spec: dict[str, Any] = {
        "backoffLimit": BACKOFF_LIMIT,
        "activeDeadlineSeconds": DEADLINE_SECONDS,
        "ttlSecondsAfterFinished": TTL_SECONDS,
    }
    if plan.completions is not None:
        spec.update(
            completionMode="Indexed",
            completions=plan.completions,
            parallelism=plan.completions,
        )
    spec["podFailurePolicy"] = _pod_failure_policy()
    spec["template"] = {"metadata": {"labels": labels}, "spec": _pod_spec(plan)}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"mcg-{plan.key}", "labels": labels},
        "spec": spec,
    }


def _pod_failure_policy() -> dict[str, Any]:
    """Fail the Job on a notebook error; retry a killed kernel; ignore node loss."""
    return {
        "rules": [
            # A drained, preempted or lost node is not the stage's fault.
            {
                "action": "Ignore",
                "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
            },
            {
                "action": "Count",
                "onExitCodes": {
                    "containerName": CONTAINER,
                    "operator": "In",
                    "values": KILLED_EXIT_CODES,
                },
            },
            # papermill exits 1 when a cell raised: rerunning the same notebook fails the same way.
            {
                "action": "FailJob",
                "onExitCodes": {
                    "containerName": CONTAINER,
                    "operator": "NotIn",
                    "values": KILLED_EXIT_CODES,
                },
            },
        ]
    }


def _pod_spec(plan: JobPlan) -> dict[str, Any]:
    memory = f"{plan.stage.memory_mb}Mi"
    node_selector = {PLACEMENT_LABEL: plan.placement}
    if plan.placement == "worker":
        node_selector["kubernetes.io/arch"] = "arm64"
    claim = LOCAL_CLAIM if plan.placement == "storage" else NFS_CLAIM
    container = {
        "name": CONTAINER,
        "image": "mcg",
        "workingDir": IMAGE_WORKDIR,
        "command": ["papermill"],
        "args": papermill_args(plan),
        "env": [
            {"name": SNAPSHOT_VAR, "value": ""},
            {"name": RUN_ID_VAR, "value": ""},
            {"name": "MCG_NO_PROGRESS", "value": "1"},
        ],
        "resources": {"requests": {"cpu": "500m", "memory": memory}, "limits": {"memory": memory}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "music-graph", "mountPath": CLUSTER_DATA_ROOT}],
    }
    return {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "nodeSelector": node_selector,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": IMAGE_UID,
            "runAsGroup": IMAGE_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [{"name": "music-graph", "persistentVolumeClaim": {"claimName": claim}}],
    }


def render_jobs(pipeline: PipelineConfig) -> list[dict[str, Any]]:
    """Return every stage Job manifest, in run order."""
    return [render_job(plan) for plan in plan_jobs(pipeline)]


class _PlainDumper(yaml.SafeDumper):
    """A YAML dumper that writes shared values out in full instead of as anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_jobs(jobs: list[dict[str, Any]]) -> str:
    """Return the Jobs as one YAML stream with the generated-file header."""
    body = yaml.dump_all(
        jobs, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, width=120
    )
    return HEADER + "---\n" + body


def read_jobs(path: Path) -> list[dict[str, Any]]:
    """Load the Job manifests of a rendered file, in file order."""
    with open(path, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]
