"""BibTeX for every paper: the entry it was imported from, or one generated from its fields.

A paper imported from BibTeX keeps its original entry (front-matter key `bibtex`); that entry
is offered as written when it stands on its own. One that leans on something the archive does
not have (`crossref`, an `@string` macro) or does not parse is replaced by a generated entry.

Generated keys are `<first author's last name><year><first title word>`, folded to ASCII
(`kaplan2020scaling`; `anon` without authors, `nd` without a date). Keys are unique across the
site, compared case-insensitively as BibTeX does: papers claim them in slug order, original
entries first, and a later paper whose key is taken gets `b`, `c`, … appended (after `z`, `-27`,
`-28`, …). A slug never changes, so a paper's key changes only if a paper with an earlier slug
and the same key is added.

Values are escaped for LaTeX (`&` -> `\\&`, `_` -> `\\_`, …), TeX math is kept as math, and words
with capitals inside (`LoRA`, `GPT-4`) and formulas are braced so bibliography styles that
lower-case titles leave them alone.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Sequence

import bibtexparser
from bibtexparser import model as bib
from bibtexparser.middlewares.names import parse_single_name_into_parts
from slugify import slugify

from .latex_text import latex_to_text
from .mathml import split_math, title_text

__all__ = ["assign_cite_keys", "bibtex", "original_entry", "original_fields", "venue_kind", "citation_files", "paper_citation_url"]

_TITLE_STOP_WORDS = frozenset(
    "a an the on of in for to and with towards toward from at by is are do does can how what why when via "
    "into over under your our we us".split()
)
_SUFFIXES = ("jr", "jr.", "sr", "sr.", "ii", "iii", "iv")
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#",
    "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile(r"[\\{}&%#_$~^]")
_INNER_CAPITAL = re.compile(r"^[^\s\w]*\w\S*[A-Z]")  # a capital after the first letter
_CAPITAL_AFTER = re.compile(r"\S[A-Z]")  # what any word _INNER_CAPITAL matches has
_WORD = re.compile(r"[^\W_]+")
_MONTHS = {n: calendar.month_abbr[n].lower() for n in range(1, 13)}
_HEADER = re.compile(r"^(\s*@\s*[A-Za-z]+\s*[{(]\s*)([^,\s]*)")
_BARE_VALUE_OK = re.compile(r"^\d+$|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)$", re.I)
_CONFERENCE_WORDS = re.compile(
    r"\b(?:conference|proceedings|proc\.|symposium|workshop|meeting|congress|colloquium"
    r"|neural information processing systems)\b"
    r"|\b(?:NeurIPS|NIPS|ICML|ICLR|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|EACL|COLING|AAAI|IJCAI|KDD|SIGIR|SIGGRAPH|CHI"
    r"|UAI|AISTATS|COLT|CoRL|ICRA|IROS|RSS|MICCAI|WACV|BMVC|ICASSP|INTERSPEECH|Interspeech|WWW|WSDM|RecSys)\b",
    re.I,
)
_ACRONYM_YEAR = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Za-z-]*\s*'?\d{2,4}$")  # NeurIPS 2020, ICLR'21


# --- keys ------------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _last_name(name: str) -> str:
    """The family name BibTeX would read ("Ludwig van Beethoven" -> "Beethoven"), skipping a
    generational suffix written last ("Martin Luther King Jr." -> "King")."""
    try:
        parts = parse_single_name_into_parts(name, strict=False)
        words = list(parts.first) + list(parts.von) + list(parts.last)
        last = list(parts.last) or list(parts.first)
    except Exception:  # noqa: BLE001 - an unparsable name still has words
        words = last = name.split()
    if len(last) == 1 and last[0].casefold() in _SUFFIXES and len(words) > 1:
        return words[-2]
    return last[-1] if last else ""


@lru_cache(maxsize=1 << 16)
def _ascii(word: str) -> str:
    """`Müller` -> `muller`: python-slugify without separators (slow, and names and words repeat)."""
    return slugify(word, separator="")


def base_key(paper: Any) -> str:
    """`kaplan2020scaling`: first author's last name, year, first significant title word."""
    last = _ascii(_last_name(paper.authors[0])) if paper.authors else ""
    year = str(paper.date.year) if paper.date is not None else "nd"
    word = ""
    for candidate in _WORD.findall(title_text(paper.title)):
        folded = _ascii(candidate).lstrip("0123456789")
        if folded and folded not in _TITLE_STOP_WORDS:
            word = folded
            break
    return f"{last or 'anon'}{year}{word}"


def _suffixed(key: str, taken: set[str]) -> str:
    if key.casefold() not in taken:
        return key
    for number in range(2, 10_000_000):
        candidate = key + (chr(ord("a") + number - 1) if number <= 26 else f"-{number}")
        if candidate.casefold() not in taken:
            return candidate
    raise AssertionError("unreachable")


Settled = tuple[Any, str, str, str]  # (paper, cite key, entry, base key)

