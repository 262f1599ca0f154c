"""The bundled sample archive: imported from the seed files, tagged, and built into a whole site."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from sitecheck import broken_links, soup
from sitegen.pipeline import load_site
from sitegen.config import load_config
from sitegen.content import read_folder
from sitegen.importing import import_files


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    """`sitegen build` with no arguments at the repository root (output redirected)."""
    out = tmp_path_factory.mktemp("sample") / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def site():
    return load_site(load_config(REPO / "sitegen.yaml"))


def test_sample_holds_the_82_papers_of_the_listing_with_real_metadata() -> None:
    papers, problems = read_folder(REPO / "content" / "papers")
    assert problems == [] and len(papers) == 82
    assert all(p.arxiv and p.date and p.body.strip() for p in papers)
    assert sum(1 for p in papers if p.authors) == 81
    assert sum(1 for p in papers if p.date.precision == "day") == 58
    kaplan = next(p for p in papers if p.arxiv == "2010.14701")
    assert str(kaplan.date) == "2020-10-28" and "Jared Kaplan" in kaplan.authors


def test_sample_is_exactly_what_the_importer_makes_of_the_seed(shared_dir: Path) -> None:
    seed = shared_dir / "seed"
    report = import_files([seed / "daily-papers.txt", seed / "metadata.json"], REPO / "content" / "papers", dry_run=True)
    assert report.new == [] and report.enriched == [] and report.rejected == []
    assert sorted(report.unchanged) == sorted(p.stem for p in (REPO / "content" / "papers").glob("*.md"))


def test_every_sample_paper_has_a_tag_and_every_tag_a_paper(site) -> None:
    assert [v.title for v in site.papers if not v.tags] == []
    assert all(tag.count >= 1 for tag in site.tags)


def test_one_page_per_sample_paper(sample_out: Path, site) -> None:
    assert len(list((sample_out / "papers").glob("*/index.html"))) == 82
    for view in site.papers:
        page = soup(sample_out, view.url)
        assert page.find("h1").get_text(" ", strip=True) == view.title


def test_tag_pages_list_exactly_the_tagged_papers(sample_out: Path, site) -> None:
    for tag in site.tags:
        listed, url = [], tag.url
        while url:
            page = soup(sample_out, url)
            listed += [a["href"] for a in page.select("main article h2 a, main article h3 a")]
            nxt = page.find("a", rel="next")
            url = nxt["href"] if nxt else None
        assert sorted(listed) == sorted(v.url for v in tag.papers), tag.slug


def test_archive_pages_match_the_dates(sample_out: Path, site) -> None:
    for year in site.years:
        assert (sample_out / "archive" / str(year.year) / "index.html").is_file()
        for month in year.months:
            page = soup(sample_out, month.url)
            hrefs = {a["href"] for a in page.select("main article h2 a, main article h3 a")}
            expected = {v.url for v in month.papers[: site.config.per_page]}
            assert hrefs == expected
            assert all(v.date.year == year.year and v.date.month == month.month for v in month.papers)


def test_every_link_resolves_in_the_sample_site(sample_out: Path) -> None:
    assert broken_links(sample_out) == []


def test_every_link_resolves_under_a_project_path(tmp_path: Path) -> None:
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out), "--base-url", "https://u.github.io/papers/"],
                   cwd=REPO, check=True, capture_output=True)
    assert broken_links(out, "/papers") == []


def test_collaborative_decoding_page_links_its_code(sample_out: Path) -> None:
    page = soup(sample_out, "/papers/collaborative-decoding-makes-visual-auto-regressive-modeling-efficient/")
    hrefs = {a.get_text(strip=True): a["href"] for a in page.find("main").find_all("a")}
    assert hrefs["Code"] == "https://github.com/czg1225/CoDe"
    assert hrefs["arXiv"] == "https://arxiv.org/abs/2411.17787"
    assert re.search(r"The code is available on GitHub\.", page.find("main").get_text())
