"""Hugging Face daily papers API responses (`/api/daily_papers?date=…`): a JSON file per day.

Each element is `{"paper": {…}, "title": …, …}`. The schema drifts over the years (`mediaUrl`
becomes `mediaUrls`; `ai_summary`, `ai_keywords`, `githubRepo`, `organization` appear), so every
field is optional here and unknown ones are ignored. The top-level `title` is the cleaned title
with TeX math (`$μ$LO`), so it wins over the hard-wrapped `paper.title`. Hidden authors are kept:
`hidden` hides the link to a Hugging Face account, while the name is the paper's own byline.
The day a paper was featured is `paper.submittedOnDailyAt`, else the day in the file's name
(`2024-06-03.json`); it is kept as `featured`, beside `date`, the day arXiv published the paper.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..content import URL_RE
from ..model import Paper, PaperDate, Problem, describe_value
from ..textfiles import read_utf8
from .abstract import abstract_to_body, clean_title
from .base import Item, Record
from .dates import front_matter_value, timestamp_day
from .identifiers import normalise_arxiv
from .json_records import UniqueKeyDecoder, list_elements, repeated_key_problems

NAME = "hf-daily-api"
DESCRIPTION = "Hugging Face daily papers API response (JSON, one file per day or a list of them)"

_SIGNATURE = re.compile(rb'^\s*(?:\[\s*)*\{\s*"paper"\s*:')
_PAPER_KEY = re.compile(rb'"paper"\s*:\s*\{')


def detect(path: Path, head: bytes) -> bool:
    """JSON whose objects hold a `"paper": {…}` (the API writes that key first; others may sort it)."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    return bool(_SIGNATURE.match(head)) or (head.lstrip()[:1] in (b"[", b"{") and bool(_PAPER_KEY.search(head)))


def _elements(text: str, decoder: UniqueKeyDecoder) -> Iterator[tuple[int, int, Any, bool]]:
    """(line, offset, element, whether it repeats a key) for a list of items, a list of such
    lists (several days), or one item."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        offset = len(text) - len(stripped)
        value = decoder.decode(text)
        yield 1 + text.count("\n", 0, offset), offset, value, decoder.repeated
        return
    for line, offset, value in list_elements(text, decoder=decoder):
        if isinstance(value, list):
            for inner_line, inner_offset, inner in list_elements(text, offset, line, decoder):
                yield inner_line, inner_offset, inner, decoder.repeated
        else:
            yield line, offset, value, decoder.repeated


def read(path: Path) -> Iterator[Item]:
    """Yield a Record per paper; an invalid file is one Problem and yields no papers at all. A
    paper that names a key twice is a Problem per repeat (which value is meant is unclear)."""
    where = str(path)
    text, problem = read_utf8(path)
    if text is None:
        yield problem
        return
    try:
        elements = list(_elements(text, UniqueKeyDecoder()))
    except json.JSONDecodeError as err:
        yield Problem(where, err.lineno, f"not valid JSON: {err.msg} (column {err.colno})")
        return
    featured_by_name = timestamp_day(path.stem)
    source = {"format": NAME, "file": path.name}
    for line, offset, element, repeated in elements:
        if repeated:
            yield from repeated_key_problems(where, text, offset, line, element)
            continue
        paper, reason = _paper(element, featured_by_name, source)
        yield Record(paper, line) if paper is not None else Problem(where, line, reason)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and URL_RE.match(value) else None


def _organization(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("fullname") or value.get("name")
    return " ".join(_text(value).split())


def _paper(item: Any, featured: PaperDate | None, source: dict) -> tuple[Paper | None, str]:
    if not isinstance(item, dict):
        return None, f"expected a paper (a JSON object), found {describe_value(item)}"
    paper = item.get("paper", item)
    if not isinstance(paper, dict):
        return None, f"paper: expected a JSON object, found {describe_value(paper)}"
    arxiv = normalise_arxiv(_text(paper.get("id")))
    title = clean_title(_text(item.get("title")) or _text(paper.get("title")))
    if not title:
        return None, "no title (neither 'title' nor 'paper.title')"
    authors = paper.get("authors") if isinstance(paper.get("authors"), list) else []
    names = [" ".join(_text(a.get("name")).split()) for a in authors if isinstance(a, dict)]
    body, found_links = abstract_to_body(_text(paper.get("summary")) or _text(item.get("summary")))
    links = dict(found_links)
    for key, name in (("githubRepo", "code"), ("projectPage", "project")):
        url = _url(paper.get(key)) or _url(item.get(key))
        if url:
            links[name] = url
    extra: dict[str, Any] = {}
    featured = timestamp_day(_text(paper.get("submittedOnDailyAt"))) or featured
    if featured is not None:
        extra["featured"] = front_matter_value(featured)
    for source_key, key in (("upvotes", "upvotes"), ("numComments", "num_comments")):
        count = paper.get(source_key, item.get(source_key))
        if isinstance(count, int) and not isinstance(count, bool):
            extra[key] = count
    keywords = paper.get("ai_keywords")
    if isinstance(keywords, list):
        kept = [" ".join(k.split()) for k in keywords if isinstance(k, str) and k.strip()]
        if kept:
            extra["ai_keywords"] = list(dict.fromkeys(kept))
    summary = " ".join(_text(paper.get("ai_summary")).split())
    if summary:
        extra["ai_summary"] = summary
    stars = paper.get("githubStars")
    if isinstance(stars, int) and not isinstance(stars, bool):
        extra["github_stars"] = stars
    organization = _organization(item.get("organization") or paper.get("organization"))
    if organization:
        extra["organization"] = organization
    result = Paper(
        title=title,
        date=timestamp_day(_text(paper.get("publishedAt"))),
        authors=tuple(name for name in names if name),
        arxiv=arxiv,
        links=links,
        source=source,
        extra=extra,
        body=body,
    )
    return result, ""
