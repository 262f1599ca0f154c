"""BibTeX and biblatex files, parsed with bibtexparser 2 and converted field by field.

bibtexparser splits the file into blocks and keeps each entry's raw text; values are resolved
here (`@string` macros, `#` concatenation, month macros, `crossref` inheritance) because the
conversion needs to know which parts were literal. Field names are compared case-insensitively
(`Title` = `title`); of a duplicated field the first usable value counts. LaTeX becomes Unicode,
grouping braces (`{NeRF}`) and ties (`~`) are dropped, TeX math stays `$…$`. The entry's original
text is kept verbatim as `bibtex`, so a paper page can offer it for citation. Dates keep the
precision the entry states: `date = {2006}` and `year = {2006}` stay a year.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Iterator

import bibtexparser
from bibtexparser import model as bib
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

from ..content import URL_RE
from ..latex_text import latex_to_text, split_math
from ..model import Paper, PaperDate, Problem
from ..textfiles import read_utf8
from .abstract import abstract_to_body
from .base import Item, Notice, Record
from .dates import loose_date, month_number
from .identifiers import find_arxiv, find_doi, is_arxiv_venue, normalise_arxiv

logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # broken entries become Problems instead

NAME = "bibtex"
DESCRIPTION = "BibTeX or biblatex bibliography (.bib): @string macros, crossref, Jekyll front matter"

_ENTRY_START = re.compile(r"@[A-Za-z]+\s*[{(]")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
# Entry types that group or feed other entries and are not works of their own.
_CONTAINERS = {"set", "xdata"}
# biblatex markup that pylatexenc does not know: quotes become quotes, the rest keeps its argument.
_GROUP = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
_BIBLATEX_QUOTE = re.compile(r"\\mkbibquote\s*" + _GROUP)
_BIBLATEX_WRAPPERS = re.compile(r"\\(?:mkbibemph|mkbibitalic|mkbibbold|autocap|mkbibparens|mkbibbrackets)\s*" + _GROUP)
_UNESCAPED_BRACE = re.compile(r"(?<!\\)[{}]")
_TIE = re.compile(r"(?<!\\)~")
# Characters a BibTeX export escapes (Zotero writes `{\textless}`, `\{`, `{\textasciitilde}`).
# Braces and tildes stand in as private-use characters until grouping braces and ties are gone.
_ESCAPED_CHARACTERS = {
    "{": "\ue000", "}": "\ue001", "textbraceleft": "\ue000", "textbraceright": "\ue001",
    "textasciitilde": "\ue002", "textless": "<", "textgreater": ">", "textbar": "|",
    "textunderscore": "_", "textquotedbl": '"', "hyphen": "-", "slash": "/",
}
_RESTORE = str.maketrans({"\ue000": "{", "\ue001": "}", "\ue002": "~"})
_ESCAPED_CHARACTER = re.compile(
    r"\\(?:([{}])|(" + "|".join(name for name in _ESCAPED_CHARACTERS if name.isalpha()) + r")(?![A-Za-z])(?:\{\}|\s+)?)"
)
_NOT_AUTHORS = {"others", "et al", "et al."}
# biblatex: the parent's title is the child's booktitle; these never pass down through crossref.
_NOT_INHERITED = {"ids", "crossref", "xref", "entryset", "label", "shorthand", "sortkey", "indextitle", "indexsorttitle"}
_PARENT_TITLES = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}


def detect(path: Path, head: bytes) -> bool:
    """The first thing after blank lines, `%` comments and Jekyll front matter is an `@type{` entry."""
    text = _FRONT_MATTER.sub("", head.decode("utf-8", errors="ignore").lstrip("\ufeff"), count=1)
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        return bool(_ENTRY_START.match(stripped))
    return False


# --- values ---------------------------------------------------------------------------------


def _top_level_parts(raw: str) -> list[str]:
    """Split a raw value at `#` outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:index])
            start = index + 1
    parts.append(raw[start:])
    return [part.strip() for part in parts]


