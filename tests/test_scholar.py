"""Paper pages follow Google Scholar's inclusion guidelines and carry JSON-LD, OpenGraph and Twitter tags."""
from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, paper_text
from sitecheck import soup
from sitegen.cli import main
from sitegen.importing import import_files

BASE = "https://x.github.io/repo/"
PREFIX = "/repo"
DATE = re.compile(r"^\d{4}(/\d{2}/\d{2})?$")
_ANCHOR_HREF = re.compile(r'<a\b[^>]*?\shref="([^"]*)"')


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out), "--base-url", BASE], cwd=REPO, check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def bibtex_out(tmp_path_factory) -> Path:
    bib = REPO.parent / "shared" / "corpus" / "bibtex"
    if not bib.is_dir():
        pytest.skip("the shared corpus (../shared/corpus beside the checkout) is not present")
    root = tmp_path_factory.mktemp("bibsite")
    (root / "sitegen.yaml").write_text(f"title: Imported bibliography\nbase_url: {BASE}\n", encoding="utf-8")
    report = import_files(sorted(bib.glob("*.bib")), root / "content" / "papers")
    assert len(report.new) > 700
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    return root / "public"


@functools.lru_cache(maxsize=4)
def paper_pages(out: Path) -> list[tuple[str, BeautifulSoup]]:
    """Every paper page of a built site, parsed once per test module (the sites do not change)."""
    return [(f"/papers/{folder.name}/", soup(out, f"/papers/{folder.name}/")) for folder in sorted((out / "papers").iterdir())]


def metas(page: BeautifulSoup, name: str) -> list[str]:
    return [tag["content"] for tag in page.find_all("meta", attrs={"name": name})]


def json_ld(page: BeautifulSoup) -> list[dict]:
    return [json.loads(script.string) for script in page.find_all("script", attrs={"type": "application/ld+json"})]


@pytest.fixture(params=["sample", "bibtex"])
def site_out(request) -> Path:
    return request.getfixturevalue(f"{request.param}_out")


def test_every_paper_page_names_one_paper_by_its_title(site_out: Path) -> None:
    site_title = soup(site_out, "/").title.get_text()
    for path, page in paper_pages(site_out):
        titles = metas(page, "citation_title")
        assert len(titles) == 1 and titles[0].strip(), path
        assert page.title.get_text() == f"{titles[0]} · {site_title}", path
        assert len(page.find_all("h1")) == 1


def test_every_author_has_a_citation_author_tag_in_order(site_out: Path) -> None:
    with_authors = 0
    for path, page in paper_pages(site_out):
        shown = [a.get_text() for a in page.select(".paper__authors .author-list a")]
        assert metas(page, "citation_author") == shown, path
        assert all("," not in name or name.count(",") == 1 for name in shown)  # full names, no affiliations
        with_authors += bool(shown)
    # Scholar needs at least one author: every paper whose source names one gets it.
    assert with_authors >= 0.95 * len(paper_pages(site_out))


def test_publication_dates_are_a_full_date_or_the_year_alone(site_out: Path) -> None:
    for path, page in paper_pages(site_out):
        [date] = metas(page, "citation_publication_date")
        assert DATE.match(date), (path, date)
        iso = page.select_one(".paper__facts time")["datetime"]
        assert date == (iso.replace("-", "/") if len(iso) == 10 else iso[:4]), path


def test_no_pdf_url_points_outside_the_pages_folder(site_out: Path) -> None:
    for path, page in paper_pages(site_out):
        for pdf in metas(page, "citation_pdf_url"):
            assert pdf.startswith(BASE.rstrip("/") + path) and "/" not in pdf[len(BASE.rstrip("/") + path):], (path, pdf)


def test_the_full_abstract_is_visible_without_a_click(site_out: Path) -> None:
    for path, page in paper_pages(site_out):
        abstract = page.select_one("main .paper__abstract")
        assert abstract is not None and abstract.find_parent("details") is None and not abstract.has_attr("hidden")
        [article] = [data for data in json_ld(page) if data["@type"] == "ScholarlyArticle"]
        prose = abstract.select_one(".prose")
        if prose is not None:
            assert " ".join(prose.get_text().split()) == article["abstract"], path


def test_json_ld_describes_each_paper(site_out: Path) -> None:
    for path, page in paper_pages(site_out):
        [article] = json_ld(page)
        assert article["@context"] == "https://schema.org" and article["@type"] == "ScholarlyArticle"
        assert article["name"] == metas(page, "citation_title")[0]
        assert article["url"] == BASE.rstrip("/") + path
        assert [a["name"] for a in article.get("author", [])] == metas(page, "citation_author")
        assert all(a["@type"] == "Person" for a in article.get("author", []))
        assert article["datePublished"] == page.select_one(".paper__facts time")["datetime"]
        ids = {i["propertyID"]: i["value"] for i in article.get("identifier", [])}
        arxiv = metas(page, "citation_arxiv_id")
        doi = metas(page, "citation_doi")
        assert ids == {**({"arXiv": arxiv[0]} if arxiv else {}), **({"DOI": doi[0]} if doi else {})}
        assert set(article.get("sameAs", [])) == {f"https://arxiv.org/abs/{v}" for v in arxiv} | {f"https://doi.org/{v}" for v in doi}


