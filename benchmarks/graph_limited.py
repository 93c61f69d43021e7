"""Single-pair queries in a fresh process under a memory limit, from a cold page cache.

Run as root with ``uv run python -m benchmarks.graph_limited --data-root DIR
--snapshot S``. The graph's files are first dropped from the page cache
(``posix_fadvise(DONTNEED)``), then a child process joins a memory cgroup
limited to ``--limit-mb`` (cgroup v1 or v2, whichever the machine mounts) and
searches ``--rounds`` rounds of 200 random pairs, each round with new pairs.
Page cache the child faults in counts against the limit, as it does in a
Kubernetes pod, so the rounds show how a server behaves once its graph no
longer fits in memory. Each setting of ``random_access`` runs in its own child.

Figures go to ``benchmarks/out/graph/<snapshot>-limited.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import anonymous_mb

OUT = Path(__file__).resolve().parent / "out" / "graph"
RULESET = "all-credits"
CGROUP_NAME = "mcg-graph-limited"


def evict(folder: Path) -> None:
    """Drop the folder's files from the page cache, so the run starts cold."""
    for path in folder.rglob("*"):
        if path.is_file():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)


def make_cgroup(limit_mb: int) -> Path:
    """Create (or reuse) a memory cgroup with the limit; return the file to write a pid into."""
    v2 = Path("/sys/fs/cgroup/cgroup.controllers")
    if v2.is_file():
        group = Path("/sys/fs/cgroup") / CGROUP_NAME
        group.mkdir(exist_ok=True)
        (group / "memory.max").write_text(str(limit_mb << 20))
        return group / "cgroup.procs"
    group = Path("/sys/fs/cgroup/memory") / CGROUP_NAME
    group.mkdir(exist_ok=True)
    (group / "memory.limit_in_bytes").write_text(str(limit_mb << 20))
    return group / "cgroup.procs"


def run_child(args: argparse.Namespace) -> dict:
    """Join the cgroup, then time rounds of random pairs; return the figures."""
    import random
    import time

    import numpy as np
    import psutil

    from mcg_lib.graph import find_path
    from mcg_lib.graph.store import Graph
    from mcg_lib.paths import DataRoot

    Path(args.procs_file).write_text(str(os.getpid()))
    folder = DataRoot(args.data_root).graph(args.snapshot, RULESET)
    graph = Graph(folder, random_access=args.random_access)
    ids = graph.artist_ids
    rounds = []
    for seed in range(1, args.rounds + 1):
        rng = random.Random(seed)
        pairs = [(int(rng.choice(ids)), int(rng.choice(ids))) for _ in range(args.pairs)]
        latencies = []
        for first, second in pairs:
            started = time.perf_counter()
            find_path(graph, first, second, deadline=time.monotonic() + 10).to_json()
            latencies.append((time.perf_counter() - started) * 1000)
        latency = np.array(latencies)
        memory = psutil.Process().memory_full_info()
        rounds.append(
            {
                "round": seed,
                "p50_ms": round(float(np.percentile(latency, 50)), 2),
                "p95_ms": round(float(np.percentile(latency, 95)), 2),
                "max_ms": round(float(latency.max()), 1),
                "rss_mb": round(memory.rss / 1e6),
                "anonymous_mb": anonymous_mb(),
            }
        )
    return {"random_access": args.random_access, "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description="Graph queries under a memory limit, cold start.")
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--snapshot", required=True)
    parser.add_argument("--limit-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--random-access", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--procs-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_child(args)))
        return

    from mcg_lib.paths import DataRoot

    folder = DataRoot(args.data_root).graph(args.snapshot, RULESET)
    procs_file = make_cgroup(args.limit_mb)
    report = {"snapshot": args.snapshot, "limit_mb": args.limit_mb, "runs": []}
    for random_access in (False, True):
        evict(folder)
        command = [
            sys.executable, "-m", "benchmarks.graph_limited", "--child",
            "--data-root", str(args.data_root), "--snapshot", args.snapshot,
            "--rounds", str(args.rounds), "--pairs", str(args.pairs), "--procs-file", str(procs_file),
        ]
        if random_access:
            command.append("--random-access")
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        run = json.loads(output.strip().splitlines()[-1])
        report["runs"].append(run)
        for row in run["rounds"]:
            print(f"random_access={random_access} {row}", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.snapshot}-limited.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
