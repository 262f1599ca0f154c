"""Rebuilds render only what changed, and always produce what a first build would."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import cold_tree, paper_text, tree
from sitegen.build import build
from sitegen.buildstate import CACHE_DIR, STATE_FILE, BuildState, load_state
from sitegen.config import load_config
from sitegen.model import ProblemsError
from sitegen.parallel import map_forked

SETTINGS = "title: Incremental\nbase_url: https://example.org/lab/\nper_page: 3\ntags:\n  llm: [language model]\n"


def papers() -> dict[str, str]:
    return {f"p{n}": paper_text(f"Paper {n}" + (" on language models" if n % 2 else ""), date=f"2024-0{1 + n % 3}-1{n}",
                                authors=f"[Author {n % 3}, Shared Person]") for n in range(1, 9)}


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
    assert tree(root / "public") == cold_tree(root, tmp_path)


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
    assert tree(root / "public") == cold_tree(root, tmp_path)
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


@pytest.mark.parametrize("forked", [False, True], ids=["in-process", "checked-by-a-child"])
def test_an_output_file_changed_by_hand_is_rewritten(root: Path, tmp_path: Path, monkeypatch, forked: bool) -> None:
    import sitegen.pipeline as pipeline
    import sitegen.parallel as parallel

    if forked:  # a large site looks for changed outputs in another process while it assembles
        monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
        monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    page = root / "public" / "papers" / "p1" / "index.html"
    page.write_text("scribbled")
    (root / "public" / "tags" / "index.html").unlink()
    rebuild(root)
    assert tree(root / "public") == cold_tree(root, tmp_path)


def test_a_corrupt_cache_is_ignored(root: Path, tmp_path: Path) -> None:
    (root / CACHE_DIR / STATE_FILE).write_bytes(b"not a pickle")
    result = rebuild(root)
    assert result.rendered == result.pages
    assert tree(root / "public") == cold_tree(root, tmp_path)


def test_a_merge_stopped_half_way_leaves_the_previous_site_whole(root: Path, tmp_path: Path, monkeypatch) -> None:
    """The changes go into the hard-linked mirror beside the output, which is swapped in whole:
    stopped between two moves, the output is still the last build's, and the next build (even
    one that fails) does not trust the half-changed mirror."""
    import sitegen.pipeline as pipeline

    before = tree(root / "public")
    content = root / "content" / "papers"
    (content / "p2.md").write_text(paper_text("Retitled second paper", date="2024-03-12", authors="[Author 2]"))
    (content / "p5.md").unlink()
    moves = []

    def stopped_after_two(source, target):
        if ".public" not in str(target):  # the cache's own files are not the merge's
            return real_replace(source, target)
        if len(moves) == 2:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this line of the merge runs
        moves.append(target)
        return real_replace(source, target)

    real_replace = pipeline.os.replace
    monkeypatch.setattr(pipeline.os, "replace", stopped_after_two)
    with pytest.raises(KeyboardInterrupt):
        rebuild(root)
    monkeypatch.setattr(pipeline.os, "replace", real_replace)
    assert len(moves) == 2 and all(".public.mirror" in str(target) for target in moves)
    assert tree(root / "public") == before
    expected = cold_tree(root, tmp_path)
    (content / "p9.md").write_text("---\ntitle: [broken\n---\n")
    with pytest.raises(ProblemsError):
        rebuild(root)
    assert tree(root / "public") == before
    (content / "p9.md").unlink()
    rebuild(root)
    assert tree(root / "public") == expected
    assert tree(root / ".public.mirror") == expected  # made again, then brought up to date
    assert sorted(p.name for p in root.glob(".public.*")) == [".public.mirror", ".public.mirror.token"]


def test_warm_builds_keep_a_hard_linked_mirror_of_the_output_beside_it(root: Path, tmp_path: Path) -> None:
    content = root / "content" / "papers"
    for n in (2, 4):
        (content / f"p{n}.md").write_text(paper_text(f"Paper {n} again", date=f"2024-02-1{n}", authors="[Author 1]"))
        rebuild(root)
        assert tree(root / ".public.mirror") == tree(root / "public") == cold_tree(root, tmp_path)
    page = "papers/p4/index.html"
    assert (root / ".public.mirror" / page).stat().st_ino == (root / "public" / page).stat().st_ino
    assert not list((root / "public").glob(".*mirror*"))  # beside the output, never published in it


def test_a_whole_new_output_drops_the_mirror_beside_the_render(root: Path, tmp_path: Path, monkeypatch) -> None:
    """A build that replaces the whole output (here: after the cache is lost) leaves no mirror:
    the stale one is renamed away at once and deleted by a forked process while pages render."""
    import sitegen.pipeline as pipeline

    (root / "content" / "papers" / "p2.md").write_text(paper_text("Paper 2 again", date="2024-02-12"))
    rebuild(root)
    assert (root / ".public.mirror").is_dir()
    shutil.rmtree(root / CACHE_DIR)
    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    rebuild(root)
    assert tree(root / "public") == cold_tree(root, tmp_path)
    assert list(root.glob(".public.*")) == []


def test_a_mirror_whose_token_does_not_match_is_made_again(root: Path, tmp_path: Path) -> None:
    content = root / "content" / "papers"
    (content / "p2.md").write_text(paper_text("Paper 2 again", date="2024-02-12"))
    rebuild(root)
    mirror = root / ".public.mirror"
    (mirror / "papers" / "planted").mkdir()
    (mirror / "papers" / "planted" / "index.html").write_text("not built by sitegen")
    (mirror / "papers" / "p1" / "index.html").unlink()
    (mirror / "index.html").write_text("scribbled")  # a new file: the output's copy keeps its bytes
    (root / ".public.mirror.token").write_text("a token no state holds")
    (content / "p3.md").write_text(paper_text("Paper 3 again", date="2024-03-13"))
    rebuild(root)
    expected = cold_tree(root, tmp_path)
    assert tree(root / "public") == expected
    assert tree(mirror) == expected


def test_a_mirror_left_without_its_marker_is_not_trusted(root: Path, tmp_path: Path) -> None:
    content = root / "content" / "papers"
    (content / "p2.md").write_text(paper_text("Paper 2 again", date="2024-02-12"))
    rebuild(root)
    (root / ".public.mirror.token").unlink()  # as a build killed while changing the mirror leaves it
    (root / ".public.mirror" / "papers" / "p6" / "index.html").unlink()
    (content / "p3.md").write_text(paper_text("Paper 3 again", date="2024-03-13"))
    rebuild(root)
    assert tree(root / "public") == tree(root / ".public.mirror") == cold_tree(root, tmp_path)


def test_without_hard_links_the_files_move_into_the_output(root: Path, tmp_path: Path, monkeypatch) -> None:
    import sitegen.pipeline as pipeline

    def no_links(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(pipeline.os, "link", no_links)
    content = root / "content" / "papers"
    (content / "p3.md").write_text(paper_text("A brand new title", date="2024-01-13", authors="[Author 0]"))
    (content / "p5.md").unlink()
    result = rebuild(root)
    assert tree(root / "public") == cold_tree(root, tmp_path)
    assert "papers/p3/index.html" in result.changed and "papers/p5/index.html" in result.changed
    assert not list(root.glob(".public.*"))


def test_a_page_replaced_in_the_output_since_the_last_build_is_reported_and_rebuilt(root: Path, tmp_path: Path) -> None:
    """As `sitegen serve` does between builds: a provisional page under a new inode, a page deleted."""
    content = root / "content" / "papers"
    (content / "p2.md").write_text(paper_text("Paper 2 again", date="2024-02-12"))
    rebuild(root)  # the mirror exists from here
    out = root / "public"
    provisional = out / "papers" / "p1" / "index.html"
    data = provisional.read_bytes()
    provisional.unlink()
    provisional.write_bytes(data.replace(b"Paper 1", b"Provisional"))
    same = out / "papers" / "p3" / "index.html"
    data = same.read_bytes()
    same.unlink()
    same.write_bytes(data)  # the same bytes under a new inode
    (out / "papers" / "p7" / "index.html").unlink()
    (content / "p8.md").write_text(paper_text("Paper 8 again", date="2024-03-18"))
    result = rebuild(root)
    assert tree(out) == tree(root / ".public.mirror") == cold_tree(root, tmp_path)
    assert "papers/p1/index.html" in result.changed and "papers/p8/index.html" in result.changed
    assert "papers/p3/index.html" not in result.changed  # its bytes in the output did not change
    assert rebuild(root).rendered == 0  # what this build recorded matches the output


def test_pages_rendered_by_worker_processes_are_the_same(root: Path, tmp_path: Path, monkeypatch) -> None:
    """Large sites render in forked workers; `sitegen serve` gets their list entries back."""
    import sitegen.parallel as parallel

    expected = cold_tree(root, tmp_path)
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
    import sitegen.pipeline as pipeline
    import sitegen.parallel as parallel

    expected = cold_tree(root, tmp_path)
    one_process = BuildState()
    build(load_config(root / "sitegen.yaml"), tmp_path / "one", state=one_process)
    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(parallel, "MIN_PAGES_PER_WORKER", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    children: list[bool] = []

    def background(job, fork=True):  # notes whether each side job really ran in a child process
        started = parallel.Background(job, fork)
        children.append(started._process is not None)
        return started

    monkeypatch.setattr(pipeline, "Background", background)
    forked = BuildState()
    build(load_config(root / "sitegen.yaml"), tmp_path / "forked", state=forked)
    assert children == [True, True]  # the search index, then feeds and citations
    assert tree(tmp_path / "forked") == expected
    assert forked.pages == one_process.pages
    assert forked.extras == one_process.extras and "papers.bib" in forked.extras
    assert {slug: digest for slug, (_, digest) in forked.paper_digests.items()} == \
        {slug: digest for slug, (_, digest) in one_process.paper_digests.items()}
    (root / "content" / "papers" / "p3.md").write_text(paper_text("Paper 3, revised", date="2024-01-13"), encoding="utf-8")
    result = build(load_config(root / "sitegen.yaml"), tmp_path / "forked", state=forked)
    assert 0 < result.rendered < result.pages
    assert "papers/p3/cite.bib" in result.changed and "papers/p5/cite.bib" not in result.changed
    assert tree(tmp_path / "forked") == cold_tree(root, tmp_path)


def test_a_failing_side_job_leaves_the_output_untouched(root: Path, monkeypatch) -> None:
    import sitegen.pipeline as pipeline
    from sitegen.model import Problem

    def broken(*args, **kwargs):
        raise ProblemsError([Problem("search", None, "search index failed")])

    before = tree(root / "public")
    (root / "content" / "papers" / "p3.md").write_text(paper_text("Paper 3, revised", date="2024-01-13"), encoding="utf-8")
    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(pipeline, "write_search_index", broken)
    with pytest.raises(ProblemsError, match="search index failed"):
        rebuild(root)
    assert tree(root / "public") == before
    assert not list(root.glob(".public.*"))


def test_files_read_by_forked_readers_are_those_one_process_reads(root: Path, monkeypatch) -> None:
    """A first build parses the content files (and renders their Markdown) on every core, and
    meanwhile does what it is given in its own process."""
    import sitegen.buildstate as buildstate
    import sitegen.parallel as parallel  # where the readers fork: buildstate loads it only to read
    from sitegen.markdown import render_markdown

    (root / "content" / "papers" / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    waited: list[int] = []
    alone = BuildState()
    expected = buildstate.read_papers(root / "content" / "papers", alone, render_markdown, lambda: waited.append(os.getpid()))
    assert waited == []  # no other process parsed: nothing to do meanwhile
    monkeypatch.setattr(buildstate, "PARALLEL_READ_FROM", 1)
    monkeypatch.setattr(buildstate.os, "cpu_count", lambda: 2)
    forks: list[int] = []
    monkeypatch.setattr(buildstate, "READ_CHUNK", 3)
    monkeypatch.setattr(parallel, "map_forked", lambda function, items, meanwhile, processes:
                        forks.append((len(items), processes)) or map_forked(function, items, meanwhile, processes))
    forked = BuildState()
    found = buildstate.read_papers(root / "content" / "papers", forked, render_markdown, lambda: waited.append(os.getpid()))
    assert forks == [(3, 2)]  # nine files in chunks of three, read by two forked readers
    assert waited == [os.getpid()]
    assert found == expected and len(found[0]) == 8 and found[1][0].path.endswith("broken.md")
    assert forked.files == alone.files and forked.markdown == alone.markdown == {"An abstract.\n": "<p>An abstract.</p>\n"}
    assert forked.texts == alone.texts == {"An abstract.\n": "An abstract."}  # the readers took the text out too


def test_the_first_edit_after_a_cold_build_links_the_mirror_in_another_process(root: Path, tmp_path: Path, monkeypatch) -> None:
    """The mirror a cold build leaves no trace of is linked by a forked child while the first
    warm build reads, assembles and renders; later builds trust it and start no such child."""
    import sitegen.pipeline as pipeline
    import sitegen.parallel as parallel

    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    jobs: list[tuple[str, bool]] = []

    def background(job, fork=True):
        started = parallel.Background(job, fork)
        jobs.append((job.__qualname__, started._process is not None))
        return started

    monkeypatch.setattr(pipeline, "Background", background)
    assert not (root / ".public.mirror").exists()
    for n in (3, 5):
        (root / "content" / "papers" / f"p{n}.md").write_text(paper_text(f"Paper {n}, revised", date="2024-01-13"), encoding="utf-8")
        jobs.clear()
        rebuild(root)
        relinking = [forked for name, forked in jobs if name.startswith("_relink_beside")]
        assert relinking == ([True] if n == 3 else [])
        assert tree(root / "public") == tree(root / ".public.mirror") == cold_tree(root, tmp_path)


def test_a_rebuild_makes_only_new_authors_references_and_the_memos_forget_what_no_paper_has(root: Path, monkeypatch) -> None:
    """Author references (normalised name, slug) and derived tags are kept in the cache like
    rendered Markdown and its text; a paper's removal takes its own entries out of all four."""
    import sitegen.site as site

    slugged: list[str] = []
    monkeypatch.setattr(site, "author_slug", lambda name: slugged.append(name) or name.lower().replace(" ", "-"))
    (root / "content" / "papers" / "p9.md").write_text(paper_text("A new one", body="Only the newcomer says this.\n",
                                                                       authors="[Newcomer Nine, Shared Person]"), encoding="utf-8")
    assert rebuild(root).rendered > 0
    assert slugged == ["Newcomer Nine"]
    (root / "content" / "papers" / "p9.md").unlink()
    rebuild(root)
    state = load_state(root)
    assert set(state.authors) == {"Author 0", "Author 1", "Author 2", "Shared Person"}
    assert list(state.markdown) == list(state.texts) == ["An abstract.\n"]
    assert len(state.tags) == 8 and "A new one" not in {key[0] for key in state.tags}


