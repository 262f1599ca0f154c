"""Interrupted work never costs a user their site: builds and imports killed at random points
(SIGKILL: no cleanup runs) leave the previous output whole, and running again finishes the job."""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.content import read_paper

from conftest import REPO, paper_text

ENV = {**os.environ, "PYTHONPATH": str(REPO)}
SEED = int(os.environ.get("SITEGEN_INTERRUPT_SEED", "20261126"))


def sitegen(root: Path, *args: str, wait: bool = True):
    command = [sys.executable, "-m", "sitegen", *args]
    if wait:
        return subprocess.run(command, cwd=root, env=ENV, capture_output=True, text=True, timeout=120)
    return subprocess.Popen(command, cwd=root, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def tree(folder: Path) -> dict[str, str] | None:
    """Every file under `folder` by relative path -> sha1 of its bytes (None: no folder)."""
    if not folder.is_dir():
        return None
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def kill_after(process: subprocess.Popen, seconds: float) -> None:
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.communicate()


def _kill_points(rng: random.Random, count: int) -> list[float]:
    """Seconds after start, spread over a build of the archive below (about 0.7 s of starting
    Python and importing, then its work), one random point in each slice of that span."""
    low, high = 0.5, 1.1
    width = (high - low) / count
    return [low + width * (i + rng.random()) for i in range(count)]


def leftovers(root: Path) -> list[str]:
    """What builds left beside public/, but for the mirror warm builds keep (and its marker)."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".public.") and not p.name.startswith(".public.mirror"))


@pytest.fixture
def archive(make_site) -> Path:
    papers = {f"paper-{i:03d}": paper_text(f"Paper number {i}", date=f"20{10 + i % 12}-{1 + i % 12:02d}-01",
                                           tags=f"[topic-{i % 9}]", authors=f'["Author {i % 23}"]',
                                           body=f"Abstract {i}. " * 30 + "\n") for i in range(100)}
    return make_site(papers, "title: Interrupted\nbase_url: https://example.org/\n")


def test_killed_cold_builds_leave_the_previous_site_whole(archive):
    rng = random.Random(SEED)
    assert sitegen(archive, "build").returncode == 0
    previous = tree(archive / "public")
    for attempt, delay in enumerate(_kill_points(rng, 2)):
        (archive / "sitegen.yaml").write_text(f"title: Interrupted {attempt}\nbase_url: https://example.org/\n")
        for path in (archive / ".sitegen-cache").glob("build.pickle"):
            path.unlink()  # no cache: a cold build, staged beside public/ and swapped in
        kill_after(sitegen(archive, "build", wait=False), delay)
        seen = tree(archive / "public")
        done = sitegen(archive, "build")
        assert done.returncode == 0, done.stderr
        current = tree(archive / "public")
        # killed before the swap: the old site; after it: the whole new one; never a mixture
        assert seen in (previous, current) or (seen is None and previous is not None), attempt
        assert leftovers(archive) == []  # the next build cleaned up after the killed one
        previous = current


def test_a_swap_cut_between_its_renames_is_undone_by_the_next_build(archive):
    """The one window a kill can hit in a cold build: public/ moved aside, the new one not yet in."""
    assert sitegen(archive, "build").returncode == 0
    before = tree(archive / "public")
    dead_pid = 4_999_999  # above Linux's pid_max: never a running process
    os.replace(archive / "public", archive / f".public.old-{dead_pid}")
    (archive / f".public.building-{dead_pid}").mkdir()
    (archive / "content" / "papers" / "broken.md").write_text("---\ntitle: [\n---\n")
    failed = sitegen(archive, "build")
    assert failed.returncode == 1 and "broken.md:3" in failed.stderr
    assert tree(archive / "public") == before
    assert leftovers(archive) == []


def test_a_killed_incremental_build_is_finished_by_the_next(archive):
    rng = random.Random(SEED + 1)
    assert sitegen(archive, "build").returncode == 0
    papers = archive / "content" / "papers"
    previous = tree(archive / "public")
    for attempt, delay in enumerate(_kill_points(rng, 2)):
        for path in sorted(papers.glob("*.md"))[attempt::2]:
            path.write_text(path.read_text() + f"\nEdit {attempt}.\n")
        kill_after(sitegen(archive, "build", wait=False), delay)
        seen = tree(archive / "public")
        assert sitegen(archive, "build").returncode == 0
        current = tree(archive / "public")
        assert seen in (previous, current) or (seen is None and previous is not None), attempt
        previous = current
    fresh = archive.parent / "fresh"
    assert sitegen(archive, "build", "--out", str(fresh)).returncode == 0  # no cache for this folder: cold
    assert tree(archive / "public") == tree(fresh)


# Run `sitegen build`, counting the file-system calls made once every page is ready (from
# `committing` on); SIGKILL itself (no cleanup runs) at call number argv[1], or print the count.
KILL_IN_COMMIT = """
import os, signal, sys
from pathlib import Path
from sitegen.build import build
from sitegen.config import load_config
stop_at, calls, armed = int(sys.argv[1]), [0], [False]
def counted(real):
    def call(*args, **kwargs):
        if armed[0]:
            calls[0] += 1
            if calls[0] == stop_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
for name in ("replace", "rename", "link", "unlink", "mkdir", "rmdir", "open"):
    setattr(os, name, counted(getattr(os, name)))
build(load_config(Path("sitegen.yaml").resolve()), committing=lambda: armed.__setitem__(0, True))
print(calls[0])
"""


def build_killed_at(root: Path, call: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILL_IN_COMMIT, str(call)], cwd=root, env=ENV, capture_output=True,
                          text=True, timeout=120)


def cold_tree(root: Path, out: Path) -> dict[str, str]:
    """What a first build of the site as it is now writes (the cache is neither read nor written)."""
    from sitegen.build import build
    from sitegen.buildstate import BuildState
    from sitegen.config import load_config

    shutil.rmtree(out, ignore_errors=True)
    build(load_config(root / "sitegen.yaml"), out, state=BuildState())
    return tree(out)


def _edit(papers: Path, attempt: int) -> None:
    """A title (so list pages change too), a deleted paper and a new one: files change, go and come."""
    names = sorted(papers.glob("*.md"))
    first = names[attempt % len(names)]
    first.write_text(first.read_text().replace("title: Paper number", f"title: Edited {attempt} paper number", 1))
    names[(attempt * 7 + 3) % len(names)].unlink()
    (papers / f"added-{attempt}.md").write_text(paper_text(f"Added paper {attempt}", date="2025-02-01", tags="[topic-1]"))


def test_incremental_builds_killed_in_their_commit_leave_the_old_site_or_the_new(archive, tmp_path):
    """SIGKILL at random file-system calls of a warm build's commit (moves, links, deletions,
    renames): public/ is exactly the last site or exactly the new one, never a mix, and the next
    build makes what a first build would."""
    rng = random.Random(SEED + 3)
    assert sitegen(archive, "build").returncode == 0
    papers = archive / "content" / "papers"
    for attempt in (100, 101):  # the first warm build makes the mirror; the second counts the calls
        _edit(papers, attempt)
        counted = build_killed_at(archive, 0)
        assert counted.returncode == 0, counted.stderr
    calls = int(counted.stdout)
    previous, outcomes = tree(archive / "public"), []
    for attempt in range(8):
        _edit(papers, attempt)
        new = cold_tree(archive, tmp_path / "cold")
        stop = rng.randrange(1, calls + 1)
        killed = build_killed_at(archive, stop)
        seen = tree(archive / "public")
        assert seen in (previous, new), (attempt, stop, calls)
        outcomes.append((killed.returncode, seen == new))
        done = sitegen(archive, "build")
        assert done.returncode == 0, done.stderr
        assert tree(archive / "public") == new, (attempt, stop)
        assert tree(archive / ".public.mirror") == new
        assert leftovers(archive) == []
        previous = new
    assert (-signal.SIGKILL, False) in outcomes and (-signal.SIGKILL, True) in outcomes, outcomes  # both sides of the swap


def test_a_killed_import_leaves_whole_pages_and_the_rerun_finishes(make_site, tmp_path):
    rng = random.Random(SEED + 2)
    root = make_site({})
    records = [{"title": f"Imported paper {i}", "date": "2024-01-02", "arxiv": f"2401.{10000 + i}",
                "authors": [f"Person {i}"], "abstract": "Words. " * 40} for i in range(1500)]
    source = tmp_path / "records.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    papers = root / "content" / "papers"
    for _ in range(2):
        kill_after(sitegen(root, "import", str(source), wait=False), rng.uniform(0.5, 1.5))
        for path in papers.glob("*.md"):
            paper, problems = read_paper(path)
            assert problems == [] and paper is not None, path
    done = sitegen(root, "import", str(source))
    assert done.returncode == 0, done.stderr
    assert len(list(papers.glob("*.md"))) == len(records)
    assert hidden(papers) == []  # a temporary file a kill left mid-write is gone too
    again = sitegen(root, "import", str(source))
    assert f"0 new, 0 enriched, {len(records)} unchanged" in again.stdout


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# Run `sitegen import`, but stop for good inside the third page write: its temporary file is
# written and closed, the rename not done. Printing the file's path says the moment has come.
STOP_IN_THIRD_WRITE = """
import os, sys, time
from sitegen import cli
rename, writes = os.replace, []
def stop_in_third(source, target):
    writes.append(target)
    if len(writes) == 3:
        print(source, flush=True)
        time.sleep(600)
    rename(source, target)
