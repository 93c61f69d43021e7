"""Hatchling build hook: compiles the graph search kernel (mcg_lib/graph/bfs.c).

The kernel is plain C without the Python API, loaded with ctypes, so it
needs only a C compiler, not Python's headers. It is written next to its
source, which serves editable installs, and listed as an artifact, which
puts it in wheels.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("mcg_lib/graph/bfs.c")
LIBRARY = Path("mcg_lib/graph/_bfs.so")
FLAGS = ["-O2", "-std=c11", "-shared", "-fPIC", "-Wall"]


class KernelBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        compiler = shlex.split(os.environ.get("CC", "cc"))
        command = [*compiler, *FLAGS, "-o", str(root / LIBRARY), str(root / SOURCE)]
        try:
            subprocess.run(command, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            raise RuntimeError(
                f"could not compile {SOURCE} with {shlex.join(command)}: {error}. "
                "mcg needs a C compiler for its search kernel: install gcc "
                "(Debian: apt-get install gcc libc6-dev) or set CC, then rerun `uv sync`."
            ) from error

        build_data["artifacts"].append(LIBRARY.as_posix())
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
