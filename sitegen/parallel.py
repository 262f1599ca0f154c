"""Rendering pages on every core: forked workers render interleaved slices of the page list.

Workers inherit the assembled site and the template environment through fork (nothing is
pickled but the problems of a failed page), render their pages and write them to disk. Where
fork is unavailable, or there are few pages, everything renders in this process.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from typing import Callable

from .model import Problem, ProblemsError

MIN_PAGES_PER_WORKER = 1500
# The job of the current render_all call, set before forking so that workers inherit it:
# (render_one, number of workers, number of pages).
_JOB: tuple[Callable[[int], None], int, int] | None = None


def worker_count(pages: int) -> int:
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, pages // MIN_PAGES_PER_WORKER))


def _run_slice(start: int) -> list[Problem]:
    """In a worker: render pages start, start + workers, …; problems go back to the parent."""
    render_one, step, count = _JOB  # type: ignore[misc]
    try:
        for index in range(start, count, step):
            render_one(index)
    except ProblemsError as err:
        return err.problems
    return []


def render_all(count: int, render_one: Callable[[int], None], workers: int) -> None:
    """Call render_one(i) for every i < count, spread over `workers` processes."""
    global _JOB
    if workers <= 1:
        for index in range(count):
            render_one(index)
        return
    _JOB = (render_one, workers, count)
    gc.freeze()  # keep the collector from touching (and so copying) every inherited object
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_run_slice, range(workers), chunksize=1)
    finally:
        gc.unfreeze()
        _JOB = None
    problems = [problem for found in results for problem in found]
    if problems:
        raise ProblemsError(problems)
