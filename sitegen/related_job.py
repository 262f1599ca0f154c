"""Related papers worked out beside the build: a first `sitegen build` of a mid-sized archive
(1,000 to 2,000 papers) forks a child as it starts, which loads NumPy, SciPy and the last build's memo
(0.3 s, a sixth of such a build) while this process reads the papers and makes their views. It
is sent each paper's title, text and tags and sends back the answer and the new memo, pickled:
this process never loads SciPy. Other builds compute them in this process: a larger archive's
product wants both cores (see related.py), a smaller one's search index is written in this
process, which loads NumPy for it anyway, in later builds the build's other processes keep the
cores busy (a child would only add its own loading), and `sitegen serve` keeps SciPy loaded for
the full builds it forks after each save.
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
    in the child: BuildState takes either). With `fork`, the child is forked at once (where a
    second core and fork are available; see worth_a_child); without, all runs in `finish()`."""

    def __init__(self, memo: dict | bytes, fork: bool = False) -> None:
        forked = self.in_child = fork and can_run_beside()
        self.memo = memo
        self._ordered: list[Any] = []
        loaded: list[dict] = []  # the memo, unpickled while the child waits for the papers

        def ready() -> None:
            loaded.append(_unpickled(memo))

        def job(given: Documents) -> tuple[list[list[int]], dict | bytes]:
            from .related import similar

            kept = loaded[0]
            answer = similar(given, memo=kept)
            return answer, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL) if forked else kept

        self._job = Standby(job, ready=ready, fork=forked)

    def start(self, views: Sequence[Any]) -> None:
        self._ordered = sorted(views, key=lambda view: view.slug)  # ties go to the smaller slug
        self._job.give(documents(self._ordered))

    def finish(self) -> None:
        answer, self.memo = self._job.result()
        attach(self._ordered, answer)

    def cancel(self) -> None:
        self._job.cancel()


PARALLEL_FROM = 2000  # papers from which related.py spreads the product over processes


def worth_a_child(papers: int) -> bool:
    """Whether a first build of `papers` papers works out related papers in a child: below
    PARALLEL_FROM, and while SciPy is not loaded here (as it is in a second build in one process)."""
    return papers < PARALLEL_FROM and "scipy.sparse" not in sys.modules


def documents(ordered: Sequence[Any]) -> Documents:
    """What related.similar compares: each view's title, text and tags."""
    return [(view.title, view.paper.body, [tag.slug for tag in view.tags]) for view in ordered]


def attach(ordered: Sequence[Any], answer: list[list[int]]) -> None:
    for view, neighbours in zip(ordered, answer):
        view.related = [ordered[index] for index in neighbours]


def _unpickled(memo: dict | bytes) -> dict:
    from . import related  # noqa: F401  (NumPy and SciPy, which the memo holds)

    return pickle.loads(memo) if isinstance(memo, bytes) else memo
