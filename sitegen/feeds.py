"""What a published site offers machines: Atom and JSON feeds, the sitemap and robots.txt.

Feeds and sitemaps must carry absolute URLs, so they are written only when `base_url` names a
host (https://user.github.io/repo/); a site built with a bare path such as `/` gets a robots.txt
without a Sitemap line and no feeds. Output is deterministic: every date comes from the papers
(a feed's `updated` is its newest paper's date), never from the clock.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
import xml.etree.ElementTree as ET
from typing import Iterable, Sequence
from urllib.parse import urlsplit

from . import __version__
from .model import PaperDate
from .site import Group, PaperView, Site

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ARXIV_SCHEME = "http://arxiv.org/schemas/atom"
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit for one file
EPOCH = "1970-01-01T00:00:00Z"  # `updated` of a feed with no papers: still a valid, stable date
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PAGED = re.compile(r"page/\d+/$")
# What XML 1.0 may not hold at all, not even as a character reference (&#1; is as ill-formed as a
# raw U+0001): C0 controls but tab, newline and carriage return, lone surrogates, U+FFFE, U+FFFF.
_NOT_XML_CHAR = re.compile("[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_LONE_SURROGATE = re.compile("[\uD800-\uDFFF]")
_TAG_PAGE = re.compile(r"^/tags/([^/]+)/")


def has_host(base_url: str) -> bool:
    """True when base_url is a full URL, so absolute links (feeds, sitemap) can be made."""
    return bool(urlsplit(base_url).netloc)


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced, so a feed stays well-formed whatever
    a paper's body holds (front matter refuses such characters; a Markdown body is prose and
    keeps them). Replaced, not dropped: U+FFFD shows a reader that something stood there and
    never joins the words on either side, as markdown-it does for U+0000 and Go's encoding/xml
    (Hugo's feeds) for all of them. Vertical tab and form feed, left by text copied out of PDFs,
    are whitespace and become a space."""
    if _NOT_XML_CHAR.search(text) is None:  # the common case: one scan, no copy
        return text
    return _NOT_XML_CHAR.sub(lambda m: " " if m.group() in "\x0b\x0c" else "\ufffd", text)


def json_safe(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD: json.dumps passes them through when not
    escaping to ASCII, and no UTF-8 file could hold the document (control characters it escapes
    itself, and JSON allows U+FFFE and U+FFFF)."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)


def absolute(base_url: str, path: str) -> str:
    """'/papers/x/' under 'https://u.github.io/repo/' -> 'https://u.github.io/repo/papers/x/'."""
    return base_url.rstrip("/") + path


def rfc3339(date: PaperDate | None) -> str:
    """A paper date as an RFC 3339 timestamp; a month or a year stands for its first day."""
    if date is None:
        return EPOCH
    return f"{date.year:04d}-{date.month or 1:02d}-{date.day or 1:02d}T00:00:00Z"


def newest_date(papers: Sequence[PaperView]) -> PaperDate | None:
    """The latest date among papers (at its own precision), or None. Papers come newest first,
    as every list of a Site does (undated ones last), so that is the first date."""
    return next((view.date for view in papers if view.date is not None), None)


def feed_papers(papers: Sequence[PaperView], limit: int) -> list[PaperView]:
    """The `limit` newest papers, newest first (Site lists are already in that order)."""
    return list(papers[:limit])


def atom_feed(site: Site, papers: Sequence[PaperView], *, title: str, page_path: str, feed_path: str) -> str:
    """An Atom 1.0 document for `papers`; page_path/feed_path are site paths such as '/tags/x/'."""
    base = site.config.base_url
    feed = ET.Element("feed", {"xmlns": ATOM_NS, _XML_LANG: site.config.language})
    _text(feed, "title", title)
    if site.config.description:
        _text(feed, "subtitle", site.config.description)
    _text(feed, "id", absolute(base, feed_path))
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=absolute(base, feed_path))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=absolute(base, page_path))
    _text(feed, "updated", rfc3339(newest_date(papers)))
    # RFC 4287 wants an author for every entry; papers without authors inherit the archive's name.
    _text(ET.SubElement(feed, "author"), "name", site.config.title)
    _text(feed, "generator", "sitegen", version=__version__)
    for view in papers:
        feed.append(_atom_entry(base, view))
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml_safe(ET.tostring(feed, encoding="unicode")) + "\n"


