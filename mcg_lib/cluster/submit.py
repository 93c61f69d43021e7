"""Submit the monthly pipeline: create the stage Jobs in order, each after the previous one.

The order and the Jobs come from the rendered file k8s/jobs/pipeline.yaml in
the image the submitter runs in, so the Jobs always match the notebooks of
that image. Talking to Kubernetes goes through a ``JobApi``:
``mcg_lib.cluster.kube.KubeJobApi`` in the cluster, a fake in the tests.
"""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from mcg_lib.cluster.plan import RUN_ID_VAR, SNAPSHOT_VAR
from mcg_lib.errors import McgError
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.stages import project_dir
from mcg_lib.publish import write_json_atomic

log = get_logger(__name__)

STAGE_SELECTOR = "app.kubernetes.io/component=stage"
# Consecutive failed status reads tolerated before the submitter gives up.
MAX_API_ERRORS = 10


@dataclass(frozen=True)
class JobState:
    """The state of a Job: running, complete or failed, with the Job's failure reason."""

    phase: Literal["running", "complete", "failed"]
    reason: str = ""
    message: str = ""


class ApiUnavailable(Exception):
    """The Kubernetes API did not respond; the request may succeed when retried."""


class JobApi(Protocol):
    """The Kubernetes calls the submitter makes, all in one namespace."""

    namespace: str

    def create_job(self, manifest: dict[str, Any]) -> None: ...

    def job_state(self, name: str) -> JobState: ...

    def unfinished_jobs(self, label_selector: str) -> list[str]: ...


@dataclass
class RunRecord:
    """The record of one run, written to runs/<snapshot>/<run_id>/run.json after each Job."""

    snapshot: str
    run_id: str
    image: str
    started_at: str
    jobs: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "running"

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "run_id": self.run_id,
            "image": self.image,
            "started_at": self.started_at,
            "outcome": self.outcome,
            "jobs": self.jobs,
        }


def default_snapshot(now: datetime) -> str:
    """Return the snapshot of the month ``now`` falls in: Discogs dates its dumps YYYYMM01."""
    return f"{now:%Y%m}01"


def new_run_id(now: datetime) -> str:
    """Return a run id that sorts by time and is valid in a Job name."""
    return f"{now:%Y%m%d-%H%M%S}"


def instantiate_job(
    template: dict[str, Any], *, snapshot: str, run_id: str, image: str
) -> dict[str, Any]:
    """Return a Job to create from a rendered template, for one snapshot and run."""
    job = copy.deepcopy(template)
    job["metadata"]["name"] = f"{template['metadata']['name']}-{run_id}"

    run_labels = {"mcg/snapshot": snapshot, "mcg/run-id": run_id}
    job["metadata"]["labels"].update(run_labels)
    job["spec"]["template"]["metadata"]["labels"].update(run_labels)

    values = {SNAPSHOT_VAR: snapshot, RUN_ID_VAR: run_id}
    pod = job["spec"]["template"]["spec"]
    for container in pod.get("initContainers", []) + pod["containers"]:
        container["image"] = image
        for variable in container.get("env", []):
            if variable["name"] in values:
                variable["value"] = values[variable["name"]]
    return job


def wait_for_job(
    api: JobApi,
    name: str,
    *,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> JobState:
    """Poll a Job until it completes or fails; tolerate short API outages."""
    errors = 0
    while True:
        try:
            state = api.job_state(name)
            errors = 0
        except ApiUnavailable as error:
            errors += 1
            log.warning("reading Job %s failed (%d of %d): %s", name, errors, MAX_API_ERRORS, error)
            if errors >= MAX_API_ERRORS:
                raise McgError(
                    f"the Kubernetes API did not respond {MAX_API_ERRORS} times in a row "
                    f"while the submitter waited for Job {name}",
                    hint=f"check the K3s server ('kubectl get nodes'), then Job {name}, "
                    "and rerun the submitter",
                ) from error
            state = JobState("running")

        if state.phase != "running":
            return state
        sleep(poll_seconds)


def submit_pipeline(
    api: JobApi,
    templates: list[dict[str, Any]],
    *,
    root: DataRoot,
    snapshot: str,
    run_id: str,
    image: str,
    poll_seconds: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> RunRecord:
    """Run the stage Jobs one after another and return the run's record.

    Stops at the first failed Job and raises McgError naming it; the record
    on disk then lists which Jobs finished. A rerun with the same snapshot
    skips the stages whose outputs are current.
    """
    _refuse_concurrent_run(api)
    run_dir = _prepare_run_dir(root, snapshot, run_id)
    record = RunRecord(snapshot, run_id, image, datetime.now(UTC).isoformat(timespec="seconds"))
    log.info("run %s of snapshot %s: %d Jobs, image %s", run_id, snapshot, len(templates), image)

    for template in templates:
        job = instantiate_job(template, snapshot=snapshot, run_id=run_id, image=image)
        name = job["metadata"]["name"]
        entry = {"job": name, "state": "running", "reason": "", "message": ""}
        record.jobs.append(entry)
        write_json_atomic(run_dir / "run.json", record.as_dict())

        api.create_job(job)
        log.info("%-40s created", name)
        state = wait_for_job(api, name, poll_seconds=poll_seconds, sleep=sleep)
        entry.update(state=state.phase, reason=state.reason, message=state.message)

        if state.phase == "failed":
            record.outcome = "failed"
            write_json_atomic(run_dir / "run.json", record.as_dict())
            raise McgError(
                f"Job {name} failed ({state.reason or 'no reason given'}): {state.message}",
                hint=f"read 'kubectl -n {api.namespace} logs job/{name}' and the executed notebook "
                f"under {run_dir}. After the fix, rerun the submitter with --snapshot {snapshot}: "
                "stages whose outputs are current are skipped",
            )
        log.info("%-40s complete", name)

    record.outcome = "complete"
    write_json_atomic(run_dir / "run.json", record.as_dict())
    log.info("run %s of snapshot %s complete", run_id, snapshot)
    return record


def _refuse_concurrent_run(api: JobApi) -> None:
    """Raise if a stage Job of an earlier run is still running, because two runs would race."""
    unfinished = api.unfinished_jobs(STAGE_SELECTOR)
    if unfinished:
        raise McgError(
            f"stage Jobs of an earlier run are still running: {', '.join(sorted(unfinished))}",
            hint="wait for them to finish, or delete them with "
            f"'kubectl -n {api.namespace} delete job NAME', then rerun",
        )


def _prepare_run_dir(root: DataRoot, snapshot: str, run_id: str) -> Path:
    """Create the run's folder for papermill's output; copy the stage list and rulesets in."""
    run_dir = root.runs(snapshot) / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    pipelines = project_dir() / "pipelines"
    if pipelines.is_dir():
        shutil.copytree(pipelines, run_dir / "pipelines")
    return run_dir
