"""The Kubernetes client adapter and `mcg cluster submit`, against a fake API server on 127.0.0.1.

No Kubernetes cluster runs here. FakeApiServer is a small HTTP server that
serves the few REST calls the submitter makes (create a Job, read its status,
list Jobs, read a pod), so the real client library sends real requests.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from click.testing import CliRunner
from kubernetes import client

from mcg_lib.cli import cli
from mcg_lib.cluster import JOBS_FILE
from mcg_lib.cluster.kube import KubeJobApi, load_api_client
from mcg_lib.cluster.render import read_jobs
from mcg_lib.cluster.submit import ApiUnavailable
from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.publish import read_json

JOBS = "/apis/batch/v1/namespaces/mcg/jobs"
TEMPLATES = read_jobs(Path(__file__).resolve().parents[1] / JOBS_FILE)


class FakeApiServer:
    """Jobs become Complete after ``polls`` status reads, or Failed when their name says so."""

    def __init__(self, polls: int = 1) -> None:
        self.polls = polls
        self.jobs: dict[str, dict] = {}
        self.reads: dict[str, int] = {}
        self.unavailable = 0
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def status(self, name: str) -> dict:
        if self.reads[name] < self.polls:
            return {"active": 1}
        kind = "Failed" if "fails" in name else "Complete"
        return {
            "conditions": [
                {"type": kind, "status": "True", "reason": f"{kind}Reason", "message": "m"}
            ]
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def reply(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                fake.requests.append(("POST", self.path))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = body["metadata"]["name"]
                fake.jobs[name] = body
                fake.reads[name] = 0
                self.reply(201, body)

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path))
                url = urlparse(self.path)
                if fake.unavailable:
                    fake.unavailable -= 1
                    self.reply(503, {"kind": "Status", "code": 503, "message": "busy"})
                elif url.path == JOBS:
                    self.reply(200, fake.job_list(parse_qs(url.query)))
                elif url.path.startswith(JOBS + "/") and url.path.endswith("/status"):
                    name = url.path[len(JOBS) + 1 : -len("/status")]
                    if name not in fake.jobs:
                        self.reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
                        return
                    fake.reads[name] += 1
                    self.reply(200, dict(fake.jobs[name], status=fake.status(name)))
                elif url.path == "/api/v1/namespaces/mcg/pods/submitter-pod":
                    pod = {
                        "metadata": {"name": "submitter-pod"},
                        "spec": {
                            "containers": [
                                {"name": "submit", "image": "registry.home.arpa/mcg:9.9.9"}
                            ]
                        },
                    }
                    self.reply(200, pod)
                else:
                    self.reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})

        return Handler

    def job_list(self, query: dict) -> dict:
        selector = query.get("labelSelector", [""])[0]
        key, _, value = selector.partition("=")
        items = [
            dict(job, status=self.status(name))
            for name, job in self.jobs.items()
            if job["metadata"]["labels"].get(key) == value
        ]
        return {"kind": "JobList", "apiVersion": "batch/v1", "metadata": {}, "items": items}


@pytest.fixture
def fake_api():
    fake = FakeApiServer()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def kubeconfig(fake_api, tmp_path, monkeypatch):
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": fake_api.url}}],
        "users": [{"name": "fake", "user": {"token": "test-token"}}],
        "contexts": [
            {"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": "mcg"}}
        ],
        "current-context": "fake",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return path


def job(name: str, component: str = "stage") -> dict:
    """Return the first rendered stage Job under another name and component label."""
    manifest = copy.deepcopy(TEMPLATES[0])
    manifest["metadata"]["name"] = name
    manifest["metadata"]["labels"]["app.kubernetes.io/component"] = component
    return manifest


def adapter(fake_api) -> KubeJobApi:
    configuration = client.Configuration()
    configuration.host = fake_api.url
    return KubeJobApi(client.ApiClient(configuration), "mcg")


def test_job_lifecycle_through_client(fake_api):
    api = adapter(fake_api)
    fake_api.polls = 2

    api.create_job(job("mcg-fetch-r1"))
    first = api.job_state("mcg-fetch-r1")
    second = api.job_state("mcg-fetch-r1")

    assert ("POST", JOBS) in fake_api.requests
    assert first.phase == "running"
    assert second.phase == "complete"
    assert second.reason == "CompleteReason"


def test_failed_and_deleted_jobs(fake_api):
    api = adapter(fake_api)
    api.create_job(job("mcg-fails-r1"))

    failed = api.job_state("mcg-fails-r1")
    deleted = api.job_state("mcg-never-created")

    assert (failed.phase, failed.reason) == ("failed", "FailedReason")
    assert (deleted.phase, deleted.reason) == ("failed", "NotFound")


def test_server_error_is_retryable(fake_api):
    api = adapter(fake_api)
    api.create_job(job("mcg-fetch-r1"))
    fake_api.unavailable = 1

    with pytest.raises(ApiUnavailable, match="503"):
        api.job_state("mcg-fetch-r1")
    assert api.job_state("mcg-fetch-r1").phase == "complete"


def test_unfinished_jobs_by_label(fake_api):
    api = adapter(fake_api)
    fake_api.polls = 5
    api.create_job(job("mcg-site-old"))
    api.create_job(job("mcg-monthly-1", component="submitter"))

    unfinished = api.unfinished_jobs("app.kubernetes.io/component=stage")

    assert unfinished == ["mcg-site-old"]


def test_pod_image(fake_api):
    api = adapter(fake_api)

    assert api.pod_image("submitter-pod", "submit") == "registry.home.arpa/mcg:9.9.9"
    with pytest.raises(NotFoundError):
        api.pod_image("submitter-pod", "other")
    with pytest.raises(NotFoundError):
        api.pod_image("missing-pod", "submit")


def test_kubeconfig_loaded(kubeconfig, fake_api):
    api = KubeJobApi(load_api_client(), "mcg")
    api.create_job(job("mcg-fetch-r1"))

    assert api.job_state("mcg-fetch-r1").phase == "complete"


def test_missing_credentials_named(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)

    with pytest.raises(ConfigError, match="no Kubernetes credentials"):
        load_api_client()


def test_submit_command_runs_every_job(kubeconfig, fake_api, data_root, monkeypatch):
    monkeypatch.setenv("POD_NAME", "submitter-pod")
    args = ["--data-root", str(data_root.root), "cluster", "submit", "--snapshot", "20250101"]
    args += ["--run-id", "r1", "--poll-seconds", "0"]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 0, result.output
    record = read_json(data_root.runs("20250101") / "r1" / "run.json")
    created = [name for method, name in fake_api.requests if method == "POST"]
    assert record["outcome"] == "complete"
    assert record["image"] == "registry.home.arpa/mcg:9.9.9"
    assert len(created) == len(record["jobs"]) == len(fake_api.jobs)
    images = {
        j["spec"]["template"]["spec"]["containers"][0]["image"] for j in fake_api.jobs.values()
    }
    assert images == {"registry.home.arpa/mcg:9.9.9"}


def test_submit_command_needs_image_outside_pod(kubeconfig, data_root, monkeypatch):
    monkeypatch.delenv("POD_NAME", raising=False)
    args = ["--data-root", str(data_root.root), "cluster", "submit", "--snapshot", "20250101"]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == ConfigError.exit_code
    assert "--image" in result.output
