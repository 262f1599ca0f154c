"""Links of a built site, read as a browser and a crawler would read them.

`check_output` walks an output folder: every internal link, `#fragment` and asset of every page
(and every url() of every stylesheet, every URL of the feeds, sitemap and robots.txt) must
resolve to a file inside it, under the base URL's path. External links are only collected here;
`check_external` asks their servers, politely, when a person wants that.
"""
from __future__ import annotations

import json
import os
import re
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import Request, urlopen

from selectolax.lexbor import LexborHTMLParser

from . import __version__
from .parallel import can_fork, map_forked
from .textfiles import files_under

LINK, ASSET = "link", "asset"
PLACEHOLDER_ORIGIN = "https://site.invalid"  # stands for the host when base_url is only a path
DEEP_PATH = "/__sitegen_check__/any/depth/"  # where 404.html is pretended to be served
USER_AGENT = f"sitegen-check/{__version__} (link checker; one request at a time per host)"

# Attributes that load something into the page (assets) rather than lead somewhere (links).
_ASSET_ATTRS = {
    ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
    ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"), ("iframe", "src"),
    ("embed", "src"), ("object", "data"), ("input", "src"),
}
_LINK_ATTRS = {("a", "href"), ("area", "href"), ("form", "action")}
_ASSET_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest", "preload", "modulepreload", "prefetch", "mask-icon"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*?)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
_SKIP_SCHEMES = {"mailto", "tel", "data", "javascript", "about", "blob"}


@dataclass(frozen=True, order=True)
class BrokenLink:
    """A reference that leads nowhere: `page` is the site path of the file that holds it."""

    page: str
    reason: str
    target: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.page}: {self.reason} → {self.target}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class PageScan:
    """What one HTML page offers (ids) and asks for (references, in document order)."""

    ids: set[str] = field(default_factory=set)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (LINK or ASSET, URL as written)
    base_href: str | None = None


# The elements that can hold an id or a reference (a whole page's elements, walked in Python, cost more).
_SCANNED = "[id],[name],[href],[src],[srcset],[action],[data],[poster]"


def _srcset(value: str) -> list[str]:
    return [candidate.strip().split()[0] for candidate in value.split(",") if candidate.strip()]


def scan_html(text: str) -> PageScan:
    """The ids and references of one HTML document, parsed as a browser parses it (HTML5, by
    lexbor: five times the speed of html.parser, which was most of `sitegen check`'s time)."""
    scan = PageScan()
    seen: set[int] = set()
    for node in LexborHTMLParser(text).css(_SCANNED):
        if node.mem_id in seen:  # an element that matches two of the selectors comes twice
            continue
        seen.add(node.mem_id)
        tag = node.tag
        values = {name: value for name, value in node.attributes.items() if value is not None}
        if "id" in values:
            scan.ids.add(values["id"])
        if tag == "a" and "name" in values:
            scan.ids.add(values["name"])
        if tag == "base" and "href" in values and scan.base_href is None:
            scan.base_href = values["href"]
            continue
        for name, value in values.items():
            if not value.strip():
                continue
            if (tag, name) in _LINK_ATTRS:
                scan.refs.append((LINK, value.strip()))
            elif (tag, name) in _ASSET_ATTRS:
                urls = _srcset(value) if name == "srcset" else [value.strip()]
                scan.refs.extend((ASSET, url) for url in urls)
            elif tag == "link" and name == "href":
                rels = set(values.get("rel", "").lower().split())
                scan.refs.append((ASSET if rels & _ASSET_RELS else LINK, value.strip()))
    return scan


def css_references(text: str) -> list[str]:
    """url(…) and @import targets of a stylesheet."""
    return [m.group(2) or m.group(4) for m in _CSS_URL.finditer(text) if (m.group(2) or m.group(4))]


def site_path(relative: str) -> str:
    """'papers/x/index.html' -> '/papers/x/'; '404.html' -> '/404.html'."""
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative[: -len("index.html")]
    return "/" + relative


