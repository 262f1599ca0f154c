"""`sitegen serve` after `sitegen build`: the preview starts as a hard-linked copy of public/, its
first build renders only what changed since, and nothing the preview does reaches public/."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import cold_tree, paper_text, tree
from sitegen.build import build
from sitegen.buildstate import CACHE_DIR, load_state
from sitegen.config import load_config
from sitegen.preview_start import PREFIX, preview_parent, start_from_output
from sitegen.serve import Preview, ServeOptions

SETTINGS = "title: Linked\nbase_url: https://example.org/lab/\nper_page: 2\n"


def papers() -> dict[str, str]:
    return {f"p{n}": paper_text(f"Paper {n} on language models", date=f"2024-0{1 + n % 3}-1{n}", authors=f"[Author {n % 2}]",
                                tags="[llm]") for n in range(1, 7)}


@pytest.fixture
def built(make_site) -> Path:
    root = make_site(papers(), SETTINGS)
    build(load_config(root / "sitegen.yaml"))
    return root


def start(root: Path, preview: Path, **options) -> tuple[Preview, list[str]]:
    said: list[str] = []
    running = Preview(ServeOptions(root / "sitegen.yaml", **options), preview, said.append)
    assert running.rebuild()
    return running, said


def inodes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_the_preview_links_the_pages_of_public_and_renders_none(built: Path, tmp_path: Path) -> None:
    public = tree(built / "public")
    preview, said = start(built, tmp_path / "preview")
    assert said[-1].startswith(f"rendered 0 of {len(list((built / 'public').rglob('*.html')))} pages")
    assert said[-1].endswith("(start, from the pages of the last build)")
    assert tree(tmp_path / "preview") == public
    assert inodes(tmp_path / "preview") == inodes(built / "public")
    assert preview.live is not None  # a save updates pages at once, as after a cold start


def test_nothing_the_preview_writes_reaches_public(built: Path, tmp_path: Path) -> None:
    public, public_inodes = tree(built / "public"), inodes(built / "public")
    preview, _ = start(built, tmp_path / "preview")
    paper = built / "content" / "papers" / "p2.md"
    paper.write_text(paper_text("Paper 2, revised", date="2024-03-12", authors="[Author 0]", tags="[llm]"), encoding="utf-8")
    assert preview.rebuild({paper.resolve()})  # the provisional update of the pages that show it
    if preview.follow_up is not None:
        preview.follow_up.stop()
    assert "Paper 2, revised" in (tmp_path / "preview" / "papers" / "p2" / "index.html").read_text(encoding="utf-8")
    (built / "content" / "papers" / "p5.md").unlink()
    assert preview.rebuild()  # a full build into the preview
    assert tree(tmp_path / "preview") == cold_tree(built, tmp_path)
    assert tree(built / "public") == public and inodes(built / "public") == public_inodes


def test_files_of_public_changed_or_added_by_hand_are_not_previewed(built: Path, tmp_path: Path) -> None:
    page = built / "public" / "papers" / "p1" / "index.html"
    with open(page, "a", encoding="utf-8") as handle:  # in place: the preview's link sees it too
        handle.write("<!-- changed by hand -->")
    (built / "public" / "stray.txt").write_text("not built", encoding="utf-8")
    _, said = start(built, tmp_path / "preview")
    assert said[-1].startswith("rendered 1 of ")
    assert tree(tmp_path / "preview") == cold_tree(built, tmp_path)
    assert page.read_text(encoding="utf-8").endswith("<!-- changed by hand -->")
    assert (built / "public" / "stray.txt").is_file()


def test_a_preview_with_other_settings_or_no_build_renders_every_page(make_site, tmp_path: Path) -> None:
    root = make_site(papers(), SETTINGS)
    _, said = start(root, tmp_path / "first")  # nothing built yet
    pages = said[-1].split(" of ")[1].split()[0]
    assert said[-1].startswith(f"rendered {pages} of ") and said[-1].endswith("(start)")
    build(load_config(root / "sitegen.yaml"))
    _, said = start(root, tmp_path / "other-theme", theme="digest")
    assert said[-1].startswith(f"rendered {pages} of ")
    assert all(os.stat(p).st_nlink == 1 for p in (tmp_path / "other-theme").rglob("*") if p.is_file())


def test_where_links_cannot_be_made_every_page_renders(built: Path, tmp_path: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", refuse)
    config = load_config(built / "sitegen.yaml")
    state = load_state(built)
    assert not start_from_output(config, state, tmp_path / "preview")
    assert not (tmp_path / "preview").exists() and state.out_dir == str((built / "public").resolve())
    _, said = start(built, tmp_path / "preview")
    assert not said[-1].startswith("rendered 0 ")
    assert tree(tmp_path / "preview") == tree(built / "public")


def test_previews_live_in_the_cache_folder_and_those_of_killed_servers_go(built: Path) -> None:
    dead = subprocess.Popen(["true"])  # a process that has exited: its pid names nobody
    dead.wait()
    left = built / CACHE_DIR / f"{PREFIX}{dead.pid}-abc"
    mine = built / CACHE_DIR / f"{PREFIX}{os.getpid()}-xyz"
    for folder in (left, mine):
        (folder / "site").mkdir(parents=True)
    assert preview_parent(built / "sitegen.yaml") == built / CACHE_DIR
    assert not left.exists() and mine.exists()


def test_what_a_full_build_leaves_is_kept_out_of_collections_until_the_next(built: Path, tmp_path: Path) -> None:
    """A save's garbage collection does not scan the site kept between builds (gc.freeze), and
    the next full build lets the old site go."""
    import gc
    import weakref

    preview, _ = start(built, tmp_path / "preview")
    assert gc.get_freeze_count() > 0
    view = preview.live.site.papers[0]
    assert gc.is_tracked(view) and not any(tracked is view for tracked in gc.get_objects())  # frozen
    old_view = weakref.ref(view)
    del view
    (built / "sitegen.yaml").write_text(SETTINGS.replace("Linked", "Relinked"), encoding="utf-8")
    assert preview.rebuild({(built / "sitegen.yaml").resolve()})
    assert old_view() is None


def test_a_site_that_cannot_be_written_previews_from_the_system_temporary_folder(built: Path, monkeypatch) -> None:
    import sitegen.preview_start as preview_start

    def refuse(root: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(root / CACHE_DIR))

    monkeypatch.setattr(preview_start, "cache_folder", refuse)
    assert preview_parent(built / "sitegen.yaml") is None


def test_serve_where_there_is_no_site_makes_no_cache_folder(tmp_path: Path) -> None:
    assert preview_parent(tmp_path / "sitegen.yaml") is None
    assert list(tmp_path.iterdir()) == []


def test_closing_the_preview_stops_the_full_build_of_a_save(built: Path, tmp_path: Path, monkeypatch) -> None:
    """Before the preview's folder goes (Ctrl-C, kill), the build a save started in the background
    is stopped: it would go on writing into the folder being deleted."""
    import time

    import sitegen.followup as followup

    def slow_build(*args, **kwargs):  # in the forked child: still running when the preview closes
        time.sleep(60)
        return build(*args, **kwargs)

    preview, _ = start(built, tmp_path / "preview")
    monkeypatch.setattr(followup, "build", slow_build)
    paper = built / "content" / "papers" / "p3.md"
    paper.write_text(paper_text("Paper 3, revised", date="2024-01-13", authors="[Author 1]", tags="[llm]"), encoding="utf-8")
    assert preview.rebuild({paper.resolve()})
    follow_up = preview.follow_up
    assert follow_up is not None
    preview.close()
    assert preview.follow_up is None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(follow_up.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the background build still runs")
