"""Hugging Face Daily Papers, copied from the web page as plain text.

The page copies as a few lines of chrome ("Daily Papers", "Subscribe", …), then per paper a
one-line title, a blank line and the abstract. The listing carries no dates, authors or ids:
`Paper.date` stays None and the import step takes `--date` (or a later source supplies them).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..model import Paper, Problem
from ..textfiles import read_utf8
from .abstract import abstract_to_body, clean_title
from .base import Item, Record

NAME = "hf-listing"
DESCRIPTION = "Hugging Face Daily Papers listing copied as plain text (title, blank line, abstract)"

# Page chrome that precedes the first title, compared case-insensitively.
_CHROME = frozenset(
    line.casefold()
    for line in (
        "New",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "by AK and the research community",
    )
)
_NOT_TEXT_STARTS = ("[", "{", "<", "@", "%")


def _decode_head(head: bytes) -> str | None:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start >= len(head) - 3:  # the head cut a character in two
            return head[: err.start].decode("utf-8", errors="strict")
        return None


def detect(path: Path, head: bytes) -> bool:
    """Text that shows the page chrome, or a .txt file shaped like title / blank / paragraph."""
    text = _decode_head(head)
    if text is None or "\0" in text or text.lstrip("\ufeff \t\r\n").startswith(_NOT_TEXT_STARTS):
        return False
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    if any(line.casefold() == "daily papers" for line in lines[:10]):
        return True
    if path.suffix.lower() not in (".txt", ""):
        return False
    body = _skip_chrome(lines)
    return len(body) >= 3 and bool(body[0]) and not body[1] and bool(body[2])


def _skip_chrome(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].strip().casefold() in _CHROME):
        start += 1
    return lines[start:]


def _blocks(lines: list[str], first: int) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-blank lines as (1-based line number of the run, its stripped lines)."""
    run: list[str] = []
    start = 0
    for number, line in enumerate(lines[first:], start=first + 1):
        if line.strip():
            if not run:
                start = number
            run.append(line.strip())
        elif run:
            yield start, run
            run = []
    if run:
        yield start, run


def read(path: Path) -> Iterator[Item]:
    """Yield a Record per paper, located at its title line, and a Problem per malformed entry."""
    where = str(path)
    text, problem = read_utf8(path)
    if text is None:
        yield problem
        return
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = len(lines) - len(_skip_chrome(lines))
    blocks = list(_blocks(lines, first))
    source = {"format": NAME, "file": path.name}
    for index in range(0, len(blocks), 2):
        line, title_lines = blocks[index]
        if index + 1 == len(blocks):
            message = "a title without an abstract (expected a blank line, then the abstract)"
            yield Problem(where, line, message)
            break
        if len(title_lines) > 1:
            message = f"expected a one-line title followed by a blank line, found {len(title_lines)} lines"
            yield Problem(where, line, message)
            continue
        body, links = abstract_to_body(" ".join(blocks[index + 1][1]))
        paper = Paper(title=clean_title(title_lines[0]), body=body, links=links, source=source)
        yield Record(paper, line)
