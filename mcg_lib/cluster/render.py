"""Render the stage Jobs of the home cluster from the stage list.

The rendered file (``k8s/jobs/pipeline.yaml``) lists the Jobs in the order the
submitter runs them (see ``mcg_lib.cluster.plan``). The Jobs are templates:
the submitter fills in the snapshot, the run id and the image before it
creates each one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mcg_lib.cluster.plan import JobPlan, plan_jobs
from mcg_lib.cluster.pods import CONTAINER, pod_spec
from mcg_lib.pipeline.stages import PipelineConfig

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
    spec["template"] = {"metadata": {"labels": labels}, "spec": pod_spec(plan)}
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
