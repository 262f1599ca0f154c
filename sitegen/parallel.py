"""Work on every core: forked workers render the page list in chunks they take in turn (and
read the content files, and write the side files while the pages render).

Workers inherit the assembled site and the template environment through fork (nothing is
pickled but the problems of a failed page), render their pages and write them to disk. Where
fork is unavailable, or there are few pages, everything renders in this process.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import traceback
from typing import Any, Callable

from .model import Problem, ProblemsError

MIN_PAGES_PER_WORKER = 1500
CHUNK = 50  # pages a worker takes at a time: small enough that workers finish together
# The job of the current render_all call, set before forking so that workers inherit it:
# (render_one, number of pages, shared count of pages taken, what to send back).
_JOB: tuple[Callable[[int], None], int, Any, Callable[[], Any] | None] | None = None


def can_fork() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def worker_count(pages: int) -> int:
    if not can_fork():
        return 1
    return max(1, min(os.cpu_count() or 1, pages // MIN_PAGES_PER_WORKER))


def _run_chunks(_worker: int) -> tuple[list[Problem], Any]:
    """In a worker: render the next CHUNK pages not taken yet, until none are left (a worker
    slowed by the machine takes fewer); problems (or what `collect` gathers) go back to the
    parent."""
    render_one, count, taken, collect = _JOB  # type: ignore[misc]
    try:
        while True:
            with taken.get_lock():
                start = taken.value
                taken.value = min(count, start + CHUNK)
            if start >= count:
                break
            for index in range(start, min(count, start + CHUNK)):
                render_one(index)
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
            if report is not None and index % CHUNK == CHUNK - 1:
                report(index + 1)
        return []
    context = multiprocessing.get_context("fork")
    taken = context.Value("q", 0)
    _JOB = (render_one, count, taken, collect)
    gc.freeze()  # keep the collector from touching (and so copying) every inherited object
    try:
        with context.Pool(workers) as pool:
            pending = pool.map_async(_run_chunks, range(workers), chunksize=1)
            while not pending.ready():
                pending.wait(0.2)
                if report is not None:
                    report(taken.value)  # pages taken: at most a chunk per worker ahead of those done
            results = pending.get()
    finally:
        gc.unfreeze()
        _JOB = None
    problems = [problem for found, _ in results for problem in found]
    if problems:
        raise ProblemsError(problems)
    return [collected for _, collected in results]


_MAPPED: Callable[[Any], Any] | None = None  # the function of the current map_forked call, for its workers


def map_forked(function: Callable[[Any], Any], items: list[Any], meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """[function(item) for item in items], each call in its own forked process (the function
    and what it needs are inherited; only the items and the results are pickled). `meanwhile()`
    runs in this process while they work."""
    global _MAPPED
    _MAPPED = function
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(len(items)) as pool:
            pending = pool.map_async(_run_mapped, items, chunksize=1)
            if meanwhile is not None:
                meanwhile()
            return pending.get()
    finally:
        gc.unfreeze()
        _MAPPED = None


def _run_mapped(item: Any) -> Any:
    return _MAPPED(item)  # type: ignore[misc]


class Background:
    """A job running in a forked child while this process goes on (the search index and the
    feeds and citations are written while the pages render). The child inherits everything
    through fork and sends back only the job's result; where fork is unavailable the job runs
    here when its result is asked for, and so does a job too small to be worth a process."""

    def __init__(self, job: Callable[[], Any], fork: bool = True) -> None:
        self._job: Callable[[], Any] | None = job
        self._process = None
        if not fork or not can_fork() or (os.cpu_count() or 1) < 2:
            return
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        gc.freeze()  # as render_all: the child's collector must not copy every inherited object
        try:
            self._process = context.Process(target=_run_background, args=(job, sender), daemon=True)
            self._process.start()
        finally:
            gc.unfreeze()
        sender.close()
        self._job = None

    def result(self) -> Any:
        """Wait for the job; its problems are raised here, as if it had run in this process."""
        if self._process is None:
            job, self._job = self._job, None
            return job() if job is not None else None
        try:
            kind, value = self._results.recv()
        except EOFError:
            kind, value = "error", f"the process was killed (exit code {self._process.exitcode})"
        finally:
            self._process.join()
            self._results.close()
        if kind == "problems":
            raise ProblemsError(value)
        if kind == "error":
            raise RuntimeError(f"a background build job failed:\n{value}")
        return value

    def cancel(self) -> None:
        """Stop the job (the build failed elsewhere); nothing it wrote is kept by the caller."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()


def _run_background(job: Callable[[], Any], sender: Any) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", job())
    except ProblemsError as err:
        outcome = ("problems", err.problems)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        outcome = ("error", traceback.format_exc())
    sender.send(outcome)
    sender.close()