os.replace = stop_in_third
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_temporary_file_left_by_a_killed_import_is_removed_by_the_next(make_site, tmp_path):
    root = make_site({})
    papers = root / "content" / "papers"
    records = [{"title": f"Paper {i}", "date": "2024-01-02", "arxiv": f"2401.{10000 + i}", "abstract": "Words. " * 40}
               for i in range(5)]
    source = tmp_path / "records.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-c", STOP_IN_THIRD_WRITE, "import", str(source)], cwd=root, env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 60)
    assert ready, "the import never reached its third write"
    temporary = Path(process.stdout.readline().strip())
    process.send_signal(signal.SIGKILL)  # no cleanup runs: as a power cut or the OOM killer would
    process.communicate()
    match = re.fullmatch(rf"\.(?P<page>paper-\d\.md)\.sitegen-[A-Za-z0-9]*-{process.pid}-[a-z0-9_]{{8}}\.tmp", temporary.name)
    assert match and temporary.parent == papers and temporary.is_file(), temporary
    assert not (papers / match["page"]).exists()  # the page itself is never half-written
    assert len(list(papers.glob("*.md"))) == 2
    assert hidden(papers) == [temporary.name]
    done = sitegen(root, "import", str(source))
    assert done.returncode == 0, done.stderr
    assert f"note: {temporary}: removed: a temporary file of a sitegen that was killed while writing" in done.stderr
    assert hidden(papers) == []
    assert sorted(p.name for p in papers.glob("*.md")) == [f"paper-{i}.md" for i in range(5)]
    assert all(read_paper(path)[1] == [] for path in papers.glob("*.md"))


