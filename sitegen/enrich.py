"""`sitegen enrich`: look sparse papers up on arXiv and fill what they lack, never what they have.

A page is sparse when it lacks authors, arXiv id, DOI or categories, or its date is only a year
or month, or only the one `--date` supplied. A page with an arXiv id is looked up by id (up to a
hundred per request); one without, by its exact title (`ti:"…"`), where a candidate counts only if
its normalised title equals the page's and it passes import's identity rules (no different DOI,
not published years apart). One candidate is a match; two or more with different ids are
ambiguous and never applied: the report lists them, and adding `arxiv: ID` to the page settles it.

Matches are applied by importing the matched entries of the fetched Atom responses through
`importing.import_files`, so identity, the never-overwrite merge and writing are import's own.
A dry run of that import comes first: if it would create a page or touch one that was not
matched, nothing is written (enrich never adds papers).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable

from . import importers
from .config import Config
from .content import read_folder
from .fetch import FetchReport, Fetcher, fetch_arxiv_ids, fetch_arxiv_query
from .fetch_cache import CACHE_DIR
from .fetch_sources import check_arxiv_feed
from .importers.identifiers import normalise_arxiv
from .importing import ImportReport, import_files, title_key
from .importing import _contradicts, _date_is_assumed, _years_apart  # import's identity rules, shared
from .importing import enrich as merge
from .model import Paper, Problem

__all__ = ["EnrichReport", "Match", "enrich_archive", "missing_fields"]

TITLE_CANDIDATES = 20  # results read per title query; the exact title ranks first on arXiv
MATCHES_FILE = Path(CACHE_DIR) / "enrich" / "arxiv-matches.xml"
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Match:
    """A page and the arXiv entry found for it; `filled` names what the merge adds (may be none)."""

    slug: str
    arxiv: str
    by: str  # "id" or "title"
    filled: tuple[str, ...]


@dataclass
class EnrichReport:
    """What enrich found and did; slugs in file-name order."""

    looked_up: int = 0
    complete: int = 0  # pages that lack nothing, not looked up
    matched: list[Match] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (slug, why)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)  # (slug, candidates as "id (date): title")
    failed: list[Problem] = field(default_factory=list)  # lookups that could not be made
    broken: list[Problem] = field(default_factory=list)  # content files that cannot be read
    refused: list[Problem] = field(default_factory=list)  # matches not applied: the import would not do what was matched
    imported: ImportReport = field(default_factory=ImportReport)
    interrupted: bool = False


def missing_fields(paper: Paper) -> list[str]:
    """The looked-up fields `paper` lacks: authors, date (not a day, or only assumed), arxiv, doi, categories."""
    missing = []
    if not paper.authors:
        missing.append("authors")
    if paper.date is None or paper.date.precision != "day" or _date_is_assumed(paper):
        missing.append("date")
    for name in ("arxiv", "doi", "categories"):
        if not getattr(paper, name):
            missing.append(name)
    return missing


Entry = tuple[Paper, ET.Element]  # an arXiv entry as the importer reads it, and its XML to apply it


def _entries(path: Path) -> dict[str, Entry]:
    """The entries of one fetched response by arXiv id; none from a file damaged by hand."""
    try:
        body = path.read_bytes()
        check_arxiv_feed(body)
    except (OSError, ValueError):
        return {}
    papers = {item.paper.arxiv: item.paper for item in importers.get("arxiv-atom").read(path)
              if isinstance(item, importers.Record) and item.paper.arxiv}
    entries: dict[str, Entry] = {}
    for element in ET.fromstring(body).findall(_ATOM + "entry"):
        identifier = normalise_arxiv((element.findtext(_ATOM + "id") or "").rsplit("/abs/", 1)[-1])
        if identifier in papers and identifier not in entries:
            entries[identifier] = (papers[identifier], element)
    return entries


def _title_query(paper: Paper) -> str | None:
    words = title_key(paper.title)
    return f'ti:"{words}"' if words else None


def _describe(paper: Paper) -> str:
    return f"{paper.arxiv} ({paper.date}): {paper.title}"


def _filled(old: Paper, new: Paper) -> tuple[str, ...]:
    merged = merge(old, new)
    names = [f.name for f in fields(Paper) if f.name not in ("extra", "source", "slug") and getattr(merged, f.name) != getattr(old, f.name)]
    return tuple(names + [key for key in merged.extra if key not in old.extra])


def enrich_archive(config: Config, fetcher: Fetcher, *, slugs: Iterable[str] = (), dry_run: bool = False) -> EnrichReport:
    """Look up the sparse pages (or only `slugs`), then apply the single matches through import."""
    report = EnrichReport()
    papers, report.broken = read_folder(config.papers_dir)
    wanted = list(dict.fromkeys(slugs))
    by_slug = {paper.slug: paper for paper in papers}
    for slug in wanted:
        if slug not in by_slug:
            report.unmatched.append((slug, f"no page {config.papers_dir / (slug + '.md')}"))
    chosen = [by_slug[slug] for slug in wanted if slug in by_slug] if wanted else papers
    targets = [paper for paper in chosen if missing_fields(paper)]
    report.complete = len(chosen) - len(targets)
    report.looked_up = len(targets)

    fetched = FetchReport("arxiv-atom")
    by_id = [paper for paper in targets if paper.arxiv]
    by_title = [paper for paper in targets if not paper.arxiv]
    if by_id:
        fetched.add(fetch_arxiv_ids(fetcher, sorted({paper.arxiv for paper in by_id if paper.arxiv})))
    title_files: dict[str, list[Path]] = {}  # slug -> its title query's answers (absent: not asked, or failed)
    for paper in by_title:
        query = _title_query(paper)
        if query is None or fetched.interrupted:
            continue
        answer = fetch_arxiv_query(fetcher, query, TITLE_CANDIDATES, "relevance")
        if not answer.failed:
            title_files[paper.slug] = answer.files
        fetched.add(answer)
    report.failed = fetched.failed
    report.interrupted = fetched.interrupted
    read = {path: _entries(path) for path in fetched.files}
    found: dict[str, Entry] = {}
    for entries in read.values():
        for identifier, entry in entries.items():
            found.setdefault(identifier, entry)

    choices: dict[str, tuple[Paper, str]] = {}  # slug -> (the entry's paper, how it was found)
    for paper in targets:
        if paper.arxiv:
            entry = found.get(normalise_arxiv(paper.arxiv) or paper.arxiv)
            if entry is not None:
                choices[paper.slug] = (entry[0], "id")
            elif paper.arxiv in fetched.missing:
                report.unmatched.append((paper.slug, f"arXiv returned no paper with the id {paper.arxiv}"))
            continue
        if paper.slug not in title_files:
            if _title_query(paper) is None:
                report.unmatched.append((paper.slug, "the title has no words to search for"))
            continue
        answers = {identifier: entry for path in title_files[paper.slug] for identifier, entry in read[path].items()}
        same_title = [entry for entry, _ in answers.values() if title_key(entry.title) == title_key(paper.title)]
        candidates = [entry for entry in same_title if not _contradicts(paper, entry) and not _years_apart(paper, entry)]
        if len(candidates) == 1:
            choices[paper.slug] = (candidates[0], "title")
        elif candidates:
            report.ambiguous.append((paper.slug, [_describe(entry) for entry in candidates]))
        elif same_title:
            others = ", ".join(_describe(entry) for entry in same_title)
            report.unmatched.append((paper.slug, f"arXiv's papers of this title are other works (another DOI, or years apart): {others}"))
        else:
            report.unmatched.append((paper.slug, f"no arXiv paper is titled exactly '{paper.title}'"))

    _settle_conflicts(papers, choices, report)
    for slug, (entry, how) in choices.items():
        report.matched.append(Match(slug, entry.arxiv or "", how, _filled(by_slug[slug], entry)))
    report.matched.sort(key=lambda match: match.slug)
    report.unmatched.sort()
    report.ambiguous.sort()
    if choices:
        _apply(config, choices, found, report, dry_run)
    return report


def _settle_conflicts(papers: list[Paper], choices: dict[str, tuple[Paper, str]], report: EnrichReport) -> None:
    """Drop matches import would send elsewhere: one entry chosen for two pages, or an entry whose
    arXiv id or DOI another page already has (that page is this paper, so this one is a duplicate)."""
    holders: dict[tuple[str, str], str] = {}
    for paper in papers:
        if paper.arxiv:
            holders[("arxiv", normalise_arxiv(paper.arxiv) or paper.arxiv)] = paper.slug
        if paper.doi:
            holders[("doi", paper.doi.casefold())] = paper.slug
    chosen_by: dict[str, list[str]] = {}
    for slug, (entry, _) in choices.items():
        chosen_by.setdefault(entry.arxiv or "", []).append(slug)
    for slug, (entry, how) in list(choices.items()):
        sharing = [other for other in chosen_by[entry.arxiv or ""] if other != slug]
        if sharing:
            del choices[slug]
            report.ambiguous.append((slug, [f"{_describe(entry)} (matches the pages {', '.join(sorted([slug, *sharing]))} alike)"]))
            continue
        keys = [("arxiv", entry.arxiv or "")] + ([("doi", entry.doi.casefold())] if entry.doi else [])
        other = next((holders[key] for key in keys if holders.get(key, slug) != slug), None)
        if other is not None:
            del choices[slug]
            report.unmatched.append((slug, f"arXiv's {_describe(entry)} is already in the archive as {other}: a duplicate page?"))


def _apply(config: Config, choices: dict[str, tuple[Paper, str]], found: dict[str, Entry], report: EnrichReport,
           dry_run: bool) -> None:
    """Import exactly the matched entries; check with a dry run that the import agrees first."""
    feed = ET.Element(_ATOM + "feed")
    ET.SubElement(feed, _ATOM + "title").text = "sitegen enrich: arXiv entries matched to pages"
    for slug in sorted(choices):
        feed.append(found[choices[slug][0].arxiv or ""][1])
    path = config.root / MATCHES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(feed).write(path, encoding="utf-8", xml_declaration=True)
    trial = import_files([path], config.papers_dir, format="arxiv-atom", dry_run=True)
    touched = set(trial.new) | set(trial.enriched) | set(trial.unchanged)
    if trial.new or not touched <= set(choices):
        strays = sorted(set(trial.new) | (touched - set(choices)))
        report.refused.append(Problem(str(path), None, f"nothing applied: importing the matches would also touch "
                                                       f"{', '.join(strays)}, which were not matched"))
        report.imported = trial
        return
    report.imported = trial if dry_run else import_files([path], config.papers_dir, format="arxiv-atom")
