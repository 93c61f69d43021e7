"""The pipeline runner's guards: one run per snapshot at a time, one folder per run."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mcg_lib.cli import cli
from mcg_lib.errors import PublishError
from mcg_lib.pipeline.runner import PipelinePlan, _new_run_dir, run_pipeline
from mcg_lib.publish import exclusive_lock


def test_second_run_on_snapshot_is_rejected(data_root):
    plan = PipelinePlan("demo", data_root, ["all-credits"], only=set())
    lock = data_root.staging / "pipeline-demo.lock"

    with exclusive_lock(lock, busy="held by this test"), pytest.raises(PublishError, match="another mcg pipeline run"):
        run_pipeline(plan)


def test_runs_in_one_second_get_distinct_folders(tmp_path):
    first = _new_run_dir(tmp_path)
    first.mkdir()

    second = _new_run_dir(tmp_path)

    assert second != first
    assert not second.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--start-date", "2026-02-30"), ("--start-date", "soon"), ("--rulesets", ""), ("--rulesets", " , ")],
)
def test_bad_option_fails_before_any_stage(tmp_path, option, value):
    result = CliRunner().invoke(
        cli, ["--data-root", str(tmp_path / "data"), "pipeline", "run", "--snapshot", "demo", option, value]
    )

    assert result.exit_code == 2
    assert option in result.output
    assert not (tmp_path / "data").exists()
