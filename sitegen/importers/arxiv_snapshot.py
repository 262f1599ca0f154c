"""The arXiv metadata snapshot (Kaggle / Cornell): one JSON object per line, millions of lines.

The file is several gigabytes, so it is read line by line and nothing is kept between lines:
memory stays constant however large it is. `--category` and `--since` are checked on the raw
record before any conversion, so skipping most of the file is cheap. `authors` is a LaTeX string
(`Bal\\'azs`) while `authors_parsed` is Unicode split into last, first and suffix: the latter is
used. The date is the day of the first version (`versions[0].created`, RFC 2822); `update_date`
is kept as `updated`. Every text field goes through the LaTeX-to-Unicode conversion.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..model import Paper, Problem, describe_value
from .abstract import abstract_to_body, clean_title
from .base import Filters, Item, Notice, Record
from .dates import front_matter_value, loose_date, rfc2822_day
from .identifiers import find_doi, normalise_arxiv
from .json_records import UniqueKeyDecoder, repeated_key_problems

NAME = "arxiv-snapshot"
DESCRIPTION = "arXiv metadata snapshot (Kaggle / Cornell JSON lines, one paper per line)"
FILTERS = True

_FIRST_KEY = re.compile(rb'^\s*\{\s*"id"\s*:')
_SNAPSHOT_KEYS = (b'"submitter"', b'"authors_parsed"', b'"versions"')
_AUTHOR_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def detect(path: Path, head: bytes) -> bool:
    """A first line holding a JSON object with the snapshot's keys (`id`, `submitter`, `versions`, …)."""
    first_line = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    return bool(_FIRST_KEY.match(first_line)) and any(key in first_line for key in _SNAPSHOT_KEYS)


def read(path: Path, filters: Filters = Filters()) -> Iterator[Item]:
    """Yield a Record per line (located at it), a Problem per unusable line; one line in memory."""
    where = str(path)
    source = {"format": NAME, "file": path.name}
    seen = skipped = 0
    decoder = UniqueKeyDecoder()
    try:
        handle = open(path, "rb")
    except OSError as err:
        yield Problem(where, None, f"cannot read: {err.strerror}")
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            raw = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            seen += 1
            try:
                line = raw.decode("utf-8")
                value = decoder.decode(line)
            except UnicodeDecodeError as err:
                yield Problem(where, number, f"not UTF-8 text (byte {err.start} of the line)")
                continue
            except json.JSONDecodeError as err:
                yield Problem(where, number, f"not valid JSON: {err.msg} (column {err.colno})")
                continue
            if not isinstance(value, dict):
                yield Problem(where, number, f"expected a JSON object, found {describe_value(value)}")
                continue
            if decoder.repeated:  # which value is meant is unclear: a problem, before any filter
                yield from repeated_key_problems(where, line, len(line) - len(line.lstrip()), number, value)
                continue
            categories = _text(value.get("categories")).split()
            date = _first_version_day(value)
            if not (filters.accepts_categories(categories) and filters.accepts_date(date)):
                skipped += 1
                continue
            paper, reason = _paper(value, categories, date, source)
            yield Record(paper, number) if paper is not None else Problem(where, number, reason)
    if skipped:
        yield Notice(where, None, f"{skipped} of {seen} records skipped by --category/--since")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _first_version_day(value: dict):
    versions = value.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        return rfc2822_day(_text(versions[0].get("created")))
    return None


def _authors(value: dict) -> list[str]:
    parsed = value.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list):
                last, first, suffix = ([_text(p) for p in parts] + ["", "", ""])[:3]
                name = clean_title(" ".join(part for part in (first, last, suffix) if part.strip()))
                if name:
                    names.append(name)
        return names
    text = clean_title(_text(value.get("authors")))
    return [name.strip() for name in _AUTHOR_SPLIT.split(text) if name.strip()]


def _paper(value: dict, categories: list[str], date, source: dict) -> tuple[Paper | None, str]:
    arxiv = normalise_arxiv(_text(value.get("id")))
    if arxiv is None:
        return None, f"id: {describe_value(value.get('id'))} is not an arXiv id"
    title = clean_title(_text(value.get("title")))
    if not title:
        return None, f"arXiv {arxiv}: no title"
    extra: dict[str, Any] = {}
    versions = value.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[-1], dict):
        version = _text(versions[-1].get("version"))
        if version[1:].isdigit():
            extra["arxiv_version"] = int(version[1:])
    updated = loose_date(_text(value.get("update_date")))
    if updated is not None and updated != date:
        extra["updated"] = front_matter_value(updated)
    for key, name in (("comments", "comment"), ("report-no", "report_no"), ("license", "license")):
        text = clean_title(_text(value.get(key)))
        if text:
            extra[name] = text
    body, links = abstract_to_body(_text(value.get("abstract")))
    paper = Paper(
        title=title,
        date=date,
        authors=tuple(_authors(value)),
        arxiv=arxiv,
        doi=find_doi(_text(value.get("doi")).split(" ")[0]),
        categories=tuple(dict.fromkeys(categories)),
        links=links,
        venue=clean_title(_text(value.get("journal-ref"))) or None,
        source=source,
        extra=extra,
        body=body,
    )
    return paper, ""
