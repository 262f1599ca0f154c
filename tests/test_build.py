"""`sitegen build` on generated sites: pages, indexes, pagination, links, determinism, atomicity."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conftest import paper_text
from sitecheck import broken_links, soup
from sitegen.cli import main

SETTINGS = """\
title: Test archive
per_page: 5
tags:
  llm: {title: Language models, match: [language model]}
"""


def thirteen_papers() -> dict[str, str]:
    papers = {}
    for n in range(1, 13):
        month = (n % 3) + 1
        papers[f"paper-{n:02d}"] = paper_text(
            f"Paper {n:02d}" + (" on language models" if n % 2 else ""),
            date=f"2023-{month:02d}-{n:02d}",
            authors="[Ada Lovelace, 'Turing, Alan']" if n % 4 == 0 else "[Ada Lovelace]",
            tags="[theory]" if n % 3 == 0 else "[]",
        )
    papers["year-only"] = paper_text("Year only", date="2022", authors="[Alan Turing]")
    return papers


@pytest.fixture
def built(make_site) -> Path:
    root = make_site(thirteen_papers(), SETTINGS)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    return root / "public"


def titles(out: Path, url: str) -> list[str]:
    return [a.get_text(strip=True) for a in soup(out, url).select("main article h2 a, main article h3 a")]


def test_one_page_per_paper_with_title_authors_and_abstract(built: Path) -> None:
    pages = sorted(p.parent.name for p in (built / "papers").glob("*/index.html"))
    assert pages == sorted(thirteen_papers())
    page = soup(built, "/papers/paper-04/")
    assert page.find("h1").get_text(strip=True) == "Paper 04"
    author_links = {a.get_text(strip=True): a["href"] for a in page.find("main").select("a[href^='/authors/']")}
    assert author_links == {"Ada Lovelace": "/authors/ada-lovelace/", "Alan Turing": "/authors/alan-turing/"}
    assert "An abstract." in page.find("main").get_text()


def test_home_is_newest_first_and_paginated(built: Path) -> None:
    first, second, third = titles(built, "/"), titles(built, "/page/2/"), titles(built, "/page/3/")
    assert (len(first), len(second), len(third)) == (5, 5, 3)
    assert first[0].startswith("Paper 11") and third[-1] == "Year only"
    assert not (built / "page" / "4").exists()
    nav = soup(built, "/page/2/").find("nav", attrs={"aria-label": lambda v: v and "agination" in v})
    hrefs = {a["href"] for a in nav.find_all("a")}
    assert {"/", "/page/3/"} <= hrefs


def test_tag_pages_hold_the_right_papers(built: Path) -> None:
    llm = titles(built, "/tags/llm/") + titles(built, "/tags/llm/page/2/")
    assert sorted(t.split(" on ")[0] for t in llm) == [f"Paper {n:02d}" for n in range(1, 13, 2)]
    assert sorted(t[:8] for t in titles(built, "/tags/theory/")) == ["Paper 03", "Paper 06", "Paper 09", "Paper 12"]
    index = soup(built, "/tags/").find("main").get_text(" ", strip=True)
    assert "Language models" in index and "6" in index


def test_author_spellings_are_one_person(built: Path) -> None:
    papers = titles(built, "/authors/alan-turing/")
    assert sorted(papers) == ["Paper 04", "Paper 08", "Paper 12", "Year only"]
    assert not (built / "authors" / "turing-alan").exists()


def test_archives_list_papers_at_their_date_precision(built: Path) -> None:
    assert titles(built, "/archive/2022/") == ["Year only"]
    assert not (built / "archive" / "2022" / "01").exists()
    march = titles(built, "/archive/2023/03/")
    assert sorted(t[:8] for t in march) == ["Paper 02", "Paper 05", "Paper 08", "Paper 11"]
    archive = soup(built, "/archive/").find("main")
    assert {a["href"] for a in archive.find_all("a")} >= {"/archive/2023/", "/archive/2023/01/", "/archive/2022/"}


def test_every_internal_link_resolves(built: Path) -> None:
    assert (built / "404.html").is_file() and (built / "static" / "style.css").is_file()
    assert broken_links(built) == []


def test_links_honour_a_project_site_base_path(make_site) -> None:
    root = make_site(thirteen_papers(), SETTINGS + "base_url: https://user.github.io/repo/\n")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    out = root / "public"
    assert broken_links(out, "/repo") == []
    assert re.fullmatch(r"/repo/assets/style\.[0-9a-f]{10}\.css", soup(out, "/404.html").find("link", rel="stylesheet")["href"])


def test_same_input_gives_byte_identical_output(make_site, tmp_path: Path) -> None:
    root = make_site(thirteen_papers(), SETTINGS)
    digests = []
    for name in ("one", "two"):
        assert main(["build", "--config", str(root / "sitegen.yaml"), "--out", str(tmp_path / name)]) == 0
        files = sorted(p for p in (tmp_path / name).rglob("*") if p.is_file())
        digests.append({str(p.relative_to(tmp_path / name)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]


def test_broken_file_fails_the_build_and_keeps_the_old_output(make_site, capsys) -> None:
    root = make_site(thirteen_papers(), SETTINGS)
    config = str(root / "sitegen.yaml")
    assert main(["build", "--config", config]) == 0
    before = (root / "public" / "index.html").read_bytes()
    (root / "content" / "papers" / "paper-01.md").write_text("---\ntitle: Broken\ndate: 2023-02-30\n---\n")
    (root / "content" / "papers" / "paper-02.md").write_text("---\ntitle: [unclosed\n---\n")
    capsys.readouterr()
    assert main(["build", "--config", config]) == 1
    err = capsys.readouterr().err
    assert "paper-01.md:3: date: day 30 does not exist in 2023-02" in err
    assert "paper-02.md:3: front matter is not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 2)" in err
    assert "Traceback" not in err
    assert (root / "public" / "index.html").read_bytes() == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == [".sitegen-cache"]  # no staging left behind


def test_raw_html_in_an_abstract_is_shown_as_text(make_site) -> None:
    root = make_site({"x": paper_text("X <b>bold</b>", body="<script>alert(1)</script> and *em*\n")}, SETTINGS)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    page = soup(root / "public", "/papers/x/")
    inline = [s for s in page.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"]  # JSON-LD is data
    assert inline == [] and page.find("b") is None
    assert "<script>alert(1)</script>" in page.find("main").get_text()
    assert page.find("h1").get_text(strip=True) == "X <b>bold</b>"


def test_a_build_runs_with_the_cyclic_collector_paused_and_leaves_it_as_it_was(make_site, monkeypatch) -> None:
    """A build makes millions of objects and next to no cycles: the collector would only re-scan them."""
    import gc

    import sitegen.build as build_module
    import sitegen.pipeline as pipeline
    from sitegen.config import load_config

    root = make_site({"a": paper_text("A paper")})
    seen: list[bool] = []
    real = pipeline.iter_pages
    monkeypatch.setattr(pipeline, "iter_pages", lambda site: seen.append(gc.isenabled()) or real(site))
    assert gc.isenabled()
    build_module.build(load_config(root / "sitegen.yaml"))
    assert seen == [False] and gc.isenabled()
    (root / "content" / "papers" / "b.md").write_text(paper_text("Another paper"), encoding="utf-8")
    gc.disable()
    try:
        build_module.build(load_config(root / "sitegen.yaml"))
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()
