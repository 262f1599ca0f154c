"""Rebuilds render only what changed, and always produce what a first build would."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import paper_text
from sitegen.build import build
from sitegen.buildstate import CACHE_DIR, STATE_FILE, BuildState
from sitegen.config import load_config
from sitegen.model import ProblemsError

SETTINGS = "title: Incremental\nbase_url: https://example.org/lab/\nper_page: 3\ntags:\n  llm: [language model]\n"


def papers() -> dict[str, str]:
    return {f"p{n}": paper_text(f"Paper {n}" + (" on language models" if n % 2 else ""), date=f"2024-0{1 + n % 3}-1{n}",
                                authors=f"[Author {n % 3}, Shared Person]") for n in range(1, 9)}


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def cold(root: Path, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "cold"
    build(load_config(root / "sitegen.yaml"), out, state=BuildState())
    return tree(out)


@pytest.fixture
def root(make_site) -> Path:
    root = make_site(papers(), SETTINGS)
    build(load_config(root / "sitegen.yaml"))
    return root


def rebuild(root: Path):
    return build(load_config(root / "sitegen.yaml"))


def test_no_change_rebuild_renders_nothing(root: Path) -> None:
    before = tree(root / "public")
    result = rebuild(root)
    assert result.rendered == 0 and result.pages > 20
    assert tree(root / "public") == before


def test_one_edit_renders_only_the_pages_that_show_the_paper(root: Path, tmp_path: Path) -> None:
    path = root / "content" / "papers" / "p8.md"
    path.write_text(path.read_text().replace("An abstract.", "A revised abstract."))
    result = rebuild(root)
    assert 0 < result.rendered < result.pages / 2
    assert "A revised abstract." in (root / "public" / "papers" / "p8" / "index.html").read_text()
    assert tree(root / "public") == cold(root, tmp_path)


@pytest.mark.parametrize("change", ["title", "add", "delete", "template", "settings", "static"])
def test_incremental_output_equals_a_cold_build(root: Path, tmp_path: Path, change: str) -> None:
    content = root / "content" / "papers"
    if change == "title":
        (content / "p3.md").write_text(paper_text("A brand new title", date="2024-01-13", authors="[Author 0]"))
    elif change == "add":
        (content / "p9.md").write_text(paper_text("Ninth language model paper", date="2025-01-01", authors="[New Author]"))
    elif change == "delete":
        (content / "p5.md").unlink()
    elif change == "template":
        (root / "templates").mkdir()
        (root / "templates" / "paper_item.html").write_text('{% extends "default/paper_item.html" %}{% block paper_item %}<article><h2><a href="{{ url_for(paper.url) }}">{{ paper.title }}</a></h2></article>{% endblock %}')
    elif change == "settings":
        (root / "sitegen.yaml").write_text(SETTINGS.replace("per_page: 3", "per_page: 2"))
    elif change == "static":
        (root / "static").mkdir()
        (root / "static" / "style.css").write_text("body { color: teal; }\n")
    rebuild(root)
    assert tree(root / "public") == cold(root, tmp_path)
    if change == "delete":
        assert not (root / "public" / "papers" / "p5").exists()


def test_a_failed_rebuild_leaves_the_output_untouched(root: Path) -> None:
    before = tree(root / "public")
    (root / "content" / "papers" / "p2.md").write_text("---\ntitle: Broken\ndate: 2024-02-31\n---\n")
    (root / "content" / "papers" / "p4.md").write_text(paper_text("Changed too", date="2024-02-14"))
    with pytest.raises(ProblemsError):
        rebuild(root)
    assert tree(root / "public") == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".") and p.name != CACHE_DIR] == []


def test_an_output_file_changed_by_hand_is_rewritten(root: Path, tmp_path: Path) -> None:
    page = root / "public" / "papers" / "p1" / "index.html"
    page.write_text("scribbled")
    (root / "public" / "tags" / "index.html").unlink()
    rebuild(root)
    assert tree(root / "public") == cold(root, tmp_path)


def test_a_corrupt_cache_is_ignored(root: Path, tmp_path: Path) -> None:
    (root / CACHE_DIR / STATE_FILE).write_bytes(b"not a pickle")
    result = rebuild(root)
    assert result.rendered == result.pages
    assert tree(root / "public") == cold(root, tmp_path)


def test_a_merge_killed_half_way_is_finished_by_the_next_build(root: Path, tmp_path: Path, monkeypatch) -> None:
    """A kill between two moves of the merge cannot be caught; the plan it left behind lets the
    next build move the rest in and delete what it meant to, before building."""
    import subprocess

    import sitegen.build as build_module

    content = root / "content" / "papers"
    (content / "p2.md").write_text(paper_text("Retitled second paper", date="2024-03-12", authors="[Author 2]"))
    (content / "p5.md").unlink()
    moves = []

    def killed_after_two(source, target):
        if len(moves) == 2:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this line of the merge runs
        moves.append(target)
        return real_replace(source, target)

    real_replace = build_module.os.replace
    monkeypatch.setattr(build_module.os, "replace", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        rebuild(root)
    monkeypatch.setattr(build_module.os, "replace", real_replace)
    (overlay,) = root.glob(".public.overlay-*")
    dead = subprocess.Popen(["true"])
    dead.wait()
    overlay.rename(overlay.with_name(f".public.overlay-{dead.pid}"))  # its build is gone
    assert (root / "public" / "papers" / "p5" / "index.html").exists()  # half merged: still there
    expected = cold(root, tmp_path)
    (content / "p9.md").write_text("---\ntitle: [broken\n---\n")  # the next build fails, yet
    with pytest.raises(ProblemsError):
        rebuild(root)
    assert tree(root / "public") == expected  # the merge it found half done is complete
    assert not list(root.glob(".public.*"))


def test_pages_rendered_by_worker_processes_are_the_same(root: Path, tmp_path: Path, monkeypatch) -> None:
    """Large sites render in forked workers; `sitegen serve` gets their list entries back."""
    import sitegen.parallel as parallel

    expected = cold(root, tmp_path)
    monkeypatch.setattr(parallel, "MIN_PAGES_PER_WORKER", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    shutil.rmtree(root / "public")
    shutil.rmtree(root / CACHE_DIR)
    rebuild(root)  # as `sitegen build` does
    assert tree(root / "public") == expected
    result = build(load_config(root / "sitegen.yaml"), tmp_path / "preview", state=BuildState())  # as `serve` does
    assert tree(tmp_path / "preview") == expected
    assert set(result.env.globals["paper_item"].memo) == {f"/papers/p{n}/" for n in range(1, 9)}


def test_forked_side_files_and_worker_digests_give_the_same_site_and_cache(root: Path, tmp_path: Path, monkeypatch) -> None:
    """The search index, feeds and citations are written by a forked child while workers render
    and digest the pages: the output and the digests recorded are those of one process, and
    the next edit renders only what it changes."""
    import sitegen.build as build_module
    import sitegen.parallel as parallel

    expected = cold(root, tmp_path)
    one_process = BuildState()
    build(load_config(root / "sitegen.yaml"), tmp_path / "one", state=one_process)
    monkeypatch.setattr(build_module, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(parallel, "MIN_PAGES_PER_WORKER", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    forked = BuildState()
    build(load_config(root / "sitegen.yaml"), tmp_path / "forked", state=forked)
    assert tree(tmp_path / "forked") == expected
    assert forked.pages == one_process.pages
    assert forked.extras == one_process.extras and "papers.bib" in forked.extras
    assert {slug: digest for slug, (_, digest) in forked.paper_digests.items()} == \
        {slug: digest for slug, (_, digest) in one_process.paper_digests.items()}
    (root / "content" / "papers" / "p3.md").write_text(paper_text("Paper 3, revised", date="2024-01-13"), encoding="utf-8")
    result = build(load_config(root / "sitegen.yaml"), tmp_path / "forked", state=forked)
    assert 0 < result.rendered < result.pages
    assert "papers/p3/cite.bib" in result.changed and "papers/p5/cite.bib" not in result.changed
    assert tree(tmp_path / "forked") == cold(root, tmp_path)


def test_a_failing_side_job_leaves_the_output_untouched(root: Path, monkeypatch) -> None:
    import sitegen.build as build_module
    from sitegen.model import Problem

    def broken(*args, **kwargs):
        raise ProblemsError([Problem("search", None, "search index failed")])

    before = tree(root / "public")
    (root / "content" / "papers" / "p3.md").write_text(paper_text("Paper 3, revised", date="2024-01-13"), encoding="utf-8")
    monkeypatch.setattr(build_module, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(build_module, "write_search_index", broken)
    with pytest.raises(ProblemsError, match="search index failed"):
        rebuild(root)
    assert tree(root / "public") == before
    assert not list(root.glob(".public.*"))


def test_files_read_by_forked_readers_are_those_one_process_reads(root: Path, monkeypatch) -> None:
    """A first build parses the content files (and renders their Markdown) on every core."""
    import sitegen.buildstate as buildstate
    from sitegen.markdown import render_markdown

    (root / "content" / "papers" / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    alone = BuildState()
    expected = buildstate.read_papers(root / "content" / "papers", alone, render_markdown)
    monkeypatch.setattr(buildstate, "PARALLEL_READ_FROM", 1)
    monkeypatch.setattr(buildstate.os, "cpu_count", lambda: 2)
    forked = BuildState()
    found = buildstate.read_papers(root / "content" / "papers", forked, render_markdown)
    assert found == expected and len(found[0]) == 8 and found[1][0].path.endswith("broken.md")
    assert forked.files == alone.files and forked.markdown == alone.markdown == {"An abstract.\n": "<p>An abstract.</p>\n"}
