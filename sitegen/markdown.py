"""The one configured Markdown renderer for paper bodies: CommonMark, raw HTML off, TeX math as MathML.

Math is `$…$` (inline), `$$…$$` (display; on its own lines a block, inside a paragraph a
display formula within the text) and `\\(…\\)`. Currency stays text: a `$` with no partner
(`$1 Million`), or a pair with a digit just outside it (`from $5 to $10`, `5$`), is not math,
and `\\$` is a literal dollar sign. Formulas become MathML at build time (sitegen.mathml); one
the converter cannot handle shows its source.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .mathml import render_math


def _render_math(content: str, options: dict) -> str:
    return render_math(content, bool(options.get("display_mode")))


def _paren_math(state: StateInline, silent: bool) -> bool:
    """`\\(…\\)` is inline math, as in LaTeX (CommonMark alone would print the parentheses)."""
    src, start = state.src, state.pos
    if not src.startswith("\\(", start):
        return False
    end = src.find("\\)", start + 2)
    while end != -1 and _escaped(src, end):
        end = src.find("\\)", end + 1)
    if end == -1 or not src[start + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[start + 2 : end]
        token.markup = "\\("
    state.pos = end + 2
    return True


def _escaped(src: str, index: int) -> bool:
    count = 0
    while index - count - 1 >= 0 and src[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _render_display_in_text(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's renderer signature
    """`$$…$$` inside a paragraph: display math in a span (a div may not sit inside a <p>)."""
    return f'<span class="math display">{render_math(tokens[idx].content.strip(), True)}</span>'


def make_renderer() -> MarkdownIt:
    """CommonMark with raw HTML disabled: text from papers is never trusted."""
    md = MarkdownIt("commonmark", {"html": False})
    md.use(dollarmath_plugin, allow_labels=False, allow_digits=False, double_inline=True, renderer=_render_math)
    md.inline.ruler.before("escape", "math_paren", _paren_math)
    md.add_render_rule("math_inline_double", _render_display_in_text)
    return md


_MD = make_renderer()


# What may make a text more than plain paragraphs, for markdown-it alone to render: a character
# that starts inline syntax (an escape, code, emphasis, a link or image, raw HTML or an autolink,
# math), an entity reference (&amp;, &#38;), a line that starts a block (indented code, list,
# heading, quote, fence, setext underline, thematic break) or is blank but for spaces, a space
# ending a line (a hard break), and any character str.isprintable refuses (tabs, NUL, Unicode
# spaces and line separators, which markdown-it treats apart).
_INLINE_STARTS = "\\`*_[]<$"
_ENTITY = re.compile(r"&[A-Za-z0-9#]")
_BLOCK_START = re.compile(r"\n(?:[ \-+=#>~]|\d+[.)])")


def plain_html(text: str) -> str | None:
    """The HTML of a text without any Markdown syntax (most abstracts), exactly as markdown-it
    renders it, in a quarter of the time; None if the text may hold syntax."""
    if (any(char in text for char in _INLINE_STARTS)
            or not text.replace("\n", " ").isprintable()
            or " \n" in text or text.endswith(" ")
            or _BLOCK_START.search("\n" + text)
            or ("&" in text and _ENTITY.search(text))):
        return None
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace('"', "&quot;")
    paragraphs = (part.strip("\n") for part in text.split("\n\n"))  # a third newline stays on a part
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs if paragraph)


def render_markdown(text: str) -> str:
    html = plain_html(text)
    return html if html is not None else _MD.render(text)