def test_open_graph_and_twitter_cards_on_paper_pages(sample_out: Path) -> None:
    for path, page in paper_pages(sample_out):
        og = {tag["property"]: tag["content"] for tag in page.find_all("meta", attrs={"property": True})}
        assert og["og:type"] == "article" and og["og:title"] == metas(page, "citation_title")[0]
        assert og["og:url"] == BASE.rstrip("/") + path and og["og:site_name"]
        assert metas(page, "twitter:card") == ["summary"] and metas(page, "twitter:title") == [og["og:title"]]


def test_the_home_page_describes_the_site_with_a_search_action(sample_out: Path) -> None:
    [site] = json_ld(soup(sample_out, "/"))
    assert site["@type"] == "WebSite" and site["url"] == BASE
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction" and action["query-input"] == "required name=search_term_string"
    assert action["target"]["urlTemplate"] == BASE + "search/?q={search_term_string}"
    assert json_ld(soup(sample_out, "/page/2/")) == []


def test_every_page_has_a_canonical_url(sample_out: Path) -> None:
    for file in sample_out.rglob("index.html"):
        relative = file.parent.relative_to(sample_out).as_posix()
        path = "/" if relative == "." else f"/{relative}/"
        page = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
        [link] = page.find_all("link", rel="canonical")
        assert link["href"] == BASE.rstrip("/") + path, file


def links_from_home(out: Path) -> dict[str, int]:
    """Site paths reachable from the home page, with the number of links followed."""
    depth = {"/": 0}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        file = out / path.lstrip("/") / "index.html"
        if not file.is_file():
            continue
        for href in _ANCHOR_HREF.findall(file.read_text(encoding="utf-8")):  # a regex: thousands of pages
            href = href.split("#")[0].split("?")[0]
            if not href.startswith(PREFIX + "/") or not href.endswith("/"):
                continue
            target = href[len(PREFIX):]
            if target not in depth:
                depth[target] = depth[path] + 1
                queue.append(target)
    return depth


def test_every_paper_is_at_most_ten_links_from_the_home_page(site_out: Path) -> None:
    depth = links_from_home(site_out)
    far = {path: depth.get(path) for path, _ in paper_pages(site_out) if depth.get(path, 99) > 10}
    assert far == {}


SETTINGS = f"title: Lab papers\nbase_url: {BASE}\n"


def build(root: Path) -> Path:
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    return root / "public"


def test_values_are_attribute_escaped_and_json_ld_cannot_close_its_script(make_site) -> None:
    title = 'Say "<b>hi</b>" & \'bye\' </script><script>alert(1)</script>'
    root = make_site({"x": paper_text(json.dumps(title), authors='["O\'Brien <b>", "A \\"Quote\\""]')}, SETTINGS)
    out = build(root)
    raw = (out / "papers" / "x" / "index.html").read_text(encoding="utf-8")
    head = raw.split("</head>")[0]
    assert "<b>" not in head and "<script>alert" not in raw
    page = soup(out, "/papers/x/")
    assert metas(page, "citation_title") == [title]
    assert metas(page, "citation_author") == ["O'Brien <b>", 'A "Quote"']
    [article] = json_ld(page)
    assert article["name"] == title and [a["name"] for a in article["author"]] == ["O'Brien <b>", 'A "Quote"']
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', raw, re.S).group(1)
    assert "<" not in script and ">" not in script and "&" not in script


