"""Run one stage and record what it read and wrote in a stage manifest.

A stage manifest (``manifests/stages/<snapshot>/<stage>[.<ruleset>].json``)
stores the fingerprint of the stage's inputs: its parameters, the code
version, the ruleset file and the output fingerprints of the stages it needs.
A stage whose manifest matches and whose outputs all exist is skipped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcg_lib import __version__
from mcg_lib.errors import ConfigError
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot
from mcg_lib.pipeline.stages import Stage, load_pipeline, project_dir
from mcg_lib.publish import checksum_tree, fingerprint, read_json, sha256_file, write_json_atomic

log = get_logger(__name__)


@dataclass
class StageResult:
    """What a stage function returns: the paths it published and a short summary."""

    outputs: list[Path]
    summary: dict[str, Any] = field(default_factory=dict)
    # False for a step that publishes nothing yet (one chunk of a fan-out):
    # it writes no stage manifest, so the stage does not look complete.
    record: bool = True
    # Checksums the stage already computed, {output: {file: sha256}}, so that
    # a month of dumps is not read a second time to fingerprint it.
    checksums: dict[str, Any] | None = None


def check_parameters(stage: Stage, params: dict[str, Any]) -> dict[str, Any]:
    """Return the stage's parameters with defaults filled in; reject unknown names."""
    declared = stage.all_parameters()
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise ConfigError(
            f"stage {stage.name} has no parameter {', '.join(unknown)}",
            hint=f"the {stage.name} stage declares: {', '.join(sorted(declared))}",
        )
    merged = {k: v for k, v in declared.items() if k not in ("snapshot", "data_root", "force", "ruleset")}
    merged.update({k: v for k, v in params.items() if k in merged})
    return merged


def stage_fingerprint(
    root: DataRoot, stage: Stage, snapshot: str, ruleset: str | None, params: dict[str, Any]
) -> dict[str, Any]:
    """Collect everything the stage's output depends on."""
    upstream = {}
    pipeline = load_pipeline()
    for name in stage.needs:
        needed = pipeline.stage(name)
        if needed.per_ruleset and ruleset is None:
            names = _site_rulesets(params) or list(pipeline.rulesets)
            for rs in names:
                upstream[f"{name}.{rs}"] = _output_fingerprint(root, snapshot, name, rs)
        else:
            upstream[name] = _output_fingerprint(root, snapshot, name, ruleset if needed.per_ruleset else None)

    facts: dict[str, Any] = {
        "stage": stage.name,
        "snapshot": snapshot,
        "ruleset": ruleset,
        "params": {k: v for k, v in params.items() if k not in stage.execution_parameters},
        "code": __version__,
        "upstream": upstream,
    }
    if ruleset is not None:
        ruleset_file = project_dir() / "pipelines" / "rulesets" / f"{ruleset}.toml"
        facts["ruleset_sha256"] = sha256_file(ruleset_file) if ruleset_file.is_file() else None
    raw_dir = params.get("raw_dir")
    if raw_dir:
        facts["raw_dir_listing"] = _listing(Path(raw_dir))
    return facts


def _site_rulesets(params: dict[str, Any]) -> list[str]:
    value = params.get("rulesets") or ""
    return [r.strip() for r in value.split(",") if r.strip()]


def _listing(folder: Path) -> list[tuple[str, int, int]]:
    if not folder.is_dir():
        return []
    return [
        (p.name, p.stat().st_size, int(p.stat().st_mtime))
        for p in sorted(folder.iterdir())
        if p.is_file()
    ]


def _output_fingerprint(root: DataRoot, snapshot: str, stage: str, ruleset: str | None) -> str | None:
    path = root.stage_manifest(snapshot, stage, ruleset)
    if not path.is_file():
        return None
    return read_json(path).get("output_fingerprint")