def _atom_entry(base: str, view: PaperView) -> ET.Element:
    url = absolute(base, view.url)
    entry = ET.Element("entry", {_XML_BASE: url})
    _text(entry, "title", view.title, type="text")
    _text(entry, "id", url)
    ET.SubElement(entry, "link", rel="alternate", type="text/html", href=url)
    for link in view.links:
        ET.SubElement(entry, "link", rel="related", href=link.href, title=link.label)
    date = rfc3339(view.date)
    _text(entry, "published", date)
    _text(entry, "updated", date)
    for author in view.authors:
        person = ET.SubElement(entry, "author")
        _text(person, "name", author.name)
        _text(person, "uri", absolute(base, author.url))
    for tag in view.tags:
        ET.SubElement(entry, "category", term=tag.slug, label=tag.name, scheme=absolute(base, "/tags/"))
    for category in view.categories:
        ET.SubElement(entry, "category", term=category, scheme=ARXIV_SCHEME)
    if view.summary:
        _text(entry, "summary", view.summary, type="text")
    if view.abstract_html:
        _text(entry, "content", str(view.abstract_html), type="html")
    return entry


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def json_feed(site: Site, papers: Sequence[PaperView], *, title: str, page_path: str, feed_path: str) -> str:
    """A JSON Feed 1.1 document for `papers` (https://jsonfeed.org/version/1.1)."""
    base = site.config.base_url
    document: dict = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": absolute(base, page_path),
        "feed_url": absolute(base, feed_path),
    }
    if site.config.description:
        document["description"] = site.config.description
    document["language"] = site.config.language
    document["items"] = [_json_item(base, view) for view in papers]
    return json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def _json_item(base: str, view: PaperView) -> dict:
    url = absolute(base, view.url)
    item: dict = {"id": url, "url": url, "title": view.title}
    if view.links:
        item["external_url"] = view.links[0].href
    item["content_html"] = str(view.abstract_html)
    if view.summary:
        item["summary"] = view.summary
    item["date_published"] = rfc3339(view.date)
    if view.authors:
        item["authors"] = [{"name": a.name, "url": absolute(base, a.url)} for a in view.authors]
    tags = [tag.name for tag in view.tags] + list(view.categories)
    if tags:
        item["tags"] = tags
    return item


def feed_files(site: Site) -> dict[str, str]:
    """Every feed of the site as {site path: text}: the whole archive, then one pair per tag."""
    limit = site.config.feed_limit
    files: dict[str, str] = {}
    feeds: list[tuple[str, str, Sequence[PaperView]]] = [(site.config.title, "/", site.papers)]
    feeds += [(f"{site.config.title}: {tag.name}", tag.url, tag.papers) for tag in site.tags]
    for title, page_path, papers in feeds:
        newest = feed_papers(papers, limit)
        files[page_path + "feed.xml"] = atom_feed(site, newest, title=title, page_path=page_path, feed_path=page_path + "feed.xml")
        files[page_path + "feed.json"] = json_feed(site, newest, title=title, page_path=page_path, feed_path=page_path + "feed.json")
    return files


@dataclass(frozen=True)
class FeedLink:
    """A feed a page announces in its <head> for discovery."""

    title: str
    type: str
    url: str


class FeedLinks:
    """page path -> the feeds it announces: the site's, plus a tag's own on that tag's pages."""

    def __init__(self, site: Site):
        self.enabled = has_host(site.config.base_url)
        self.site_feeds = self._pair(site.config.title, "/")
        # one list per tag (the site's feeds and the tag's), shared by its pages as site_feeds is by
        # the others: a page's digest takes a list many pages share once (fingerprint.page_digest)
        self.tag_feeds = {tag.slug: self.site_feeds + self._pair(f"{site.config.title}: {tag.name}", tag.url) for tag in site.tags}

    @staticmethod
    def _pair(title: str, page: str) -> list[FeedLink]:
        return [FeedLink(title, "application/atom+xml", page + "feed.xml"), FeedLink(title, "application/feed+json", page + "feed.json")]

    def __call__(self, page_path: str) -> list[FeedLink]:
        if not self.enabled:
            return []
        tag = _TAG_PAGE.match(page_path)
        return self.tag_feeds.get(tag.group(1), self.site_feeds) if tag else self.site_feeds