# The entries settled by the last assign_cite_keys, by slug, with the paper object they were made
# from (papers are immutable: the same object means the same fields). Forked render workers
# inherit them, and `sitegen serve` keeps them for the papers an edit leaves alone.
_SETTLED: dict[str, Settled] = {}


def assign_cite_keys(views: Sequence[Any], memo: dict[str, Settled] | None = None) -> None:
    """Give every paper view a `cite_key`, unique across the site (see the module docstring),
    and settle its BibTeX entry, which `bibtex` then returns without generating it again.
    `memo`, a dict the caller keeps between builds (it pickles), lends its entries to papers
    unchanged since, and then holds this build's."""
    global _SETTLED
    ordered = sorted(views, key=lambda view: view.slug)
    originals = [original_entry(view.paper) for view in ordered]
    bases = _base_keys(ordered, originals, memo or {})
    taken: set[str] = set()
    for view, original in zip(ordered, originals):
        if original is not None:
            view.cite_key = _suffixed(original.key, taken)
            taken.add(view.cite_key.casefold())
    for view, base in zip(ordered, bases):
        if base:
            view.cite_key = _suffixed(base, taken)
            taken.add(view.cite_key.casefold())
    if memo is not None:
        _SETTLED = memo  # what `bibtex` consults: the last build's entries, here
    settled = {view.slug: (view.paper, view.cite_key, bibtex(view), base) for view, base in zip(ordered, bases)}
    if memo is None:
        _SETTLED = settled
    else:
        memo.clear()
        memo.update(settled)


def _base_keys(views: Sequence[Any], originals: Sequence[Any], memo: dict[str, Settled]) -> list[str]:
    """Each view's base_key ("" for a paper with an original entry), taken from `memo` for a
    paper unchanged since (parsing and folding names costs 0.08 s at 10,000 papers in each new
    process)."""
    bases = []
    for view, original in zip(views, originals):
        if original is not None:
            bases.append("")
            continue
        known = memo.get(view.slug)
        bases.append(known[3] if known is not None and (known[0] is view.paper or known[0] == view.paper) else base_key(view.paper))
    return bases


# --- original entries --------------------------------------------------------------------------


@dataclass(frozen=True)
class Original:
    """A paper's own BibTeX entry: its type, key and fields (raw values), and whether it stands
    on its own. `fields` leaves out what cannot (a `crossref`, a value naming an @string macro)."""

    entry_type: str
    key: str
    fields: tuple[tuple[str, str], ...]
    self_contained: bool


@lru_cache(maxsize=1 << 16)
def _parse_original(raw: str) -> Original | None:
    try:
        library = bibtexparser.parse_string(raw, parse_stack=[])
    except Exception:  # noqa: BLE001 - a broken entry is replaced by a generated one
        return None
    entries = [block for block in library.blocks if isinstance(block, bib.Entry)]
    if len(entries) != 1 or len(library.blocks) != 1 or not entries[0].key:
        return None
    entry = entries[0]
    fields, whole = [], True
    for field in entry.fields:
        name, value = field.key.casefold(), str(field.value).strip()
        bare = not (value.startswith("{") or value.startswith('"'))
        if name in ("crossref", "xref") or (bare and not _BARE_VALUE_OK.match(value)):
            whole = False  # the parent entry or the @string macro is not in this entry
            continue
        fields.append((name, value))
    return Original(entry.entry_type.casefold(), entry.key, tuple(fields), whole)


def original_entry(paper: Any) -> Original | None:
    """The paper's own BibTeX entry (front-matter key `bibtex`), parsed, or None."""
    raw = paper.extra.get("bibtex")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return _parse_original(raw.strip())


def _field_text(value: str) -> str:
    """A raw BibTeX value as plain text: outer delimiters gone, LaTeX decoded, braces dropped."""
    if len(value) >= 2 and value[0] in "{\"":
        value = value[1:-1]
    return " ".join(re.sub(r"(?<!\\)[{}]", "", latex_to_text(value, dollar="$")).split())


def original_fields(paper: Any) -> tuple[str, dict[str, str]] | None:
    """(entry type, {field: plain text}) of the paper's own BibTeX entry, when it has one."""
    original = original_entry(paper)
    if original is None:
        return None
    found: dict[str, str] = {}
    for name, value in original.fields:
        found.setdefault(name, _field_text(value))
    return original.entry_type, found


# --- generated entries -------------------------------------------------------------------------


def _escape_plain(text: str) -> str:
    return _SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)


def _protect_words(text: str) -> str:
    """Brace words a style must not lower-case: `LoRA`, `GPT-4`, `BERT`."""
    if not _CAPITAL_AFTER.search(text):  # most titles: no word to brace, no word to look at
        return text
    return " ".join(f"{{{word}}}" if _INNER_CAPITAL.match(word) else word for word in text.split(" "))


