"""The submitter's ordering and waiting, against a fake Job API.

No Kubernetes cluster runs here, so FakeJobApi replaces it. It records every
call and plays back the Job states each test scripts.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import pytest

from mcg_lib.cluster import JOBS_FILE
from mcg_lib.cluster.pods import _sync_container
from mcg_lib.cluster.render import read_jobs
from mcg_lib.cluster.submit import (
    MAX_API_ERRORS,
    ApiUnavailable,
    JobState,
    default_snapshot,
    instantiate_job,
    new_run_id,
    submit_pipeline,
    wait_for_job,
)
from mcg_lib.errors import McgError
from mcg_lib.publish import read_json

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = read_jobs(REPO / JOBS_FILE)
IMAGE = "registry.home.arpa/mcg:1.2.3"


class FakeJobApi:
    """A fake Job API: each Job runs for ``polls`` status reads, then takes its final state."""

    namespace = "mcg"

    def __init__(self, polls: int = 2, fail: str | None = None, unfinished=(), errors: int = 0):
        self.polls = polls
        self.fail = fail
        self.unfinished = list(unfinished)
        self.errors = errors
        self.events: list[tuple[str, str]] = []
        self.created: list[dict] = []
        self.reads: dict[str, int] = {}

    def create_job(self, manifest: dict) -> None:
        name = manifest["metadata"]["name"]
        running = [n for n in self.reads if self.job_state_now(n).phase == "running"]
        assert not running, f"{name} created while {running} still run"
        self.created.append(manifest)
        self.reads[name] = 0
        self.events.append(("create", name))

    def job_state(self, name: str) -> JobState:
        if self.errors:
            self.errors -= 1
            raise ApiUnavailable("connection refused")
        self.reads[name] += 1
        self.events.append(("read", name))
        return self.job_state_now(name)

    def job_state_now(self, name: str) -> JobState:
        if self.reads[name] < self.polls:
            return JobState("running")
        if self.fail and name.startswith(self.fail):
            return JobState("failed", "PodFailurePolicy", "container stage exited with 1")
        return JobState("complete", "Completed")

    def unfinished_jobs(self, label_selector: str) -> list[str]:
        assert label_selector == "app.kubernetes.io/component=stage"
        return self.unfinished


def no_sleep(seconds: float) -> None:
    pass


def submit(api: FakeJobApi, data_root, **kwargs):
    return submit_pipeline(
        api,
        TEMPLATES,
        root=data_root,
        snapshot=kwargs.pop("snapshot", "20250101"),
        run_id=kwargs.pop("run_id", "20250103-030000"),
        image=IMAGE,
        poll_seconds=0,
        sleep=no_sleep,
        **kwargs,
    )


def test_jobs_created_in_order(data_root):
    api = FakeJobApi(polls=3)

    record = submit(api, data_root)

    names = [job["metadata"]["name"] for job in api.created]
    assert names == [f"{t['metadata']['name']}-20250103-030000" for t in TEMPLATES]
    assert record.outcome == "complete"
    assert all(entry["state"] == "complete" for entry in record.jobs)


def test_each_job_waits_for_previous(data_root):
    """FakeJobApi.create_job also fails the test if an earlier Job is still running."""
    api = FakeJobApi(polls=3)

    submit(api, data_root)

    creates = [i for i, (kind, _) in enumerate(api.events) if kind == "create"]
    for start, end in zip(creates, creates[1:] + [len(api.events)], strict=True):
        created = api.events[start][1]
        assert api.events[start + 1 : end] == [("read", created)] * 3


def test_failed_job_stops_run(data_root):
    api = FakeJobApi(polls=1, fail="mcg-graph-performers")

    with pytest.raises(McgError) as caught:
        submit(api, data_root)

    names = [job["metadata"]["name"] for job in api.created]
    assert names[-1] == "mcg-graph-performers-20250103-030000"
    assert "mcg-precompute-all-credits-20250103-030000" not in names
    assert "PodFailurePolicy" in str(caught.value)
    assert "kubectl -n mcg logs job/mcg-graph-performers-20250103-030000" in caught.value.hint
    record = read_json(data_root.runs("20250101") / "20250103-030000" / "run.json")
    assert record["outcome"] == "failed"
    assert record["jobs"][-1]["state"] == "failed"
    assert record["jobs"][-2]["state"] == "complete"


def test_run_record_and_stage_list_kept(data_root):
    api = FakeJobApi(polls=1)

    submit(api, data_root)

    run_dir = data_root.runs("20250101") / "20250103-030000"
    record = read_json(run_dir / "run.json")
    assert record["image"] == IMAGE
    assert record["snapshot"] == "20250101"
    assert len(record["jobs"]) == len(TEMPLATES)
    assert (run_dir / "pipelines" / "stages.toml").is_file()


def test_rerun_with_same_run_id_rejected(data_root):
    submit(FakeJobApi(polls=1), data_root)

    with pytest.raises(FileExistsError):
        submit(FakeJobApi(polls=1), data_root)


def test_refuses_while_earlier_run_active(data_root):
    api = FakeJobApi(unfinished=["mcg-site-20241203-030000"])

    with pytest.raises(McgError) as caught:
        submit(api, data_root)

    assert "mcg-site-20241203-030000" in str(caught.value)
    assert api.created == []


def test_wait_survives_short_api_outage():
    api = FakeJobApi(polls=1, errors=3)
    api.reads["job-a"] = 0
    slept = []

    state = wait_for_job(api, "job-a", poll_seconds=5, sleep=slept.append)

    assert state.phase == "complete"
    assert slept == [5, 5, 5]


def test_wait_gives_up_after_long_outage():
    api = FakeJobApi(errors=MAX_API_ERRORS)
    api.reads["job-a"] = 0

    with pytest.raises(McgError, match="did not respond"):
        wait_for_job(api, "job-a", poll_seconds=1, sleep=no_sleep)


def test_instantiate_fills_run_values():
    template = next(t for t in TEMPLATES if t["metadata"]["name"] == "mcg-ingest-chunk")

    job = instantiate_job(template, snapshot="20250101", run_id="20250103-030000", image=IMAGE)

    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert job["metadata"]["name"] == "mcg-ingest-chunk-20250103-030000"
    assert container["image"] == IMAGE
    assert env["MCG_SNAPSHOT"] == "20250101"
    assert env["MCG_RUN_ID"] == "20250103-030000"
    for labels in (job["metadata"]["labels"], job["spec"]["template"]["metadata"]["labels"]):
        assert labels["mcg/snapshot"] == "20250101"
        assert labels["mcg/run-id"] == "20250103-030000"
    assert template["spec"]["template"]["spec"]["containers"][0]["image"] == "mcg"


def test_instantiate_fills_init_container():
    template = copy.deepcopy(next(t for t in TEMPLATES if t["metadata"]["name"] == "mcg-export-studio"))
    # No committed Job copies a graph to a Pi today; give this one the init container a worker gets.
    template["spec"]["template"]["spec"]["initContainers"] = [_sync_container("studio")]

    job = instantiate_job(template, snapshot="20250101", run_id="r1", image=IMAGE)

    sync = job["spec"]["template"]["spec"]["initContainers"][0]
    assert sync["image"] == IMAGE
    assert {"name": "MCG_SNAPSHOT", "value": "20250101"} in sync["env"]


def test_job_names_fit_kubernetes_limit():
    run_id = new_run_id(datetime(2025, 12, 31, 23, 59, 59))

    for template in TEMPLATES:
        name = instantiate_job(template, snapshot="20251201", run_id=run_id, image=IMAGE)[
            "metadata"
        ]["name"]
        assert len(name) <= 63, name


def test_default_snapshot_is_month_start():
    assert default_snapshot(datetime(2025, 3, 17, 4, 0)) == "20250301"
    assert new_run_id(datetime(2025, 3, 3, 3, 0, 5)) == "20250303-030005"
