"""Related papers worked out beside the build: every `sitegen build` of a mid-sized archive
(1,000 to 2,000 papers) that has something to build forks a child before it reads the cache,
and the child loads NumPy and related.py while this process reads the cache and the papers and
makes their views. It is sent the last build's memo and each paper's title, text and tags, and
sends back the answer and the new memo, pickled. With SciPy out of such builds (csr.py) the child
saves less than it did (one-paper edits at 1,000 papers, 12 alternating: 1.105 s with it, 1.16 s
without, for 0.08 s more CPU). Other builds compute them in this process: a larger archive's
product wants both cores (see related.py) and its edits gained nothing from a child (4.44 s
against 4.51 s, median of 10 alternating one-paper edits at 10,000 papers, with 0.35 s more
CPU), a smaller one saves less than the child costs, and `sitegen serve` keeps related.py loaded
for the full builds it forks after each save.
"""
from __future__ import annotations

import pickle
import sys
from typing import Any, Sequence

from .parallel import Standby, can_run_beside

Documents = list[tuple[str, str, list[str]]]


class RelatedPapers:
    """`start(views)` hands the papers over, `finish()` sets every view's `related` (see
    related.similar) and leaves the updated memo in `memo` (a dict, or its pickle if it was made
    in the child: BuildState takes either). The memo it starts from may be set once the cache
    is read, up to `start`. With `fork`, the child is forked at once (where a second core and fork
    are available; see worth_a_child); without, all runs in `finish()`."""

    def __init__(self, memo: dict | bytes | None = None, fork: bool = False) -> None:
        forked = self.in_child = fork and can_run_beside()
        self.memo = memo

        def ready() -> None:
            from . import related  # noqa: F401  (and NumPy, loaded while this process works out the papers)

        def job(given: tuple[dict | bytes, Documents]) -> tuple[list[list[int]], dict | bytes]:
            from .related import similar

            memo, documents = given
            kept = pickle.loads(memo) if isinstance(memo, bytes) else memo
            answer = similar(documents, memo=kept)
            return answer, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL) if forked else kept

        self._ordered: list[Any] = []
        self._job = Standby(job, ready=ready, fork=forked)

    def start(self, views: Sequence[Any]) -> None:
        self._ordered = sorted(views, key=lambda view: view.slug)  # ties go to the smaller slug
        self._job.give((self.memo or {}, documents(self._ordered)))

    def finish(self) -> None:
        answer, self.memo = self._job.result()
        attach(self._ordered, answer)

    def cancel(self) -> None:
        self._job.cancel()


PARALLEL_FROM = 2000  # papers from which related.py spreads the product over processes
CHILD_FROM = 1000  # papers: below this a child saves less than it costs (at 300 papers, 0.05 s of an edit for 0.15 s of CPU)


def worth_a_child(papers: int) -> bool:
    """Whether a `sitegen build` of `papers` papers works out related papers in a child: from
    CHILD_FROM to PARALLEL_FROM, and while related.py is not loaded here (as it is in a second
    build in one process)."""
    return CHILD_FROM <= papers < PARALLEL_FROM and "sitegen.related" not in sys.modules


def documents(ordered: Sequence[Any]) -> Documents:
    """What related.similar compares: each view's title, text and tags."""
    return [(view.title, view.paper.body, [tag.slug for tag in view.tags]) for view in ordered]


def attach(ordered: Sequence[Any], answer: list[list[int]]) -> None:
    for view, neighbours in zip(ordered, answer):
        view.related = [ordered[index] for index in neighbours]
