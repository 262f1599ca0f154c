"""Zotero's CSV export: one row per item, 87 quoted columns, UTF-8 with a byte-order mark.

Authors are `Last, First; Last, First`. arXiv preprints are often filed as journal articles with
`Publication Title` = `arXiv:2003.07441 [cs]`: that is an arXiv id, not a venue (NASA ADS rows say
`ArXiv e-prints` and put the id in `Pages` or in the bibcode of `Url`). `Abstract Note` can be
`Not Available` (empty) and carry HTML entities (`&nbsp;`). `Notes` is HTML written by the user:
it is never the abstract; its text is kept as `notes`. DOIs lose stray punctuation (`10.1/x;`).
Problems point at the line where the CSV record starts (a record can span several lines).
"""
from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path
from typing import Iterator

from ..content import URL_RE
from ..model import Paper, Problem
from ..slugs import normalise_author
from ..textfiles import read_utf8
from .abstract import abstract_to_body, clean_title
from .base import Item, Record
from .dates import loose_date
from .identifiers import find_arxiv, find_doi, is_arxiv_venue

NAME = "zotero-csv"
DESCRIPTION = "Zotero CSV export (File > Export Library… > CSV)"

_REQUIRED = ("Item Type", "Title", "Author")
_NO_ABSTRACT = {"not available", "no abstract available", "n/a", "none"}
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|div|li|h\d)>|<br\s*/?>", re.IGNORECASE)


def detect(path: Path, head: bytes) -> bool:
    """A CSV file whose header row names Zotero's columns (`Key`, `Item Type`, `Title`, `Author`)."""
    first_line = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", errors="replace")
    try:
        header = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return False
    return "Key" in header and all(column in header for column in _REQUIRED)


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line the record starts on, row) for every data row."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # Notes can hold whole annotated pages
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            yield start, dict(zip(header, row))
        start = reader.line_num + 1


def read(path: Path) -> Iterator[Item]:
    """Yield a Record per row and a Problem per row that is not a usable paper."""
    where = str(path)
    text, problem = read_utf8(path)
    if text is None:
        yield problem
        return
    source = {"format": NAME, "file": path.name}
    try:
        for line, row in _rows(text):
            paper, reason = _paper(row, source)
            yield Record(paper, line) if paper is not None else Problem(where, line, reason)
    except csv.Error as err:
        yield Problem(where, None, f"not valid CSV: {err}")


def _plain_html(text: str) -> str:
    """HTML -> text: tags dropped (block ends become line breaks), entities decoded."""
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _paper(row: dict[str, str], source: dict) -> tuple[Paper | None, str]:
    get = lambda column: (row.get(column) or "").strip()  # noqa: E731 - a short accessor
    title = clean_title(get("Title"))
    if not title:
        return None, f"{get('Item Type') or 'item'} {get('Key')}: no title"
    publication = get("Publication Title")
    arxiv = None
    for column in ("Publication Title", "Extra", "Url", "Pages", "Archive ID", "Report Number"):
        arxiv = find_arxiv(get(column))
        if arxiv:
            break
    doi = find_doi(get("DOI")) or find_doi(get("Url"))
    if doi is None:
        match = re.search(r"^DOI:\s*(\S+)", get("Extra"), re.IGNORECASE | re.MULTILINE)
        doi = find_doi(match.group(1)) if match else None
    abstract = html.unescape(get("Abstract Note")).replace("\xa0", " ")
    if abstract.casefold().rstrip(".") in _NO_ABSTRACT:
        abstract = ""
    body, found = abstract_to_body(abstract) if abstract else ("", {})
    links = dict(found)
    url = get("Url")
    if url and URL_RE.match(url) and not find_arxiv(url) and find_doi(url) is None:
        links["web"] = url
    venue = next(
        (v for v in (publication, get("Conference Name"), get("Proceedings Title")) if v and not is_arxiv_venue(v)),
        None,
    )
    extra: dict = {}
    editors = [normalise_author(name) for name in _split(get("Editor"))]
    if editors:
        extra["editors"] = editors
    keywords = _split(get("Manual Tags")) + _split(get("Automatic Tags"))
    if keywords:
        extra["keywords"] = list(dict.fromkeys(keywords))
    notes = _plain_html(get("Notes"))
    if notes:
        extra["notes"] = notes
    paper = Paper(
        title=title,
        date=loose_date(get("Date")) or loose_date(get("Publication Year")),
        authors=tuple(normalise_author(name) for name in _split(get("Author"))),
        arxiv=arxiv,
        doi=doi,
        links=links,
        venue=clean_title(venue) if venue else None,
        source=source,
        extra=extra,
        body=body,
    )
    return paper, ""
