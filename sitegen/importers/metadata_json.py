"""Metadata records (JSON): a list of objects with title, authors, arxiv_id, doi, date and so on.

Typical of what a metadata lookup or a scraper writes: rich identifiers, usually no abstract.
Each record is checked on its own; a bad one becomes a Problem at the line where its object
starts, and the others are still imported. A record's own `source` text (where the scraper found
it) is not kept: `Paper.source` names this file, the provenance sitegen can vouch for.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..content import URL_RE
from ..model import Paper, PaperDate, Problem, describe_value
from ..textfiles import read_utf8
from ..slugs import slugify
from .abstract import abstract_to_body, clean_title
from .base import Item, Record
from .identifiers import arxiv_month, normalise_arxiv, normalise_doi
from .json_records import UniqueKeyDecoder, list_elements, repeated_key_problems

NAME = "metadata-json"
DESCRIPTION = "Metadata records as a JSON list of objects (title, authors, arxiv_id, doi, date, …)"

_WHITESPACE = " \t\r\n"


def detect(path: Path, head: bytes) -> bool:
    """A JSON list of objects: `[` then `{` (or `]`), whatever the file is called."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(_WHITESPACE.encode())
    return text.startswith(b"[") and text[1:].lstrip(_WHITESPACE.encode())[:1] in (b"{", b"]")


def read(path: Path) -> Iterator[Item]:
    """Yield a Record per valid record and a Problem per invalid one, in file order (a record
    that names a key twice is invalid: which value is meant is unclear)."""
    where = str(path)
    text, problem = read_utf8(path)
    if text is None:
        yield problem
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        yield Problem(where, err.lineno, f"not valid JSON: {err.msg} (column {err.colno})")
        return
    if not isinstance(data, list):
        yield Problem(where, 1, "expected a JSON list of records ([{…}, {…}])")
        return
    source = {"format": NAME, "file": path.name}
    decoder = UniqueKeyDecoder()
    for line, offset, value in list_elements(text, decoder=decoder):  # valid JSON, known to be a list
        if decoder.repeated:
            yield from repeated_key_problems(where, text, offset, line, value)
            continue
        paper, errors = _paper(value, source)
        if paper is None:
            yield from (Problem(where, line, message) for message in errors)
        else:
            yield Record(paper, line)


def _paper(value: Any, source: dict[str, str]) -> tuple[Paper | None, list[str]]:
    if not isinstance(value, dict):
        return None, [f"expected a record (a JSON object), found {describe_value(value)}"]
    errors: list[str] = []

    def field(key: str, parse) -> Any:  # noqa: ANN001 - a parser below
        if value.get(key) is None:
            return None
        try:
            return parse(value[key])
        except ValueError as err:
            errors.append(f"{key}: {err}")
            return None

    title = field("title", _text)
    if not title:
        if not any(e.startswith("title:") for e in errors):
            errors.append("title: required, and missing")
    arxiv = field("arxiv_id", _arxiv) if value.get("arxiv_id") is not None else field("arxiv", _arxiv)
    date = field("date", _date)
    primary = field("primary_category", _text)
    categories = ([primary] if primary else []) + list(field("categories", _texts) or ())
    abstract = field("abstract", _text) if value.get("abstract") is not None else field("summary", _text)
    body, found_links = abstract_to_body(abstract) if abstract else ("", {})
    paper = Paper(
        title=clean_title(title or ""),
        date=date or (arxiv_month(arxiv) if arxiv else None),
        authors=tuple(" ".join(name.split()) for name in field("authors", _texts) or ()),
        arxiv=arxiv,
        doi=field("doi", _doi),
        tags=tuple(dict.fromkeys(field("tags", _tags) or ())),
        categories=tuple(dict.fromkeys(categories)),
        links={**found_links, **(field("links", _links) or {})},
        venue=field("venue", _text),
        source=source,
        body=body,
    )
    return (None, errors) if errors else (paper, [])


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {describe_value(value)}")
    return value.strip()


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of text, found {describe_value(value)}")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError("every entry must be non-empty text")
    return [item.strip() for item in value]


def _arxiv(value: Any) -> str:
    arxiv = normalise_arxiv(_text(value))
    if arxiv is None:
        raise ValueError(f"'{value}' is not an arXiv id such as 2010.14701")
    return arxiv


def _doi(value: Any) -> str:
    doi = normalise_doi(_text(value))
    if doi is None:
        raise ValueError(f"'{value}' is not a DOI such as 10.1145/3292500.3330701")
    return doi


def _date(value: Any) -> PaperDate:
    if isinstance(value, int) and not isinstance(value, bool):
        return PaperDate(value)
    return PaperDate.parse(_text(value))


def _tags(value: Any) -> list[str]:
    tags = [slugify(tag) for tag in _texts(value)]
    if not all(tags):
        raise ValueError("every tag needs a letter or digit")
    return tags


def _links(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object of name: URL, found {describe_value(value)}")
    for name, url in value.items():
        if not isinstance(url, str) or not URL_RE.match(url):
            raise ValueError(f"link '{name}' must be an http(s) URL")
    return dict(value)
