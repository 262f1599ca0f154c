"""Feeds, sitemap and robots.txt: valid, absolute, newest first, deterministic, discoverable."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from conftest import paper_text
from sitecheck import soup
from sitegen.pipeline import iter_pages, load_site
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.feeds import publishing_files, xml_safe

BASE = "https://example.org/lab/"
SETTINGS = f"""\
title: Lab archive
description: What the lab reads.
base_url: {BASE}
feed_limit: 3
tags:
  llm: {{title: Language models, match: [language model]}}
"""
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def papers() -> dict[str, str]:
    return {
        "newest": paper_text("Newest on language models", date="2024-05-03", authors="[Ada Lovelace, Alan Turing]",
                             categories="[cs.LG]", body="The *newest* abstract & more.\n"),
        "middle": paper_text("Middle paper", date="2024-04", authors="[Grace Hopper]", tags="[theory]"),
        "older": paper_text("An older language model", date="2023-12-24"),
        "oldest": paper_text("Oldest, known only by year", date="2021", tags="[theory]"),
        "hostile": paper_text("Ampersands & <script>alert(1)</script>", date="2022-01-02", body="A <b>bold</b> claim.\n"),
    }


@pytest.fixture
def built(make_site) -> Path:
    root = make_site(papers(), SETTINGS)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    return root / "public"


def atom(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_site_feed_is_valid_atom_newest_first_and_limited(built: Path) -> None:
    feed = atom(built / "feed.xml")
    assert feed.feed.title == "Lab archive" and feed.feed.subtitle == "What the lab reads."
    assert [e.title for e in feed.entries] == ["Newest on language models", "Middle paper", "An older language model"]
    assert feed.feed.updated == "2024-05-03T00:00:00Z"  # the newest paper's date, not the build time


def test_atom_entries_carry_authors_categories_and_the_rendered_abstract(built: Path) -> None:
    newest = atom(built / "feed.xml").entries[0]
    assert [a.name for a in newest.authors] == ["Ada Lovelace", "Alan Turing"]
    assert newest.authors[0].href == BASE + "authors/ada-lovelace/"
    terms = {(t.term, t.get("label")) for t in newest.tags}
    assert ("llm", "Language models") in terms and ("cs.LG", None) in terms
    assert newest.content[0].type == "text/html"
    assert newest.content[0].value.strip() == "<p>The <em>newest</em> abstract &amp; more.</p>"
    assert newest.link == BASE + "papers/newest/" and newest.id == BASE + "papers/newest/"
    assert newest.published == "2024-05-03T00:00:00Z"


def test_less_precise_dates_stand_for_the_start_of_their_period(built: Path) -> None:
    entries = {e.title: e for e in atom(built / "tags" / "theory" / "feed.xml").entries}
    assert entries["Middle paper"].published == "2024-04-01T00:00:00Z"
    assert entries["Oldest, known only by year"].published == "2021-01-01T00:00:00Z"


def test_every_url_in_the_feeds_is_absolute(built: Path) -> None:
    text = (built / "feed.xml").read_text() + (built / "feed.json").read_text()
    urls = re.findall(r'(?:href="|"url": "|"home_page_url": "|"feed_url": "|<id>|<uri>)([^"<]+)', text)
    assert urls and all(u.startswith(("https://", "http://")) for u in urls), [u for u in urls if not u.startswith("http")]


def test_json_feed_has_the_required_fields_of_version_1_1(built: Path) -> None:
    feed = json.loads((built / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Lab archive" and isinstance(feed["items"], list) and len(feed["items"]) == 3
    assert feed["home_page_url"] == BASE and feed["feed_url"] == BASE + "feed.json"
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item
        assert RFC3339.match(item["date_published"])
        assert item["url"].startswith(BASE)
        for author in item.get("authors", []):
            assert author["name"] and author["url"].startswith(BASE)
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
    assert [i["title"] for i in feed["items"]] == ["Newest on language models", "Middle paper", "An older language model"]
    assert {"Language models", "cs.LG"} <= set(feed["items"][0]["tags"])  # tag names and arXiv categories


def test_each_tag_has_feeds_with_only_its_papers(built: Path) -> None:
    llm = atom(built / "tags" / "llm" / "feed.xml")
    assert [e.title for e in llm.entries] == ["Newest on language models", "An older language model"]
    assert llm.feed.title == "Lab archive: Language models"
    assert llm.feed.link == BASE + "tags/llm/"
    theory = json.loads((built / "tags" / "theory" / "feed.json").read_text())
    assert [i["title"] for i in theory["items"]] == ["Middle paper", "Oldest, known only by year"]
    assert theory["feed_url"] == BASE + "tags/theory/feed.json"


def test_hostile_titles_and_abstracts_stay_text(make_site) -> None:
    root = make_site(papers(), SETTINGS.replace("feed_limit: 3", "feed_limit: 100"))
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    entries = {e.title: e for e in atom(root / "public" / "feed.xml").entries}
    assert len(entries) == 5
    hostile = entries["Ampersands & <script>alert(1)</script>"]
    assert "&lt;b&gt;bold&lt;/b&gt;" in hostile.content[0].value  # raw HTML in the abstract was escaped
    item = next(i for i in json.loads((root / "public" / "feed.json").read_text())["items"] if i["url"].endswith("/hostile/"))
    assert item["title"] == "Ampersands & <script>alert(1)</script>" and "<b>" not in item["content_html"]


# Every character XML 1.0 forbids, as text pasted from a PDF or a terminal can leave in a body.
FORBIDDEN_IN_XML = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]) + "\ufffe\uffff"


def test_a_body_with_control_characters_still_gives_well_formed_feeds(make_site) -> None:
    body = f"Before{FORBIDDEN_IN_XML}after.\n\nA page\x0cbreak and a vertical\x0btab.\n"
    root = make_site({**papers(), "controls": paper_text("Controls", date="2024-06-01", tags="[theory]", body=body)}, SETTINGS)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    public = root / "public"
    assert (public / "papers" / "controls" / "index.html").is_file()
    for path in (public / "feed.xml", public / "tags" / "theory" / "feed.xml", public / "sitemap.xml"):
        ET.parse(path)  # a forbidden character anywhere is a ParseError
    content = atom(public / "feed.xml").entries[0].content[0].value
    assert "Before" in content and "after." in content and not set(FORBIDDEN_IN_XML) & set(content)
    assert "A page break and a vertical tab." in content  # whitespace controls read as a space
    assert "\ufffd" in content  # the others as U+FFFD: something stood there, words stay apart
    item = json.loads((public / "feed.json").read_text(encoding="utf-8"))["items"][0]
    assert item["title"] == "Controls" and "Before" in item["content_html"]


def test_lone_surrogates_in_rendered_text_never_break_a_feed(built: Path) -> None:
    site = load_site(load_config(built.parent / "sitegen.yaml"))
    site.papers[0].summary = "half a pair: \ud83d, and the other half: \ude00"
    site.papers[0].abstract_html = Markup("<p>\udfff</p>")
    files = publishing_files(site, [url for url, _, _ in iter_pages(site)])
    for path, text in files.items():
        data = text.encode("utf-8")  # a lone surrogate cannot be written as UTF-8 at all
        if path.endswith(".xml"):
            ET.fromstring(data)
        elif path.endswith(".json"):
            json.loads(data)
    assert "half a pair: \ufffd, and the other half: \ufffd" in files["/feed.xml"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40))
def test_any_text_made_xml_safe_is_well_formed_and_keeps_what_xml_allows(text: str):
    element = ET.Element("a", t=text)
    element.text = text
    ET.fromstring(xml_safe(ET.tostring(element, encoding="unicode")).encode("utf-8"))  # as the feeds are made
    safe = xml_safe(text)
    assert len(safe) == len(text)
    assert all(kept == original for kept, original in zip(safe, text) if kept not in " \ufffd")


def test_feeds_are_byte_identical_across_builds(make_site, tmp_path: Path) -> None:
    root = make_site(papers(), SETTINGS)
    outputs = []
    for name in ("one", "two"):
        assert main(["build", "--config", str(root / "sitegen.yaml"), "--out", str(tmp_path / name)]) == 0
        outputs.append([(tmp_path / name / f).read_bytes() for f in ("feed.xml", "feed.json", "sitemap.xml", "robots.txt")])
    assert outputs[0] == outputs[1]


def test_pages_link_their_feeds_in_the_head(built: Path) -> None:
    def alternates(url: str) -> dict[str, str]:
        return {link["type"]: link["href"] for link in soup(built, url).find_all("link", rel="alternate")}

    assert alternates("/") == {"application/atom+xml": "/lab/feed.xml", "application/feed+json": "/lab/feed.json"}
    assert alternates("/papers/newest/") == alternates("/")
    tag_links = [link["href"] for link in soup(built, "/tags/llm/").find_all("link", rel="alternate")]
    assert tag_links == ["/lab/feed.xml", "/lab/feed.json", "/lab/tags/llm/feed.xml", "/lab/tags/llm/feed.json"]
    assert alternates("/404.html") == alternates("/")  # absolute paths: right at any depth


def test_a_paginated_tag_page_links_the_tag_feed(make_site) -> None:
    many = {f"p{n}": paper_text(f"Paper {n} on a language model", date=f"2024-01-{n:02d}") for n in range(1, 8)}
    root = make_site(many, SETTINGS + "per_page: 3\n")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    hrefs = [link["href"] for link in soup(root / "public", "/tags/llm/page/2/").find_all("link", rel="alternate")]
    assert "/lab/tags/llm/feed.xml" in hrefs


def test_sitemap_lists_every_page_with_lastmod_at_the_dates_precision(built: Path) -> None:
    root = ET.parse(built / "sitemap.xml").getroot()
    assert root.tag == SITEMAP + "urlset"
    entries = {u.findtext(SITEMAP + "loc"): u.findtext(SITEMAP + "lastmod") for u in root}
    site = load_site(load_config(built.parent / "sitegen.yaml"))
    expected = {BASE.rstrip("/") + url for url, _, _ in iter_pages(site) if url.endswith("/")}
    assert set(entries) == expected and BASE + "404.html" not in entries
    assert entries[BASE + "papers/newest/"] == "2024-05-03"
    assert entries[BASE + "papers/middle/"] == "2024-04"  # W3C datetime allows YYYY-MM
    assert entries[BASE + "papers/oldest/"] == "2021"  # and YYYY: nothing invents a day
    assert entries[BASE] == "2024-05-03" and entries[BASE + "tags/theory/"] == "2024-04"


def test_sitemap_becomes_an_index_beyond_the_url_limit(built: Path) -> None:
    site = load_site(load_config(built.parent / "sitegen.yaml"))
    pages = [url for url, _, _ in iter_pages(site)]
    files = publishing_files(site, pages, max_urls=5)
    index = ET.fromstring(files["/sitemap.xml"])
    assert index.tag == SITEMAP + "sitemapindex"
    parts = [s.findtext(SITEMAP + "loc") for s in index]
    listed = [p for p in pages if p.endswith("/")]
    assert len(parts) == -(-len(listed) // 5) and parts[0] == BASE + "sitemap-1.xml"
    urls = []
    for part in parts:
        urlset = ET.fromstring(files["/" + part[len(BASE):]])
        assert urlset.tag == SITEMAP + "urlset" and 1 <= len(urlset) <= 5
        urls += [u.findtext(SITEMAP + "loc") for u in urlset]
    assert urls == [BASE.rstrip("/") + p for p in listed]
    assert all(s.findtext(SITEMAP + "lastmod") for s in index)


def test_robots_txt_points_at_the_sitemap_by_absolute_url(built: Path) -> None:
    robots = (built / "robots.txt").read_text()
    assert "User-agent: *" in robots
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


def test_without_a_host_in_base_url_there_are_no_feeds_nor_sitemap(make_site) -> None:
    root = make_site(papers(), SETTINGS.replace(BASE, "/lab/"))
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    out = root / "public"
    assert not (out / "feed.xml").exists() and not (out / "feed.json").exists() and not (out / "sitemap.xml").exists()
    assert not (out / "tags" / "llm" / "feed.xml").exists()
    assert soup(out, "/").find("link", rel="alternate") is None  # no link to a feed that is not there
    assert "Sitemap" not in (out / "robots.txt").read_text()


def test_feed_limit_must_be_a_positive_number(make_site, capsys) -> None:
    root = make_site(papers(), SETTINGS.replace("feed_limit: 3", "feed_limit: 0"))
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 1
    assert "sitegen.yaml:4: feed_limit: expected a whole number of at least 1, found 0" in capsys.readouterr().err
