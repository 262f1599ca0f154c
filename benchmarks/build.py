"""Build times on a generated archive: cold, no-change and one-edit rebuilds, peak memory, stages.

Usage: python benchmarks/build.py --papers 10000 [--runs 3] [--folder DIR] [--hugo PATH] [--check]
Each build runs `sitegen build --verbose` in a fresh process, as a user would. Cold builds
start without output, its mirror and cache (the last run's are moved aside, not deleted: see
corpus.set_aside); no-change builds follow a build; one-edit builds
change one paper's abstract first; with --check, `sitegen check` is timed too (its peak memory
then counts in the one printed). The first edit after a cold build also links the output's
hard-link mirror (see sitegen/pipeline.py), so it is timed apart from a later one. Prints the median of
the runs and the stage times of the median cold build, and, when Hugo is installed (on PATH,
$SITEGEN_BENCH_HUGO or --hugo), Hugo's median cold build of the same papers and sitegen's time
as a multiple of it (compare.py converts them; it also compares Eleventy, Pelican, MkDocs and
Jekyll).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from compare import hugo_comparison  # noqa: E402
from corpus import compile_sitegen, make_corpus, set_aside  # noqa: E402


def run_build(config: Path, verb: str = "build", code: Path | None = None) -> tuple[float, float, str]:
    """One `sitegen build` in a fresh process: (wall seconds, CPU seconds of it and every process
    it started, its output). The CPU time tells a slower machine (the same CPU time, more wall
    time: other tenants) from slower code (more CPU time). Files written before it (the
    generated corpus, the last run's output) are flushed to disk first, untimed: on this
    project's machine (ext4 without a journal) the kernel steps over each inode freed in the
    last minute, or in the last six while its table block is not yet written back, before it
    reuses one (see corpus.set_aside), so a build right after others' writes and deletions would
    pay for them. With `code`, the sitegen of that checkout runs (first on PYTHONPATH, from the
    site's folder), not the installed one."""
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "sitegen", verb, *(["--verbose"] if verb == "build" else []), "--config", str(config)]
    environment = dict(os.environ, PYTHONPATH=str(code)) if code is not None else None
    result = subprocess.run(command, check=True, capture_output=True, text=True, env=environment,
                            cwd=config.parent if code is not None else None)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", type=Path, help="a site to build instead of a generated one (copied first: its files are never edited)")
    parser.add_argument("--hugo", metavar="PATH", help="the Hugo executable (default: $SITEGEN_BENCH_HUGO, then PATH)")
    parser.add_argument("--check", action="store_true", help="also time `sitegen check` (a build into a temporary folder, then every link) once per run")
    args = parser.parse_args()
    compile_sitegen()
    with tempfile.TemporaryDirectory() as tmp:
        if args.folder:
            shutil.copytree(args.folder / "content", Path(tmp) / "site" / "content")
            shutil.copy(args.folder / "sitegen.yaml", Path(tmp) / "site" / "sitegen.yaml")
            config = Path(tmp) / "site" / "sitegen.yaml"
        else:
            config = make_corpus(Path(tmp) / "site", args.papers)
        root = config.parent
        cold, warm, first_edit, edit, outputs = [], [], [], [], []
        cpu: dict[str, list[float]] = {"cold": [], "warm": [], "first": [], "edit": [], "check": []}
        checks: list[float] = []
        papers = sorted((root / "content" / "papers").glob("*.md"))
        for run in range(args.runs):
            # the output, its hard-link mirror (left by the last run's edits) and the cache: a cold
            # build starts from nothing, as Hugo's does, and does not time deleting the mirror
            for leftover in ("public", ".public.mirror", ".public.mirror.token", ".sitegen-cache"):
                set_aside(root / leftover)
            seconds, used, output = run_build(config)
            cold.append(seconds)
            cpu["cold"].append(used)
            outputs.append((seconds, output))
            seconds, used, _ = run_build(config)
            warm.append(seconds)
            cpu["warm"].append(used)
            for times, kind, victim in ((first_edit, "first", papers[run % len(papers)]), (edit, "edit", papers[-1 - run % len(papers)])):
                victim.write_text(victim.read_text(encoding="utf-8") + f"\nEdited in run {run}.\n", encoding="utf-8")
                seconds, used, _ = run_build(config)
                times.append(seconds)
                cpu[kind].append(used)
            if args.check:
                seconds, used, _ = run_build(config, "check")
                checks.append(seconds)
                cpu["check"].append(used)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        hugo = hugo_comparison(config, cold, args.runs, args.hugo)
    pages = re.search(r"(\d+) pages", outputs[0][1]).group(1)
    print(f"{len(papers)} papers, {pages} pages, {args.runs} runs (median; every run in brackets)")
    for name, times, used in (("cold build", cold, cpu["cold"]), ("no-change rebuild", warm, cpu["warm"]),
                              ("first edit after it", first_edit, cpu["first"]), ("one paper edited", edit, cpu["edit"]),
                              *([("sitegen check", checks, cpu["check"])] if checks else [])):
        print(f"  {name:<20} {statistics.median(times):7.2f} s   [{', '.join(f'{t:.2f}' for t in times)}]"
              f"   CPU {statistics.median(used):.2f} s")
    print(f"  peak memory          {peak:7.0f} MiB")
    print(hugo)
    median_cold = sorted(outputs)[len(outputs) // 2][1]
    print("stages of the median cold build:")
    for line in median_cold.splitlines():
        if line.startswith("  "):
            print("  " + line.strip())


if __name__ == "__main__":
    main()
