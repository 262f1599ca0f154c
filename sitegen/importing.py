"""`sitegen import`: merge papers from source files into content/papers/ without losing edits.

Identity: a paper is the same paper when its arXiv id (without version) matches, else its DOI
(case-insensitive), else its normalised title, else the slug its title gives is the name of its
file (so a title a person edited still matches the source), unless the two carry different arXiv
ids or DOIs, or match only by title and were published more than a year apart. Papers are matched against the archive and against earlier papers of the same import.

Sources: files, or folders (every visible file directly inside, in name order). Each file's format
is `format` or detected from its content; `filters` (`--category`, `--since`) are applied by the
formats that know categories and dates, and said to be ignored by the others.

A new paper is written under a slug made from its title, which never changes afterwards. A known
paper is only enriched: fields that are missing or empty are filled, links gain missing keys, an
empty body gets the abstract; a value that is there is never changed, so a person's edits survive
and importing the same source twice changes no byte. Two refinements of `date` count as filling:
a year or month becomes a day or month inside it (2024-06 -> 2024-06-14), and a date that came
only from `--date` (recorded as `source.assumed_date`, and still equal to it) gives way to a date
a source states. Broken content files are reported and never written (a file whose name is not
a slug counts as broken, like the build says). Hidden files are not pages, as in the build; the
temporary files of an earlier import that was killed mid-write are removed (see
textfiles.stale_temp_files), unless `dry_run`.
"""
from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from . import importers
from .content import dump_paper, paper_from_mapping, paper_to_mapping, read_paper
from .textfiles import remove_stale_temp_files, write_text_atomic
from .importers import Filters, Notice, Record
from .importers.identifiers import arxiv_month, normalise_arxiv
from .model import Paper, PaperDate, Problem
from .slugs import slugify

__all__ = ["ImportReport", "import_files", "expand_paths", "title_key", "SLUG_MAX_LENGTH"]

SLUG_MAX_LENGTH = 80
_NON_WORD = re.compile(r"[\W_]+")
T = TypeVar("T")
# progress(iterable, desc=…, unit=…) -> the same items; the command passes a progress bar.
Progress = Callable[..., Iterable[T]]


def _no_progress(items: Iterable[T], **_: Any) -> Iterable[T]:
    return items


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do); slugs are listed in source order."""

    new: list[str] = field(default_factory=list)
    enriched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)  # source records not imported
    broken: list[Problem] = field(default_factory=list)  # existing content files left untouched
    changes: dict[str, str] = field(default_factory=dict)  # dry run only: slug -> unified diff
    formats: list[tuple[str, str]] = field(default_factory=list)  # (file, format it was read as)
    notices: list[Notice] = field(default_factory=list)  # worth saying, not wrong: empty feeds, …
    stages: list[tuple[str, float]] = field(default_factory=list)  # seconds per stage, in order (`--verbose`)


def title_key(title: str) -> str:
    """Titles compare equal across case, punctuation and spacing ("ChAda-ViT :" ~ "chada vit")."""
    return " ".join(_NON_WORD.sub(" ", title.casefold()).split())


def slug_for_title(title: str) -> str:
    """At most SLUG_MAX_LENGTH characters, cut at a word boundary (never dropping inner words)."""
    slug = slugify(title)
    if len(slug) > SLUG_MAX_LENGTH:
        cut = slug.rfind("-", 0, SLUG_MAX_LENGTH + 1)
        slug = slug[:cut] if cut > 0 else slug[:SLUG_MAX_LENGTH]
    return slug or "paper"


@dataclass
class _Entry:
    """A paper in the archive as this import sees it: the file as read, and the paper now."""

    paper: Paper
    original: Paper | None  # as read from its file; None for a paper new in this import
    text: str  # the file's text ("" for a new paper), for the diff
    where: Problem | None = None  # the first source record that touched it, for problems


class _Archive:
    """The content folder plus this import's changes, indexed by every identity key."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.entries: dict[str, _Entry] = {}
        self.broken: list[Problem] = []
        # slug -> the file with errors that holds it: its own name, and for a file whose name is
        # not a slug also the free name it is told to take (so import does not take it first)
        self.broken_slugs: dict[str, str] = {}
        self._keys: dict[tuple[str, str], list[str]] = {}
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            if path.name.startswith("."):  # hidden: not a page (the build skips it too)
                continue
            paper, problems = read_paper(path)
            if paper is None:
                self.broken.extend(problems)
                self.broken_slugs[path.stem] = path.stem
                renamed = slugify(path.stem)
                if renamed and not (folder / f"{renamed}.md").exists():
                    self.broken_slugs.setdefault(renamed, path.stem)
                continue
            self.add(paper, _Entry(paper, paper, path.read_bytes().decode("utf-8")))

    def add(self, paper: Paper, entry: _Entry) -> None:
        self.entries[paper.slug] = entry
        self.index(paper)

    def index(self, paper: Paper) -> None:
        for key in _identity_keys(paper):
            slugs = self._keys.setdefault(key, [])
            if paper.slug not in slugs:
                slugs.append(paper.slug)

    def find(self, paper: Paper) -> str | None:
        for kind, value in _identity_keys(paper):
            for slug in self._keys.get((kind, value), ()):
                known = self.entries[slug].paper
                if not (_contradicts(known, paper) or (kind in ("title", "slug") and _years_apart(known, paper))):
                    return slug
        return None

    def free_slug(self, title: str) -> tuple[str, str | None]:
        """A slug no file uses yet, or the name (without .md) of the broken file that blocks it."""
        base = slug_for_title(title)
        if base in self.broken_slugs:
            return base, self.broken_slugs[base]
        slug, number = base, 1
        while slug in self.entries or slug in self.broken_slugs or (self.folder / f"{slug}.md").exists():
            number += 1
            slug = f"{base}-{number}"
        return slug, None