def test_an_import_leaves_a_running_import_s_temporary_file_alone(make_site, tmp_path):
    """Two imports at once: the second must not take the first's file away mid-write."""
    root = make_site({})
    papers = root / "content" / "papers"
    source = tmp_path / "records.json"
    source.write_text(json.dumps([{"title": f"Paper {i}", "date": "2024-01-02"} for i in range(5)]), encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"title": "Another paper", "date": "2024-01-03"}]), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-c", STOP_IN_THIRD_WRITE, "import", str(source)], cwd=root, env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "the import never reached its third write"
        temporary = Path(process.stdout.readline().strip())
        done = sitegen(root, "import", str(other))
        assert done.returncode == 0, done.stderr
        assert temporary.is_file() and "removed" not in done.stderr
        assert hidden(papers) == [temporary.name] and (papers / "another-paper.md").is_file()
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()


def test_two_builds_at_once_do_not_corrupt_the_output(archive):
    assert sitegen(archive, "build").returncode == 0
    (archive / ".sitegen-cache" / "build.pickle").unlink()
    (archive / "sitegen.yaml").write_text("title: Raced\nbase_url: https://example.org/\n")
    first, second = sitegen(archive, "build", wait=False), sitegen(archive, "build", wait=False)
    results = [(process.wait(60), process.communicate()) for process in (first, second)]
    assert [status for status, _ in results].count(0) >= 1
    for status, (_, err) in results:
        assert "Traceback" not in err
        if status != 0:
            assert status == 1 and "another sitegen build of this site is running" in err
    fresh = archive.parent / "fresh"
    assert sitegen(archive, "build", "--out", str(fresh)).returncode == 0
    assert tree(archive / "public") == tree(fresh)
    assert leftovers(archive) == []