def page_dates(site: Site) -> dict[str, PaperDate | None]:
    """The date each kind of page last changed: a paper's own date, a list's newest paper."""
    site_newest = newest_date(site.papers)
    dates: dict[str, PaperDate | None] = {"/": site_newest, "/tags/": site_newest, "/authors/": site_newest, "/archive/": site_newest}
    groups: list[Group] = [*site.tags, *site.authors, *site.years, *(m for y in site.years for m in y.months)]
    for group in groups:
        dates[group.url] = newest_date(group.papers)
    for view in site.papers:
        dates[view.url] = view.date
    return dates


def lastmod_for(dates: dict[str, PaperDate | None], path: str) -> PaperDate | None:
    """A paginated list page ('/tags/x/page/3/') changes whenever its first page does."""
    if path in dates:
        return dates[path]
    return dates.get(_PAGED.sub("", path))


def sitemap_files(base_url: str, entries: Iterable[tuple[str, PaperDate | None]], max_urls: int = SITEMAP_MAX_URLS) -> dict[str, str]:
    """/sitemap.xml for (site path, lastmod) entries; beyond `max_urls` it becomes an index of
    /sitemap-1.xml, /sitemap-2.xml, … A lastmod keeps the date's own precision (W3C datetime
    allows YYYY, YYYY-MM and YYYY-MM-DD), so nothing invents a day that is not known."""
    entries = list(entries)
    chunks = [entries[i : i + max_urls] for i in range(0, len(entries), max_urls)] or [[]]
    if len(chunks) == 1:
        return {"/sitemap.xml": _urlset(base_url, chunks[0])}
    files: dict[str, str] = {}
    index = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
    for number, chunk in enumerate(chunks, start=1):
        path = f"/sitemap-{number}.xml"
        files[path] = _urlset(base_url, chunk)
        sitemap = ET.SubElement(index, "sitemap")
        _text(sitemap, "loc", absolute(base_url, path))
        newest = max((d for _, d in chunk if d is not None), key=lambda d: d.sort_key, default=None)
        if newest is not None:
            _text(sitemap, "lastmod", str(newest))
    files["/sitemap.xml"] = _xml(index)
    return files


def _urlset(base_url: str, entries: list[tuple[str, PaperDate | None]]) -> str:
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)
    for path, date in entries:
        url = ET.SubElement(urlset, "url")
        _text(url, "loc", absolute(base_url, path))
        if date is not None:
            _text(url, "lastmod", str(date))
    return _xml(urlset)


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_safe(ET.tostring(root, encoding="unicode")) + "\n"


def robots_txt(base_url: str) -> str:
    """Allow everything and name the sitemap (an absolute URL, as the protocol requires)."""
    lines = ["User-agent: *", "Disallow:"]
    if has_host(base_url):
        lines += ["", f"Sitemap: {absolute(base_url, '/sitemap.xml')}"]
    return "\n".join(lines) + "\n"


def publishing_files(site: Site, page_paths: Iterable[str], max_urls: int = SITEMAP_MAX_URLS) -> dict[str, str]:
    """Feeds, sitemap and robots.txt as {site path: text}, for the pages the build wrote."""
    base = site.config.base_url
    files = {"/robots.txt": robots_txt(base)}
    if not has_host(base):
        return files
    dates = page_dates(site)
    listed = [path for path in page_paths if path.endswith("/")]  # pages, not /404.html
    files.update(feed_files(site))
    files.update(sitemap_files(base, [(path, lastmod_for(dates, path)) for path in listed], max_urls))
    return files
