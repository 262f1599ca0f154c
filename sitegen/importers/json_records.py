"""The elements of a JSON list together with the line each starts on, for `file:line` problems."""
from __future__ import annotations

import json
from typing import Any, Iterator

__all__ = ["list_elements"]

_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


def list_elements(text: str, start: int | None = None, line: int = 1) -> Iterator[tuple[int, int, Any]]:
    """(line, offset, value) for each element of the list that opens at `text[start]`.

    `start` defaults to the first non-blank character; `line` is the line `start` is on (counted
    from the top of the text when `start` is None). Malformed JSON raises json.JSONDecodeError.
    """
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
            return
        value, end = _DECODER.raw_decode(text, index)
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