def test_a_rebuild_takes_the_abstracts_text_from_the_cache(root: Path, monkeypatch) -> None:
    """Summaries, search and JSON-LD read each abstract as plain text: a rebuild takes it from the
    cache for every paper but the edited one."""
    import sitegen.mathml as mathml
    import sitegen.site as site

    taken_out: list[str] = []
    html_text = site.html_text
    for module in (site, mathml):  # the view takes it out if the reader (which loads it from mathml) did not
        monkeypatch.setattr(module, "html_text", lambda html: taken_out.append(html) or html_text(html))
    (root / "content" / "papers" / "p4.md").write_text(paper_text("Paper 4", body="A new abstract, $x^2$.\n"), encoding="utf-8")
    rebuild(root)
    assert len(taken_out) == 1 and "A new abstract" in taken_out[0]
    page = (root / "public" / "papers" / "p4" / "index.html").read_text(encoding="utf-8")
    assert page.count("A new abstract, x²") >= 3  # meta description, JSON-LD, the citation meta tags


@pytest.mark.parametrize("first", [True, False], ids=["cold-build", "edit"])
def test_the_cache_content_is_pickled_by_a_child_while_the_build_goes_on(root: Path, monkeypatch, first: bool) -> None:
    """The papers, rendered Markdown and memos (most of the cache) are final once every paper's
    digest is known: a forked child pickles them then, and the build appends the rest."""
    import sitegen.pipeline as pipeline
    import sitegen.buildstate as buildstate
    import sitegen.parallel as parallel

    if first:
        shutil.rmtree(root / CACHE_DIR)
        shutil.rmtree(root / "public")
    else:
        (root / "content" / "papers" / "p6.md").write_text(paper_text("Paper 6, revised", date="2024-01-16"), encoding="utf-8")
    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    log = root / "dumped-by"
    dump_content = buildstate.dump_content

    def logged(state, partial):  # notes which process pickles the content
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        return dump_content(state, partial)

    monkeypatch.setattr(pipeline, "dump_content", logged)
    rebuild(root)
    monkeypatch.undo()
    dumpers = log.read_text(encoding="utf-8").split()
    assert len(dumpers) == 1 and dumpers[0] != str(os.getpid())  # once, by a child
    assert [path.name for path in (root / CACHE_DIR).glob(".build.pickle.*")] == []
    state = load_state(root)
    titles = {paper.title for _, paper, _, _ in state.files.values()}
    assert len(titles) == 8 and ("Paper 6, revised" in titles) != first
    assert state.pages and state.outputs and len(state.paper_digests) == 8 and state.texts
    assert rebuild(root).rendered == 0  # the next build trusts it