def _identity_keys(paper: Paper) -> list[tuple[str, str]]:
    keys = []
    if paper.arxiv:
        keys.append(("arxiv", normalise_arxiv(paper.arxiv) or paper.arxiv))
    if paper.doi:
        keys.append(("doi", paper.doi.casefold()))
    if title_key(paper.title):
        keys.append(("title", title_key(paper.title)))
    # The slug remembers the title the paper was imported with, so an edited title still matches.
    keys.append(("slug", paper.slug or slug_for_title(paper.title)))
    return keys


def _contradicts(a: Paper, b: Paper) -> bool:
    """Different arXiv ids or DOIs mean different papers, however alike the titles."""
    if a.arxiv and b.arxiv and normalise_arxiv(a.arxiv) != normalise_arxiv(b.arxiv):
        return True
    return bool(a.doi and b.doi and a.doi.casefold() != b.doi.casefold())


def _years_apart(a: Paper, b: Paper) -> bool:
    """Same title, no shared id, published years apart: two works (a 1957 and a 1966 edition,
    a 2014 preprint and a 2020 magazine article). A preprint and its proceedings a year later
    are still one paper."""
    if a.date is None or b.date is None or _date_is_assumed(a) or _date_is_assumed(b):
        return False
    return abs(a.date.year - b.date.year) > 1


def _refines(old: PaperDate, new: PaperDate) -> bool:
    """`new` is more precise than `old` and inside it: 2024-06 -> 2024-06-14, 2024 -> 2024-06."""
    if new.year != old.year:
        return False
    if old.month is None:
        return new.month is not None
    return old.day is None and new.month == old.month and new.day is not None


def _date_is_assumed(paper: Paper) -> bool:
    """The date is still the one `--date` supplied: no source stated it and no person changed it."""
    assumed = paper.source.get("assumed_date")
    return paper.date is not None and assumed is not None and str(assumed) == str(paper.date)


def _merged_date(old: Paper, new: Paper) -> PaperDate | None:
    if old.date is None or new.date is None:
        return old.date or new.date
    if _date_is_assumed(old) or _refines(old.date, new.date):
        return new.date
    return old.date


def enrich(old: Paper, new: Paper) -> Paper:
    """`old` with its missing fields filled from `new`; nothing `old` has is changed."""
    date = _merged_date(old, new)
    source = old.source
    if new.date is not None and _date_is_assumed(old):  # a source now states the date
        source = {key: value for key, value in source.items() if key != "assumed_date"}
    return replace(
        old,
        date=date,
        source=source,
        authors=old.authors or new.authors,
        arxiv=old.arxiv or new.arxiv,
        doi=old.doi or new.doi,
        tags=old.tags or new.tags,
        categories=old.categories or new.categories,
        links=_added(old.links, new.links),
        venue=old.venue or new.venue,
        extra=_added(old.extra, new.extra),
        body=old.body if old.body.strip() else new.body,
    )


