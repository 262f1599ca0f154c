"""Pull the code and project URLs out of an abstract into `links`, leaving a readable sentence.

A paper page shows its links as buttons, so "The code is available at https://github.com/a/b"
would say the same thing twice, with a raw URL in the middle of the prose. The first GitHub URL
becomes `links.code`, the first other URL `links.project`; the clause pointing at it is rewritten:

- "available at URL" -> "available on GitHub" (or "on the project page"): a preposition
  (at, in, on, from, via, under) and an optional colon before the URL are replaced;
- "(URL)" -> removed together with its parentheses;
- "at this repository: URL" or "our repository URL" -> the URL (and its colon) is dropped;
- "Code: URL." -> a sentence that is only a short label for the URL is dropped whole.

Any further URLs stay in the text as written, so nothing the authors wrote is lost.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..content import URL_RE

__all__ = ["extract_links"]

_URL = re.compile(r"https?://[^\s<>\"'`]+")
_TRAILING = ".,;:!?"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_PREPOSITION_BEFORE = re.compile(r"(?<=\s)(?:at|in|on|from|via|under)\s*:?\s*$", re.IGNORECASE)
_COLON_BEFORE = re.compile(r"\s*:?\s*$")
_OPEN_PAREN_BEFORE = re.compile(r"\s*\(\s*$")
_CLOSE_PAREN_AFTER = re.compile(r"^\s*\)")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"^\s+(?=[.,;:!?])")
_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_LABEL_WORDS = 3


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets the URL regex swallowed."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        else:
            break
    return url


def _kind(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return "code" if host in ("github.com", "www.github.com") else "project"


def _sentence_start(text: str) -> int:
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    return ends[-1] if ends else 0


def _rewrite(text: str, start: int, end: int, kind: str) -> str:
    """Replace the URL at text[start:end] and the words that point at it."""
    before, after = text[:start], text[end:]
    paren_open, paren_close = _OPEN_PAREN_BEFORE.search(before), _CLOSE_PAREN_AFTER.match(after)
    if paren_open and paren_close:
        before, after, phrase = before[: paren_open.start()], after[paren_close.end() :], ""
    else:
        preposition = _PREPOSITION_BEFORE.search(before)
        if preposition:
            before = before[: preposition.start()]
            phrase = "on GitHub" if kind == "code" else "on the project page"
        else:
            before = before[: _COLON_BEFORE.search(before).start()]
            phrase = ""
            label_start = _sentence_start(before)
            if len(before[label_start:].split()) <= _LABEL_WORDS and re.match(r"\s*(?:[.!?]|$)", after):
                # "Code: URL." says nothing once the URL is gone: drop the whole sentence.
                before, after = before[:label_start].rstrip(), re.sub(r"^\s*[.!?]?", "", after)
    after = _SPACE_BEFORE_PUNCTUATION.sub("", after)
    result = before + phrase
    if after.strip():
        return result + after
    # The URL ended the abstract: end the rewritten sentence properly.
    result = result.rstrip()
    return result if result.endswith((".", "!", "?")) else result + "."


def extract_links(text: str) -> tuple[str, dict[str, str]]:
    """Return the text with its first code URL and first project URL written out, and the links."""
    found: dict[str, tuple[int, int, str]] = {}
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if not URL_RE.match(url):
            continue
        kind = _kind(url)
        if kind not in found:
            found[kind] = (match.start(), match.start() + len(url), url)
    for kind, (start, end, _) in sorted(found.items(), key=lambda item: -item[1][0]):
        text = _rewrite(text, start, end, kind)
    links = {kind: url for kind, (_, _, url) in sorted(found.items())}
    return text, links
