"""The one configured Markdown renderer for paper bodies: CommonMark, raw HTML off, $…$ math kept."""
from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin


def _render_math(content: str, options: dict) -> str:
    """Math is shown as its TeX source until a math renderer is configured."""
    if options.get("display_mode"):
        return f'<div class="math display">$${escape(content)}$$</div>'
    return f'<span class="math inline">${escape(content)}$</span>'


def make_renderer() -> MarkdownIt:
    """CommonMark with raw HTML disabled: text from papers is never trusted."""
    md = MarkdownIt("commonmark", {"html": False})
    md.use(dollarmath_plugin, allow_labels=False, allow_digits=False, renderer=_render_math)
    return md


_MD = make_renderer()


def render_markdown(text: str) -> str:
    return _MD.render(text)
