"""cloudflared's configuration, checked by a schema because cloudflared cannot be installed here.

cloudflared ships neither on PyPI nor in Debian, so `cloudflared tunnel ingress
validate` cannot run in CI. The schema below covers the keys this project
uses, as Cloudflare's documentation of the tunnel configuration file describes
them: a tunnel id, a credentials file, the metrics address and ordered ingress
rules whose last one must match every request.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO / "k8s").rglob("cloudflared/config.yaml"))

RULE = {
    "type": "object",
    "required": ["service"],
    "additionalProperties": False,
    "properties": {
        # A wildcard may only be the leftmost label, as in *.example.org.
        "hostname": {"type": "string", "pattern": r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$"},
        "path": {"type": "string"},
        "service": {
            "type": "string",
            "pattern": r"^(https?://[^\s/]+(:\d+)?/?|tcp://\S+|ssh://\S+|unix:\S+"
            r"|http_status:[1-5]\d\d|hello_world)$",
        },
        "originRequest": {"type": "object"},
    },
}

SCHEMA = {
    "type": "object",
    "required": ["tunnel", "credentials-file", "ingress"],
    "additionalProperties": False,
    "properties": {
        "tunnel": {
            "type": "string",
            "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        },
        "credentials-file": {"type": "string", "pattern": r"^/\S+\.json$"},
        "metrics": {"type": "string", "pattern": r"^[\w.-]+:\d+$"},
        "ingress": {"type": "array", "minItems": 2, "items": RULE},
    },
}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_objects(folder: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; see kubernetes.io/docs/tasks/tools to install it")
    result = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def check_ingress(config: dict) -> None:
    """Raise ValueError unless only the last rule matches every request."""
    rules = config["ingress"]
    for rule in rules[:-1]:
        if "hostname" not in rule and "path" not in rule:
            raise ValueError(f"rule {rule} matches everything but is not the last rule")
    last = rules[-1]
    if "hostname" in last or "path" in last:
        raise ValueError("the last ingress rule must match every request: no hostname, no path")


def test_configs_found():
    assert REPO / "k8s" / "base" / "cloudflared" / "config.yaml" in CONFIGS
    assert REPO / "k8s" / "overlays" / "home" / "cloudflared" / "config.yaml" in CONFIGS


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_matches_schema(path):
    config = load(path)

    jsonschema.validate(config, SCHEMA)
    check_ingress(config)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_ingress_exposes_only_api(path):
    """Every routed hostname goes to the API Service; anything else gets an error status."""
    rules = load(path)["ingress"]

    for rule in rules[:-1]:
        assert rule["service"] == "http://mcg-api.mcg.svc.cluster.local:8000"
    assert re.fullmatch(r"http_status:4\d\d", rules[-1]["service"])


def test_ingress_target_is_real_service():
    objects = build_objects(REPO / "k8s" / "overlays" / "home")
    services = {
        (obj["metadata"]["name"], obj["metadata"]["namespace"], port["port"])
        for obj in objects
        if obj["kind"] == "Service"
        for port in obj["spec"]["ports"]
    }

    assert ("mcg-api", "mcg", 8000) in services


def test_config_paths_match_deployment():
    objects = build_objects(REPO / "k8s" / "overlays" / "home")
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "cloudflared"
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    config = load(REPO / "k8s" / "overlays" / "home" / "cloudflared" / "config.yaml")

    assert (
        container["args"][container["args"].index("--config") + 1]
        == f"{mounts['config']}/config.yaml"
    )
    assert config["credentials-file"].startswith(mounts["credentials"] + "/")
    assert container["livenessProbe"]["httpGet"]["port"] == int(config["metrics"].rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "bad",
    [
        {
            "ingress": [
                {"service": "http_status:404"},
                {"hostname": "a.example.org", "service": "http://x:1"},
            ]
        },
        {"ingress": [{"service": "http://x:1"}, {"service": "http_status:404"}]},
    ],
    ids=["catch-all not last", "two catch-alls"],
)
def test_ingress_check_rejects_bad_order(bad):
    with pytest.raises(ValueError):
        check_ingress(bad)


def test_schema_rejects_unknown_key():
    config = load(CONFIGS[0])
    config["ingres"] = config.pop("ingress")

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, SCHEMA)