def tex_value(text: str, protect: bool = False) -> str:
    """Text with TeX math -> a BibTeX value body: specials escaped, math kept (and braced)."""
    out = []
    for run, is_math, _ in split_math(text):
        if is_math:
            out.append("{$" + run.strip() + "$}" if protect else "$" + run.strip() + "$")
        else:
            escaped = _escape_plain(run)
            out.append(_protect_words(escaped) if protect else escaped)
    return "".join(out)


def _verbatim(value: str) -> str:
    """A URL or DOI, which styles print verbatim: written as is, only braces percent-encoded."""
    return value.replace("{", "%7B").replace("}", "%7D")


@lru_cache(maxsize=1 << 16)
def _author(name: str) -> str:
    escaped = _escape_plain(" ".join(name.split()))
    if re.search(r"\band\b", escaped, re.I) or "," in escaped:
        return "{" + escaped + "}"  # one name, not two, and not "Last, First"
    return escaped


def venue_kind(venue: str | None, entry_type: str | None = None) -> str | None:
    """'journal', 'conference' or None: from the BibTeX type when known, else from the name."""
    if entry_type == "article":
        return "journal"
    if entry_type in ("inproceedings", "conference", "proceedings"):
        return "conference"
    if not venue or entry_type is not None:
        return None
    if _CONFERENCE_WORDS.search(venue) or _ACRONYM_YEAR.match(venue.strip()):
        return "conference"
    return "journal"


def _extra_text(paper: Any, *names: str) -> str:
    for name in names:
        value = paper.extra.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def generated_entry(paper: Any, key: str, original: Original | None = None) -> str:
    """A BibTeX entry built from the paper's fields; with an `original` that does not stand on
    its own, that entry's type and usable fields are kept and the paper's fill the gaps."""
    kept = dict(original.fields) if original is not None else {}
    if original is not None:
        entry_type = original.entry_type
        kind = venue_kind(paper.venue, entry_type) or ("journal" if entry_type == "article" else "conference")
    else:
        kind = venue_kind(paper.venue)
        entry_type = {"journal": "article", "conference": "inproceedings"}.get(kind or "", "misc")
    fields: list[tuple[str, str]] = [("title", "{" + tex_value(paper.title, protect=True) + "}")]
    if paper.authors:
        fields.append(("author", "{" + " and ".join(map(_author, paper.authors)) + "}"))
    if paper.date is not None and not {"year", "date"} & kept.keys():
        fields.append(("year", "{" + str(paper.date.year) + "}"))
        if paper.date.month is not None:
            fields.append(("month", _MONTHS[paper.date.month]))
        if paper.date.day is not None:
            fields.append(("date", "{" + str(paper.date) + "}"))
    if paper.venue and not {"journal", "journaltitle", "booktitle"} & kept.keys():
        fields.append(("journal" if kind == "journal" else "booktitle", "{" + tex_value(paper.venue) + "}"))
    for name, keys in (("volume", ("volume",)), ("number", ("number", "issue")), ("pages", ("pages",))):
        value = _extra_text(paper, *keys)
        if value:
            fields.append((name, "{" + _escape_plain(value) + "}"))
    if paper.doi:
        fields.append(("doi", "{" + _verbatim(paper.doi) + "}"))
    if paper.arxiv:
        fields += [("eprint", "{" + paper.arxiv + "}"), ("archiveprefix", "{arXiv}")]
        if paper.categories:
            fields.append(("primaryclass", "{" + _escape_plain(paper.categories[0]) + "}"))
        fields.append(("url", "{https://arxiv.org/abs/" + paper.arxiv + "}"))
    else:
        url = next((paper.links[name] for name in ("web", "project", "pdf") if name in paper.links), None)
        if url:
            fields.append(("url", "{" + _verbatim(url) + "}"))
    names = {name for name, _ in fields}
    fields += [(name, value) for name, value in kept.items() if name not in names and name != "title"]
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


def bibtex(view: Any) -> str:
    """The BibTeX entry of a paper view under its site-wide key: its original entry when that
    stands on its own, else a generated one (or the one assign_cite_keys settled for this very
    paper and key). Ends with a newline."""
    paper = view.paper
    settled = _SETTLED.get(view.slug)
    if settled is not None and settled[0] is paper and settled[1] == view.cite_key:
        return settled[2]
    original = original_entry(paper)
    if original is not None and original.self_contained:
        raw = paper.extra["bibtex"].strip()
        return _HEADER.sub(lambda m: m.group(1) + view.cite_key, raw, count=1) + "\n"
    return generated_entry(paper, view.cite_key, original)


# --- files -------------------------------------------------------------------------------------


def citation_files(views: Iterable[Any], per_paper: bool = True) -> dict[str, str]:
    """`/papers/<slug>/cite.bib` per paper (unless not `per_paper`) and `/papers.bib` with every
    entry, in site order."""
    files: dict[str, str] = {}
    entries = []
    for view in views:
        entry = bibtex(view)
        if per_paper:
            files[paper_citation_url(view)] = entry
        entries.append(entry)
    files["/papers.bib"] = "\n".join(entries)
    return files


def paper_citation_url(view: Any) -> str:
    return view.url + "cite.bib"
