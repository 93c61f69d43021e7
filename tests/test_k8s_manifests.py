"""Every Kustomize build renders and validates against the Kubernetes schemas in strict mode.

The Kubernetes version is the one of the K3s release the Ansible roles
install, so the schemas match the cluster the manifests are applied to.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mcg_lib.cluster import JOBS_FILE
from mcg_lib.cluster.render import read_jobs

REPO = Path(__file__).resolve().parents[1]
K8S = REPO / "k8s"
KUSTOMIZATIONS = sorted(p.parent for p in K8S.rglob("kustomization.yaml"))
HOME = K8S / "overlays" / "home"


def k3s_kubernetes_version() -> str:
    """Return the Kubernetes version (1.33.0) of the K3s release pinned in the Ansible vars."""
    variables = yaml.safe_load((REPO / "ansible" / "group_vars" / "all.yml").read_text())
    match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+\+k3s\d+", variables["k3s_version"])
    assert match, f"unexpected k3s_version {variables['k3s_version']!r}"
    return f"{match[1]}.{match[2]}.0"


def kustomize(folder: Path) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; see kubernetes.io/docs/tasks/tools to install it")
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"kubectl kustomize {folder} failed:\n{result.stderr}"
    return result.stdout


def validate_strict(path: Path) -> None:
    version = k3s_kubernetes_version()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kubernetes_validate",
            "--strict",
            "--quiet",
            "-k",
            version,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{path} is not valid Kubernetes {version}:\n{result.stdout}{result.stderr}"
    )


def build(folder: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(kustomize(folder)) if doc]


def find(objects: list[dict], kind: str, name: str) -> dict:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise AssertionError(f"{kind}/{name} not in the build")


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    specs = []
    for obj in objects:
        spec = obj.get("spec", {})
        if obj["kind"] == "CronJob":
            specs.append((obj["metadata"]["name"], spec["jobTemplate"]["spec"]["template"]["spec"]))
        elif "template" in spec:
            specs.append((obj["metadata"]["name"], spec["template"]["spec"]))
    return specs


def test_kustomizations_found():
    assert K8S / "base" in KUSTOMIZATIONS
    assert HOME in KUSTOMIZATIONS


@pytest.mark.parametrize("folder", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(K8S)))
def test_kustomization_validates_strict(folder, tmp_path):
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(kustomize(folder), encoding="utf-8")

    validate_strict(rendered)


def test_stage_jobs_validate_strict():
    validate_strict(REPO / JOBS_FILE)


def test_pods_run_as_non_root():
    objects = build(HOME) + read_jobs(REPO / JOBS_FILE)

    for name, spec in pod_specs(objects):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert "memory" in container["resources"]["limits"], name


def test_only_submitter_gets_api_token():
    for name, spec in pod_specs(build(HOME)):
        if name == "mcg-monthly":
            assert spec["serviceAccountName"] == "mcg-submitter"
        else:
            assert spec["automountServiceAccountToken"] is False, name


def test_home_overlay_sets_image_and_nfs():
    objects = build(HOME)
    images = {
        c["image"]
        for _, spec in pod_specs(objects)
        for c in spec.get("initContainers", []) + spec["containers"]
    }
    nfs = find(objects, "PersistentVolume", "mcg-music-graph-nfs")["spec"]["nfs"]

    assert "mcg" not in images, "the overlay must name the registry image"
    assert all(":" in image for image in images), f"unpinned image in {images}"
    assert not nfs["server"].endswith(".invalid")
    assert nfs["path"] == "/srv/music-graph"


def test_claims_used_by_jobs_exist():
    objects = build(HOME)
    claims = {obj["metadata"]["name"] for obj in objects if obj["kind"] == "PersistentVolumeClaim"}

    for job in read_jobs(REPO / JOBS_FILE):
        for volume in job["spec"]["template"]["spec"]["volumes"]:
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims


def test_local_volume_pinned_to_storage_node():
    volume = find(build(HOME), "PersistentVolume", "mcg-music-graph-local")
    terms = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]

    assert volume["spec"]["local"]["path"] == "/srv/music-graph"
    assert terms == [
        {"matchExpressions": [{"key": "mcg/placement", "operator": "In", "values": ["storage"]}]}
    ]


def test_monthly_cronjob_settings():
    cron = find(build(HOME), "CronJob", "mcg-monthly")["spec"]
    container = cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]

    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["startingDeadlineSeconds"] > 0
    assert cron["successfulJobsHistoryLimit"] >= 1
    assert cron["failedJobsHistoryLimit"] >= 1
    assert container["command"] == ["mcg", "cluster", "submit"]
    assert {"name": "MCG_DATA_ROOT", "value": "/srv/music-graph"} in container["env"]


def test_submitter_role_allows_only_needed_verbs():
    role = find(build(HOME), "Role", "mcg-submitter")
    allowed = {
        (res, verb) for rule in role["rules"] for res in rule["resources"] for verb in rule["verbs"]
    }

    assert allowed == {
        ("jobs", "create"),
        ("jobs", "get"),
        ("jobs", "list"),
        ("jobs/status", "get"),
        ("pods", "get"),
    }


def test_api_probes_and_service():
    objects = build(HOME)
    deployment = find(objects, "Deployment", "mcg-api")["spec"]["template"]["spec"]
    api = deployment["containers"][0]
    service = find(objects, "Service", "mcg-api")["spec"]

    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert service["ports"][0]["targetPort"] == "http"
    assert (
        service["selector"]
        == find(objects, "Deployment", "mcg-api")["spec"]["selector"]["matchLabels"]
    )


def test_api_runs_on_storage_node():
    """The API runs beside the NVMe, sized for full-size graphs, not on a 1 GB Pi."""
    deployment = find(build(HOME), "Deployment", "mcg-api")["spec"]
    pod = deployment["template"]["spec"]
    api = pod["containers"][0]
    command = api["command"]

    assert pod["nodeSelector"] == {"mcg/placement": "storage"}
    assert "initContainers" not in pod
    assert api["resources"]["requests"]["memory"] == "1Gi"
    assert api["resources"]["limits"]["memory"] == "1536Mi"
    assert command[command.index("--workers") + 1] == "1"
    assert command[command.index("--search-threads") + 1] == "2"
    assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_api_reads_graph_from_data_root():
    """The API reads graph/ of the ZimaBoard's data root, read-only, and no other folder."""
    objects = build(HOME)
    pod = find(objects, "Deployment", "mcg-api")["spec"]["template"]["spec"]
    api = pod["containers"][0]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    claim = find(objects, "PersistentVolumeClaim", "music-graph-local")["spec"]
    graph_job = next(
        job for job in read_jobs(REPO / JOBS_FILE) if job["metadata"]["labels"]["mcg/stage"] == "graph"
    )
    graph_job_claims = {
        volume["persistentVolumeClaim"]["claimName"]
        for volume in graph_job["spec"]["template"]["spec"]["volumes"]
        if "persistentVolumeClaim" in volume
    }

    assert api["command"][:4] == ["mcg", "--data-root", "/srv/music-graph", "api"]
    assert api["volumeMounts"] == [
        {
            "name": "music-graph",
            "mountPath": "/srv/music-graph/graph",
            "subPath": "graph",
            "readOnly": True,
        }
    ]
    assert volumes == {
        "music-graph": {
            "name": "music-graph",
            "persistentVolumeClaim": {"claimName": "music-graph-local", "readOnly": True},
        }
    }
    assert claim["volumeName"] == "mcg-music-graph-local"
    assert graph_job_claims == {"music-graph-local"}, "the graph Job writes another volume"


def test_api_serves_snapshot_from_configmap():
    pod = find(build(HOME), "Deployment", "mcg-api")["spec"]["template"]["spec"]
    api = pod["containers"][0]
    command = api["command"]
    snapshot = {env["name"]: env for env in api["env"]}["MCG_SNAPSHOT"]

    assert command[command.index("--snapshot") + 1] == "$(MCG_SNAPSHOT)"
    assert snapshot["valueFrom"]["configMapKeyRef"] == {"name": "mcg-current", "key": "snapshot"}


def test_network_policies_expose_only_api():
    objects = build(HOME)
    policies = [obj for obj in objects if obj["kind"] == "NetworkPolicy"]
    deny = find(objects, "NetworkPolicy", "default-deny-ingress")["spec"]
    allow = find(objects, "NetworkPolicy", "api-from-cloudflared")["spec"]

    assert len(policies) == 2
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert allow["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "api"
    assert allow["ingress"] == [
        {
            "from": [
                {
                    "podSelector": {
                        "matchLabels": {
                            "app.kubernetes.io/name": "mcg",
                            "app.kubernetes.io/component": "cloudflared",
                        }
                    }
                }
            ],
            "ports": [{"protocol": "TCP", "port": 8000}],
        }
    ]
