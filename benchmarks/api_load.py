"""Load test of the fallback API: throughput, latency and server memory on loopback.

Run with ``uv run python -m benchmarks.api_load --data-root DATA --snapshot demo``
after building the snapshot's graph (see the API section of docs/benchmarks.md).

The server is ``mcg api`` in its own processes, and this process is the
client: an asyncio loop of plain HTTP/1.1 keep-alive connections to
127.0.0.1. Both share the machine's cores, so the client's own cost is part
of every latency; the figures include the CPU time per request of both.

For 1, 10 and 50 concurrent clients it measures requests per second and
p50/p95/p99 latency of /v1/path for

- uncached pairs: no request repeats a pair that an earlier request used,
  so each one runs a search;
- cached pairs: a small set of pairs asked once beforehand and then again,
  answered from the server's in-process cache.

Server memory (RSS, PSS, anonymous and file pages of every server process)
is taken after start-up, after 10,000 and 20,000 uncached requests at 10
clients, and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import time
from collections import Counter
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import psutil

from mcg_lib.api.testing import ApiProcess
from mcg_lib.graph import open_graph
from mcg_lib.paths import DataRoot

OUT = Path(__file__).resolve().parent / "out" / "api"
CACHED_PAIRS = 200


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", required=True, type=Path, help="Data root with the graph.")
    parser.add_argument("--snapshot", default="demo", help="Snapshot to serve.")
    parser.add_argument("--ruleset", default="all-credits", help="Ruleset to query.")
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes.")
    parser.add_argument("--search-threads", type=int, default=2, help="Search threads per worker.")
    parser.add_argument(
        "--requests", type=int, default=2000, help="Requests per concurrency level and kind."
    )
    parser.add_argument("--concurrency", default="1,10,50", help="Comma-separated client counts.")
    parser.add_argument(
        "--memory-requests", type=int, default=10_000, help="Requests between memory readings."
    )
    parser.add_argument(
        "--cache-entries", type=int, default=20_000, help="The server's response cache size."
    )
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def distinct_pairs(ids: list[int], count: int, rng: random.Random) -> list[tuple[int, int]]:
    """Return ``count`` pairs of different artists, no unordered pair twice."""
    seen: set[tuple[int, int]] = set()
    pairs = []
    while len(pairs) < count:
        a, b = rng.sample(ids, 2)
        key = (min(a, b), max(a, b))
        if key not in seen:
            seen.add(key)
            pairs.append((a, b))
    return pairs


def path_urls(pairs, ruleset: str) -> list[str]:
    return [f"/v1/path?from={a}&to={b}&ruleset={ruleset}" for a, b in pairs]


class Connection:
    """One keep-alive HTTP/1.1 connection that sends GET requests and reads whole responses.

    It handles only what this API sends: a Content-Length on every body and
    no chunked encoding. Its cost per request is a small fraction of
    httpx's, whose async client used more CPU per request than the server
    at 50 connections in this benchmark's first runs.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])

        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""

        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
        self.reader = self.writer = None


async def run_load(base_url: str, urls: list[str], concurrency: int) -> dict:
    """Send every URL with ``concurrency`` clients on keep-alive connections; return the figures."""
    parts = urlsplit(base_url)
    pending = iter(urls)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()

    async def one_client() -> None:
        connection = Connection(parts.hostname, parts.port)
        try:
            for url in pending:
                started = time.perf_counter()
                status, body = await connection.get(url)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                for outcome in ("found", "unreachable", "budget"):
                    if f'"status":"{outcome}"'.encode() in body[:40]:
                        outcomes[outcome] += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    seconds = time.perf_counter() - started

    milliseconds = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 2),
        "p95_ms": round(float(np.percentile(milliseconds, 95)), 2),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 2),
        "max_ms": round(float(milliseconds.max()), 2),
        "errors": sum(count for status, count in statuses.items() if status != 200),
        "statuses": dict(statuses),
        "outcomes": dict(outcomes),
    }


def server_cpu_seconds(process: psutil.Process) -> float:
    """Return the user and system CPU seconds used so far by the server and its workers."""
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def measure_cell(base_url: str, urls: list[str], concurrency: int, server: psutil.Process) -> dict:
    """Run one load and add the CPU milliseconds per request of the server and of this client.

    CPU time per request depends little on what else the machine runs,
    unlike latency and throughput, so it is the figure to compare runs by.
    """
    server_before, client_before = server_cpu_seconds(server), time.process_time()
    cell = asyncio.run(run_load(base_url, urls, concurrency))
    server_used = server_cpu_seconds(server) - server_before
    client_used = time.process_time() - client_before
    cell["server_cpu_ms_per_request"] = round(server_used * 1000 / cell["requests"], 3)
    cell["client_cpu_ms_per_request"] = round(client_used * 1000 / cell["requests"], 3)
    return cell


