"""Time the related-papers step (sitegen.related) on a generated archive and on real abstracts.

Usage: python benchmarks/related.py [--sizes 1000,10000] [--runs 3] [--real]
The generated archives come from corpus.make_corpus, read and assembled as a build would; the
timed part is attach_related alone. `--real` also times the Hugging Face daily papers abstracts
from ../shared/corpus (about 3,700 papers, and the same three times over: real word statistics at
about 11,000 papers). Prints the median and every run, wall-clock and CPU of this process, in seconds
(the similarity product runs in forked workers on Linux, whose CPU is not counted here).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus import make_corpus  # noqa: E402

from sitegen import related  # noqa: E402
from sitegen.pipeline import load_site  # noqa: E402
from sitegen.config import load_config  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "hf_daily_api"


def timed(step, runs: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def report(name: str, walls: list[float], cpus: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in walls)
    print(f"{name:<34} median {statistics.median(walls):5.2f} s wall ({statistics.median(cpus):5.2f} s CPU here)   runs: {runs}")


def real_documents() -> list[tuple[str, str, list[str]]]:
    from sitegen.importers.abstract import clean_title

    documents, seen = [], set()
    for path in sorted(SHARED.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            paper = item.get("paper", {})
            if paper.get("id") in seen:
                continue
            seen.add(paper.get("id"))
            documents.append((clean_title(item.get("title") or paper.get("title", "")), paper.get("summary", ""), []))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated paper counts to generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="also time the real abstracts of ../shared/corpus")
    args = parser.parse_args()
    print(f"{len(os.sched_getaffinity(0))} cores available; workers from {related.PARALLEL_FROM} papers")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",") if s):
            config = load_config(make_corpus(Path(tmp) / f"site-{size}", size))
            site = load_site(config)
            report(f"generated, {size} papers", *timed(lambda: related.attach_related(site.papers), args.runs))
    if args.real:
        if not SHARED.is_dir():
            print("real abstracts: ../shared/corpus is not present, skipped")
            return
        documents = real_documents()
        report(f"real abstracts, {len(documents)} papers", *timed(lambda: related.similar(documents), args.runs))
        tripled = documents * 3
        report(f"real abstracts x3, {len(tripled)} papers", *timed(lambda: related.similar(tripled), args.runs))


if __name__ == "__main__":
    main()
