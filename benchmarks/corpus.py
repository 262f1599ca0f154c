"""Generate a synthetic archive of N papers (deterministic) for build benchmarks."""
from __future__ import annotations

import compileall
import itertools
import random
from pathlib import Path

import sitegen
from sitegen.content import write_paper
from sitegen.model import Paper, PaperDate

WORDS = (
    "model scaling language diffusion training data inference attention retrieval forecasting "
    "benchmark transformer graph sparse efficient robust causal latent policy reward vision "
    "speech protein climate weather recommendation medical survey dataset learning neural"
).split()
TAGS = [f"topic-{n:02d}" for n in range(62)]
SETTINGS = """\
title: Benchmark archive
per_page: 20
tags:
  language-models: [language model, LLM]
  diffusion-models: [diffusion]
  forecasting: [forecasting, time series]
"""


def compile_sitegen() -> None:
    """Write sitegen's bytecode, as `pip install` does, before timing it: where it is missing and
    PYTHONDONTWRITEBYTECODE is set (as on this project's machine), every timed process would
    compile sitegen's modules again (about 0.15 s)."""
    compileall.compile_dir(Path(sitegen.__file__).parent, quiet=1)


_SET_ASIDE = itertools.count()


def set_aside(path: Path) -> None:
    """Move a previous run's output or cache out of the way instead of deleting it: on this
    project's machine (ext4 without a journal) a new file's inode is picked after checking each
    free one freed in the last minute, or in the last six while its table block is not yet
    written back (Linux's ext4 `recently_deleted`), so creating files after deleting tens of
    thousands is up to seven times as slow, which would time the benchmark's own cleanup, not
    the tool. (The same holds after the last benchmark's temporary folder is deleted: let a
    minute pass after `sync` between benchmarks.)
    The moved folders stay in `.set-aside/` beside the site, inside the benchmark's temporary
    folder, and go when it does, after every timing."""
    if path.exists() or path.is_symlink():
        trash = path.parent.parent / ".set-aside"
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{next(_SET_ASIDE)}-{path.name}")


def make_corpus(root: Path, count: int, seed: int = 1) -> Path:
    """Write a site with `count` papers under `root`; return its sitegen.yaml."""
    rng = random.Random(seed)
    papers_dir = root / "content" / "papers"
    papers_dir.mkdir(parents=True, exist_ok=True)
    (root / "sitegen.yaml").write_text(SETTINGS, encoding="utf-8")
    people = [f"Author{n} Surname{n % 397}" for n in range(3000)]
    for n in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11))).capitalize()
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(120, 220))).capitalize() + ".\n"
        paper = Paper(
            title=f"{title} {n}",
            date=PaperDate(rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)),
            authors=tuple(rng.sample(people, rng.randint(1, 12))),
            arxiv=f"{rng.randint(15, 25)}{rng.randint(1, 12):02d}.{n:05d}",
            tags=tuple(sorted(rng.sample(TAGS, rng.randint(1, 4)))),
            categories=(rng.choice(["cs.LG", "cs.CL", "cs.CV", "stat.ML"]),),
            body=abstract,
            slug=f"paper-{n:05d}",
        )
        write_paper(paper, papers_dir)
    return root / "sitegen.yaml"
