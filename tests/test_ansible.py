"""The Ansible playbook: syntax, lint, the storage role run twice on a temporary folder, backups."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import jinja2
import pytest
import yaml

from mcg_lib.cluster import CLUSTER_DATA_ROOT, IMAGE_UID, PLACEMENT_LABEL
from mcg_lib.paths import DataRoot

REPO = Path(__file__).resolve().parents[1]
ANSIBLE = REPO / "ansible"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed: run 'uv sync' (it is in the dev group)")
    return str(path)


def ansible_env(tmp_path: Path) -> dict[str, str]:
    """Keep Ansible's caches and temporary files inside the test's folder."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_CONFIG=str(ANSIBLE / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
    )
    return env


def run(args: list[str], tmp_path: Path, cwd: Path = ANSIBLE) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, env=ansible_env(tmp_path), capture_output=True, text=True, timeout=600
    )


def recap_counts(output: str) -> dict[str, int]:
    """Return ok/changed/failed... from the PLAY RECAP line of localhost."""
    line = next(line for line in output.splitlines() if line.startswith("localhost"))
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)}


def group_vars() -> dict:
    return yaml.safe_load((ANSIBLE / "group_vars" / "all.yml").read_text())


def test_playbook_syntax(tmp_path):
    result = run([tool("ansible-playbook"), "--syntax-check", "site.yml"], tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_lint_passes(tmp_path):
    """ansible-lint with the production profile, offline as .ansible-lint sets it."""
    result = run([tool("ansible-lint"), "--nocolor"], tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def test_storage_role_idempotent(tmp_path):
    root = tmp_path / "srv" / "music-graph"
    playbook = tmp_path / "storage.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Storage role on a folder",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "roles": ["storage"],
                }
            ]
        )
    )
    extra = {
        "mcg_storage_root": str(root),
        "k3s_data_dir": str(root / "k3s"),
        "mcg_uid": os.getuid(),
        # The local connection runs modules with the test's own Python.
        "ansible_python_interpreter": sys.executable,
    }
    command = [
        tool("ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        yaml.safe_dump(extra, default_flow_style=True).strip(),
        str(playbook),
    ]

    first = run(command, tmp_path)
    second = run(command, tmp_path)

    assert first.returncode == 0, first.stdout + first.stderr
    assert recap_counts(first.stdout)["changed"] > 0
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap_counts(second.stdout)["changed"] == 0, second.stdout
    for folder in ["raw", "curated", "graph", "exports", "staging", "manifests", "runs", "backups"]:
        assert (root / folder).is_dir(), folder
    assert (root / "k3s").stat().st_mode & 0o777 == 0o700


def test_storage_layout_matches_data_root():
    defaults = yaml.safe_load((ANSIBLE / "roles" / "storage" / "defaults" / "main.yml").read_text())
    root = DataRoot(Path("/data"))
    snapshot_folders = [root.raw("s"), root.curated("s"), root.graph("s", "r"), root.exports("s")]
    folders = {
        root.staging.name,
        root.manifests.name,
        root.backups.name,
        root.runs("s").parent.name,
    }
    folders |= {path.relative_to(root.root).parts[0] for path in snapshot_folders}

    assert set(defaults["storage_layout"]) == folders


def test_vars_match_cluster_constants():
    variables = group_vars()

    assert variables["mcg_uid"] == IMAGE_UID
    assert variables["mcg_storage_root"] == CLUSTER_DATA_ROOT


def test_k3s_roles_label_nodes():
    server = (ANSIBLE / "roles" / "k3s_server" / "templates" / "config.yaml.j2").read_text()
    agent = (ANSIBLE / "roles" / "k3s_agent" / "templates" / "config.yaml.j2").read_text()

    assert f"- {PLACEMENT_LABEL}=storage" in server
    assert f"- {PLACEMENT_LABEL}=worker" in agent


def test_inventory_groups():
    inventory = yaml.safe_load((ANSIBLE / "inventory" / "home.yml").read_text())
    groups = inventory["all"]["children"]["cluster"]["children"]

    assert set(groups) == {"server", "agents", "builder"}
    assert len(groups["server"]["hosts"]) == 1
    assert len(groups["agents"]["hosts"]) == 4


def render_backup_script(tmp_path: Path, source: Path, dest: Path, keep: int) -> Path:
    template = (ANSIBLE / "roles" / "backup" / "templates" / "mcg-backup.sh.j2").read_text()
    text = jinja2.Template(template).render(
        ansible_managed="test copy",
        backup_source=str(source),
        backup_dest=str(dest),
        backup_keep=keep,
        backup_paths=["manifests", "runs"],
    )
    script = tmp_path / "mcg-backup"
    script.write_text(text)
    script.chmod(0o755)
    return script


def test_backup_archives_and_keeps_count(tmp_path):
    if shutil.which("tar") is None:
        pytest.skip("tar is not installed")
    source = tmp_path / "data"
    dest = source / "backups"
    (source / "manifests" / "stages").mkdir(parents=True)
    (source / "manifests" / "stages" / "graph.json").write_text("{}")
    (source / "runs" / "20250101" / "r1").mkdir(parents=True)
    (source / "runs" / "20250101" / "r1" / "run.json").write_text("{}")
    (source / "curated").mkdir()
    (source / "curated" / "big.parquet").write_text("not archived")
    dest.mkdir()
    for stamp in ["20240101T000000Z", "20240201T000000Z", "20240301T000000Z"]:
        (dest / f"mcg-{stamp}.tar.gz").write_bytes(b"old")
    (dest / "notes.txt").write_text("not an archive")
    script = render_backup_script(tmp_path, source, dest, keep=2)

    result = subprocess.run([str(script)], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
    archives = sorted(p.name for p in dest.glob("mcg-*.tar.gz"))
    assert len(archives) == 2
    assert archives[0] == "mcg-20240301T000000Z.tar.gz"
    assert (dest / "notes.txt").exists()
    assert not list(dest.glob(".*partial"))
    with tarfile.open(dest / archives[1]) as archive:
        names = archive.getnames()
    assert "manifests/stages/graph.json" in names
    assert "runs/20250101/r1/run.json" in names
    assert not any(name.startswith("curated") for name in names)


def test_backup_fails_with_nothing_to_archive(tmp_path):
    source = tmp_path / "empty"
    source.mkdir()
    script = render_backup_script(tmp_path, source, source / "backups", keep=3)

    result = subprocess.run([str(script)], capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "nothing to archive" in result.stderr


@pytest.mark.parametrize(
    "template",
    ["wifi/templates/mcg-wifi-watch.sh.j2", "backup/templates/mcg-backup.sh.j2"],
)
def test_role_scripts_parse(tmp_path, template):
    text = jinja2.Template((ANSIBLE / "roles" / template).read_text()).render(
        ansible_managed="test copy",
        wifi_interface="wlan0",
        wifi_check_host="",
        backup_source="/srv/music-graph",
        backup_dest="/srv/music-graph/backups",
        backup_keep=12,
        backup_paths=["manifests", "runs"],
    )
    script = tmp_path / "script.sh"
    script.write_text(text)

    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
