"""`sitegen serve`'s provisional update: right after a save, every page that shows the changed
papers is what a full build would write (related papers and citation keys aside, which the
full build that follows brings), and nothing else is rendered."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import paper_text
from sitegen.build import build
from sitegen.pipeline import output_file
from sitegen.buildstate import BuildState
from sitegen.config import load_config
from sitegen.followup import _summary, adopt_full_build
from sitegen.liveupdate import LiveSite, quick_update

SETTINGS = "title: Live\nbase_url: https://example.org/lab/\nper_page: 3\ntags:\n  llm: [language model]\n"
# What only the full build gets right: related papers and (for new papers) citation keys.
PROVISIONAL = re.compile(r'\s*(<section class="paper__related.*?</section>|<section class="paper__cite.*?</section>'
                         r'|<meta name="citation_[^>]*>|<script type="application/ld\+json">.*?</script>)', re.S)


def papers() -> dict[str, str]:
    return {f"p{n}": paper_text(f"Paper {n}" + (" on language models" if n % 2 else ""), date=f"2024-0{1 + n % 3}-1{n}",
                                authors=f"[Author {n % 3}, Shared Person]") for n in range(1, 10)}


def html_pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): PROVISIONAL.sub("", p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.html"))}


@pytest.fixture
def live(make_site, tmp_path: Path):
    root = make_site(papers(), SETTINGS)
    config = load_config(root / "sitegen.yaml")
    state = BuildState()
    result = build(config, tmp_path / "preview", state=state)
    return root, config, state, LiveSite.after(config, result, state)


def save(path: Path, text: str | None) -> set[Path]:
    if text is None:
        path.unlink()
    else:
        path.write_text(text, encoding="utf-8")
    return {path.resolve()}


CHANGES = {
    "abstract": ("p4", lambda: paper_text("Paper 4", date="2024-02-14", authors="[Author 1, Shared Person]", body="Revised.\n")),
    "title moves it": ("p2", lambda: paper_text("Zeta paper", date="2023-01-01", authors="[Author 2, Shared Person]")),
    "new tag and author": ("p6", lambda: paper_text("Paper 6 on language models", date="2024-01-16", authors="[Brand New]")),
    "added": ("p10", lambda: paper_text("Tenth language model paper", date="2025-01-01", authors="[Author 0]")),
    "deleted": ("p7", lambda: None),
    "respells an author": ("p12", lambda: paper_text("Newest paper", date="2026-01-01", authors="[Shared Persón, Author 1]")),
    "respells an author in place": ("p8", lambda: paper_text("Paper 8", date="2024-03-18", authors="[Author 2, Shared Persón]")),
    "year only": ("p5", lambda: paper_text("Paper 5 on language models", date="2021", authors="[Author 2]")),
    "last of its tag": ("p6", lambda: paper_text("Paper 6", date="2024-01-16", authors="[Author 0]", tags="[solo]")),
    "last of its month": ("p1", lambda: paper_text("Paper 1", date="2019-05-01", authors="[Author 1]")),
}


# Several files saved at once (an editor's "save all", a git checkout): the moves in one list add up.
BATCHES = {
    "two papers trade places": {"p8": lambda: paper_text("Paper 8", date="2024-01-10", authors="[Author 2, Shared Person]"),
                                "p3": lambda: paper_text("Paper 3 on language models", date="2024-03-30", authors="[Author 0, Shared Person]")},
    "one moves, one goes, one comes": {"p5": lambda: paper_text("Paper 5 on language models", date="2024-02-01", authors="[Author 2]"),
                                       "p9": lambda: None,
                                       "p13": lambda: paper_text("Thirteenth", date="2024-02-20", authors="[Author 1]")},
}


@pytest.mark.parametrize("change", sorted(CHANGES) + sorted(BATCHES))
def test_provisional_pages_equal_a_full_build(live, tmp_path: Path, change: str) -> None:
    root, config, state, site = live
    before = html_pages(tmp_path / "preview")
    saves = BATCHES.get(change) or dict([CHANGES[change]])
    saved: set[Path] = set()
    for slug, text in saves.items():
        saved |= save(root / "content" / "papers" / f"{slug}.md", text())
    urls = quick_update(site, state, saved)
    assert urls, "a paper change is applied without a full build"
    full = tmp_path / "full"
    build(config, full, state=BuildState())
    pages = html_pages(full)
    assert html_pages(tmp_path / "preview") == pages
    differ = {name for name in before.keys() | pages.keys() if before.get(name) != pages.get(name)}
    written = {str(output_file(Path(), url)) for url in urls}
    assert differ <= written
    # beyond those, only paper pages whose related links show a changed title or a deleted paper
    assert all(name.startswith("papers/") for name in written - differ)
    for slug in (slug for slug, text in saves.items() if text() is None):
        assert f"/papers/{slug}/" in urls and not (tmp_path / "preview" / "papers" / slug / "index.html").exists()


def test_the_full_build_after_it_makes_the_site_whole(live, tmp_path: Path) -> None:
    root, config, state, site = live
    quick_update(site, state, save(root / "content" / "papers" / "p11.md", paper_text("Eleventh", date="2025-02-02")))
    result = build(config, tmp_path / "preview", state=state)
    assert result.rendered > 0
    full = tmp_path / "full"
    build(config, full, state=BuildState())
    for path in sorted(full.rglob("*")):
        if path.is_file():
            assert (tmp_path / "preview" / path.relative_to(full)).read_bytes() == path.read_bytes(), path


def test_successive_updates_keep_the_list_entries_current(live, tmp_path: Path) -> None:
    root, config, state, site = live
    path = root / "content" / "papers" / "p3.md"
    for n in range(3):
        quick_update(site, state, save(path, paper_text(f"Paper 3 take {n}", date="2024-01-13", authors="[Author 0]")))
    last = (tmp_path / "preview" / "page" / "3" / "index.html").read_text()  # the oldest paper's list page
    assert "Paper 3 take 2" in last and "take 1" not in last


def test_papers_that_show_a_retitled_paper_as_related_show_its_new_title_at_once(live, tmp_path: Path) -> None:
    root, config, state, site = live
    old = next(view for view in site.site.papers if view.slug == "p2")
    showing = [view for view in site.site.papers if any(other is old for other in view.related) and view is not old]
    assert showing, "the sample has papers that show p2 as related"
    urls = quick_update(site, state, save(root / "content" / "papers" / "p2.md", paper_text("Zeta paper", date="2024-03-12")))
    new = next(view for view in site.site.papers if view.slug == "p2")
    for view in showing:
        assert view.url in urls and any(other is new for other in view.related)
        page = output_file(tmp_path / "preview", view.url).read_text(encoding="utf-8")
        related = page[page.index('<section class="paper__related'):]
        assert "Zeta paper" in related[:related.index("</section>")]
    assert not any(other is old for view in site.site.papers for other in view.related)


def retitled(n: int, title: str) -> str:
    """Paper n of papers() under another title, all else as it was."""
    return paper_text(title + (" on language models" if n % 2 else ""), date=f"2024-0{1 + n % 3}-1{n}",
                      authors=f"[Author {n % 3}, Shared Person]")


def related_section(folder: Path, url: str) -> str:
    page = output_file(folder, url).read_text(encoding="utf-8")
    related = page[page.index('<section class="paper__related'):]
    return related[:related.index("</section>")]


def test_papers_saved_together_that_show_each_other_as_related_show_each_other_anew(live, tmp_path: Path) -> None:
    root, config, state, site = live
    pair = next((view, other) for view in site.site.papers for other in view.related if any(back is view for back in other.related))
    changed: set[Path] = set()
    for view in pair:
        changed |= save(root / "content" / "papers" / f"{view.slug}.md", retitled(int(view.slug[1:]), f"Renamed {view.slug}"))
    quick_update(site, state, changed)
    current = {id(view) for view in site.site.papers}
    assert all(id(other) in current for view in site.site.papers for other in view.related), "no list keeps a replaced view"
    first, second = pair
    assert f"Renamed {second.slug}" in related_section(tmp_path / "preview", first.url)
    assert f"Renamed {first.slug}" in related_section(tmp_path / "preview", second.url)


def test_saves_after_a_full_build_is_adopted_still_equal_a_full_build(live, tmp_path: Path) -> None:
    """serve adopts each follow-up build's related papers (followup.adopt_full_build): the live
    site's indexes follow them, so later saves still find every page that shows a saved paper."""
    root, config, state, site = live

    def showing_p5() -> set[str]:
        return {view.slug for view in site.site.papers if any(other.slug == "p5" for other in view.related)}

    before = showing_p5()
    # p2 joins the papers on language models; after the full build more papers show p5
    quick_update(site, state, save(root / "content" / "papers" / "p2.md", retitled(2, "Paper 2 on language models")))
    adopt_full_build(site, state, _summary(build(config, tmp_path / "preview", state=state, keep_site=True), state))
    assert showing_p5() - before, "the full build gives p5 to papers that did not show it"
    urls = quick_update(site, state, save(root / "content" / "papers" / "p5.md", retitled(5, "Omega paper")))
    full = tmp_path / "full"
    build(config, full, state=BuildState())
    assert html_pages(tmp_path / "preview") == html_pages(full)
    showing = [view for view in site.site.papers if view.slug in showing_p5()]
    assert all(view.url in urls for view in showing)
    for view in showing:
        assert "Omega paper" in related_section(tmp_path / "preview", view.url)


