"""TeX math -> MathML for pages and -> plain text for everything else, at build time.

Pages load no math JavaScript or fonts: browsers lay out MathML themselves. The converter is
latex2mathml; its output is rebuilt here element by element from a whitelist, because it copies
`\\text{…}` verbatim (`\\text{<b>}` would be markup) and writes unknown commands as identifiers.
A formula it cannot convert, or converts into something outside the whitelist, is shown as its
TeX source instead: a formula never breaks a page or the build.

The plain-text form of math (for `<title>`, feeds, meta tags, search, summaries) is a Unicode
rendering of the same tree: `$\\nabla^2$DFT` -> `∇²DFT`, `$L_2$` -> `L₂`, `LLM$\\times$MapReduce` ->
`LLM×MapReduce`; scripts without a Unicode form keep TeX's marks (`x^{ab}` -> `x^(ab)`).

Titles are plain text with TeX math in them, as importers write them (`sitegen.latex_text`):
`$…$`, `$$…$$` and `\\(…\\)` are math, `\\$` is a dollar sign, and a `$` without a partner
(`$1 Million`) or a pair with a digit just outside it (`1$`, `from $5 to $10`) is currency, by
the same rule the Markdown renderer applies to abstracts (dollarmath with `allow_digits=False`).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from html import escape, unescape
from xml.etree.ElementTree import Element

from markupsafe import Markup

__all__ = ["tex_to_mathml", "tex_to_text", "render_math", "split_math", "title_html", "title_text", "math_as_text", "html_text"]

logging.getLogger("latex2mathml").setLevel(logging.ERROR)

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
CACHE_SIZE = 1 << 16  # distinct formulas and titles remembered per process

# MathML elements and attributes a page may carry; anything else means the conversion failed.
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot "
    "mstyle mpadded mphantom menclose mfenced mtable mtr mtd mlabeledtr mmultiscripts mprescripts none "
    "semantics merror".split()
)
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence separator form lspace rspace largeop movablelimits accent "
    "accentunder minsize maxsize symmetric width height depth voffset linethickness displaystyle "
    "scriptlevel columnalign columnspacing columnlines rowalign rowspacing rowlines frame framespacing "
    "equalrows equalcolumns notation open close separators mathsize".split()
)
_CHAR_REF = re.compile(r"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]")

_SUPERSCRIPTS = dict(zip("0123456789+-−=()in′″‴*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁱⁿ′″‴*"))
_SUBSCRIPTS = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_RELATIONS = frozenset("=<>≤≥≠≈∼≃≅≡∝∈∉∋⊂⊆⊃⊇→←↔⇒⇐⇔↦≪≫")
_TEXT_FORMS = {"−": "-", "\u2061": "", "\u2062": "", "\u2063": "", "\u2064": ""}


class _Unsupported(Exception):
    """The converter's output holds something a page must not show (or TeX it did not know)."""


def _chars(text: str | None) -> str:
    """Text of a converter node: it writes symbols as character references (`&#x02207;`)."""
    if not text:
        return ""
    text = _CHAR_REF.sub(lambda m: chr(int(m.group(1), 16) if m.group(1) else int(m.group(2))), text)
    if _UNKNOWN_COMMAND.search(text):
        raise _Unsupported(text)
    return text


def _serialise(node: Element, out: list[str]) -> None:
    tag = node.tag
    if tag not in _ELEMENTS:
        raise _Unsupported(tag)
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in node.attrib.items() if name in _ATTRIBUTES)
    out.append(f"<{tag}{attributes}>")
    out.append(escape(_chars(node.text), quote=False))
    for child in node:
        _serialise(child, out)
        out.append(escape(_chars(child.tail), quote=False))
    out.append(f"</{tag}>")


