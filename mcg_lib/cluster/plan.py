"""Plan the stage Jobs from the stage list: which Jobs, in what order, with which arguments.

Every stage in pipelines/stages.toml becomes one Job that runs the stage
notebook with papermill. A per-ruleset stage becomes one Job per default
ruleset. A stage that declares the parameters ``step``, ``chunks`` and
``index`` fans out into three Jobs: a split Job, an Indexed Job whose pods
each parse one chunk on a worker, and a merge Job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcg_lib.cluster import CLUSTER_DATA_ROOT
from mcg_lib.pipeline.stages import PipelineConfig, Stage

# Variables the submitter sets on each Job it creates; papermill's arguments
# refer to them as $(NAME), which the kubelet expands.
SNAPSHOT_VAR = "MCG_SNAPSHOT"
RUN_ID_VAR = "MCG_RUN_ID"
INDEX_VAR = "JOB_COMPLETION_INDEX"

FANOUT_PARAMETERS = frozenset({"step", "chunks", "index"})

# The stage that writes graph/<snapshot>/<ruleset>/; the stages after it read that folder.
GRAPH_STAGE = "graph"


@dataclass(frozen=True)
class JobPlan:
    """One Job to render: its key, the stage it runs and how.

    ``local_graph`` names the ruleset whose graph the pod copies to its
    node's disk before the stage starts, for a worker stage that reads it.
    """

    key: str
    stage: Stage
    output_name: str
    placement: str
    parameters: dict[str, Any] = field(default_factory=dict)
    completions: int | None = None
    local_graph: str | None = None


def plan_jobs(pipeline: PipelineConfig) -> list[JobPlan]:
    """List the Jobs of the pipeline in run order."""
    plans: list[JobPlan] = []
    for stage in pipeline.stages:
        if FANOUT_PARAMETERS <= set(stage.parameters):
            plans.extend(_fanout_plans(stage))
        elif stage.per_ruleset:
            reads_graph = GRAPH_STAGE in upstream_stages(pipeline, stage)
            plans.extend(_ruleset_plan(stage, r, reads_graph) for r in pipeline.rulesets)
        else:
            stem = Path(stage.notebook).stem
            plans.append(JobPlan(stage.name, stage, f"{stem}.ipynb", stage.placement))
    return plans


def upstream_stages(pipeline: PipelineConfig, stage: Stage) -> set[str]:
    """Return the names of every stage that ``stage`` needs, directly or through others."""
    found: set[str] = set()
    pending = list(stage.needs)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(pipeline.stage(name).needs)
    return found


def _ruleset_plan(stage: Stage, ruleset: str, reads_graph: bool) -> JobPlan:
    """Plan one Job of a per-ruleset stage; a worker stage after the graph gets a local copy."""
    stem = Path(stage.notebook).stem
    local = reads_graph and stage.placement == "worker"
    return JobPlan(
        key=f"{stage.name}-{ruleset}",
        stage=stage,
        output_name=f"{stem}-{ruleset}.ipynb",
        placement=stage.placement,
        parameters={"ruleset": ruleset},
        local_graph=ruleset if local else None,
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
