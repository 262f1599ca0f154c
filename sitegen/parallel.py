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
from pathlib import Path
from typing import Callable, Sequence

from .model import Problem, ProblemsError

MIN_PAGES_PER_WORKER = 1500
_JOB: tuple[Callable[[int], None], int] | None = None


def worker_count(pages: int) -> int:
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, pages // MIN_PAGES_PER_WORKER))


def _run_slice(start: int) -> list[Problem]:
    render_one, step = _JOB  # type: ignore[misc]
    try:
        for index in range(start, _TOTAL, step):
            render_one(index)
    except ProblemsError as err:
        return err.problems
    return []


_TOTAL = 0


def render_all(count: int, render_one: Callable[[int], None], workers: int) -> None:
    """Call render_one(i) for every i < count, spread over `workers` processes."""
    global _JOB, _TOTAL
    if workers <= 1:
        for index in range(count):
            render_one(index)
        return
    _JOB, _TOTAL = (render_one, workers), count
    gc.freeze()  # keep the collector from touching (and so copying) every inherited object
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_run_slice, range(workers), chunksize=1)
    finally:
        gc.unfreeze()
        _JOB, _TOTAL = None, 0
    problems = [problem for found in results for problem in found]
    if problems:
        raise ProblemsError(problems)
