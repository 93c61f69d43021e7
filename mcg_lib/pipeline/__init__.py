"""The stage list, stage manifests and the papermill pipeline runner."""

from mcg_lib.pipeline.stages import Stage, load_stages, project_dir
from mcg_lib.pipeline.state import run_stage

__all__ = ["Stage", "load_stages", "project_dir", "run_stage"]
