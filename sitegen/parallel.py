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
import pickle
import sys
import threading
import traceback
from typing import Any, Callable

from .model import Problem, ProblemsError

# Pages each render worker must have before the render forks workers at all. Measured on 2 cores,
# cold builds in turns against a single process (benchmarks/ab.py --kind cold): two workers of
# about 270 pages each broke even (60 papers, 535 pages), and gained from about 400 each (100
# papers: -0.09 s of 1.08 s; the sample site: -0.08 s of 1.31 s; 300 papers: -0.22 s of 1.54 s).
MIN_PAGES_PER_WORKER = 400
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


def map_forked(function: Callable[[Any], Any], items: list[Any], meanwhile: Callable[[], None] | None = None,
               processes: int | None = None, done: Callable[[int], None] | None = None) -> list[Any]:
    """[function(item) for item in items] on `processes` forked processes (default: one per
    item), which take the items in turn (the function and what it needs are inherited; only the
    items and the results are pickled, each result as soon as it is ready). `meanwhile()` runs
    in this process while they work; `done(n)` hears each time the first n results are in."""
    global _MAPPED
    _MAPPED = function
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(processes or len(items)) as pool:
            if done is None:
                pending = pool.map_async(_run_mapped, items, chunksize=1)
                if meanwhile is not None:
                    meanwhile()
                return pending.get()
            results = pool.imap(_run_mapped, items, chunksize=1)
            if meanwhile is not None:
                meanwhile()
            gathered = []
            for result in results:
                gathered.append(result)
                done(len(gathered))
            return gathered
    finally:
        gc.unfreeze()
        _MAPPED = None


def _run_mapped(item: Any) -> Any:
    return _MAPPED(item)  # type: ignore[misc]


def can_run_beside() -> bool:
    """Whether a job can run in another process beside this one: with fork and a second core."""
    return can_fork() and (os.cpu_count() or 1) >= 2


class Background:
    """A job running in a forked child while this process goes on (the search index and the
    feeds and citations are written while the pages render). The child inherits everything
    through fork and sends back only the job's result; where fork is unavailable the job runs
    here when its result is asked for, and so does a job too small to be worth a process."""

    def __init__(self, job: Callable[[], Any], fork: bool = True) -> None:
        self._job: Callable[[], Any] | None = job
        self._process = None
        if not (fork and can_run_beside()):
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


class Standby:
    """A job forked now that waits for its input: the child gets ready (`ready()`: loads what
    the job needs) while this process works out that input, which `give` then hands over for the
    child to run `job(input)`. Where no child is forked (see Background) everything runs here
    when the result is asked for."""

    def __init__(self, job: Callable[[Any], Any], ready: Callable[[], None] | None = None, fork: bool = True) -> None:
        self._job, self._ready = job, ready
        self._given: Any = None
        self._sending: threading.Thread | None = None
        self._background: Background | None = None
        self._sender = None
        if not (fork and can_run_beside()):
            return
        receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)

        def run() -> Any:
            sender.close()  # the child's copy: if this process dies, the child sees the end of its input
            if ready is not None:
                ready()
            return job(receiver.recv())

        self._background = Background(run)
        receiver.close()
        self._sender = sender

    def give(self, given: Any) -> None:
        """Hand the input over. The child may still be getting ready: a thread writes it into the
        pipe, so this process goes on meanwhile (result() waits for that thread)."""
        if self._sender is None:
            self._given = given
            return
        data, sender = pickle.dumps(given, protocol=pickle.HIGHEST_PROTOCOL), self._sender
        self._sender = None

        def send() -> None:
            try:
                sender.send_bytes(data)
            except OSError:
                pass  # the child is gone: result() says why
            finally:
                sender.close()

        self._sending = threading.Thread(target=send, name="sitegen-standby-input", daemon=True)
        self._sending.start()

    def result(self) -> Any:
        """Wait for the job (given its input first); its problems are raised here."""
        if self._background is None:
            if self._ready is not None:
                self._ready()
            return self._job(self._given)
        if self._sender is not None:  # never given its input: the child sees its end and fails
            self._sender.close()
            self._sender = None
        try:
            return self._background.result()
        finally:
            self._joined()

    def cancel(self) -> None:
        """Stop the child (the build failed elsewhere)."""
        if self._background is not None:
            self._background.cancel()
            if self._sender is not None:
                self._sender.close()
                self._sender = None
            self._joined()

    def _joined(self) -> None:
        if self._sending is not None:
            self._sending.join()
            self._sending = None