def test_meta_tag_values_are_escaped_as_the_templates_escape_values(make_site) -> None:
    title = 'Fish & "Chips" <vs> \'Peas\''
    root = make_site({"x": paper_text(json.dumps(title), authors='["Plain Person"]')}, SETTINGS)
    raw = (build(root) / "papers" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_title" content="Fish &amp; &#34;Chips&#34; &lt;vs&gt; &#39;Peas&#39;">' in raw
    assert '<meta name="citation_author" content="Plain Person">' in raw
    assert '<title>Fish &amp; &#34;Chips&#34; &lt;vs&gt; &#39;Peas&#39; · Lab papers</title>' in raw


def test_a_pdf_in_the_pages_own_folder_is_named_and_one_elsewhere_is_not(make_site) -> None:
    root = make_site({
        "here": paper_text("Here", authors="[Ada Lovelace]", links=f"{{pdf: '{BASE}papers/here/here.pdf'}}"),
        "deeper": paper_text("Deeper", authors="[Ada Lovelace]", links=f"{{pdf: '{BASE}papers/deeper/files/deeper.pdf'}}"),
        "elsewhere": paper_text("Elsewhere", authors="[Ada Lovelace]", links=f"{{pdf: '{BASE}static/elsewhere.pdf'}}"),
        "arxiv": paper_text("On arXiv", authors="[Ada Lovelace]", arxiv="'2401.00001'"),
    }, SETTINGS)
    out = build(root)
    assert metas(soup(out, "/papers/here/"), "citation_pdf_url") == [f"{BASE}papers/here/here.pdf"]
    for slug in ("deeper", "elsewhere", "arxiv"):
        assert metas(soup(out, f"/papers/{slug}/"), "citation_pdf_url") == [], slug


def test_a_pdf_url_needs_an_absolute_base_url(make_site) -> None:
    root = make_site({"here": paper_text("Here", links="{pdf: 'https://example.org/papers/here/here.pdf'}")}, "title: Lab\nbase_url: /\n")
    page = soup(build(root), "/papers/here/")
    assert metas(page, "citation_pdf_url") == [] and metas(page, "citation_title") == ["Here"]
    assert page.find("meta", attrs={"property": "og:url"}) is None


def test_month_precision_dates_give_the_year_alone(make_site) -> None:
    root = make_site({
        "day": paper_text("Day", date="2020-10-28", authors="[A B]"),
        "month": paper_text("Month", date="2020-10", authors="[A B]"),
        "year": paper_text("Year", date="2020", authors="[A B]"),
    }, SETTINGS)
    out = build(root)
    dates = {slug: metas(soup(out, f"/papers/{slug}/"), "citation_publication_date") for slug in ("day", "month", "year")}
    assert dates == {"day": ["2020/10/28"], "month": ["2020"], "year": ["2020"]}
    published = {slug: json_ld(soup(out, f"/papers/{slug}/"))[0]["datePublished"] for slug in ("day", "month", "year")}
    assert published == {"day": "2020-10-28", "month": "2020-10", "year": "2020"}


def test_bibliographic_details_come_from_the_bibtex_entry(make_site) -> None:
    entry = "@article{k, title = {T}, journal = {Phys. Rev.}, volume = {47}, number = {10}, pages = {777--780}, issn = {0031-899X}, year = {1935}}"
    root = make_site({"t": paper_text("T", date="1935", authors="[A. Einstein]", venue="'Phys. Rev.'", doi="'10.1103/PhysRev.47.777'",
                                      bibtex=json.dumps(entry))}, SETTINGS)
    page = soup(build(root), "/papers/t/")
    found = {name: metas(page, name) for name in ("citation_journal_title", "citation_volume", "citation_issue", "citation_firstpage",
                                                  "citation_lastpage", "citation_issn", "citation_doi", "citation_conference_title")}
    assert found == {"citation_journal_title": ["Phys. Rev."], "citation_volume": ["47"], "citation_issue": ["10"],
                     "citation_firstpage": ["777"], "citation_lastpage": ["780"], "citation_issn": ["0031-899X"],
                     "citation_doi": ["10.1103/PhysRev.47.777"], "citation_conference_title": []}


def test_a_conference_venue_is_a_conference_title(make_site) -> None:
    root = make_site({"c": paper_text("C", authors="[A B]", venue="'NeurIPS 2020'", arxiv="'2005.14165'")}, SETTINGS)
    page = soup(build(root), "/papers/c/")
    assert metas(page, "citation_conference_title") == ["NeurIPS 2020"] and metas(page, "citation_journal_title") == []
    assert metas(page, "citation_arxiv_id") == ["2005.14165"]


def test_hugging_face_and_arxiv_details_show_in_the_sidebar_only_when_present(make_site) -> None:
    root = make_site({
        "rich": paper_text("Rich", authors="[A B]", arxiv="'2401.00001'", upvotes="42", github_stars="1234", num_comments="3",
                           comment="'12 pages, $3$ figures'", organization="'Example Lab'", arxiv_version="2",
                           links="{code: 'https://github.com/x/y', project: 'https://x.example.org/p'}"),
        "plain": paper_text("Plain", authors="[A B]"),
    }, SETTINGS)
    out = build(root)
    details = soup(out, "/papers/rich/").select_one(".paper__sidebar .details--facts")
    facts = {dt.get_text(): dd for dt, dd in zip(details.find_all("dt"), details.find_all("dd"))}
    assert facts["Upvotes"].get_text() == "42" and facts["Upvotes"].a["href"] == "https://huggingface.co/papers/2401.00001"
    assert facts["GitHub stars"].get_text() == "1,234" and facts["GitHub stars"].a["href"] == "https://github.com/x/y"
    assert facts["Comments"].get_text() == "3"
    assert facts["Project page"].a["href"] == "https://x.example.org/p"
    assert facts["Organization"].get_text() == "Example Lab"
    assert facts["arXiv comment"].find("math") is not None and "12 pages" in facts["arXiv comment"].get_text()
    assert facts["arXiv version"].get_text() == "v2"
    assert soup(out, "/papers/plain/").select_one(".paper__sidebar") is None
