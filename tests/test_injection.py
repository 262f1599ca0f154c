"""Text from a paper never runs as script: XSS payloads in every field a paper has, built into a
site that headless Chromium then visits page type by page type, search included.

A payload that ran would call alert() (trapped as a dialog) or set window.__xss; a page fails
too if any link or resource it emits uses the javascript: scheme, if its JSON-LD does not parse
back to the payload, or if a feed is not well-formed XML holding the payload as text.
"""
from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitegen.build import build
from sitegen.config import load_config
from sitegen.content import parse_paper

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "\"><svg onload=window.__xss=1>",
    "'><img src=x onerror=alert(1)>",
    "</script><script>window.__xss=1</script>",
    "</title><script>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "]]><script>alert(1)</script><![CDATA[",
    "{{ 7*7 }}{% raw %}<script>alert(1)</script>",
    "$<img src=x onerror=window.__xss=1>$",
    "\u2028</script>\u2029<script>alert(1)</script>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<base href=\"javascript:alert(1)//\">",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
# A payload between $…$ is read as TeX: titles show it as math, and meta tags and feeds carry its
# plain-text reading, not the characters as typed, so only the others are compared character for character.
VERBATIM = [(index, payload) for index, payload in enumerate(PAYLOADS) if "$" not in payload]

# Markdown-only ways in, for the abstract: links and images with script URLs, raw HTML blocks.
BODY_EXTRAS = [
    "[click me](javascript:window.__xss=1)",
    "![x](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<div onmouseover=\"window.__xss=1\">raw block</div>",
    "<javascript:alert(1)>",
]
BIBTEX = "@article{{k{index},\n  title = {{{payload}}},\n  note = {{</script><script>alert(1)</script>}},\n  year = {{2024}}\n}}"


def _paper_file(index: int, payload: str) -> str:
    quoted = json.dumps  # JSON strings are YAML strings: any payload survives as written
    fields = {
        "title": quoted(f"Payload {index} {payload}"),
        "authors": json.dumps([f"Author {index} {payload}", payload, "Plain Person"]),
        "date": "2024-05-01",
        "tags": json.dumps([f"xss-{index}", "xss"]),
        "categories": json.dumps([payload]),
        "links": json.dumps({"code": f"https://example.org/{index}?q=\"><script>alert(1)</script>", payload: "https://example.org/"}),
        "venue": quoted(payload),
        "note": quoted(payload),
        "bibtex": quoted(BIBTEX.format(index=index, payload=payload)),
    }
    front = "\n".join(f"{key}: {value}" for key, value in fields.items())
    body = f"{payload}\n\n" + "\n\n".join(BODY_EXTRAS) + "\n"
    return f"---\n{front}\n---\n{body}"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("injection")
    papers = root / "content" / "papers"
    papers.mkdir(parents=True)
    (root / "sitegen.yaml").write_text(textwrap.dedent("""\
        title: Injection test
        base_url: https://example.org/
        """), encoding="utf-8")
    for index, payload in enumerate(PAYLOADS):
        (papers / f"payload-{index}.md").write_text(_paper_file(index, payload), encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    return root / "public"


def test_every_payload_is_a_valid_paper(hostile_site):
    for index, payload in enumerate(PAYLOADS):
        paper, problems = parse_paper(_paper_file(index, payload), "x.md", f"payload-{index}")
        assert problems == [] and paper.title == f"Payload {index} {payload}".strip()


def test_javascript_links_are_rejected_by_validation():
    for url in ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,x", "vbscript:x",
                "java\tscript:alert(1)", "//evil.example/", "file:///etc/passwd", "https://"]:
        text = f"---\ntitle: T\ndate: 2024-01-01\nlinks: {{code: {json.dumps(url)}}}\n---\n"
        paper, problems = parse_paper(text, "x.md", "x")
        assert paper is None and "must be an http(s) URL" in problems[0].message, url


def _html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_no_page_emits_a_script_url(hostile_site):
    for path in _html_files(hostile_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(True):
            for attribute in ("href", "src", "action", "formaction", "xlink:href", "srcdoc", "data"):
                value = "".join(str(tag.get(attribute) or "").split()).lower()
                assert not value.startswith(("javascript:", "vbscript:", "data:text/html")), (path, tag)
            handlers = [name for name in tag.attrs if name.lower().startswith("on")]
            assert handlers == [], (path, tag)


def test_no_payload_element_reaches_any_page(hostile_site):
    """The payloads' own tags (iframe, svg onload, img onerror, base) never appear as elements."""
    for path in _html_files(hostile_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert soup.find_all(["iframe", "base", "mglyph"]) == [], path
        assert [img for img in soup.find_all("img") if img.get("src") == "x"] == [], path
        for script in soup.find_all("script"):
            if script.get("type") == "application/ld+json":
                continue  # data, not code: checked by test_json_ld_parses_back_to_the_payload
            assert "__xss" not in script.get_text() and "alert(1)" not in script.get_text(), (path, script)


def test_json_ld_parses_back_to_the_payload(hostile_site):
    for index, payload in VERBATIM:
        html = (hostile_site / "papers" / f"payload-{index}" / "index.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        blocks = soup.find_all("script", type="application/ld+json")
        assert blocks, "the paper page has JSON-LD"
        values = []
        for block in blocks:
            assert "</" not in block.string and "<!--" not in block.string
            values.append(json.dumps(json.loads(block.string), ensure_ascii=False))
        assert any(json.dumps(f"Payload {index} {payload}".strip(), ensure_ascii=False)[1:-1] in text for text in values), payload


def test_meta_tags_hold_the_payload_as_text(hostile_site):
    for index, payload in VERBATIM:
        soup = BeautifulSoup((hostile_site / "papers" / f"payload-{index}" / "index.html").read_text(encoding="utf-8"), "html.parser")
        titles = [meta.get("content") for meta in soup.find_all("meta") if meta.get("name") == "citation_title" or meta.get("property") == "og:title"]
        assert titles and all(title == f"Payload {index} {payload}".strip() for title in titles), titles
        assert soup.title.string.startswith(f"Payload {index} {payload}".strip())


def test_feeds_are_well_formed_and_hold_the_payload_as_text(hostile_site):
    feeds = [hostile_site / "feed.xml", hostile_site / "tags" / "xss" / "feed.xml"]
    for feed in feeds:
        root = ET.parse(feed).getroot()
        titles = {element.text for element in root.iter() if element.tag.endswith("title")}
        for index, payload in VERBATIM:
            assert f"Payload {index} {payload}".strip() in titles, (feed, payload)
    for json_feed in hostile_site.rglob("*.json"):
        json.loads(json_feed.read_text(encoding="utf-8"))  # every JSON file (feeds, search index) is well-formed
    if (hostile_site / "feed.json").exists():
        items = json.loads((hostile_site / "feed.json").read_text(encoding="utf-8"))["items"]
        assert {f"Payload {i} {p}".strip() for i, p in VERBATIM} <= {item["title"] for item in items}
    ET.parse(hostile_site / "sitemap.xml")


def test_bibtex_downloads_are_plain_text(hostile_site):
    for index, _ in enumerate(PAYLOADS):
        cite = hostile_site / "papers" / f"payload-{index}" / "cite.bib"
        if cite.exists():
            assert "<html" not in cite.read_text(encoding="utf-8").lower()


def _page_types(out: Path) -> dict[str, list[str]]:
    """Site paths of every page type, from the built output: every paper page (one payload
    each), and of the per-tag and per-author pages the one listing every paper plus a few more
    (they share one list template, so the pages listing all papers show every payload)."""
    def pages(folder: str) -> list[str]:
        return sorted("/" + str(p.parent.relative_to(out)) + "/" for p in (out / folder).glob("*/index.html"))
    return {
        "home": ["/"],
        "paper": pages("papers"),
        "tags": ["/tags/"],
        "tag": ["/tags/xss/", *pages("tags")[:3]],
        "authors": ["/authors/"],
        "author": ["/authors/plain-person/", *pages("authors")[:3]],
        "archive": ["/archive/", "/archive/2024/", "/archive/2024/05/"],
        "404": ["/404.html"],
    }


SEARCHES = ["payload", "script", "onerror", "img", "svg", "iframe", "alert", "xss", "author", "<img src=x onerror=window.__xss=1>",
            "\"><svg onload=window.__xss=1>", "</script><script>alert(1)</script>", "javascript:alert(1)"]


@pytest.fixture(scope="module")
def visit(hostile_site, browser):
    """Open a path in one page; return what ran (dialogs, the flag) and the javascript: hrefs."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(hostile_site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())

    def open_page(path: str, wait_for: str | None = None) -> tuple[list[str], object, list[str]]:
        dialogs.clear()
        page.goto(base + path)
        if wait_for:
            page.wait_for_function(wait_for, timeout=10_000)
        page.wait_for_timeout(30)
        flag = page.evaluate("window.__xss")
        hrefs = page.evaluate("""Array.from(document.querySelectorAll('[href],[src],[action]')).map(e =>
            (e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '').replace(/\\s/g, '').toLowerCase())
            .filter(v => v.startsWith('javascript:'))""")
        return list(dialogs), flag, hrefs

    yield open_page
    context.close()
    server.shutdown()
    server.server_close()


def test_the_traps_catch_a_payload_that_runs(hostile_site, visit):
    """The control: an unescaped payload is seen (a .htm file, so the page scans above skip it)."""
    (hostile_site / "canary-flag.htm").write_text("<img src=x onerror=window.__xss=1>", encoding="utf-8")
    (hostile_site / "canary-alert.htm").write_text("<script>alert('ran')</script><a href='javascript:x'>x</a>", encoding="utf-8")
    assert visit("/canary-flag.htm", "window.__xss === 1")[1] == 1
    assert visit("/canary-alert.htm")[0::2] == (["ran"], ["javascript:x"])


def test_no_payload_runs_on_any_page_type(hostile_site, visit):
    visited = {}
    for kind, paths in _page_types(hostile_site).items():
        assert paths, kind
        for path in paths:
            dialogs, flag, hrefs = visit(path)
            assert (dialogs, flag, hrefs) == ([], None, []), (kind, path)
        visited[kind] = len(paths)
    assert visited["paper"] == len(PAYLOADS)


@pytest.mark.parametrize("query", SEARCHES)
def test_no_payload_runs_in_search_results(query, visit):
    from urllib.parse import quote

    dialogs, flag, hrefs = visit("/search/?q=" + quote(query), "document.querySelector('[data-search-status]').textContent !== ''")
    assert (dialogs, flag, hrefs) == ([], None, [])
