"""Time `sitegen build` (cold, in a fresh process each run) on the sample site and generated archives.

Usage: python benchmarks/build_time.py [--sizes 1000,10000] [--runs 3]
Prints the median and every run, in seconds.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import make_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def time_build(config: Path, out: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sitegen", "build", "--config", str(config), "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def report(name: str, times: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{name:<28} median {statistics.median(times):6.2f} s   runs: {runs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated paper counts to generate")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report("sample site (82 papers)", time_build(REPO / "sitegen.yaml", work / "sample-out", args.runs))
        for size in (int(s) for s in args.sizes.split(",") if s):
            config = make_corpus(work / f"site-{size}", size)
            report(f"generated, {size} papers", time_build(config, work / f"out-{size}", args.runs))


if __name__ == "__main__":
    main()
