"""Read the stage list from pipelines/stages.toml."""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mcg_lib.errors import ConfigError

COMMON_PARAMETERS = {"snapshot": "", "data_root": "", "force": False}


def project_dir() -> Path:
    """Return the folder that holds pipelines/, notebooks/ and site_templates/.

    MCG_PROJECT_DIR overrides it, for an installed package run outside a checkout.
    """
    env = os.environ.get("MCG_PROJECT_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Stage:
    """One pipeline stage as declared in stages.toml."""

    name: str
    notebook: str
    function: str
    title: str
    needs: tuple[str, ...]
    per_ruleset: bool
    placement: str
    memory_mb: int
    parameters: dict[str, Any] = field(default_factory=dict)
    execution_parameters: tuple[str, ...] = ()

    @property
    def notebook_path(self) -> Path:
        return project_dir() / "notebooks" / "pipeline" / self.notebook

    def all_parameters(self) -> dict[str, Any]:
        """Return every parameter the stage notebook declares, with its default."""
        params = dict(COMMON_PARAMETERS)
        if self.per_ruleset:
            params["ruleset"] = ""
        params.update(self.parameters)
        return params

    def load_function(self) -> Callable[..., Any]:
        module_name, _, attr = self.function.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


@dataclass(frozen=True)
class PipelineConfig:
    stages: tuple[Stage, ...]
    rulesets: tuple[str, ...]

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        names = ", ".join(s.name for s in self.stages)
        raise ConfigError(f"unknown stage {name!r}", hint=f"the stages are: {names}")


@cache
def load_pipeline(path: Path | None = None) -> PipelineConfig:
    """Parse stages.toml, checking that every stage only needs earlier stages."""
    path = path or project_dir() / "pipelines" / "stages.toml"
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"stage list {path} not found",
            hint="run mcg from a checkout of the project, or set MCG_PROJECT_DIR to one",
        ) from None

    stages = []
    seen: set[str] = set()
    for raw in data.get("stage", []):
        stage = Stage(
            name=raw["name"],
            notebook=raw["notebook"],
            function=raw["function"],
            title=raw.get("title", raw["name"]),
            needs=tuple(raw.get("needs", [])),
            per_ruleset=bool(raw.get("per_ruleset", False)),
            placement=raw.get("placement", "storage"),
            memory_mb=int(raw.get("memory_mb", 700)),
            parameters=dict(raw.get("parameters", {})),
            execution_parameters=tuple(raw.get("execution_parameters", [])),
        )
        unknown = [n for n in stage.needs if n not in seen]
        if unknown:
            raise ConfigError(f"{path}: stage {stage.name} needs {unknown}, which do not come before it")
        seen.add(stage.name)
        stages.append(stage)

    rulesets = tuple(data.get("pipeline", {}).get("rulesets", ["all-credits"]))
    return PipelineConfig(stages=tuple(stages), rulesets=rulesets)


def load_stages() -> tuple[Stage, ...]:
    """Return the stages in pipeline order."""
    return load_pipeline().stages
