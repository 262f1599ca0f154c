"""What a paper page tells machines: Google Scholar (Highwire Press) meta tags, schema.org JSON-LD,
OpenGraph and Twitter card tags; plus the WebSite JSON-LD of the home page.

Scholar's inclusion guidelines decide the details: one `citation_author` per author, a
`citation_publication_date` of `YYYY/MM/DD` when the day is known and the year alone otherwise
(Scholar accepts no month-only form, and nothing may invent a day), and `citation_pdf_url` only
for a PDF in the same folder as the page, given as an absolute URL (Scholar ignores tags that
point elsewhere), so it needs a `base_url` with a host. Values are attribute-escaped by the
templates (Jinja2 autoescape); JSON-LD is escaped here so no value can close its `<script>`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from .citation import bibtex, original_fields, venue_kind
from .config import Config
from .mathml import title_html

__all__ = ["ScholarGlobals", "scholar_meta", "json_ld", "website_json_ld", "script_json", "facts"]

_PAGES = re.compile(r"^\s*([^\s–—-]+)\s*(?:-+|–|—)\s*([^\s–—-]+)\s*$")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_TABLE = str.maketrans(_JSON_ESCAPES)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps makes one per call


def script_json(value: Any) -> Markup:
    """JSON for a `<script type="application/ld+json">` element: `<`, `>` and `&` written as
    `\\u003c` etc., so a title holding `</script>` stays inside the string it belongs to."""
    text = _JSON.encode(value)
    if any(char in text for char in _JSON_ESCAPES):  # seldom: five scans cost less than a translation
        text = text.translate(_JSON_TABLE)
    return Markup(text)


def _attribute(text: str) -> str:
    """markupsafe.escape's text for an attribute value, without its cost for the usual value
    that holds nothing to escape (a page has some thirty)."""
    if type(text) is not str:
        return escape(text)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return escape(text)
    return text


class _Urls:
    def __init__(self, config: Config):
        self.base_url = config.base_url
        self.has_host = bool(urlsplit(config.base_url).netloc)
        self.prefix = config.base_path

    def absolute(self, path: str) -> str | None:
        """A full URL for a site path, when the base URL names a host."""
        return self.base_url.rstrip("/") + path if self.has_host else None

    def best(self, path: str) -> str:
        """The full URL when there is one, else the path under the base path."""
        return self.absolute(path) or self.prefix + path


def scholar_date(date: Any) -> str | None:
    """`2020/10/28` for a day; `2020` for a month or a year (Scholar knows no month-only form)."""
    if date is None:
        return None
    if date.day is not None:
        return f"{date.year:04d}/{date.month:02d}/{date.day:02d}"
    return f"{date.year:04d}"


def _bib_details(view: Any) -> tuple[str | None, dict[str, str]]:
    """(entry type, fields) from the paper's BibTeX entry, overlaid with front-matter keys."""
    original = original_fields(view.paper)
    entry_type, fields = (original[0], dict(original[1])) if original else (None, {})
    extra = view.paper.extra
    for name, keys in (("volume", ("volume",)), ("number", ("number", "issue")), ("pages", ("pages",)),
                       ("issn", ("issn",)), ("isbn", ("isbn",)), ("publisher", ("publisher",))):
        for key in keys:
            value = extra.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                fields[name] = str(value).strip()
                break
    if "number" not in fields and "issue" in fields:
        fields["number"] = fields["issue"]
    return entry_type, fields


def _pdf_beside(view: Any, urls: _Urls) -> str | None:
    """The PDF's absolute URL when it lives in the page's own folder (Scholar's rule), else None."""
    href = view.paper.links.get("pdf")
    page = urls.absolute(view.url)
    if not href or page is None:
        return None
    pdf, here = urlsplit(href), urlsplit(page)
    if (pdf.scheme, pdf.netloc) != (here.scheme, here.netloc) or pdf.query or not pdf.path.startswith(here.path):
        return None
    rest = pdf.path[len(here.path):]
    return href if rest and "/" not in rest and rest.lower().endswith(".pdf") else None


