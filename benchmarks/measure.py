"""Measure a command: wall time and the peak memory of its whole process tree.

Memory is the sum of the processes' proportional set sizes (PSS): a page
shared by several processes, such as the libraries a forked worker shares
with its parent, counts once in all, where a sum of RSS would count it once
per process.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.1


@dataclass
class Measurement:
    """Wall time in seconds and peak PSS of the process tree in MB."""

    name: str
    seconds: float
    peak_mb: float
    returncode: int


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        processes = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for proc in processes:
        try:
            total += proc.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def measure(name: str, command: list[str], *, cwd: Path | None = None, env: dict | None = None,
            quiet: bool = True) -> Measurement:
    """Run ``command`` to completion, sampling the PSS of it and its children every 100 ms."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env,
        stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE if quiet else None,
    )
    watched = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(watched))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        print(f"{name} failed with exit code {process.returncode}:", file=sys.stderr)
        if stderr:
            print(stderr.decode(errors="replace")[-3000:], file=sys.stderr)
    return Measurement(name, seconds, peak / 1e6, process.returncode)


def python_command(code: str) -> list[str]:
    """Return the command that runs ``code`` with this interpreter."""
    return [sys.executable, "-c", code]


def anonymous_mb() -> int:
    """Return this process's anonymous memory in MB: memory other than mapped files.

    RSS and even USS count the pages of mapped files that only this process
    maps. The kernel can drop those at any time, but not anonymous memory.
    """
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return round(int(line.split()[1]) / 1024)
    return 0
