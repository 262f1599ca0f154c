"""Time `sitegen import` of the Hugging Face daily papers corpus into an empty site, in a fresh process.

Usage: python benchmarks/import_time.py [--source ../shared/corpus/hf_daily_api] [--runs 3]
Prints the median run: papers per second and the peak memory (ru_maxrss) of the import process.
The target (issue 3): about 4,500 papers in under 10 s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "corpus" / "hf_daily_api"


def run_once(source: Path, site: Path) -> tuple[float, int, int]:
    """Seconds, papers written and peak resident memory in KiB of one import into an empty site."""
    (site / "content" / "papers").mkdir(parents=True)
    (site / "sitegen.yaml").write_text("title: Import benchmark\n", encoding="utf-8")
    command = [sys.executable, "-m", "sitegen", "import", str(source), "--config", str(site / "sitegen.yaml")]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):  # 1: some records rejected, still a finished import
        raise SystemExit(f"sitegen import failed ({process.returncode}):\n{errors}")
    papers = len(list((site / "content" / "papers").glob("*.md")))
    return seconds, papers, usage.ru_maxrss  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="a folder (or file) to import")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.source.exists():
        raise SystemExit(f"{args.source} not found: the shared corpus lives beside the checkout")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.runs):
            results.append(run_once(args.source, Path(tmp) / f"site-{number}"))
    seconds = statistics.median(r[0] for r in results)
    papers = results[0][1]
    memory = statistics.median(r[2] for r in results) / 1024
    runs = ", ".join(f"{r[0]:.2f}" for r in results)
    print(f"{papers} papers from {args.source}")
    print(f"median {seconds:.2f} s = {papers / seconds:,.0f} papers/s; peak memory {memory:.0f} MiB   runs: {runs} s")


if __name__ == "__main__":
    main()