def _convert(tex: str, display: bool) -> Element | None:
    from latex2mathml.converter import convert_to_element  # imported on first use: most sites have no math

    try:
        return convert_to_element(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - the converter raises many kinds of errors (and RecursionError) on TeX it cannot read
        return None


@lru_cache(maxsize=CACHE_SIZE)
def _mathml(tex: str, display: bool) -> tuple[str, str] | None:
    """(MathML markup, plain text) for a formula, or None when it cannot be shown as MathML."""
    if not tex.strip():
        return None
    root = _convert(tex, display)
    if root is None:
        return None
    try:
        text = _plain(root).strip()
        out: list[str] = []
        for child in root:
            _serialise(child, out)
            out.append(escape(_chars(child.tail), quote=False))
    except (_Unsupported, RecursionError):
        return None
    mode = "block" if display else "inline"
    markup = f'<math xmlns="{MATHML_NS}" display="{mode}" alttext="{escape(text)}">{"".join(out)}</math>'
    return markup, text


def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """Safe MathML for the TeX formula `tex` (no delimiters), or None if it cannot be converted.

    The `<math>` element's `alttext` is the formula's plain-text form, which `math_as_text`
    reads back when a page's text is needed without markup.
    """
    result = _mathml(tex.strip(), display)
    return None if result is None else result[0]


@lru_cache(maxsize=CACHE_SIZE)
def tex_to_text(tex: str) -> str:
    """The plain-text form of a formula: a Unicode rendering, or its TeX source when it cannot
    be converted (`\\frac{a}{` stays `\\frac{a}{`)."""
    result = _mathml(tex.strip(), False)
    return " ".join(tex.split()) if result is None else result[1]


def render_math(tex: str, display: bool = False) -> str:
    """HTML for one formula: MathML, or its escaped source with its delimiters when it cannot
    be converted (the reader still sees the formula, as written)."""
    markup = tex_to_mathml(tex, display)
    if markup is not None:
        return markup
    return escape(f"$${tex}$$" if display else f"${tex}$", quote=False)


# --- plain text ------------------------------------------------------------------------------


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """`2` -> `²`; `ab` -> `^(ab)` when some character has no Unicode script form."""
    text = "".join(text.split())
    if text and all(char in table for char in text):
        return "".join(table[char] for char in text)
    if len(text) == 1:
        return mark + text
    return f"{mark}({text})" if text else ""


def _wrap(text: str) -> str:
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _joined(parts: list[tuple[str, str]]) -> str:
    """Children's texts in a row: a space around relations and between words (`n log n`)."""
    out = ""
    previous_tag = ""
    for tag, text in parts:
        if not text:
            continue
        if tag == "mo" and text.strip() in _RELATIONS:
            out = out.rstrip() + f" {text.strip()} "
        elif (
            out
            and out[-1].isalnum()
            and text[0].isalnum()
            and (previous_tag == "word" or (tag == "mi" and len(text) > 1))
        ):
            out += " " + text
        else:
            out += text
        previous_tag = "word" if tag == "mi" and len(text) > 1 else tag
    return out


def _plain(node: Element) -> str:
    tag = node.tag
    kids = list(node)
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        text = _chars(node.text)
        return "".join(_TEXT_FORMS.get(char, char) for char in text)
    if tag == "mspace":
        return " "
    if tag in ("mphantom", "annotation", "annotation-xml", "mprescripts", "none"):
        return ""
    if tag in ("msup", "mover") and len(kids) == 2:
        return _plain(kids[0]) + _script(_plain(kids[1]).strip(), _SUPERSCRIPTS, "^")
    if tag in ("msub", "munder") and len(kids) == 2:
        return _plain(kids[0]) + _script(_plain(kids[1]).strip(), _SUBSCRIPTS, "_")
    if tag in ("msubsup", "munderover") and len(kids) == 3:
        base, below, above = (_plain(kid).strip() for kid in kids)
        return base + _script(below, _SUBSCRIPTS, "_") + _script(above, _SUPERSCRIPTS, "^")
    if tag == "mfrac" and len(kids) == 2:
        return f"{_wrap(_plain(kids[0]).strip())}/{_wrap(_plain(kids[1]).strip())}"
    if tag == "msqrt":
        return "√" + _wrap(_joined([(kid.tag, _plain(kid)) for kid in kids]).strip())
    if tag == "mroot" and len(kids) == 2:
        return _script(_plain(kids[1]).strip(), _SUPERSCRIPTS, "^") + "√" + _wrap(_plain(kids[0]).strip())
    if tag == "mtable":
        return "; ".join(_plain(row).strip() for row in kids)
    if tag == "mtr":
        return ", ".join(_plain(cell).strip() for cell in kids)
    return _joined([(kid.tag, _plain(kid)) for kid in kids])


# --- titles: text with TeX math ----------------------------------------------------------------


def _escaped(text: str, index: int) -> bool:
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _closing_dollar(text: str, start: int, double: bool) -> int:
    """Index of the `$` (or `$$`) that closes math opened before `start`, or -1."""
    while True:
        end = text.find("$", start)
        if end == -1:
            return -1
        if _escaped(text, end):
            start = end + 1
            continue
        if double:
            if end + 1 >= len(text):
                return -1
            if text[end + 1] != "$":
                start = end + 1
                continue
        return end


def split_math(text: str) -> list[tuple[str, bool, bool]]:
    """Split a title into (text, is_math, is_display) runs, math runs without delimiters.

    The rule is the Markdown renderer's (dollarmath with allow_digits=False and double_inline):
    an unescaped `$` opens math unless a digit precedes it; the next unescaped `$` closes it
    unless a digit follows; empty math is none. `$$…$$` is display math, `\\(…\\)` inline math,
    and `\\$` a literal dollar sign.
    """
    if "$" not in text and "\\(" not in text:  # most titles: one plain run, nothing to scan
        return [(text, False, False)] if text else []
    runs: list[tuple[str, bool, bool]] = []
    plain: list[str] = []
    index, length = 0, len(text)

    def flush() -> None:
        if plain:
            runs.append(("".join(plain), False, False))
            plain.clear()

    while index < length:
        char = text[index]
        if char == "\\" and index + 1 < length:
            following = text[index + 1]
            if following == "$":
                plain.append("$")
                index += 2
                continue
            if following == "(":
                close = text.find("\\)", index + 2)
                while close != -1 and _escaped(text, close):
                    close = text.find("\\)", close + 1)
                if close != -1 and text[index + 2 : close].strip():
                    flush()
                    runs.append((text[index + 2 : close], True, False))
                    index = close + 2
                    continue
            if following == "\\":
                plain.append("\\\\")
                index += 2
                continue
            plain.append(char)
            index += 1
            continue
        if char == "$" and not (index > 0 and text[index - 1].isdigit()):
            double = index + 1 < length and text[index + 1] == "$"
            start = index + (2 if double else 1)
            end = _closing_dollar(text, start, double)
            after = end + (2 if double else 1)
            if end != -1 and not (after < length and text[after].isdigit()) and text[start:end]:
                flush()
                runs.append((text[start:end], True, double))
                index = after
                continue
        plain.append(char)
        index += 1
    flush()
    return runs


@lru_cache(maxsize=CACHE_SIZE)
def title_html(title: str) -> Markup:
    """A title as HTML: text escaped, math as MathML (or as its escaped source)."""
    if "$" not in title and "\\(" not in title:
        return Markup(escape(title, quote=False))
    runs = split_math(title)
    return Markup("".join(render_math(run, display) if is_math else escape(run, quote=False) for run, is_math, display in runs))


@lru_cache(maxsize=CACHE_SIZE)
def title_text(title: str) -> str:
    """A title as plain text, its math in the plain-text form (`$VILA^2$` -> `VILA²`)."""
    if "$" not in title and "\\(" not in title:
        return title
    return " ".join("".join(tex_to_text(run) if is_math else run for run, is_math, _ in split_math(title)).split())


_MATH_ELEMENT = re.compile(r"<math\b[^>]*?\balttext=\"([^\"]*)\"[^>]*>.*?</math>", re.DOTALL)


def math_as_text(html: str) -> str:
    """Rendered HTML with each `<math>` element replaced by its plain-text form (escaped), so
    that stripping the tags afterwards yields readable text (`x²`, not `x 2`)."""
    if "<math" not in html:
        return html
    return _MATH_ELEMENT.sub(lambda m: escape(unescape(m.group(1)), quote=False), html)


_TAG = re.compile(r"<[^>]+>")


def html_text(html: str) -> str:
    """The text of rendered HTML, math in its plain-text form, whitespace collapsed. Summaries,
    search and JSON-LD all read every abstract this way: a paper's view holds it as
    `abstract_text`, kept in the build cache (site.ViewMaker), so it is not memoised here."""
    return " ".join(unescape(_TAG.sub(" ", math_as_text(html))).split())
