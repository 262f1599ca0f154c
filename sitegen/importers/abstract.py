"""An abstract as sources give it -> the Markdown body of a content file, plus the links in it."""
from __future__ import annotations

from typing import Callable

from ..latex_text import latex_to_text
from .links import extract_links
from .markdown_escape import escape_markdown

__all__ = ["abstract_to_body", "clean_title"]


def abstract_to_body(
    abstract: str, to_text: Callable[[str], str] = latex_to_text
) -> tuple[str, dict[str, str]]:
    """LaTeX cleaned, code/project URLs moved into links, Markdown-escaped, one final newline.

    The order matters: URLs are found after LaTeX cleaning (`\\_` in a URL is `_`) and before
    escaping (which would put backslashes into them). `to_text` is the cleaning step; it must
    return text with TeX math as `latex_text` defines it (BibTeX also drops grouping braces).
    """
    text, links = extract_links(to_text(abstract))
    body = escape_markdown(text)
    return (body + "\n" if body else ""), links


def clean_title(title: str) -> str:
    """Titles are plain text in front matter: LaTeX cleaned, whitespace collapsed, not escaped."""
    return " ".join(latex_to_text(title, dollar="$").split())