def test_a_build_that_fails_keeps_the_last_cache_and_leaves_no_half_written_one(root: Path, monkeypatch) -> None:
    import sitegen.pipeline as pipeline

    before = (root / CACHE_DIR / STATE_FILE).read_bytes()
    (root / "content" / "papers" / "p2.md").write_text(paper_text("Paper 2, revised", date="2024-01-12"), encoding="utf-8")

    def broken(*args, **kwargs):
        raise ProblemsError([])

    monkeypatch.setattr(pipeline, "_merge_overlay", broken)
    with pytest.raises(ProblemsError):
        rebuild(root)
    assert (root / CACHE_DIR / STATE_FILE).read_bytes() == before
    assert [path.name for path in (root / CACHE_DIR).glob(".build.pickle.*")] == []


def test_a_cache_cut_short_is_not_used(root: Path) -> None:
    cache = root / CACHE_DIR / STATE_FILE
    whole = cache.read_bytes()
    cache.write_bytes(whole[:len(whole) // 2])
    assert load_state(root).files == {}
    result = rebuild(root)
    assert result.rendered == result.pages  # built as if for the first time


@pytest.mark.parametrize("links", [True, False], ids=["mirror", "no hard links"])
def test_files_put_into_the_output_by_hand_go_and_do_not_come_back(root: Path, tmp_path: Path, monkeypatch, links: bool) -> None:
    """The output is what a first build writes: a file added by hand, nested or not, goes at the
    next build that changes the site, and stays gone (the mirror must not keep it either)."""
    if not links:
        import sitegen.pipeline as pipeline

        def no_links(*args, **kwargs):
            raise OSError(1, "Operation not permitted")

        monkeypatch.setattr(pipeline.os, "link", no_links)
    content, out = root / "content" / "papers", root / "public"
    (out / "papers" / "p1" / "notes.txt").write_text("before the mirror is made")
    for n in (2, 3, 4):
        (content / f"p{n}.md").write_text(paper_text(f"Paper {n} again", date=f"2024-02-1{n}"))
        result = rebuild(root)
        assert tree(out) == cold_tree(root, tmp_path)
        if links:
            assert tree(root / ".public.mirror") == tree(out)
        if n == 2:
            assert "papers/p1/notes.txt" in result.changed
            (out / "papers" / "extra").mkdir()
            (out / "papers" / "extra" / "index.html").write_text("nested, into a new folder")
            (out / "stray.txt").write_text("at the top")
    assert not (out / "papers" / "extra").exists()
    assert rebuild(root).rendered == 0


@pytest.mark.parametrize("forked", [False, True])
def test_a_cold_build_records_every_file_it_wrote(make_site, monkeypatch, forked: bool) -> None:
    """The cache's signature of every output file, gathered without a walk over the whole output
    (pipeline._cold_outputs): what a walk finds, extra files and per-tag feeds included, with the
    side files and the search index written by other processes or not."""
    from sitegen import pipeline
    from sitegen.textfiles import files_under

    if forked:
        monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    root = make_site(papers(), SETTINGS)
    for name, data in (("CNAME", b"papers.example.org\n"), (".well-known/security.txt", b"Contact: x\n"), ("papers/p1/paper.pdf", b"%PDF")):
        (root / "extra" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "extra" / name).write_bytes(data)
    (root / "static").mkdir()
    (root / "static" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    walked = {name: (entry.stat().st_mtime_ns, entry.stat().st_size, entry.stat().st_ino) for name, entry in files_under(root / "public")}
    assert {"CNAME", ".nojekyll", "papers/p1/paper.pdf", "search/meta.json", "static/logo.svg", "papers/p1/cite.bib"} <= walked.keys()
    assert any(name.startswith("assets/") for name in walked) and any(name.startswith("tags/") and name.endswith(".xml") for name in walked)
    assert load_state(root).outputs == walked
