"""Pi-local graph copies: every file copied once, verified against the graph manifest."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from mcg_lib.cli import cli
from mcg_lib.cluster.sync import prune_graphs, sync_graph
from mcg_lib.errors import ChecksumError, InputError, NotFoundError
from mcg_lib.paths import DataRoot

FILES = {
    "nodes.parquet": b"node bytes " * 1000,
    "edges.parquet": b"edge bytes " * 3000,
    "index/names.json": b'{"1": "Autechre"}',
}


def publish_graph(root: DataRoot, snapshot: str, ruleset: str, files=FILES) -> None:
    """Write a graph folder with a manifest in the shape the graph stage publishes."""
    folder = root.graph(snapshot, ruleset)
    entries = {}
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest = {"snapshot": snapshot, "ruleset": ruleset, "files": entries}
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture
def local(tmp_path) -> DataRoot:
    return DataRoot(tmp_path / "pi")


def test_sync_copies_and_verifies(data_root, local):
    publish_graph(data_root, "20250101", "all-credits")

    result = sync_graph(data_root, local, "20250101", "all-credits")

    target = local.graph("20250101", "all-credits")
    assert result.copied
    assert result.files == 3
    assert result.bytes == sum(len(d) for d in FILES.values())
    for rel, data in FILES.items():
        assert (target / rel).read_bytes() == data
    assert (target / "manifest.json").read_bytes() == (
        data_root.graph("20250101", "all-credits") / "manifest.json"
    ).read_bytes()
    assert not list(local.staging.iterdir())


def test_second_sync_keeps_copy(data_root, local):
    publish_graph(data_root, "20250101", "all-credits")
    sync_graph(data_root, local, "20250101", "all-credits")

    again = sync_graph(data_root, local, "20250101", "all-credits")

    assert not again.copied


def test_damaged_copy_recopied(data_root, local):
    publish_graph(data_root, "20250101", "all-credits")
    sync_graph(data_root, local, "20250101", "all-credits")
    damaged = local.graph("20250101", "all-credits") / "edges.parquet"
    damaged.write_bytes(b"x" * len(FILES["edges.parquet"]))

    again = sync_graph(data_root, local, "20250101", "all-credits")

    assert again.copied
    assert damaged.read_bytes() == FILES["edges.parquet"]


def test_corrupt_source_rejected(data_root, local):
    publish_graph(data_root, "20250101", "all-credits")
    source = data_root.graph("20250101", "all-credits") / "nodes.parquet"
    source.write_bytes(b"flipped" + FILES["nodes.parquet"][7:])

    with pytest.raises(ChecksumError) as caught:
        sync_graph(data_root, local, "20250101", "all-credits")

    assert caught.value.path == source
    assert not local.graph("20250101", "all-credits").exists()


def test_missing_source_file_rejected(data_root, local):
    publish_graph(data_root, "20250101", "all-credits")
    (data_root.graph("20250101", "all-credits") / "index" / "names.json").unlink()

    with pytest.raises(InputError, match="missing"):
        sync_graph(data_root, local, "20250101", "all-credits")


@pytest.mark.parametrize("name", ["../escape.bin", "/etc/passwd", "manifest.json"])
def test_unsafe_manifest_names_rejected(data_root, local, name):
    publish_graph(data_root, "20250101", "all-credits")
    manifest_path = data_root.graph("20250101", "all-credits") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][name] = {"sha256": "0" * 64, "bytes": 1}
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(InputError, match="invalid file name"):
        sync_graph(data_root, local, "20250101", "all-credits")


def test_missing_graph_names_command(data_root, local):
    with pytest.raises(NotFoundError) as caught:
        sync_graph(data_root, local, "20250101", "all-credits")

    assert "mcg graph --snapshot 20250101 --ruleset all-credits" in caught.value.hint


def test_prune_keeps_only_current(data_root, local):
    for snapshot in ["20241201", "20250101"]:
        publish_graph(data_root, snapshot, "all-credits")
        sync_graph(data_root, local, snapshot, "all-credits")

    removed = prune_graphs(local, "20250101")

    assert removed == ["20241201"]
    assert local.snapshots("graph") == ["20250101"]


def test_sync_graph_command(data_root, local):
    for ruleset in ["all-credits", "performers"]:
        publish_graph(data_root, "20250101", ruleset)
    publish_graph(data_root, "20241201", "all-credits")
    sync_graph(data_root, local, "20241201", "all-credits")
    args = ["--data-root", str(data_root.root), "cluster", "sync-graph", "--snapshot", "20250101"]
    args += [
        "--ruleset",
        "all-credits",
        "--ruleset",
        "performers",
        "--dest",
        str(local.root),
        "--prune",
    ]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 0, result.output
    assert "all-credits: 3 files" in result.output
    assert "removed the graphs of snapshot 20241201" in result.output
    assert (local.graph("20250101", "performers") / "manifest.json").is_file()