@dataclass
class LinkReport:
    broken: list[BrokenLink]
    pages: int
    references: int
    external: dict[str, set[str]]  # external URL (no fragment) -> site paths of the pages using it


class _Site:
    """The output folder seen through URLs: which URL paths exist, and what ids each page has."""

    def __init__(self, out: Path, base_url: str):
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else PLACEHOLDER_ORIGIN
        self.host = urlsplit(self.origin).netloc.lower()
        self.base_path = parts.path.rstrip("/")
        self.files = {name for name, entry in files_under(out) if entry.is_file()}
        self.ids: dict[str, set[str]] = {}

    def lacks_anchor(self, file: str, fragment: str) -> bool:
        """Whether `file`, a page (other files have no ids to look up), has no element `fragment`."""
        return file in self.ids and fragment not in self.ids[file]

    def url_of(self, path: str) -> str:
        return self.origin + self.base_path + path

    def is_internal(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == self.host

    def resolve(self, url: str) -> tuple[str | None, str]:
        """An internal absolute URL -> (file relative to the output or None, fragment).
        Raises ValueError when the URL leaves the base path."""
        without_fragment, fragment = urldefrag(url)
        path = unquote(urlsplit(without_fragment).path)
        if path == self.base_path:
            path += "/"
        if not path.startswith(self.base_path + "/"):
            raise ValueError(path)
        relative = path[len(self.base_path) + 1 :]
        if relative == "" or relative.endswith("/"):
            candidate = relative + "index.html"
            return (candidate if candidate in self.files else None), unquote(fragment)
        if relative in self.files:
            return relative, unquote(fragment)
        if relative + "/index.html" in self.files:  # hosts redirect /x to /x/
            return relative + "/index.html", unquote(fragment)
        return None, unquote(fragment)


def _names_anchor(fragment: str) -> bool:
    """Whether a URL's fragment must name an element: "#" and "#top" lead to the top of any page."""
    return fragment not in ("", "top")


PARALLEL_FROM = 2000  # pages: below this, forked scanners cost more than they save
CHUNK = 250  # pages a forked scanner takes at a time

# What a reference turned out to be, once resolved (see _References): skipped (mailto: and the
# like), external (its URL without fragment), or internal (a problem, or the file and fragment).
_SKIP = ("skip",)


@dataclass
class _PageResult:
    """One page's ids, what its references need from other pages, and what was found without them."""

    ids: set[str]
    broken: list[BrokenLink]
    count: int  # internal references, same-document anchors included
    external: list[str]  # external URLs without fragment, once per page
    anchors: list[tuple[str, str, str]]  # (as written, file, fragment): an anchor in another page, looked up once all are scanned


class _References:
    """Resolves the references of pages, each distinct one once: most of a site's links are the
    same few thousand URLs written on page after page (2 million at 10,000 papers)."""

    def __init__(self, site: _Site) -> None:
        self.site = site
        self.seen: dict[tuple[str, str | None, str], tuple] = {}

    def page(self, out: Path, relative: str) -> _PageResult:
        scan = scan_html((out / relative).read_text(encoding="utf-8", errors="replace"))
        page = site_path(relative)
        # 404.html is served for any missing address, so its links must work from any depth.
        served_at = self.site.url_of(DEEP_PATH + "missing" if relative == "404.html" else page)
        if scan.base_href:
            served_at = urljoin(served_at, scan.base_href)
        result = _PageResult(scan.ids, [], 0, [], [])
        external: dict[str, None] = {}
        for kind, written in scan.refs:
            if written.startswith("#"):  # the same document, wherever it is served from
                result.count += 1
                fragment = unquote(written[1:])
                if _names_anchor(fragment) and fragment not in scan.ids:
                    result.broken.append(BrokenLink(page, "missing anchor", written))
                continue
            # a path from the root resolves alike on every page of one origin
            key = (kind, None if written.startswith("/") and not written.startswith("//") and not scan.base_href else served_at, written)
            outcome = self.seen.get(key)
            if outcome is None:
                outcome = self.seen[key] = self.outcome(kind, urljoin(served_at, written))
            if outcome[0] == "internal":
                result.count += 1
                problem, file, fragment = outcome[1:]
                if problem:
                    result.broken.append(BrokenLink(page, problem, written))
                elif _names_anchor(fragment) and file.endswith(".html"):
                    result.anchors.append((written, file, fragment))
            elif outcome[0] == "external":
                external[outcome[1]] = None
        result.external = list(external)
        return result

    def outcome(self, kind: str, target: str) -> tuple:
        """What the absolute URL `target` is (see _SKIP): ("internal", problem or None, file, fragment) for one of the site's."""
        scheme = urlsplit(target).scheme.lower()
        if scheme in _SKIP_SCHEMES:
            return _SKIP
        if not self.site.is_internal(target):
            return ("external", urldefrag(target)[0]) if scheme in ("http", "https") else _SKIP
        try:
            file, fragment = self.site.resolve(target)
        except ValueError:
            return ("internal", "link outside the site" if kind == LINK else "asset outside the site", None, "")
        if file is None:
            return ("internal", "broken link" if kind == LINK else "missing asset", None, "")
        return ("internal", None, file, fragment)


def check_output(out: Path, base_url: str = "/", progress: Callable[[int, int], None] | None = None) -> LinkReport:
    """Every broken internal reference of the site built into `out` for `base_url`. Pages are
    scanned on every core for a large site (parsing them is most of the time); `progress(done,
    total)` hears how many pages are scanned now and then."""
    site = _Site(out, base_url)
    pages = sorted(f for f in site.files if f.endswith(".html"))
    references = _References(site)
    report = (lambda done: progress(done, len(pages))) if progress is not None else (lambda done: None)
    if len(pages) >= PARALLEL_FROM and can_fork():
        chunks = [pages[start:start + CHUNK] for start in range(0, len(pages), CHUNK)]
        parts = map_forked(lambda chunk: [references.page(out, relative) for relative in chunk], chunks,
                           processes=min(os.cpu_count() or 1, len(chunks)), done=lambda n: report(min(len(pages), n * CHUNK)))
        results = [result for part in parts for result in part]
    else:
        results = []
        for relative in pages:
            results.append(references.page(out, relative))
            if len(results) % CHUNK == 0 or len(results) == len(pages):
                report(len(results))
    broken: list[BrokenLink] = []
    external: dict[str, set[str]] = defaultdict(set)
    count = 0
    for relative, result in zip(pages, results):
        site.ids[relative] = result.ids
    for relative, result in zip(pages, results):
        page = site_path(relative)
        broken += result.broken
        count += result.count
        for url in result.external:
            external[url].add(page)
        for written, file, fragment in result.anchors:
            if site.lacks_anchor(file, fragment):
                broken.append(BrokenLink(page, "missing anchor", written))
    for relative in sorted(site.files):
        for written, target in _other_references(out, relative, site):  # internal URLs only
            count += 1
            _, problem, file, fragment = references.outcome(ASSET if relative.endswith(".css") else LINK, target)
            if problem is None and _names_anchor(fragment) and site.lacks_anchor(file, fragment):
                problem = "missing anchor"
            if problem:
                broken.append(BrokenLink(site_path(relative), problem, written))
    return LinkReport(sorted(broken), len(pages), count, dict(external))


def _other_references(out: Path, relative: str, site: _Site) -> Iterable[tuple[str, str]]:
    """(as written, absolute URL) of the internal URLs in stylesheets, feeds, sitemaps, robots.txt."""
    suffix = relative.rsplit(".", 1)[-1]
    name = relative.rsplit("/", 1)[-1]
    if not (suffix == "css" or relative == "robots.txt" or name in ("feed.xml", "feed.json") or
            (name.startswith("sitemap") and suffix == "xml")):
        return []  # other data files (a search index, say) hold no addresses to follow
    text = (out / relative).read_text(encoding="utf-8", errors="replace")
    here = site.url_of(site_path(relative))
    if suffix == "css":
        found = [(w, urljoin(here, w)) for w in css_references(text) if urlsplit(w).scheme.lower() != "data" and not w.startswith("#")]
    elif suffix == "xml":
        found = [(u, u) for u in _xml_urls(text)]
    elif suffix == "json":
        found = [(u, u) for u in _json_feed_urls(text)]
    else:
        found = [(u, u) for u in _robots_sitemaps(text)]
    return [(written, target) for written, target in found if site.is_internal(target)]


def _xml_urls(text: str) -> list[str]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return []
    urls = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in ("loc", "id", "uri") and element.text and element.text.startswith("http"):
            urls.append(element.text.strip())
        elif name == "link" and element.get("href"):
            urls.append(element.get("href"))
    return urls


def _json_feed_urls(text: str) -> list[str]:
    try:
        feed = json.loads(text)
    except ValueError:
        return []
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/"):
        return []
    urls = [feed.get("home_page_url"), feed.get("feed_url")]
    for item in feed.get("items") or []:
        urls.append(item.get("url"))
        urls += [author.get("url") for author in item.get("authors") or []]
    return [u for u in urls if isinstance(u, str)]


def _robots_sitemaps(text: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("sitemap:")]


# --- external links -------------------------------------------------------------------------

@dataclass(frozen=True)
class ExternalResult:
    url: str
    ok: bool
    certain: bool  # False: the server would not say (rate limit, refusal to robots, timeout)
    message: str


def check_external(urls: Iterable[str], *, timeout: float = 10.0, workers: int = 4, delay: float = 1.0,
                   user_agent: str = USER_AGENT) -> dict[str, ExternalResult]:
    """Ask each URL's server whether it exists: HEAD first, GET when HEAD is refused.

    Polite by construction: one request at a time per host with `delay` seconds between them,
    at most `workers` hosts at once, every request bounded by `timeout`.
    """
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in sorted(set(urls)):
        by_host[urlsplit(url).netloc.lower()].append(url)
    results: dict[str, ExternalResult] = {}

    def visit(host_urls: list[str]) -> None:
        for number, url in enumerate(host_urls):
            if number:
                time.sleep(delay)
            results[url] = probe(url, timeout=timeout, user_agent=user_agent)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(visit, by_host.values()))
    return dict(sorted(results.items()))


