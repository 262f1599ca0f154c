"""arXiv API responses: the Atom feeds `export.arxiv.org/api/query` returns, old and current layout.

Both layouts carry the same elements in the Atom and arXiv namespaces (the old one declares the
arXiv namespace on each element, writes DOIs as `<link title="doi">` besides `<arxiv:doi>` and
hard-wraps titles and summaries), so one namespace-aware reading serves both. The API reports a
bad query as a feed with one entry titled `Error`: that is a Problem, never a paper. Parsing uses
the standard library; a document with a DOCTYPE or entity declarations is refused unparsed, since
the API never sends one and entity expansion is how XML bombs work.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

from ..model import Paper, Problem
from ..textfiles import read_utf8
from .abstract import abstract_to_body, clean_title
from .base import Filters, Item, Notice, Record
from .dates import front_matter_value, timestamp_day
from .identifiers import find_doi, normalise_arxiv

NAME = "arxiv-atom"
DESCRIPTION = "arXiv API response (Atom feed from export.arxiv.org/api/query), old or current layout"
FILTERS = True

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_FORBIDDEN = re.compile(r"<!(?:DOCTYPE|ENTITY)")
_ENTRY_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?entry[\s/>]")
_ABS_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/abs/")
_VERSION = re.compile(r"v(\d+)$")


def detect(path: Path, head: bytes) -> bool:
    """An Atom feed that names arXiv in its first bytes (its namespace or its query links)."""
    return b"<feed" in head and b"http://www.w3.org/2005/Atom" in head and b"arxiv" in head.lower()


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None else ""


def read(path: Path, filters: Filters = Filters()) -> Iterator[Item]:
    """Yield a Record per entry, a Problem per unusable entry or document, Notices for empty feeds."""
    where = str(path)
    text, problem = read_utf8(path)
    if text is None:
        yield problem
        return
    forbidden = _FORBIDDEN.search(text)
    if forbidden:
        message = "refused: DOCTYPE and entity declarations are not allowed (an arXiv response has none)"
        yield Problem(where, _line_of(text, forbidden.start()), message)
        return
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        reason = str(err).split(": line ")[0]
        yield Problem(where, err.position[0], f"not valid XML: {reason} (column {err.position[1] + 1})")
        return
    if root.tag != _ATOM + "feed":
        yield Problem(where, 1, "not an Atom feed (the document does not start with <feed>)")
        return
    entries = root.findall(_ATOM + "entry")
    starts = [_line_of(text, m.start()) for m in _ENTRY_TAG.finditer(text)]
    lines: list[int | None] = starts if len(starts) == len(entries) else [None] * len(entries)
    for entry, line in zip(entries, lines):
        if "/api/errors" in _text(entry, _ATOM + "id") or (len(entries) == 1 and _text(entry, _ATOM + "title") == "Error"):
            reason = _text(entry, _ATOM + "summary") or "no reason given"
            yield Problem(where, line, f"the arXiv API answered with an error, not with papers: {reason}")
            return
    if not entries:
        yield Notice(where, None, "the feed has no entries: nothing to import")
        return
    source = {"format": NAME, "file": path.name}
    skipped = 0
    for entry, line in zip(entries, lines):
        paper, reason = _paper(entry, source)
        if paper is None:
            yield Problem(where, line, reason)
        elif filters.accepts(paper):
            yield Record(paper, line)
        else:
            skipped += 1
    if skipped:
        yield Notice(where, None, f"{skipped} of {len(entries)} entries skipped by --category/--since")


def _paper(entry: ET.Element, source: dict[str, str]) -> tuple[Paper | None, str]:
    entry_id = _text(entry, _ATOM + "id")
    plain_id = _ABS_URL.sub("", entry_id)
    arxiv = normalise_arxiv(plain_id)
    if arxiv is None:
        return None, f"the entry's id '{entry_id}' is not an arXiv abstract URL"
    title = clean_title((entry.findtext(_ATOM + "title") or ""))
    if not title:
        return None, f"arXiv {arxiv}: the entry has no title"
    authors: list[str] = []
    affiliations: dict[str, list[str]] = {}
    for author in entry.findall(_ATOM + "author"):
        name = _text(author, _ATOM + "name")
        if not name:
            continue
        authors.append(name)
        places = [" ".join((a.text or "").split()) for a in author.findall(_ARXIV + "affiliation")]
        if any(places):
            affiliations[name] = [place for place in places if place]
    published = timestamp_day(entry.findtext(_ATOM + "published"))
    updated = timestamp_day(entry.findtext(_ATOM + "updated"))
    links: dict[str, str] = {}
    doi = find_doi(_text(entry, _ARXIV + "doi").split(" ")[0])
    for link in entry.findall(_ATOM + "link"):
        if link.get("title") == "pdf" and link.get("href"):
            links["pdf"] = link.get("href", "")
        elif link.get("title") == "doi" and doi is None:
            doi = find_doi(link.get("href"))
    primary = entry.find(_ARXIV + "primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall(_ATOM + "category")]
    body, found_links = abstract_to_body(entry.findtext(_ATOM + "summary") or "")
    extra: dict = {}
    version = _VERSION.search(plain_id)
    if version:
        extra["arxiv_version"] = int(version.group(1))
    if updated is not None and published is not None and updated != published:
        extra["updated"] = front_matter_value(updated)
    if affiliations:
        extra["affiliations"] = affiliations
    comment = clean_title(entry.findtext(_ARXIV + "comment") or "")
    if comment:
        extra["comment"] = comment
    paper = Paper(
        title=title,
        date=published,
        authors=tuple(authors),
        arxiv=arxiv,
        doi=doi,
        categories=tuple(dict.fromkeys(c for c in categories if c)),
        links={**found_links, **links},
        venue=clean_title(entry.findtext(_ARXIV + "journal_ref") or "") or None,
        source=source,
        extra=extra,
        body=body,
    )
    return paper, ""
