"""Two versions of sitegen timed in turns on the same generated archive: an earlier commit and
this checkout's code as it is.

Usage: python benchmarks/ab.py REV [--papers 10000 | --folder DIR] [--runs 12] [--kind edit|cold|no-change]

The machine is shared: the same build can take twice as long one hour as the next, so timings
of two versions compare only when taken in turns. Each version builds its own copy of the
archive (its cache is its own: any change to sitegen's code invalidates the other's). REV is
checked out into a temporary git worktree; `sitegen build` runs in a fresh process with that
worktree or this checkout first on PYTHONPATH. Every round times both, the version going first
alternating from round to round, after one untimed round: `edit` appends a line to the abstract
of the archive's middle paper before each build, `cold` moves each copy's output and cache aside
first (corpus.set_aside), `no-change` builds again. Prints, for each version, the median wall
and CPU seconds (the build and every process it starts) with every run, and the median of the
rounds' differences, which the machine's drift from round to round does not move.

Cold rounds keep every output and cache they set aside until the end (some 0.6 GB per build at
10,000 papers: mind the memory with TMPDIR=/dev/shm), and at 10,000 papers a cold build's time
varies by a second or two from one build to the next; for a change to one stage, compare that
stage (`sitegen build --verbose`) instead.
"""
from __future__ import annotations

import argparse
import compileall
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from build import run_build  # noqa: E402
from corpus import make_corpus, set_aside  # noqa: E402

CHECKOUT = Path(__file__).resolve().parent.parent


def timed_build(code: Path, config: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `sitegen build` of `config` by the sitegen in `code`."""
    seconds, cpu, _ = run_build(config, code=code)
    return seconds, cpu


def prepare(kind: str, root: Path, paper: Path, round_number: int) -> None:
    """What a round does to one copy of the archive before its build."""
    if kind == "edit":
        paper.write_text(paper.read_text(encoding="utf-8") + f"\nEdited in round {round_number}.\n", encoding="utf-8")
    elif kind == "cold":
        for leftover in ("public", ".public.mirror", ".public.mirror.token", ".sitegen-cache"):
            set_aside(root / leftover)


def summary(name: str, runs: list[tuple[float, float]]) -> str:
    walls = [wall for wall, _ in runs]
    return (f"  {name:<8} {statistics.median(walls):6.3f} s   CPU {statistics.median(cpu for _, cpu in runs):6.3f} s"
            f"   [{', '.join(f'{wall:.2f}' for wall in walls)}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier version: a commit, tag or branch of this repository")
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--folder", type=Path, help="a site to build instead of a generated one (copied first)")
    parser.add_argument("--runs", type=int, default=12, help="timed rounds (each times both versions)")
    parser.add_argument("--kind", choices=("edit", "cold", "no-change"), default="edit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "add", "--quiet", "--detach", str(base), args.rev], check=True)
        try:
            codes = {"base": base, "head": CHECKOUT}
            for code in codes.values():
                compileall.compile_dir(code / "sitegen", quiet=1)  # as pip install does: not timed in every build
            configs = {}
            for name in codes:
                root = Path(tmp) / name / "site"
                if args.folder:
                    shutil.copytree(args.folder / "content", root / "content")
                    shutil.copy(args.folder / "sitegen.yaml", root / "sitegen.yaml")
                    configs[name] = root / "sitegen.yaml"
                else:
                    configs[name] = make_corpus(root, args.papers)
            papers = {name: sorted((config.parent / "content" / "papers").glob("*.md")) for name, config in configs.items()}
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in codes}
            for round_number in range(args.runs + 1):
                order = list(codes) if round_number % 2 else list(reversed(codes))
                for name in order:
                    config = configs[name]
                    if round_number == 0:  # untimed: a first build, then the first edit links the output's mirror
                        timed_build(codes[name], config)
                    prepare(args.kind, config.parent, papers[name][len(papers[name]) // 2], round_number)
                    found = timed_build(codes[name], config)
                    if round_number:
                        runs[name].append(found)
        finally:
            subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "remove", "--force", str(base)], check=False)
    print(f"{len(papers['head'])} papers, {args.kind}, {args.runs} rounds in turns (median; every run in brackets)")
    print(summary(args.rev[:8], runs["base"]))
    print(summary("this", runs["head"]))
    differences = [head[0] - base[0] for base, head in zip(runs["base"], runs["head"])]
    cpu = [head[1] - base[1] for base, head in zip(runs["base"], runs["head"])]
    print(f"  this - {args.rev[:8]}: median of the rounds' differences {statistics.median(differences):+.3f} s, CPU {statistics.median(cpu):+.3f} s")


if __name__ == "__main__":
    main()
