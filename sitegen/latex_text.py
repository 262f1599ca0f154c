"""LaTeX text-mode markup in titles and abstracts -> Unicode text, leaving everything else alone.

Abstracts from arXiv and listings are mostly plain text with a little LaTeX in them: `\\%`,
`{\\tt GPT-3.5}`, accents. Fed whole to pylatexenc, the plain parts would be misread (`50% more`
would start a comment, `~` would become a no-break space, `--` an en dash), so only the LaTeX
constructs are located here and handed to pylatexenc one at a time; all other text is copied.

The output is "text with TeX math": `$…$` spans are math, kept exactly as written, and a literal
dollar sign outside math is written `\\$` (pass `dollar="$"` for plain text such as titles).
`sitegen.importers.markdown_escape` reads the same convention, and `split_math` defines it for
both, following the rules of the `dollarmath` Markdown plugin so the two always agree.
"""
from __future__ import annotations

import logging
import re

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

__all__ = ["split_math", "latex_to_text"]

# A brace group with at most one level of nested braces inside.
_GROUP = r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"
_CONSTRUCT = re.compile(
    r"\{\\(?:[A-Za-z]+|[^A-Za-z\s])[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"  # {\tt GPT-3.5}, {\"o}
    r"|\\[A-Za-z]+\*?(?:\[[^\[\]{}]*\])?(?:" + _GROUP + r")*"  # \textbf{x}, \rdmpr, \c{c}
    r"|\\['\"`^~=.](?:" + _GROUP + r"|[A-Za-z])"  # \'e, \"{o}
    r"|\\[^A-Za-z]",  # \%, \&, \_, "\ " and \\
    re.DOTALL,
)
_INLINE_PAREN_MATH = re.compile(r"(?<!\\)\\\((.+?)(?<!\\)\\\)", re.DOTALL)
_BARE_PERCENT = re.compile(r"(?<!\\)%")

# Font and size switches print nothing; without these entries they would count as unknown.
_SILENT = (
    "tt sc bf it em rm sf sl up md normalfont bfseries mdseries itshape scshape slshape upshape "
    "ttfamily rmfamily sffamily tiny scriptsize footnotesize small normalsize large Large LARGE "
    "huge Huge xspace relax protect noindent centering nobreak"
).split()
# Macros pylatexenc parses with an argument but then drops together with it.
_KEEP_ARGUMENT = "texttt textsf textup textmd textnormal mbox".split()
_DROP_WITH_ARGUMENT = "label hphantom vphantom".split()


def _unknown_macro(node) -> str:  # noqa: ANN001 - a pylatexenc node
    """An unknown macro (`\\rdmpr`) keeps its name, so the reader still sees that a word was there."""
    return node.macroname


def _converter() -> LatexNodes2Text:
    db = get_default_latex_context_db()
    macros = [MacroTextSpec(name, "") for name in _SILENT + _DROP_WITH_ARGUMENT]
    macros += [MacroTextSpec(name, "%(1)s") for name in _KEEP_ARGUMENT]
    macros += [MacroTextSpec("LaTeX", "LaTeX"), MacroTextSpec("TeX", "TeX")]
    db.add_context_category("sitegen", macros=macros, prepend=True)
    db.set_unknown_macro_spec(MacroTextSpec("", simplify_repl=_unknown_macro))
    return LatexNodes2Text(latex_context=db, math_mode="verbatim")


_TO_TEXT = _converter()
logging.getLogger("pylatexenc").setLevel(logging.ERROR)  # tolerant parsing warns on every oddity


def _is_escaped(text: str, index: int) -> bool:
    """True when an odd number of backslashes precedes text[index] (the dollarmath rule)."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _next_dollar(text: str, start: int) -> int:
    index = text.find("$", start)
    while index != -1 and _is_escaped(text, index):
        index = text.find("$", index + 1)
    return index


def split_math(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_math) runs; a math run is a whole `$…$` span, dollars included.

    The rule is the one markdown-it's dollarmath plugin applies (with its defaults): a `$` not
    escaped by a backslash opens math, the next unescaped `$` closes it, and an empty span (`$$`)
    is no math, so its first dollar is literal. `$$x$$` thus reads as `$`, `$x$`, `$`.
    """
    runs: list[tuple[str, bool]] = []
    plain_start = index = 0
    while True:
        opening = _next_dollar(text, index)
        if opening == -1:
            break
        closing = _next_dollar(text, opening + 1)
        if closing == -1:
            break
        if closing == opening + 1:
            index = closing
            continue
        if opening > plain_start:
            runs.append((text[plain_start:opening], False))
        runs.append((text[opening : closing + 1], True))
        plain_start = index = closing + 1
    if plain_start < len(text):
        runs.append((text[plain_start:], False))
    return runs


def _convert(construct: str, dollar: str) -> str:
    if construct == "\\$":
        return dollar
    try:
        return _TO_TEXT.latex_to_text(_BARE_PERCENT.sub(r"\\%", construct))
    except Exception:  # pylatexenc raises assorted errors on malformed input; keep it visible
        return construct


def latex_to_text(text: str, *, dollar: str = "\\$") -> str:
    """Convert the LaTeX text-mode constructs in `text` to Unicode; keep all other text as is.

    Converted: backslash commands with their attached arguments (`\\textbf{x}`, `\\'e`, `\\%`) and
    groups that open with a command (`{\\tt GPT-3.5}`). Untouched: `$…$` math, bare `%`, `~`,
    `&`, `#`, `--` and quotes, which in these texts are almost always meant literally. `\\(…\\)`
    becomes `$…$`. An unknown macro keeps its name without the backslash (`\\rdmpr` -> `rdmpr`):
    dropping it, as pylatexenc does by default, would silently lose a word of the abstract.
    """
    text = _INLINE_PAREN_MATH.sub(lambda m: f"${m.group(1)}$", text)
    pieces = []
    for run, is_math in split_math(text):
        if is_math or "\\" not in run:
            pieces.append(run)
        else:
            pieces.append(_CONSTRUCT.sub(lambda m: _convert(m.group(0), dollar), run))
    return "".join(pieces)