# Fields reference managers add that describe the exporter's own machine, not the paper: a
# public page must not show `file = {…:/Users/name/Zotero/storage/…}`.
PRIVATE_FIELDS = ("file", "owner", "timestamp", "mendeley-groups", "groups")
_FIELD_START = re.compile(r"^[ \t]*(" + "|".join(map(re.escape, PRIVATE_FIELDS)) + r")[ \t]*=[ \t]*", re.I | re.M)


def without_private_fields(raw: str) -> str:
    """The entry's text minus PRIVATE_FIELDS; every other byte stays as written."""
    while (match := _FIELD_START.search(raw)) is not None:
        end = _value_end(raw, match.end())
        while end < len(raw) and raw[end] in " \t":
            end += 1
        if end < len(raw) and raw[end] == ",":
            end += 1
        if end < len(raw) and raw[end] == "\n":
            end += 1
        raw = raw[: match.start()] + raw[end:]
    return raw


def _value_end(raw: str, start: int) -> int:
    """Where a field value that starts at `start` ends: a balanced {…}, a "…" or a bare word."""
    if start < len(raw) and raw[start] in "{\"":
        closer, depth = ("}" if raw[start] == "{" else '"'), 0
        for index in range(start, len(raw)):
            char = raw[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            if (closer == "}" and depth == 0) or (closer == '"' and char == '"' and index > start and depth == 0):
                return index + 1
        return len(raw)
    match = re.compile(r"[^,}\n]*").match(raw, start)
    return match.end() if match else start


def _resolve(raw: Any, strings: dict[str, str]) -> str:
    """A raw field value -> its text: braces or quotes removed, macros and `#` resolved."""
    if not isinstance(raw, str):
        return str(raw)
    pieces = []
    for part in _top_level_parts(raw):
        if len(part) >= 2 and ((part[0], part[-1]) in (("{", "}"), ('"', '"'))):
            pieces.append(part[1:-1])
        else:  # a number, an @string macro or a month macro (`jan`, kept for month_number)
            pieces.append(strings.get(part.casefold(), part))
    return "".join(pieces)


def _escaped(match: re.Match) -> str:
    return _ESCAPED_CHARACTERS[match.group(1) or match.group(2)]


def _tex_text(text: str, dollar: str = "$") -> str:
    """LaTeX -> Unicode with BibTeX's grouping braces and ties removed; TeX math left alone.

    `dollar` spells a literal `\\$`: plain `$` in front matter, `\\$` in a body (see latex_text).
    """
    text = "".join(run if is_math else _ESCAPED_CHARACTER.sub(_escaped, run) for run, is_math in split_math(text))
    text = _BIBLATEX_QUOTE.sub(lambda m: f"“{m.group(1)}”", text)
    text = _BIBLATEX_WRAPPERS.sub(lambda m: m.group(1), text)
    text = latex_to_text(text, dollar=dollar)
    out = []
    for run, is_math in split_math(text):
        if not is_math:
            run = _TIE.sub(" ", _UNESCAPED_BRACE.sub("", run)).replace("---", "—").replace("--", "–")
        out.append(run)
    return "".join(out).translate(_RESTORE)


def _plain(text: str | None) -> str:
    """One line of plain text (title, venue, name)."""
    return " ".join(_tex_text(text or "").split())


def _abstract_text(text: str) -> str:
    """An abstract keeps its paragraphs and writes a literal dollar as `\\$`, as bodies need."""
    return _tex_text(text, dollar="\\$")


def _names(value: str) -> list[str]:
    names = []
    for raw_name in split_multiple_persons_names(value):
        if raw_name.strip().casefold() in _NOT_AUTHORS:
            continue
        try:
            name = parse_single_name_into_parts(raw_name, strict=False).merge_first_name_first
        except Exception:  # noqa: BLE001 - keep a name the splitter cannot read as it is written
            name = raw_name
        name = _plain(name)
        if name and name.casefold() not in _NOT_AUTHORS:
            names.append(name)
    return names


# --- entries --------------------------------------------------------------------------------


class _Fields:
    """An entry's fields by lower-case name, every value of a duplicated field kept in order."""

    def __init__(self, entry: bib.Entry, strings: dict[str, str]):
        self.values: dict[str, list[str]] = {}
        for item in entry.fields:
            self.values.setdefault(item.key.casefold(), []).append(_resolve(item.value, strings))

    def get(self, name: str) -> str:
        """The first non-blank value of the field, or ''."""
        return next((value for value in self.values.get(name, ()) if value.strip()), "")

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def inherit(self, parent: "_Fields") -> None:
        """biblatex crossref: fields the entry lacks come from its parent (title as booktitle)."""
        for name, values in parent.values.items():
            target = _PARENT_TITLES.get(name, name)
            if name not in _NOT_INHERITED and target not in self.values:
                self.values[target] = values


def _date(fields: _Fields) -> PaperDate | None:
    """biblatex `date` as written, else `year` with `month` (and `day`) when they are valid."""
    date = loose_date(fields.get("date"))
    if date is not None:
        return date
    year = loose_date(fields.get("year"))
    if year is None:
        return None
    month = month_number(_plain(fields.get("month")))
    day = fields.get("day").strip()
    if month and day.isdigit():
        try:
            return PaperDate(year.year, month, int(day))
        except ValueError:
            pass
    return PaperDate(year.year, month)


def _arxiv(fields: _Fields) -> str | None:
    eprint = fields.get("eprint").strip()
    kind = (fields.get("archiveprefix") or fields.get("eprinttype")).strip().casefold()
    if eprint and kind in ("arxiv", ""):
        found = normalise_arxiv(eprint) if kind == "arxiv" or re.match(r"^\d{4}\.\d{4,5}", eprint) else None
        if found:
            return found
    for name in ("journal", "journaltitle", "note", "url", "howpublished", "eprint"):
        found = find_arxiv(_plain(fields.get(name)))
        if found:
            return found
    volume = re.match(r"^\s*abs/(\S+)", fields.get("volume"))  # DBLP: journal = {CoRR}, volume = {abs/…}
    if volume and _plain(fields.get("journal")).casefold() == "corr":
        return normalise_arxiv(volume.group(1))
    return None


# An arXiv category: archive (`cs`, `hep-th`, `astro-ph`) and, usually, subject class (`CL`, `GA`,
# `comp-ph`). Free text around it (`Computation and Language (cs.CL)`) is passed over.
_CATEGORY = re.compile(r"^([a-z]+(?:-[a-z]+)?)(?:\.([a-z]+(?:-[a-z]+)?))?$", re.I)
_CATEGORY_SEPARATORS = re.compile(r"[\s,;()\[\]]+")


def _categories(fields: _Fields, arxiv: str | None) -> tuple[str, ...]:
    """arXiv's primary category as arXiv's own BibTeX export writes it (`primaryClass = {cs.CL}`
    beside `archivePrefix = {arXiv}`), or biblatex's name for it (`eprintclass`, beside
    `eprinttype = {arxiv}`): primary first, no duplicates, like the arXiv importers.

    Only for an arXiv eprint (an `eprintclass` of JSTOR or Google Books is no arXiv category).
    Written as arXiv spells it, whatever case the file uses: archives are lower case, two-letter
    subject classes upper case (`cs.CL`, `math.AG`), longer ones lower case (`physics.comp-ph`),
    so `cs.cl` and `cs.CL` are one category for tags and `--category`.
    """
    kind = (fields.get("archiveprefix") or fields.get("eprinttype")).strip().casefold()
    if kind != "arxiv" and not (kind == "" and arxiv):
        return ()
    found: list[str] = []
    for value in fields.all("primaryclass") + fields.all("eprintclass"):
        tokens = [t for t in _CATEGORY_SEPARATORS.split(_plain(value)) if t]
        for token in tokens:
            match = _CATEGORY.match(token)
            # a bare word counts only on its own (`physics`), never out of a phrase (`and`)
            if match is None or (match.group(2) is None and "-" not in token and len(tokens) > 1):
                continue
            archive, subject = match.group(1).casefold(), match.group(2)
            if subject is not None:
                subject = subject.upper() if len(subject) == 2 else subject.casefold()
            found.append(f"{archive}.{subject}" if subject else archive)
    return tuple(dict.fromkeys(found))


def _venue(fields: _Fields) -> str | None:
    for name in ("journaltitle", "journal", "booktitle", "eventtitle"):
        venue = _plain(fields.get(name)).rstrip(",;").strip()
        if venue and not is_arxiv_venue(venue):
            return venue
    return None


def _paper(entry: bib.Entry, fields: _Fields, source: dict) -> tuple[Paper | None, str]:
    where = f"@{entry.entry_type}{{{entry.key}}}"
    title = _plain(fields.get("title"))
    if not title:
        return None, f"{where}: no title"
    subtitle = _plain(fields.get("subtitle"))
    if subtitle:
        title = f"{title}: {subtitle}"
    doi = next((d for d in map(find_doi, fields.all("doi")) if d), None)
    url = fields.get("url").strip()
    links: dict[str, str] = {}
    if url and doi is None:
        doi = find_doi(url)
    if url and URL_RE.match(url) and not find_arxiv(url) and find_doi(url) is None:
        links["web"] = url
    abstract = fields.get("abstract")
    body, found = abstract_to_body(abstract, to_text=_abstract_text) if abstract.strip() else ("", {})
    extra: dict[str, Any] = {}
    editors = _names(fields.get("editor"))
    if editors:
        extra["editors"] = editors
    keywords = [k.strip() for k in re.split(r"[,;]", _plain(fields.get("keywords"))) if k.strip()]
    if keywords:
        extra["keywords"] = list(dict.fromkeys(keywords))
    extra["bibtex"] = without_private_fields((entry.raw or "").strip())
    arxiv = _arxiv(fields)
    paper = Paper(
        title=title,
        date=_date(fields),
        authors=tuple(_names(fields.get("author"))),
        arxiv=arxiv,
        doi=doi,
        categories=_categories(fields, arxiv),
        links={**found, **links},
        venue=_venue(fields),
        source=source,
        extra=extra,
        body=body,
    )
    return paper, ""


def _without_front_matter(text: str) -> str:
    """Jekyll front matter (`---` … `---`) blanked out, keeping line numbers."""
    match = _FRONT_MATTER.match(text)
    return text if not match else "\n" * match.group(0).count("\n") + text[match.end() :]


def read(path: Path) -> Iterator[Item]:
    """Yield a Record per entry (at its `@` line), a Problem per entry that is not a usable paper."""
    where = str(path)
    text, problem = read_utf8(path)
    if text is None:
        yield problem
        return
    library = bibtexparser.parse_string(_without_front_matter(text), parse_stack=[])
    strings: dict[str, str] = {}
    for block in library.strings:
        strings[block.key.casefold()] = _resolve(block.value, strings)
    entries: list[bib.Entry] = []
    items: list[tuple[int, Item]] = []
    for block in library.blocks:
        if isinstance(block, bib.Entry):
            entries.append(block)
        elif isinstance(block, bib.ParsingFailedBlock):
            if isinstance(block.ignore_error_block, bib.Entry):  # a duplicated field or entry key
                entries.append(block.ignore_error_block)
            elif not isinstance(block.ignore_error_block, bib.String):
                line = (block.start_line or 0) + 1
                reason = (getattr(block.error, "abort_reason", None) or str(block.error) or "syntax error").strip()
                items.append((line, Problem(where, line, f"cannot read this entry: {reason}")))
    fields = {id(entry): _Fields(entry, strings) for entry in entries}
    by_key = {entry.key.casefold(): entry for entry in reversed(entries)}  # the first of a key wins
    source = {"format": NAME, "file": path.name}
    for entry in entries:
        line = (entry.start_line or 0) + 1
        own = fields[id(entry)]
        if entry.entry_type.casefold() in _CONTAINERS:
            items.append((line, Notice(where, line, f"@{entry.entry_type}{{{entry.key}}} skipped: it groups other entries")))
            continue
        parent_key = (own.get("crossref") or own.get("xref")).strip().casefold()
        if parent_key in by_key:
            own.inherit(fields[id(by_key[parent_key])])
        paper, reason = _paper(entry, own, source)
        items.append((line, Record(paper, line) if paper is not None else Problem(where, line, reason)))
    for _, item in sorted(items, key=lambda pair: pair[0]):
        yield item