def scholar_meta(view: Any, urls: _Urls) -> list[tuple[str, str]]:
    """Highwire Press `citation_*` tags as (name, content), in Scholar's usual order."""
    tags: list[tuple[str, str]] = [("citation_title", view.title)]
    tags += [("citation_author", author.name) for author in view.authors]
    date = scholar_date(view.date)
    if date:
        tags.append(("citation_publication_date", date))
    entry_type, fields = _bib_details(view)
    kind = venue_kind(view.venue, entry_type)
    if view.venue and kind:
        tags.append(("citation_journal_title" if kind == "journal" else "citation_conference_title", view.venue))
    report = entry_type == "techreport"
    if fields.get("volume"):
        tags.append(("citation_volume", fields["volume"]))
    if fields.get("number") and not report:
        tags.append(("citation_issue", fields["number"]))
    pages = fields.get("pages", "")
    match = _PAGES.match(pages)
    if match:
        tags += [("citation_firstpage", match.group(1)), ("citation_lastpage", match.group(2))]
    elif pages.strip():
        tags.append(("citation_firstpage", pages.strip()))
    if entry_type in ("phdthesis", "mastersthesis", "thesis") and fields.get("school"):
        tags.append(("citation_dissertation_institution", fields["school"]))
    if report and fields.get("institution"):
        tags.append(("citation_technical_report_institution", fields["institution"]))
        if fields.get("number"):
            tags.append(("citation_technical_report_number", fields["number"]))
    for name in ("issn", "isbn", "publisher"):
        if fields.get(name):
            tags.append((f"citation_{name}", fields[name]))
    if view.doi:
        tags.append(("citation_doi", view.doi))
    if view.arxiv:
        tags.append(("citation_arxiv_id", view.arxiv))
    page = urls.absolute(view.url)
    if page:
        tags.append(("citation_abstract_html_url", page))
    pdf = _pdf_beside(view, urls)
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    if view.tags:
        tags.append(("citation_keywords", "; ".join(tag.name for tag in view.tags)))
    return tags


def open_graph(view: Any, urls: _Urls, site_title: str, description: str) -> list[tuple[str, str, str]]:
    """OpenGraph (`property=`) and Twitter card (`name=`) tags as (attribute, key, content)."""
    tags = [("property", "og:type", "article"), ("property", "og:title", view.title), ("property", "og:site_name", site_title)]
    if description:
        tags.append(("property", "og:description", description))
    page = urls.absolute(view.url)
    if page:
        tags.append(("property", "og:url", page))
    if view.date is not None:
        tags.append(("property", "article:published_time", str(view.date)))
    tags += [("property", "article:tag", tag.name) for tag in view.tags]
    tags += [("name", "twitter:card", "summary"), ("name", "twitter:title", view.title)]
    if description:
        tags.append(("name", "twitter:description", description))
    return tags