def probe(url: str, *, timeout: float = 10.0, user_agent: str = USER_AGENT) -> ExternalResult:
    """One URL: HEAD, then GET (without reading the body) if HEAD fails."""
    status: int | None = None
    for method in ("HEAD", "GET"):
        request = Request(url, method=method, headers={"User-Agent": user_agent, "Accept": "*/*"})
        try:
            with urlopen(request, timeout=timeout) as response:
                return ExternalResult(url, True, True, f"HTTP {response.status}")
        except HTTPError as err:
            status = err.code
            err.close()
            if method == "HEAD":
                continue  # many servers answer HEAD wrongly (405, 403, even 404); ask with GET
        except (TimeoutError, socket.timeout):
            return ExternalResult(url, False, False, f"no answer within {timeout:g} s")
        except ssl.SSLError as err:
            return ExternalResult(url, False, True, f"TLS error: {err.reason or err}")
        except URLError as err:
            reason = err.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                return ExternalResult(url, False, False, f"no answer within {timeout:g} s")
            return ExternalResult(url, False, True, f"cannot connect: {reason}")
        except (OSError, ValueError) as err:  # malformed URL, connection reset, …
            return ExternalResult(url, False, True, f"cannot connect: {err}")
    assert status is not None
    if status in (401, 403, 429) or status >= 500:
        return ExternalResult(url, False, False, f"HTTP {status}: the server would not say")
    return ExternalResult(url, False, True, f"HTTP {status}")
