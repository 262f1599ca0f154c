"""Forked render workers: every page once, shared out as they go; templates compiled once, before."""
from __future__ import annotations

import os
import time
from pathlib import Path

import jinja2
import pytest

from sitegen import parallel
from sitegen.build import build
from sitegen.config import load_config

from conftest import paper_text

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="forked workers need Linux's fork")


def test_every_page_renders_once_and_a_slow_worker_takes_fewer(tmp_path: Path) -> None:
    """Workers take pages a chunk at a time: the one stuck on a slow page leaves the rest to the
    other (fixed slices would give it half the pages whatever the machine does)."""
    count = 8 * parallel.CHUNK + 7

    def render_one(index: int) -> None:
        if index == 0:
            time.sleep(1.5)
        (tmp_path / f"{index}.{os.getpid()}").write_text("")

    parallel.render_all(count, render_one, 2)
    rendered = [name.split(".") for name in os.listdir(tmp_path)]
    assert sorted(int(index) for index, _ in rendered) == list(range(count))
    slow = dict(rendered)["0"]
    assert sum(1 for _, pid in rendered if pid == slow) <= 2 * parallel.CHUNK


def test_problems_in_any_chunk_are_reported() -> None:
    """A worker stops at its first problem; the other goes on and finds the next."""
    from sitegen.model import Problem, ProblemsError

    def render_one(index: int) -> None:
        if index in (3, 3 * parallel.CHUNK + 1):
            raise ProblemsError([Problem(f"page{index}", None, "broken")])

    with pytest.raises(ProblemsError) as caught:
        parallel.render_all(4 * parallel.CHUNK, render_one, 2)
    assert {problem.path for problem in caught.value.problems} == {"page3", f"page{3 * parallel.CHUNK + 1}"}


def test_templates_compile_once_before_the_workers_fork(make_site, monkeypatch, tmp_path: Path) -> None:
    """The render workers inherit compiled templates; none compiles its own."""
    root = make_site({f"p{n}": paper_text(f"Paper {n}", f"2024-0{1 + n % 9}-01") for n in range(12)})
    monkeypatch.setattr(parallel, "MIN_PAGES_PER_WORKER", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    log = tmp_path / "compiled"
    compile_source = jinja2.Environment.compile

    def logged(self, source, name=None, filename=None, raw=False, defer_init=False):
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {name}\n")
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", logged)
    result = build(load_config(root / "sitegen.yaml"))
    assert result.rendered == result.pages > 24
    compiled = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert {pid for pid, _ in compiled} == {str(os.getpid())}
    assert {"paper.html", "list.html", "base.html"} <= {name for _, name in compiled}
    assert len(compiled) == len({name for _, name in compiled})  # each once


def test_files_beside_the_templates_that_are_no_templates_do_not_stop_a_build(make_site, monkeypatch) -> None:
    """Compiling ahead is only a speed-up: a .DS_Store, an image or a broken template nothing
    uses, in the site's templates/, is skipped as it was before."""
    root = make_site({f"p{n}": paper_text(f"Paper {n}") for n in range(6)})
    templates = root / "templates"
    (templates / "img").mkdir(parents=True)
    (templates / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\xff\xfe\x80")
    (templates / "img" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    (templates / "unused.html").write_text("{% if %}", encoding="utf-8")
    monkeypatch.setattr(parallel, "MIN_PAGES_PER_WORKER", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    result = build(load_config(root / "sitegen.yaml"))
    assert result.rendered == result.pages and (root / "public" / "papers" / "p1" / "index.html").is_file()


def test_a_standby_job_gets_ready_before_its_input_and_runs_it_in_the_child(tmp_path: Path) -> None:
    """The child runs `ready()` at once (here it writes a file) while this process works out the
    input; `give` does not wait for the child to be ready; the result comes back from the child."""
    marker = tmp_path / "ready"

    def ready() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(0.5)

    job = parallel.Standby(lambda given: (os.getpid(), [item * 2 for item in given]), ready=ready)
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    job.give(list(range(200_000)))  # more than a pipe holds: written by a thread while the child sleeps
    assert time.monotonic() - started < 0.4
    pid, doubled = job.result()
    assert pid == int(marker.read_text()) != os.getpid()
    assert doubled == [item * 2 for item in range(200_000)]


def test_a_standby_job_without_a_child_runs_here_and_failures_are_raised() -> None:
    here = parallel.Standby(lambda given: (os.getpid(), given + 1), fork=False)
    here.give(41)
    assert here.result() == (os.getpid(), 42)

    def fail(given: int) -> None:
        raise ValueError(f"no good: {given}")

    failing = parallel.Standby(fail)
    failing.give(7)
    with pytest.raises(RuntimeError, match="no good: 7"):
        failing.result()
    never_given = parallel.Standby(lambda given: given)
    with pytest.raises(RuntimeError, match="EOFError"):  # the child is told, instead of waiting for ever
        never_given.result()


def test_a_cancelled_standby_job_leaves_no_process() -> None:
    import multiprocessing

    job = parallel.Standby(lambda given: given, ready=lambda: time.sleep(30))
    job.give(list(range(100_000)))
    job.cancel()
    assert multiprocessing.active_children() == []