def server_memory(process: psutil.Process) -> dict:
    """Return the summed memory, in MB, of the server process and its workers.

    RSS counts the mapped graph files once per process and PSS divides
    shared pages among the processes. ``anonymous_mb`` is the memory that
    is no file's page cache (Python objects, numpy copies, caches), from
    RssAnon in /proc/PID/status, and ``file_mb`` the mapped file pages.
    """
    totals = {"rss_mb": 0.0, "pss_mb": 0.0, "anonymous_mb": 0.0, "file_mb": 0.0}
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
            status = Path(f"/proc/{member.pid}/status").read_text()
        except (psutil.NoSuchProcess, FileNotFoundError):
            continue
        totals["rss_mb"] += info.rss / 1e6
        totals["pss_mb"] += info.pss / 1e6
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        totals["anonymous_mb"] += int(fields["RssAnon"].split()[0]) * 1024 / 1e6
        totals["file_mb"] += int(fields["RssFile"].split()[0]) * 1024 / 1e6
    return {name: round(value, 1) for name, value in totals.items()}


def machine() -> dict:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "uvicorn_extras": [name for name in ("httptools", "uvloop") if find_spec(name)],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(results: dict) -> None:
    print(
        "| pairs | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| server CPU ms/req | client CPU ms/req |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in results["cells"]:
        print(
            f"| {row['kind']} | {row['concurrency']} | {row['requests']} | "
            f"{row['requests_per_second']} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {row['max_ms']} | {row['errors']} | "
            f"{row['server_cpu_ms_per_request']} | {row['client_cpu_ms_per_request']} |"
        )
    print()
    for moment, figures in results["memory"].items():
        print(f"server memory {moment}: {figures}")


def main() -> None:
    arguments = parse_arguments()
    root = DataRoot.resolve(arguments.data_root)
    graph = open_graph(root, arguments.snapshot, arguments.ruleset)
    ids = graph.artist_ids.tolist()
    levels = [int(level) for level in arguments.concurrency.split(",")]
    rng = random.Random(arguments.seed)

    uncached_needed = 2 * arguments.memory_requests + arguments.requests * len(levels)
    uncached = iter(
        path_urls(distinct_pairs(ids, uncached_needed + CACHED_PAIRS, rng), arguments.ruleset)
    )
    cached = [next(uncached) for _ in range(CACHED_PAIRS)]

    OUT.mkdir(parents=True, exist_ok=True)
    server_arguments = [
        "--snapshot", arguments.snapshot,
        "--rulesets", arguments.ruleset,
        "--workers", str(arguments.workers),
        "--search-threads", str(arguments.search_threads),
        "--rate-limit", "0",
        "--max-queued", "256",
        "--cache-entries", str(arguments.cache_entries),
    ]  # fmt: skip
    results: dict = {
        "machine": machine(),
        "graph": {"snapshot": graph.snapshot, "ruleset": graph.ruleset, **graph.manifest["counts"]},
        "server": {"workers": arguments.workers, "search_threads": arguments.search_threads},
        "memory_requests": arguments.memory_requests,
        "cells": [],
        "memory": {},
    }

    with ApiProcess(root.root, server_arguments, OUT / "server.log") as server:
        process = psutil.Process(server.process.pid)
        results["memory"]["after_start"] = server_memory(process)

        results["memory_runs"] = []
        for round_number in (1, 2):
            fresh = [next(uncached) for _ in range(arguments.memory_requests)]
            results["memory_runs"].append(measure_cell(server.base_url, fresh, 10, process))
            moment = f"after_{round_number * arguments.memory_requests}_requests"
            results["memory"][moment] = server_memory(process)

        asyncio.run(run_load(server.base_url, cached, 10))
        for concurrency in levels:
            fresh = [next(uncached) for _ in range(arguments.requests)]
            repeated = [rng.choice(cached) for _ in range(arguments.requests)]
            for kind, urls in (("uncached", fresh), ("cached", repeated)):
                cell = measure_cell(server.base_url, urls, concurrency, process)
                results["cells"].append({"kind": kind, "concurrency": concurrency, **cell})
                print(f"{kind} x{concurrency}: {cell['requests_per_second']} req/s, "
                      f"p95 {cell['p95_ms']} ms, errors {cell['errors']}", flush=True)  # fmt: skip
        results["memory"]["at_end"] = server_memory(process)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]

    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nresults: {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
