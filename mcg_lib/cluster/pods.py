"""The pod of a stage Job: placement, data volumes, resources and, on a worker, a local graph copy.

A pod on the ZimaBoard mounts the NVMe data root directly. A pod on a Pi mounts
it over NFS, except for the graph: a worker stage that reads a graph gets an
init container that copies the graph to the node's disk with
``mcg cluster sync-graph``, which verifies every checksum. The copy is mounted
over ``graph/`` of the data root, so the stage reads the same path either way
and never reads the graph over NFS.
"""

from __future__ import annotations

from typing import Any

from mcg_lib.cluster import (
    CLUSTER_DATA_ROOT,
    IMAGE_UID,
    IMAGE_WORKDIR,
    LOCAL_CLAIM,
    NFS_CLAIM,
    PLACEMENT_LABEL,
)
from mcg_lib.cluster.plan import RUN_ID_VAR, SNAPSHOT_VAR, JobPlan, papermill_args

CONTAINER = "stage"
SYNC_CONTAINER = "sync-graph"
# The local data root, on the node, into which the init container copies the graph.
LOCAL_ROOT = "/var/lib/mcg-local"

_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def pod_spec(plan: JobPlan) -> dict[str, Any]:
    """Return the pod spec of one planned Job."""
    node_selector = {PLACEMENT_LABEL: plan.placement}
    if plan.placement == "worker":
        node_selector["kubernetes.io/arch"] = "arm64"
    claim = LOCAL_CLAIM if plan.placement == "storage" else NFS_CLAIM
    volumes: list[dict[str, Any]] = [
        {"name": "music-graph", "persistentVolumeClaim": {"claimName": claim}}
    ]

    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "nodeSelector": node_selector,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": IMAGE_UID,
            "runAsGroup": IMAGE_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    container = _stage_container(plan)
    if plan.local_graph is not None:
        volumes.append({"name": "local-graph", "emptyDir": {}})
        spec["initContainers"] = [_sync_container(plan.local_graph)]
        container["volumeMounts"].append(
            {
                "name": "local-graph",
                "mountPath": f"{CLUSTER_DATA_ROOT}/graph",
                "subPath": "graph",
                "readOnly": True,
            }
        )
    spec["containers"] = [container]
    spec["volumes"] = volumes
    return spec


def _stage_container(plan: JobPlan) -> dict[str, Any]:
    memory = f"{plan.stage.memory_mb}Mi"
    return {
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
        "securityContext": dict(_SECURITY),
        "volumeMounts": [{"name": "music-graph", "mountPath": CLUSTER_DATA_ROOT}],
    }


def _sync_container(ruleset: str) -> dict[str, Any]:
    """Return the init container that copies one graph from the NFS data root to the node."""
    return {
        "name": SYNC_CONTAINER,
        "image": "mcg",
        "workingDir": IMAGE_WORKDIR,
        "command": [
            "mcg",
            "--data-root",
            CLUSTER_DATA_ROOT,
            "cluster",
            "sync-graph",
            "--snapshot",
            f"$({SNAPSHOT_VAR})",
            "--ruleset",
            ruleset,
            "--dest",
            LOCAL_ROOT,
        ],
        "env": [{"name": SNAPSHOT_VAR, "value": ""}, {"name": "MCG_NO_PROGRESS", "value": "1"}],
        # Streams one file at a time, so it needs little memory whatever the graph's size.
        "resources": {
            "requests": {"cpu": "250m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
        "securityContext": dict(_SECURITY),
        "volumeMounts": [
            {"name": "music-graph", "mountPath": CLUSTER_DATA_ROOT, "readOnly": True},
            {"name": "local-graph", "mountPath": LOCAL_ROOT},
        ],
    }