def json_ld(view: Any, urls: _Urls) -> dict:
    """A schema.org ScholarlyArticle; dates keep their precision (`2020`, `2020-10`, `2020-10-28`)."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "ScholarlyArticle", "name": view.title, "headline": view.title[:110]}
    data["url"] = urls.best(view.url)
    if view.authors:
        data["author"] = [{"@type": "Person", "name": author.name, "url": urls.best(author.url)} for author in view.authors]
    if view.date is not None:
        data["datePublished"] = str(view.date)
    abstract = view.abstract_text  # the whole abstract (and notes) as plain text, math as text
    if abstract:
        data["abstract"] = abstract
    keywords = [tag.name for tag in view.tags] + [k for k in view.paper.extra.get("keywords", []) or [] if isinstance(k, str)]
    if keywords:
        data["keywords"] = list(dict.fromkeys(keywords))
    identifiers, same_as = [], []
    if view.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": view.doi})
        same_as.append(f"https://doi.org/{view.doi}")
    if view.arxiv:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": view.arxiv})
        same_as.append(f"https://arxiv.org/abs/{view.arxiv}")
    if identifiers:
        data["identifier"] = identifiers
        data["sameAs"] = same_as
    if view.venue:
        kind = venue_kind(view.venue, _bib_details(view)[0])
        data["isPartOf"] = {"@type": "Periodical" if kind == "journal" else "CreativeWork", "name": view.venue}
    return data


def website_json_ld(config: Config, urls: _Urls, search_enabled: bool) -> dict:
    """A schema.org WebSite, with a SearchAction when the site has search."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "WebSite", "name": config.title, "url": urls.best("/")}
    if config.description:
        data["description"] = config.description
    if search_enabled:
        data["potentialAction"] = {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": urls.best("/search/") + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        }
    return data


@dataclass(frozen=True)
class Fact:
    """One line of the paper page's details: a label, a text (or Markup) and an optional link."""

    label: str
    text: Any
    href: str | None = None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def facts(view: Any) -> list[Fact]:
    """What the importers brought from Hugging Face and arXiv, for the sidebar; empty when none."""
    extra, links = view.paper.extra, view.paper.links
    hf_page = f"https://huggingface.co/papers/{view.arxiv}" if view.arxiv and extra.get("upvotes") is not None else None
    found: list[Fact] = []
    upvotes = _count(extra.get("upvotes"))
    if upvotes is not None:
        found.append(Fact("Upvotes", f"{upvotes:,}", hf_page))
    comments = _count(extra.get("num_comments", extra.get("comments_count")))
    if comments is not None:
        found.append(Fact("Comments", f"{comments:,}", hf_page))
    stars = _count(extra.get("github_stars"))
    if stars is not None:
        found.append(Fact("GitHub stars", f"{stars:,}", links.get("code")))
    if links.get("project"):
        found.append(Fact("Project page", urlsplit(links["project"]).netloc or links["project"], links["project"]))
    organization = extra.get("organization")
    if isinstance(organization, str) and organization.strip():
        found.append(Fact("Organization", organization))
    journal_ref = extra.get("journal_ref")
    if isinstance(journal_ref, str) and journal_ref.strip() and journal_ref != view.venue:
        found.append(Fact("Journal ref.", title_html(journal_ref)))
    comment = extra.get("comment")
    if isinstance(comment, str) and comment.strip():
        found.append(Fact("arXiv comment", title_html(comment)))
    report = extra.get("report_no")
    if isinstance(report, str) and report.strip():
        found.append(Fact("Report no.", report))
    version = _count(extra.get("arxiv_version"))
    if version and view.arxiv:
        found.append(Fact("arXiv version", f"v{version}", f"https://arxiv.org/abs/{view.arxiv}v{version}"))
    featured = extra.get("featured")
    if featured:
        found.append(Fact("Featured on", str(featured)))
    return found


class ScholarGlobals:
    """What templates see as `scholar`: the machine-readable parts of paper and home pages."""

    def __init__(self, config: Config):
        self.config = config
        self.urls = _Urls(config)

    def meta(self, paper: Any) -> list[tuple[str, str, str]]:
        """Every `<meta>` of a paper page as (attribute, key, content): Scholar, OpenGraph, Twitter."""
        description = paper.summary or self.config.description or ""
        tags = [("name", name, content) for name, content in scholar_meta(paper, self.urls)]
        return tags + open_graph(paper, self.urls, self.config.title, description)

    def meta_tags(self, paper: Any) -> Markup:
        """`meta(paper)` as HTML, one `<meta>` a line (written here: a template loop over some
        thirty tags costs a paper page more than anything else in its head)."""
        return Markup("\n".join([f'<meta {attribute}="{key}" content="{_attribute(content)}">'  # names are ours, plain
                                  for attribute, key, content in self.meta(paper)]))

    def json_ld(self, paper: Any) -> Markup:
        return script_json(json_ld(paper, self.urls))

    def website_json_ld(self, search_enabled: bool = False) -> Markup:
        return script_json(website_json_ld(self.config, self.urls, search_enabled))

    def bibtex(self, paper: Any) -> str:
        return bibtex(paper)

    def facts(self, paper: Any) -> list[Fact]:
        return facts(paper)
