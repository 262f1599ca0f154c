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
from typing import Any, Callable

from .model import Problem, ProblemsError

MIN_PAGES_PER_WORKER = 1500
REPORT_EVERY = 250  # pages between progress reports
# The job of the current render_all call, set before forking so that workers inherit it:
# (render_one, number of workers, number of pages, shared count of pages done, what to send back).
_JOB: tuple[Callable[[int], None], int, int, Any, Callable[[], Any] | None] | None = None


def worker_count(pages: int) -> int:
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, pages // MIN_PAGES_PER_WORKER))


def _run_slice(start: int) -> tuple[list[Problem], Any]:
    """In a worker: render pages start, start + workers, …; problems (or what `collect` gathers)
    go back to the parent."""
    render_one, step, count, done, collect = _JOB  # type: ignore[misc]
    try:
        for number, index in enumerate(range(start, count, step), 1):
            render_one(index)
            if number % REPORT_EVERY == 0:
                with done.get_lock():
                    done.value += REPORT_EVERY
    except ProblemsError as err:
        return err.problems, None
    return [], collect() if collect is not None else None


def render_all(count: int, render_one: Callable[[int], None], workers: int,
               report: Callable[[int], None] | None = None, collect: Callable[[], Any] | None = None) -> list[Any]:
    """Call render_one(i) for every i < count, spread over `workers` processes; `report(done)`
    hears how many are done now and then. Returns what `collect()` gives in each worker (for
    caches the parent wants to keep), or nothing when everything ran here."""
    global _JOB
    if workers <= 1:
        for index in range(count):
            render_one(index)
            if report is not None and index % REPORT_EVERY == REPORT_EVERY - 1:
                report(index + 1)
        return []
    context = multiprocessing.get_context("fork")
    done = context.Value("q", 0)
    _JOB = (render_one, workers, count, done, collect)
    gc.freeze()  # keep the collector from touching (and so copying) every inherited object
    try:
        with context.Pool(workers) as pool:
            pending = pool.map_async(_run_slice, range(workers), chunksize=1)
            while not pending.ready():
                pending.wait(0.2)
                if report is not None:
                    report(done.value)
            results = pending.get()
    finally:
        gc.unfreeze()
        _JOB = None
    problems = [problem for found, _ in results for problem in found]
    if problems:
        raise ProblemsError(problems)
    return [collected for _, collected in results]
