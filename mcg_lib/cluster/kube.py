"""The submitter's view of Kubernetes, through the official Python client.

Inside a pod the client reads the service account token; elsewhere it reads
the kubeconfig (``~/.kube/config`` or $KUBECONFIG), like kubectl.
"""

from __future__ import annotations

import os
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from mcg_lib.cluster.submit import ApiUnavailable, JobState
from mcg_lib.errors import ConfigError, NotFoundError

# Server-side errors and throttling that a retry may get past.
_RETRY_STATUSES = {429, 500, 502, 503, 504}


def load_api_client() -> client.ApiClient:
    """Return an API client configured from the pod's service account, else from the kubeconfig."""
    try:
        config.load_incluster_config()
    except ConfigException:
        try:
            # The client reads $KUBECONFIG once, when it is imported; read it at call time instead.
            config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
        except (ConfigException, FileNotFoundError) as error:
            raise ConfigError(
                f"no Kubernetes credentials found: {error}",
                hint="run inside the cluster, or point KUBECONFIG at the K3s kubeconfig "
                "(/etc/rancher/k3s/k3s.yaml on the server)",
            ) from None
    return client.ApiClient()


class KubeJobApi:
    """Create and watch Jobs in one namespace."""

    def __init__(self, api_client: client.ApiClient, namespace: str) -> None:
        self.namespace = namespace
        self._batch = client.BatchV1Api(api_client)
        self._core = client.CoreV1Api(api_client)

    def create_job(self, manifest: dict[str, Any]) -> None:
        self._batch.create_namespaced_job(self.namespace, body=manifest)

    def job_state(self, name: str) -> JobState:
        try:
            job = self._batch.read_namespaced_job_status(name, self.namespace)
        except ApiException as error:
            if error.status == 404:
                return JobState(
                    "failed", "NotFound", f"Job {name} was deleted while the submitter waited"
                )
            raise _unavailable_or_raise(error) from error
        except urllib3.exceptions.HTTPError as error:
            raise ApiUnavailable(str(error)) from error
        return state_of(job.status.conditions or [])

    def unfinished_jobs(self, label_selector: str) -> list[str]:
        jobs = self._batch.list_namespaced_job(self.namespace, label_selector=label_selector)
        return [
            job.metadata.name
            for job in jobs.items
            if state_of(job.status.conditions or []).phase == "running"
        ]

    def pod_image(self, pod_name: str, container: str) -> str:
        """Return the image of one container of a pod: the submitter's own, for the stage Jobs."""
        try:
            pod = self._core.read_namespaced_pod(pod_name, self.namespace)
        except ApiException as error:
            if error.status == 404:
                raise NotFoundError(
                    f"pod {pod_name} not found in namespace {self.namespace}"
                ) from None
            raise
        for spec in pod.spec.containers:
            if spec.name == container:
                return spec.image
        raise NotFoundError(f"pod {pod_name} has no container named {container}")


def state_of(conditions: list[Any]) -> JobState:
    """Read a Job's phase from its status conditions; only Complete and Failed are final."""
    for condition in conditions:
        if condition.status != "True":
            continue
        if condition.type == "Complete":
            return JobState("complete", condition.reason or "", condition.message or "")
        if condition.type == "Failed":
            return JobState("failed", condition.reason or "", condition.message or "")
    return JobState("running")


def _unavailable_or_raise(error: ApiException) -> Exception:
    if error.status in _RETRY_STATUSES:
        return ApiUnavailable(f"HTTP {error.status} {error.reason}")
    return error
