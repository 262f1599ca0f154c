"""The elements of a JSON list together with the line each starts on, for `file:line` problems;
and a decoder that notices an object naming a key twice, which `json` silently resolves to the
last value (so a record would lose a field, or gain one, without anyone being told)."""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ..model import Problem
from .identifiers import normalise_arxiv

__all__ = ["UniqueKeyDecoder", "list_elements", "repeated_keys", "repeated_key_problems"]

_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()
# A JSON string, a bracket, or a brace: enough to walk a document already known to be valid.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]', re.S)
_COLON = re.compile(r"[ \t\r\n]*:")
_LABEL_KEYS = ("arxiv_id", "arxiv", "id")  # how metadata JSON, the snapshot and HF papers name a paper


class UniqueKeyDecoder(json.JSONDecoder):
    """json's decoder (its C scanner), recording in `repeated` whether the last value decoded held
    an object that names a key twice. The value is decoded as json would (the last one wins), so
    a caller can go on to the next record and report this one.

    Only a flag, no positions: the hook sees an object's pairs but not where they are, and
    finding them costs a walk of the text that only a record known to repeat a key pays for
    (see repeated_keys). The common path adds one dict and one length comparison per object.
    """

    def __init__(self) -> None:
        self.repeated = False
        super().__init__(object_pairs_hook=self._object)

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(pairs)
        if len(mapping) != len(pairs):
            self.repeated = True
        return mapping

    def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]:
        self.repeated = False
        return super().raw_decode(s, idx)


def list_elements(text: str, start: int | None = None, line: int = 1,
                  decoder: json.JSONDecoder = _DECODER) -> Iterator[tuple[int, int, Any]]:
    """(line, offset, value) for each element of the list that opens at `text[start]`.

    `start` defaults to the first non-blank character; `line` is the line `start` is on (counted
    from the top of the text when `start` is None; the list is then the whole text, and anything
    but blanks after it is an error, as json.loads says). Malformed JSON raises
    json.JSONDecodeError. With a UniqueKeyDecoder, its `repeated` tells about the element just
    yielded.
    """
    whole = start is None
    if start is None:
        start = len(text) - len(text.lstrip(_WHITESPACE))
        line = 1 + text.count("\n", 0, start)
    if text[start : start + 1] != "[":
        raise json.JSONDecodeError("expected '['", text, start)
    index, counted = start + 1, start
    while True:
        while index < len(text) and text[index] in _WHITESPACE:
            index += 1
        if text[index : index + 1] == "]":
            if whole:
                _nothing_after(text, index + 1)
            return
        value, end = decoder.raw_decode(text, index)
        line += text.count("\n", counted, index)
        counted = index
        yield line, index, value
        index = end
        while index < len(text) and text[index] in _WHITESPACE:
            index += 1
        if text[index : index + 1] == ",":
            index += 1
        elif text[index : index + 1] != "]":
            raise json.JSONDecodeError("expected ',' or ']'", text, index)


def _nothing_after(text: str, end: int) -> None:
    """A list that is the whole text ends the text: what follows it (a second list pasted in, a
    stray character) is an error, not silently left out."""
    extra = len(text) - len(text[end:].lstrip(_WHITESPACE))
    if extra < len(text):
        raise json.JSONDecodeError("Extra data", text, extra)


def repeated_keys(text: str, offset: int) -> list[tuple[int, str, int]]:
    """(offset of the repeat, key, offset where the key first appeared) for every key named twice
    in one object of the valid JSON value starting at `text[offset]`, in text order. Objects are
    told apart: `name` in two authors is no repeat."""
    found: list[tuple[int, str, int]] = []
    open_objects: list[dict[str, int] | None] = []  # None for a list
    for match in _TOKEN.finditer(text, offset):
        token = match.group()
        if token == "{":
            open_objects.append({})
        elif token == "[":
            open_objects.append(None)
        elif token in "}]":
            open_objects.pop()
            if not open_objects:
                break
        elif open_objects and open_objects[-1] is not None and _COLON.match(text, match.end()):
            key = json.loads(token)
            first = open_objects[-1].setdefault(key, match.start())
            if first != match.start():
                found.append((match.start(), key, first))
        elif not open_objects:  # a string on its own: no object to repeat a key in
            break
    return found


def repeated_key_problems(where: str, text: str, offset: int, line: int, value: Any) -> list[Problem]:
    """One Problem per repeated key in the value at `text[offset]`, which starts on `line`: at the
    line of the repeat, naming the first one's place and the record (its arXiv id or title)."""
    problems = []
    for repeat, key, first in repeated_keys(text, offset):
        repeat_line = line + text.count("\n", offset, repeat)
        first_line = line + text.count("\n", offset, first)
        if first_line != repeat_line:
            place = f"first on line {first_line}"
        else:
            place = f"first at column {_column(text, first)}, again at column {_column(text, repeat)}"
        record = [f"starting on line {line}"] if line != repeat_line else []
        label = _label(value, key)
        if label:
            record.append(f"({label})")
        message = f'duplicate key "{key}" ({place})' + (" in the record " + " ".join(record) if record else "")
        problems.append(Problem(where, repeat_line, message))
    if not problems:  # the decoder saw a repeat the walk cannot place: still never drop it silently
        label = _label(value, "")
        problems.append(Problem(where, line, "duplicate key in this record" + (f" ({label})" if label else "")))
    return problems


def _column(text: str, offset: int) -> int:
    return offset - (text.rfind("\n", 0, offset) + 1) + 1


def _label(value: Any, repeated: str) -> str:
    """How a person finds the record: its arXiv id, else its title; never the repeated key's value,
    which is the one in doubt."""
    if not isinstance(value, dict):
        return ""
    paper = value.get("paper")
    for holder in (value, paper if isinstance(paper, dict) else {}):
        for key in _LABEL_KEYS:
            arxiv = normalise_arxiv(holder[key]) if key != repeated and isinstance(holder.get(key), str) else None
            if arxiv:
                return f"arXiv {arxiv}"
    title = value.get("title")
    if repeated != "title" and isinstance(title, str) and title.strip():
        title = " ".join(title.split())
        return repr(title if len(title) <= 60 else title[:57] + "...")
    return ""
