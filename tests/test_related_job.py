"""Related papers worked out in a child forked as `sitegen build` starts (related_job.py): the same
answer and memo as in the build's own process, and the build's process never loads SciPy."""
from __future__ import annotations

import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, paper_text, tree
from sitegen import parallel, related_job
from sitegen.build import build
from sitegen.pipeline import load_site
from sitegen.buildstate import BuildState
from sitegen.config import load_config
from sitegen.model import ProblemsError

pytestmark = pytest.mark.skipif(not parallel.can_run_beside(), reason="a child process needs fork and a second core")


def answer(views) -> dict[str, list[str]]:
    return {view.slug: [other.slug for other in view.related] for view in views}


def test_the_child_gives_the_answer_and_the_memo_a_build_here_gives() -> None:
    views = load_site(load_config(REPO / "sitegen.yaml")).papers
    here, there = related_job.RelatedPapers({}), related_job.RelatedPapers({}, fork=True)
    assert not here.in_child and there.in_child
    here.start(views)
    here.finish()
    expected = answer(views)
    there.start(views)
    there.finish()
    assert answer(views) == expected and len(expected) > 20
    assert isinstance(there.memo, bytes) and isinstance(here.memo, dict)
    assert pickle.loads(there.memo).keys() == here.memo.keys()
    # the next build's child starts from the pickled memo: an unchanged archive computes nothing new
    again = related_job.RelatedPapers(there.memo, fork=True)
    again.start(views)
    again.finish()
    assert answer(views) == expected


BUILD = """
import sys
from pathlib import Path
import sitegen.build
import sitegen.pipeline
import sitegen.related_job
from sitegen.config import load_config
sitegen.pipeline.BACKGROUND_FROM = 1  # a child for the search index and one for related papers, whatever the size
sitegen.related_job.CHILD_FROM = 1
sitegen.build.build(load_config(Path(sys.argv[1]) / "sitegen.yaml"))
print(sorted(name for name in ("scipy.sparse", "sitegen.related") if name in sys.modules))
"""


def test_a_build_in_a_fresh_process_leaves_scipy_to_the_child(make_site, tmp_path: Path) -> None:
    """A first build of a mid-sized archive (here a small one, with the thresholds lowered), as
    `sitegen build` runs it: the related papers come from the child (the build's process never
    imports SciPy), and the site is byte for byte the one a build that computes them in its own
    process writes; so is the edit that follows, whose child starts from the memo the first left."""
    papers = {f"p{n}": paper_text(f"Paper {n} on {'language models' if n % 2 else 'protein folding'}", date=f"2024-0{1 + n % 3}-1{n}",
                                  body=f"An abstract about {'tokens and attention' if n % 2 else 'amino acids'} number {n}.\n")
              for n in range(1, 10)}
    root = make_site(papers)

    def build_in_fresh_process() -> str:
        return subprocess.run([sys.executable, "-c", BUILD, str(root)], capture_output=True, text=True, check=True, cwd=REPO).stdout

    assert build_in_fresh_process().strip() == "[]"
    build(load_config(root / "sitegen.yaml"), tmp_path / "here", state=BuildState())
    assert tree(root / "public") == tree(tmp_path / "here")
    (root / "content" / "papers" / "p3.md").write_text(paper_text("Paper 3 on protein folding now", date="2024-01-13"))
    assert build_in_fresh_process().strip() == "[]"
    build(load_config(root / "sitegen.yaml"), tmp_path / "edited", state=BuildState())
    assert tree(root / "public") == tree(tmp_path / "edited")


def test_a_build_that_fails_stops_the_child(make_site, monkeypatch) -> None:
    root = make_site({"good": paper_text("Fine"), "bad": "---\ntitle: [unclosed\n---\nText.\n"})
    monkeypatch.setattr(related_job, "worth_a_child", lambda papers: True)
    with pytest.raises(ProblemsError):
        build(load_config(root / "sitegen.yaml"))
    assert multiprocessing.active_children() == []


def test_a_build_that_finds_nothing_changed_stops_the_child(make_site, monkeypatch) -> None:
    """A paper's file touched without a change: the child was forked before the papers were read."""
    root = make_site({f"p{n}": paper_text(f"Paper {n}") for n in range(3)})
    config = load_config(root / "sitegen.yaml")
    build(config)
    path = root / "content" / "papers" / "p1.md"
    os.utime(path, (path.stat().st_atime + 10, path.stat().st_mtime + 10))
    monkeypatch.setattr(related_job, "worth_a_child", lambda papers: True)  # build.py loads both only once it has work
    made, real = [], related_job.RelatedPapers
    monkeypatch.setattr(related_job, "RelatedPapers", lambda fork: made.append(fork) or real(fork=fork))
    assert build(config).rendered == 0
    assert made == [True] and multiprocessing.active_children() == []


def test_a_build_given_its_state_computes_related_papers_here(make_site, monkeypatch) -> None:
    """`sitegen serve` passes its state and forks a full build after each save: SciPy, loaded by
    its first build, is inherited by those, so no build of serve's starts a child for it."""
    root = make_site({f"p{n}": paper_text(f"Paper {n}") for n in range(3)})
    monkeypatch.setattr(related_job, "worth_a_child", lambda papers: True)
    made, real = [], related_job.RelatedPapers

    def recorded(memo=None, fork=False):
        made.append(fork)
        return real(memo, fork)

    monkeypatch.setattr(related_job, "RelatedPapers", recorded)
    monkeypatch.setattr("sitegen.pipeline.RelatedPapers", recorded)
    build(load_config(root / "sitegen.yaml"), state=BuildState())
    assert made == [False]
    build(load_config(root / "sitegen.yaml"), root / "cold")  # `sitegen build`: from the cache, which is empty
    assert made == [False, True]
