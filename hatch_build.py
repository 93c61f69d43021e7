"""Hatchling build hook: compiles mcg's two C files.

mcg_lib/graph/bfs.c is the graph search kernel; mcg_lib/ingest/releases.c
converts batches of release records. Both are plain C without the Python
API, loaded with ctypes, so they need only a C compiler, not Python's
headers. Each library is written next to its source, which serves editable
installs, and listed as an artifact, which puts it in wheels.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LIBRARIES = {
    Path("mcg_lib/graph/bfs.c"): Path("mcg_lib/graph/_bfs.so"),
    Path("mcg_lib/ingest/releases.c"): Path("mcg_lib/ingest/_releases.so"),
}
FLAGS = ["-O2", "-std=c11", "-shared", "-fPIC", "-Wall"]


class KernelBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        compiler = shlex.split(os.environ.get("CC", "cc"))
        for source, library in LIBRARIES.items():
            command = [*compiler, *FLAGS, "-o", str(root / library), str(root / source)]
            try:
                subprocess.run(command, check=True)
            except (OSError, subprocess.CalledProcessError) as error:
                raise RuntimeError(
                    f"could not compile {source} with {shlex.join(command)}: {error}. "
                    "mcg needs a C compiler for its search kernel and release converter: install gcc "
                    "(Debian: apt-get install gcc libc6-dev) or set CC, then rerun `uv sync`."
                ) from error
            build_data["artifacts"].append(library.as_posix())

        build_data["pure_python"] = False
        build_data["infer_tag"] = True
