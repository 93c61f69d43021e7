"""Ingest benchmark: mcg's releases ingest against the practical limits and other converters.

Run with ``uv run --group bench python -m benchmarks.ingest_bench [--releases N] [--runs N]``.
Every figure comes from one run on one generated releases dump of at least
1 GB of XML; ratios are against the bare lxml counting pass of the same run.

Baselines:
- decompression alone, with the standard library's gzip, zlib-ng and ISA-L;
- a bare lxml ``iterparse`` pass that only counts <release> elements and
  clears them, reading through the standard library's gzip: the practical
  limit of a Python XML pass;
- discogskit ``convert`` to Parquet (one parse worker, and its default), a
  converter people use today;
- mcg's own ingest with the compiled converter turned off
  (``MCG_INGEST_CONVERTER=lxml``), which parses every batch with lxml.

The baselines and every one-worker run are pinned to one core with taskset,
so "one worker" means one core for all of that run's processes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

from benchmarks.measure import Measurement, measure, python_command

OUT = Path(__file__).resolve().parent / "out" / "ingest"
SNAPSHOT = "bench"

DECOMPRESS = """
import sys, {module} as gz
total = 0
with gz.open(sys.argv[1], "rb") as f:
    while block := f.read(1 << 20):
        total += len(block)
"""

COUNT = """
import gzip, sys
from lxml import etree
count = 0
with gzip.open(sys.argv[1], "rb") as f:
    for _, element in etree.iterparse(f, events=("end",), tag="release", huge_tree=True):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
"""


def prepare(releases: int) -> Path:
    """Generate the releases dump once and keep it for later runs; return its path."""
    from mcg_lib.generate.dumps import write_dumps

    source = OUT / f"dumps-{releases}"
    dump = source / f"discogs_{SNAPSHOT}_releases.xml.gz"
    if not dump.is_file():
        write_dumps(source, SNAPSHOT, releases=releases, seed=7)
    return dump


def xml_size(dump: Path) -> int:
    import isal.igzip

    total = 0
    with isal.igzip.open(dump, "rb") as handle:
        while block := handle.read(1 << 22):
            total += len(block)
    return total


def ingest_command(workers: int) -> list[str]:
    code = (
        "from mcg_lib.ingest.runner import ingest_dump; import sys; from pathlib import Path; "
        f"ingest_dump('releases', Path(sys.argv[1]), Path(sys.argv[2]), workers={workers})"
    )
    return python_command(code)


def one_core(command: list[str]) -> list[str]:
    """Pin a command and its children to the first core, where taskset exists."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", "0", *command] if taskset else command


def measure_median(name: str, command: list[str], runs: int, env: dict | None = None) -> Measurement:
    """Measure ``command`` ``runs`` times: the median time, and the highest peak memory.

    The lines the targets compare are run several times, because one run on a
    shared virtual machine can be 20 % off.
    """
    results = [measure(name, command, env=env) for _ in range(runs)]
    seconds = statistics.median(r.seconds for r in results)
    peak = max(r.peak_mb for r in results)
    failed = next((r.returncode for r in results if r.returncode), 0)
    return Measurement(name, seconds, peak, failed)


def run(releases: int, runs: int) -> dict:
    dump = prepare(releases)
    size = xml_size(dump)
    records = releases
    env = {**os.environ, "MCG_NO_PROGRESS": "1"}
    out = OUT / "parquet"
    results: list[Measurement] = []

    for module in ("gzip", "zlib_ng.gzip_ng", "isal.igzip"):
        command = [*python_command(DECOMPRESS.format(module=module)), str(dump)]
        results.append(measure(f"decompress ({module})", one_core(command)))
    count = one_core([*python_command(COUNT), str(dump)])
    results.append(measure_median("lxml iterparse count (baseline)", count, runs))

    for workers in (1, 2):
        # The ingest writes into an empty folder; every run replaces the last one's files.
        command = [*ingest_command(workers), str(dump), str(out)]
        name = "mcg ingest, 1 worker, 1 core" if workers == 1 else "mcg ingest, 2 workers"
        shutil.rmtree(out, ignore_errors=True)
        results.append(measure_median(name, one_core(command) if workers == 1 else command, runs, env=env))

    # The same ingest with the compiled converter turned off: what it buys.
    for workers in (1, 2):
        shutil.rmtree(out, ignore_errors=True)
        command = [*ingest_command(workers), str(dump), str(out)]
        name = f"mcg ingest, lxml converter, {workers} worker{'s' if workers > 1 else ', 1 core'}"
        lxml_env = {**env, "MCG_INGEST_CONVERTER": "lxml"}
        results.append(measure(name, one_core(command) if workers == 1 else command, env=lxml_env))

    discogskit = shutil.which("discogskit", path=str(Path(sys.executable).parent))
    if discogskit:
        staged = OUT / "discogskit-in"
        staged.mkdir(parents=True, exist_ok=True)
        # discogskit picks the entity from the file name and decompresses next to it.
        link = staged / "discogs_20260101_releases.xml.gz"
        if not link.exists():
            os.link(dump, link)
        for label, extra in (("1 parse worker, 1 core", ["--parse-workers", "1"]), ("its defaults", [])):
            shutil.rmtree(out, ignore_errors=True)
            command = [discogskit, "convert", str(link), "--output", str(out), "--overwrite", "--no-progress", *extra]
            results.append(measure(f"discogskit convert, {label}", one_core(command) if extra else command, env=env))

    return report(results, size, records)


def report(results: list[Measurement], size: int, records: int) -> dict:
    baseline = next(r for r in results if "baseline" in r.name)
    rows = []
    for r in results:
        rows.append({
            "name": r.name,
            "seconds": round(r.seconds, 2),
            "xml_mb_per_s": round(size / 1e6 / r.seconds, 1),
            "records_per_s": round(records / r.seconds),
            "peak_pss_mb": round(r.peak_mb, 1),
            "ratio_to_counting_pass": round(baseline.seconds / r.seconds, 3),
            "ok": r.returncode == 0,
        })
    one_worker = next(r for r in results if r.name == "mcg ingest, 1 worker, 1 core")
    two_workers = next(r for r in results if r.name == "mcg ingest, 2 workers")
    return {"xml_bytes": size, "records": records, "results": rows,
            "speedup_2_workers": round(one_worker.seconds / two_workers.seconds, 2)}


def print_table(summary: dict) -> None:
    print(f"releases XML: {summary['xml_bytes'] / 1e9:.2f} GB, {summary['records']} records")
    print(f"| {'what':<44} | {'s':>7} | {'MB/s XML':>8} | {'records/s':>9} | {'peak PSS MB':>11} | {'ratio':>5} |")
    print(f"| {'-' * 44} | {'-' * 7} | {'-' * 8} | {'-' * 9} | {'-' * 11} | {'-' * 5} |")
    for r in summary["results"]:
        flag = "" if r["ok"] else " (failed)"
        print(f"| {r['name'] + flag:<44} | {r['seconds']:>7} | {r['xml_mb_per_s']:>8} | {r['records_per_s']:>9} "
              f"| {r['peak_pss_mb']:>11} | {r['ratio_to_counting_pass']:>5} |")
    print(f"2 workers / 1 worker speedup: {summary['speedup_2_workers']}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=300_000, help="releases in the generated dump")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of the counting pass and of mcg's ingest, reported as their median")
    args = parser.parse_args()
    summary = run(args.releases, args.runs)
    (OUT / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_table(summary)


if __name__ == "__main__":
    main()
