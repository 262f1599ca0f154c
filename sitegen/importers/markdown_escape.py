"""Text -> Markdown that renders as exactly that text: imported abstracts are text, not markup.

The target is markdown-it-py in CommonMark mode with the dollarmath plugin: `$…$` math spans are
copied untouched (the plugin protects them), everything else is escaped just enough that no
emphasis, link, autolink, entity, code span, heading, list or quote can appear. Characters that
cannot start markup in context stay unescaped, so the files stay pleasant to edit by hand.

The input is "text with TeX math" as `sitegen.latex_text` defines it: `$…$` is math and `\\$`
is a literal dollar sign; every other character, backslashes included, is meant literally.
"""
from __future__ import annotations

import re

from ..latex_text import split_math

__all__ = ["escape_markdown"]

_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_ALWAYS = frozenset("\\`*[$")  # escapes, code spans, emphasis, links and images, stray dollars
_CANDIDATE = re.compile(r"\\\$|[\\`*\[$_<&~]")
_ORDERED_START = re.compile(r"(\d{1,9})([.)])(?=\s|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _needs_escape(text: str, index: int) -> bool:
    char = text[index]
    before = text[index - 1] if index > 0 else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    if char in _ALWAYS:
        return True
    if char == "_":  # between two letters or digits it can never delimit emphasis
        return not (before.isalnum() and after.isalnum())
    if char == "<":  # autolinks and raw HTML need a character right after the bracket
        return not after.isspace()
    if char == "&":
        return bool(_ENTITY.match(text, index))
    if char == "~":  # strikethrough, should a renderer enable it, needs two in a row
        return before == "~" or after == "~"
    return False


def _escape_plain(run: str) -> str:
    """Visit only the characters that can start markup (a regex finds them: abstracts are long)."""

    def escape(match: re.Match) -> str:
        found = match.group(0)
        if found == "\\$":  # a literal dollar, already spelt the Markdown way
            return found
        return "\\" + found if _needs_escape(run, match.start()) else found

    return _CANDIDATE.sub(escape, run)


def _is_display_math(paragraph: str) -> bool:
    inner = paragraph[2:-2]
    return paragraph[:2] == paragraph[-2:] == "$$" and "$$" not in inner and bool(inner.strip())


def _escape_paragraph(paragraph: str) -> str:
    if _is_display_math(paragraph):
        return paragraph  # an equation on its own: the plugin's math block keeps it whole
    text = "".join(run if is_math else _escape_plain(run) for run, is_math in split_math(paragraph))
    ordered = _ORDERED_START.match(text)
    if ordered:  # "1. " or "1) " would start a list
        return f"{ordered.group(1)}\\{text[ordered.end(1):]}"
    if text[:1] in ("#", ">", "-", "+"):  # heading, quote, bullet or thematic break
        return "\\" + text
    return text


def escape_markdown(text: str) -> str:
    """Escape `text` so that Markdown renders it literally, with its `$…$` math left to the plugin.

    Paragraphs are separated by blank lines; inside one, line breaks and indentation carry no
    meaning in Markdown, so each paragraph becomes a single line (which also means only its first
    character can start a block construct). The result has no trailing newline.
    """
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(text.strip()):
        paragraph = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if paragraph:
            paragraphs.append(_escape_paragraph(paragraph))
    return "\n\n".join(paragraphs)