@pytest.mark.parametrize("name, text", [("notes.txt", "hello"), ("p3.md", "---\ntitle: [unclosed\n---\n")])
def test_other_files_and_broken_papers_need_the_full_build(live, name: str, text: str) -> None:
    root, config, state, site = live
    before = dict(state.files)
    assert quick_update(site, state, save(root / "content" / "papers" / name, text)) is None
    assert state.files == before


def test_a_paper_that_clashes_with_another_waits_for_the_full_build(live) -> None:
    root, config, state, site = live
    first = quick_update(site, state, save(root / "content" / "papers" / "p2.md", paper_text("Paper 2", arxiv="'2401.00001'")))
    assert first is not None
    twin = root / "content" / "papers" / "twin.md"
    assert quick_update(site, state, save(twin, paper_text("Twin", arxiv="'2401.00001v2'"))) is None
    twin.unlink()
    assert quick_update(site, state, {twin.resolve()}) is not None  # its index is made again, without the twin


def test_serve_starts_from_the_cache_of_the_last_build_and_leaves_it_alone(make_site, tmp_path: Path, monkeypatch) -> None:
    """`sitegen serve` after `sitegen build` parses no paper again, and writes the same pages."""
    import hashlib

    import sitegen.buildstate as buildstate
    from sitegen.buildstate import CACHE_DIR, STATE_FILE
    from sitegen.serve import Preview, ServeOptions

    root = make_site(papers(), SETTINGS)
    build(load_config(root / "sitegen.yaml"))
    cache = root / CACHE_DIR / STATE_FILE
    before = hashlib.sha256(cache.read_bytes()).hexdigest()
    parsed: list[str] = []
    original = buildstate.parse_paper

    def counting(text: str, source: str, slug: str):
        parsed.append(slug)
        return original(text, source, slug)

    monkeypatch.setattr(buildstate, "parse_paper", counting)
    preview = Preview(ServeOptions(root / "sitegen.yaml"), tmp_path / "preview", lambda message: None)
    assert preview.rebuild()
    assert parsed == []
    pages = sorted(p.relative_to(tmp_path / "preview") for p in (tmp_path / "preview").rglob("*.html"))
    assert pages == sorted(p.relative_to(root / "public") for p in (root / "public").rglob("*.html"))
    for page in pages:
        assert (tmp_path / "preview" / page).read_bytes() == (root / "public" / page).read_bytes()
    assert hashlib.sha256(cache.read_bytes()).hexdigest() == before


def test_serve_started_from_a_builds_pages_compiles_its_templates_before_the_first_save(make_site, tmp_path: Path, monkeypatch) -> None:
    from sitegen.serve import Preview, ServeOptions

    root = make_site(papers(), SETTINGS)
    build(load_config(root / "sitegen.yaml"))
    preview = Preview(ServeOptions(root / "sitegen.yaml"), tmp_path / "preview", lambda message: None)
    try:
        assert preview.rebuild()
        loader, loaded = preview.live.env.loader, []
        original = loader.load
        monkeypatch.setattr(loader, "load", lambda env, name, globals=None: loaded.append(name) or original(env, name, globals))
        assert preview.rebuild(save(root / "content" / "papers" / "p4.md", paper_text("Paper 4 again", date="2024-02-14")))
        assert "Paper 4 again" in (tmp_path / "preview" / "papers" / "p4" / "index.html").read_text(encoding="utf-8")
        assert loaded == []
    finally:
        preview.close()
