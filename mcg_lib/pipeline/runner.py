"""Run the stage notebooks in order with papermill: ``mcg pipeline run``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcg_lib.errors import ConfigError
from mcg_lib.log import get_logger
from mcg_lib.notebooks import execute_notebook
from mcg_lib.paths import DataRoot, check_ruleset_name, check_snapshot_name
from mcg_lib.pipeline.stages import Stage, load_pipeline, project_dir
from mcg_lib.pipeline.state import check_parameters, is_current, stage_fingerprint
from mcg_lib.publish import exclusive_lock, write_json_atomic

log = get_logger(__name__)


@dataclass
class PipelinePlan:
    """What one ``mcg pipeline run`` executes."""

    snapshot: str
    root: DataRoot
    rulesets: list[str]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    force: set[str] = field(default_factory=set)
    only: set[str] | None = None


def plan_pipeline(
    snapshot: str,
    root: DataRoot,
    *,
    rulesets: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    force: list[str] | None = None,
    only: list[str] | None = None,
) -> PipelinePlan:
    """Check the request against the stage list and return the plan.

    ``overrides`` are parameter values by name; each goes to every stage that
    declares a parameter of that name (``raw_dir`` to fetch, ``top`` to
    precompute, ...).
    """
    check_snapshot_name(snapshot)
    pipeline = load_pipeline()
    names = {stage.name for stage in pipeline.stages}
    for name in list(force or []) + list(only or []):
        if name not in names and name != "all":
            raise ConfigError(f"unknown stage {name!r}", hint=f"the stages are: {', '.join(sorted(names))}")

    rulesets = list(rulesets or pipeline.rulesets)
    for ruleset in rulesets:
        check_ruleset_name(ruleset)
        if not (project_dir() / "pipelines" / "rulesets" / f"{ruleset}.toml").is_file():
            raise ConfigError(
                f"ruleset {ruleset!r} not found in pipelines/rulesets/",
                hint="run 'mcg rulesets list' to see the rulesets",
            )

    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    params = {}
    used = set()
    for stage in pipeline.stages:
        declared = stage.parameters
        params[stage.name] = {k: v for k, v in overrides.items() if k in declared}
        used.update(params[stage.name])
        if "rulesets" in declared:
            params[stage.name]["rulesets"] = ",".join(rulesets)
    unused = sorted(set(overrides) - used)
    if unused:
        raise ConfigError(f"no stage takes the parameter(s) {', '.join(unused)}")

    forced = set(names) if "all" in (force or []) else set(force or [])
    return PipelinePlan(snapshot, root, rulesets, params, forced, set(only) if only else None)


def run_pipeline(plan: PipelinePlan) -> Path:
    """Execute every stage of the plan in order; return the folder of executed notebooks."""
    # Two runs on one snapshot would rebuild and replace each other's outputs.
    lock = plan.root.staging / f"pipeline-{plan.snapshot}.lock"
    with exclusive_lock(lock, busy=f"another mcg pipeline run is working on snapshot {plan.snapshot}"):
        run_dir = _new_run_dir(plan.root.runs(plan.snapshot))
        run_id = run_dir.name
        record: dict[str, Any] = {"snapshot": plan.snapshot, "run_id": run_id, "rulesets": plan.rulesets, "stages": []}
        started = time.monotonic()
        log.info("pipeline run %s for snapshot %s (rulesets: %s)", run_id, plan.snapshot, ", ".join(plan.rulesets))

        try:
            for stage in load_pipeline().stages:
                if plan.only is not None and stage.name not in plan.only:
                    continue
                for ruleset in plan.rulesets if stage.per_ruleset else [None]:
                    record["stages"].append(_run_one(plan, stage, ruleset, run_dir))
        finally:
            record["seconds"] = round(time.monotonic() - started, 1)
            if record["stages"]:
                write_json_atomic(run_dir / "run.json", record)

    log.info("pipeline finished in %.0f s; executed notebooks are in %s", record["seconds"], run_dir)
    return run_dir


def _new_run_dir(runs: Path) -> Path:
    """Return the folder of a new run, named by the time; a second run within a second gets a suffix."""
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = runs / run_id, 1
    while candidate.exists():
        number += 1
        candidate = runs / f"{run_id}-{number}"
    return candidate


def _run_one(plan: PipelinePlan, stage: Stage, ruleset: str | None, run_dir: Path) -> dict[str, Any]:
    label = stage.name if ruleset is None else f"{stage.name} [{ruleset}]"
    params = check_parameters(stage, plan.params.get(stage.name, {}))
    force = stage.name in plan.force

    facts = stage_fingerprint(plan.root, stage, plan.snapshot, ruleset, params)
    if not force and is_current(plan.root, stage, plan.snapshot, ruleset, facts):
        log.info("%-22s skipped: outputs are current for snapshot %s", label, plan.snapshot)
        return {"stage": stage.name, "ruleset": ruleset, "status": "skipped"}

    name = stage.notebook if ruleset is None else stage.notebook.replace(".ipynb", f".{ruleset}.ipynb")
    output = run_dir / name
    parameters = {"snapshot": plan.snapshot, "data_root": str(plan.root.root), "force": force, **params}
    if ruleset is not None:
        parameters["ruleset"] = ruleset

    log.info("%-22s running %s", label, stage.notebook)
    started = time.monotonic()
    execute_notebook(stage.notebook_path, output, parameters, cwd=project_dir())
    seconds = round(time.monotonic() - started, 1)
    log.info("%-22s done in %.1f s", label, seconds)
    return {"stage": stage.name, "ruleset": ruleset, "status": "ran", "seconds": seconds,
            "notebook": str(output.relative_to(plan.root.root))}