def is_current(root: DataRoot, stage: Stage, snapshot: str, ruleset: str | None, facts: dict) -> bool:
    """Return whether the stage's manifest matches ``facts`` and its outputs exist."""
    path = root.stage_manifest(snapshot, stage.name, ruleset)
    if not path.is_file():
        return False
    manifest = read_json(path)
    if manifest.get("input_fingerprint") != fingerprint(facts):
        return False
    return all((root.root / rel).exists() for rel in manifest.get("outputs", []))


def upstream_changes(
    root: DataRoot, stage: Stage, snapshot: str, ruleset: str | None, facts: dict
) -> list[str]:
    """Return the needed stages whose outputs changed since this stage was recorded.

    Only a change upstream counts: new parameters for a published stage still
    need ``force``, since they would replace outputs built on purpose.
    """
    path = root.stage_manifest(snapshot, stage.name, ruleset)
    if not path.is_file():
        return []
    recorded = read_json(path).get("inputs", {}).get("upstream", {})
    return sorted(
        name
        for name, output in facts["upstream"].items()
        if name in recorded and recorded[name] is not None and output != recorded[name]
    )


def run_stage(
    name: str,
    *,
    snapshot: str,
    data_root: str | Path | None = None,
    ruleset: str | None = None,
    force: bool = False,
    **params: Any,
) -> dict[str, Any]:
    """Run one stage unless its outputs are current, and return its manifest.

    This is the one entry point the CLI verbs, the stage notebooks and the K3s
    Jobs share, so each of them skips, publishes and records a stage the same way.
    """
    root = DataRoot.resolve(data_root)
    stage = load_pipeline().stage(name)
    if stage.per_ruleset and not ruleset:
        raise ConfigError(f"stage {name} runs per ruleset", hint="pass a ruleset, such as all-credits")
    if not stage.per_ruleset:
        ruleset = None
    params = check_parameters(stage, params)

    label = name if ruleset is None else f"{name} [{ruleset}]"
    facts = stage_fingerprint(root, stage, snapshot, ruleset, params)
    if not force and is_current(root, stage, snapshot, ruleset, facts):
        log.info("%-22s skipped: outputs are current for snapshot %s", label, snapshot)
        return read_json(root.stage_manifest(snapshot, name, ruleset))

    changed = [] if force else upstream_changes(root, stage, snapshot, ruleset, facts)
    if changed:
        # A stage built from inputs that have since been replaced is stale:
        # replace its outputs too, or the snapshot would mix two inputs.
        log.info("%-22s replacing outputs: %s changed since they were built", label, ", ".join(changed))

    log.info("%-22s started for snapshot %s", label, snapshot)
    started = time.monotonic()
    kwargs = dict(params)
    if ruleset is not None:
        kwargs["ruleset"] = ruleset
    result: StageResult = stage.load_function()(root, snapshot, force=force or bool(changed), **kwargs)
    seconds = round(time.monotonic() - started, 3)
    if not result.record:
        log.info("%-22s step finished in %.1f s", label, seconds)
        return {"stage": name, "snapshot": snapshot, "ruleset": ruleset, "summary": result.summary}

    outputs = sorted(Path(p).resolve().relative_to(root.root.resolve()).as_posix() for p in result.outputs)
    checksums = result.checksums or {rel: _checksums(root.root / rel) for rel in outputs}
    manifest = {
        "stage": name,
        "snapshot": snapshot,
        "ruleset": ruleset,
        "params": params,
        "input_fingerprint": fingerprint(facts),
        "inputs": facts,
        "outputs": outputs,
        "output_fingerprint": fingerprint(checksums),
        "summary": result.summary,
        "seconds": seconds,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": __version__,
    }
    write_json_atomic(root.stage_manifest(snapshot, name, ruleset), manifest)
    log.info("%-22s finished in %.1f s", label, seconds)
    return manifest


def _checksums(path: Path) -> Any:
    if path.is_dir():
        return checksum_tree(path)
    if path.is_file():
        return sha256_file(path)
    return None
