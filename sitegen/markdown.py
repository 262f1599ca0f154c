"""The one configured Markdown renderer for paper bodies: CommonMark, raw HTML off, $…$ math kept."""
from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin


def _render_math(content: str, options: dict) -> str:
    """Math is shown as its TeX source, delimiters included; the plugin wraps it in a span or div."""
    if options.get("display_mode"):
        return f"$${escape(content)}$$"
    return f"${escape(content)}$"


def make_renderer() -> MarkdownIt:
    """CommonMark with raw HTML disabled: text from papers is never trusted."""
    md = MarkdownIt("commonmark", {"html": False})
    md.use(dollarmath_plugin, allow_labels=False, allow_digits=False, renderer=_render_math)
    return md


_MD = make_renderer()


def render_markdown(text: str) -> str:
    return _MD.render(text)