def _added(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """`old` with the keys only `new` has appended (existing keys keep their place and value)."""
    return {**old, **{key: value for key, value in new.items() if key not in old}}


def _normalised(paper: Paper) -> Paper:
    """arXiv ids are stored without version; a new-style id dates an undated paper by its month."""
    arxiv = (normalise_arxiv(paper.arxiv) or paper.arxiv) if paper.arxiv else None
    date = paper.date or (arxiv_month(arxiv) if arxiv else None)
    return replace(paper, arxiv=arxiv, date=date)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder becomes the visible files directly inside it, sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


def _records(
    paths: Iterable[Path], format: str | None, filters: Filters, report: ImportReport
) -> Iterator[tuple[Path, Record]]:
    """Every record of every file; unreadable files and bad records go to `report.rejected`."""
    for path in paths:
        try:
            importer = importers.get(format) if format else importers.get(importers.detect_format(path))
        except importers.UnknownFormatError as err:
            report.rejected.append(Problem(str(path), None, str(err).removeprefix(f"{path}: ")))
            continue
        report.formats.append((str(path), importer.NAME))
        if importers.supports_filters(importer):
            items = importer.read(path, filters)  # type: ignore[call-arg]
        else:
            if filters:
                message = f"--category and --since do not apply to {importer.NAME}: every paper is read"
                report.notices.append(Notice(str(path), None, message))
            items = importer.read(path)
        for item in items:
            if isinstance(item, Notice):
                report.notices.append(item)
            elif isinstance(item, Problem):
                report.rejected.append(item)
            else:
                yield path, item


def import_files(
    paths: list[Path],
    content_dir: Path,
    *,
    format: str | None = None,
    date: PaperDate | None = None,
    dry_run: bool = False,
    filters: Filters = Filters(),
    progress: Progress = _no_progress,
) -> ImportReport:
    """Import every paper in `paths` into `content_dir`; see the module docstring for the rules.

    `paths` may name folders (see expand_paths). `format` names the importer for all files
    (detected per file otherwise); `date` dates the new papers no source dates; `filters` select
    records where the format allows. Nothing is written when `dry_run`; `changes` shows what
    would be. `progress` wraps the record and write loops (a progress bar on a terminal).
    """
    report = ImportReport()
    started = time.perf_counter()
    if not dry_run:
        for path in remove_stale_temp_files(content_dir):
            message = "removed: a temporary file of a sitegen that was killed while writing"
            report.notices.append(Notice(str(path), None, message))
    archive = _Archive(content_dir)
    report.broken = list(archive.broken)
    touched: list[str] = []
    started = _lap(report, "read the archive", started)
    records = _records(expand_paths(paths), format, filters, report)
    for path, record in progress(records, desc="reading", unit=" papers"):
        incoming = _normalised(record.paper)
        where = Problem(str(path), record.line, "")
        slug = archive.find(incoming)
        if slug is None:
            slug, blocked_by = archive.free_slug(incoming.title)
            if blocked_by is not None:
                message = (f"would be written as {slug}.md, which has errors: fix it, then import again" if blocked_by == slug
                           else f"would be written as {slug}.md, but {blocked_by}.md has errors: fix it, then import again")
                report.rejected.append(replace(where, message=message))
                continue
            paper = replace(incoming, slug=slug)
            archive.add(paper, _Entry(paper, None, "", where))
        else:
            entry = archive.entries[slug]
            entry.paper = enrich(entry.paper, incoming)
            entry.where = entry.where or where
            archive.index(entry.paper)
        if slug not in touched:
            touched.append(slug)
    started = _lap(report, "read and match the sources", started)
    for slug in progress(touched, desc="writing", unit=" papers"):
        _finish(archive, slug, date, report, dry_run)
    _lap(report, "compare (dry run)" if dry_run else "write pages", started)
    return report


def _lap(report: ImportReport, stage: str, started: float) -> float:
    """Record the seconds since `started` as `stage`'s; return now."""
    now = time.perf_counter()
    report.stages.append((stage, now - started))
    return now


def _front_matter_errors(paper: Paper) -> list[str]:
    """What reading the file back would reject, checked on the values (no YAML round trip: the
    safe dumper writes plain values that load back as themselves, dates as the text they show)."""
    data = paper_to_mapping(paper)
    if paper.date is not None:
        data["date"] = str(paper.date)
    return [message for _, message in paper_from_mapping(data, paper.body, paper.slug)[1]]


def _finish(archive: _Archive, slug: str, date: PaperDate | None, report: ImportReport, dry_run: bool) -> None:
    """Date, validate, compare and (unless dry_run) write one touched paper."""
    entry = archive.entries[slug]
    paper, where = entry.paper, entry.where or Problem(str(archive.folder), None, "")
    if entry.original is None and paper.date is None:
        if date is None:
            message = f"no date: pass --date or add one to the source ('{paper.title}')"
            report.rejected.append(replace(where, message=message))
            return
        paper = replace(paper, date=date, source={**paper.source, "assumed_date": str(date)})
    if paper == entry.original:  # compared as values: a hand-formatted file is not rewritten
        report.unchanged.append(slug)
        return
    errors = _front_matter_errors(paper)
    if errors:
        report.rejected.append(replace(where, message=f"cannot be written as {slug}.md: {'; '.join(errors)}"))
        return
    text = dump_paper(paper)
    (report.new if entry.original is None else report.enriched).append(slug)
    if dry_run:
        old_name = "/dev/null" if entry.original is None else f"a/{slug}.md"
        diff = difflib.unified_diff(
            entry.text.splitlines(keepends=True), text.splitlines(keepends=True), old_name, f"b/{slug}.md"
        )
        report.changes[slug] = "".join(diff)
        return
    # A new paper's slug comes from free_slug; a known file keeps its name (a slug: a file named
    # otherwise is broken and never touched). The text dumped and checked above is what is written.
    write_text_atomic(archive.folder / f"{slug}.md", text)
