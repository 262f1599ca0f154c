"""`sitegen fetch`: ask Hugging Face or arXiv for papers, keep the raw answers, import them.

This command and `sitegen enrich` are the only ones that use the network; `build` never does.
Every answer is checked, stored under `.sitegen-cache/fetch/` (see fetch_cache.py) and then
imported with `importing.import_files` like a file given to `sitegen import`, so the merge rules
are the same: a paper already in the archive is only enriched, never overwritten.

The cache decides what is asked again: a Hugging Face day fetched after it ended everywhere is
final and never fetched again; a day fetched while it was still under way is reused until
`--refresh`, and fetched once more by itself after the day has ended. arXiv answers are reused
until `--refresh`. `--offline` uses only the cache (to replay an import that failed). When a
request fails for good, the ones before it are still imported and the failure is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .fetch_cache import Cached, ResponseCache
from .fetch_http import Check, Client, Describe, FetchError, Malformed
from .fetch_sources import (
    ARXIV, HF_DAILY, PAGE_SIZE, FeedPage, arxiv_ids_name, arxiv_query_name, arxiv_query_url,
    check_arxiv_feed, check_hf_day, describe_arxiv_error, describe_hf_error, hf_day_complete,
    hf_day_name, hf_day_url,
)
from .importers import Notice
from .importers.identifiers import normalise_arxiv
from .importing import ImportReport, Progress, import_files
from .model import Problem

__all__ = [
    "FetchReport", "Fetcher", "arxiv_ids", "days_between", "fetch_arxiv_ids", "fetch_arxiv_query",
    "fetch_hf_daily", "import_fetched", "today_utc",
]

HF_FORMAT = "hf-daily-api"
ARXIV_FORMAT = "arxiv-atom"
IDS_PER_REQUEST = 100
Log = Callable[[str], None]


def _quiet(line: str) -> None:
    return None


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


@dataclass
class FetchReport:
    """What a fetch got: the responses to import (cached or new, in request order), and what failed."""

    format: str
    files: list[Path] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # cache names fetched from the network now
    cached: list[str] = field(default_factory=list)  # cache names reused
    failed: list[Problem] = field(default_factory=list)  # requests that failed for good
    missing: list[str] = field(default_factory=list)  # arXiv ids asked for that arXiv returned no paper for
    notices: list[Notice] = field(default_factory=list)
    interrupted: bool = False  # Ctrl-C: what came before is still imported

    def add(self, other: "FetchReport") -> None:
        for path in other.files:
            if path not in self.files:
                self.files.append(path)
        self.fetched += other.fetched
        self.cached += other.cached
        self.failed += other.failed
        self.missing += other.missing
        self.notices += other.notices
        self.interrupted = self.interrupted or other.interrupted


class Fetcher:
    """Cache first, then the network through one polite Client; `now` and `client` are replaceable."""

    def __init__(self, config: Config, *, refresh: bool = False, offline: bool = False, client: Client | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc), log: Log = _quiet):
        self.config = config
        self.cache = ResponseCache(config.root)
        self.client = client or Client(config.sources)
        self.refresh, self.offline, self.now, self.log = refresh, offline, now, log

    def response(self, report: FetchReport, service: str, name: str, url: str, *, label: str,
                 reuse: Callable[[Cached], bool], check: Check, describe: Describe, accept: str) -> bytes | None:
        """The body for `url` from the cache or the network (then cached); None after recording a failure."""
        cached = self.cache.get(service, name)
        if cached is not None and (self.offline or reuse(cached)):
            report.cached.append(name)
            report.files.append(cached.path)
            return cached.path.read_bytes()
        if self.offline:
            report.failed.append(Problem(label, None, f"not in the cache ({self.cache.path(service, name)}): "
                                                      f"run without --offline to fetch it"))
            return None
        try:
            body = self.client.get(url, accept=accept, check=check, describe=describe,
                                   log=lambda line: self.log(f"{label}: {line}"))
        except FetchError as err:
            report.failed.append(Problem(f"{label} ({url})", None, str(err)))
            return None
        stored = self.cache.put(service, name, body, url, self.now())
        report.fetched.append(name)
        report.files.append(stored.path)
        return body


# --- Hugging Face daily papers -------------------------------------------------------------

def days_between(since: date, until: date) -> list[date]:
    return [since + timedelta(days=offset) for offset in range((until - since).days + 1)]


def _paper_count(body: bytes) -> int:
    try:
        return check_hf_day(body)
    except ValueError:  # a cached file edited by hand: the import says what is wrong with it
        return 0


def fetch_hf_daily(fetcher: Fetcher, days: Iterable[date]) -> FetchReport:
    """One request per day, oldest first."""
    report = FetchReport(HF_FORMAT)
    base = fetcher.config.sources.hf_api
    try:
        for day in days:
            label = f"{HF_DAILY} {day}"

            def reuse(cached: Cached, day: date = day) -> bool:
                if hf_day_complete(day, cached.fetched):
                    return True  # a day that had ended when it was fetched never changes
                return not fetcher.refresh and not hf_day_complete(day, fetcher.now())

            before = len(report.cached)
            body = fetcher.response(report, HF_DAILY, hf_day_name(day), hf_day_url(base, day), label=label,
                                    reuse=reuse, check=check_hf_day, describe=describe_hf_error,
                                    accept="application/json")
            if body is not None:
                count = _paper_count(body)
                how = "from the cache" if len(report.cached) > before else "fetched"
                fetcher.log(f"{label}: {count} paper{'s' if count != 1 else ''} ({how})")
                if count == 0:
                    report.notices.append(Notice(label, None, "no papers that day"))
    except KeyboardInterrupt:
        report.interrupted = True
    return report


# --- arXiv -----------------------------------------------------------------------------------

def arxiv_ids(words: Iterable[str]) -> tuple[str, ...] | None:
    """The arXiv ids among `words` (`arXiv:` prefixes dropped, versions kept), or None unless
    every word is one."""
    ids: list[str] = []
    for word in words:
        text = word.strip()
        text = text[len("arxiv:"):] if text.lower().startswith("arxiv:") else text
        if normalise_arxiv(text) is None:
            return None
        if text not in ids:
            ids.append(text)
    return tuple(ids) or None


def _feed(body: bytes) -> FeedPage:
    try:
        return check_arxiv_feed(body)
    except (Malformed, ValueError):
        return FeedPage(0, None)


def fetch_arxiv_query(fetcher: Fetcher, search_query: str, max_results: int, sort: str,
                      page_size: int = PAGE_SIZE) -> FetchReport:
    """Pages of `page_size` results until `max_results`, the end of the results, or a failure."""
    report = FetchReport(ARXIV_FORMAT)
    base = fetcher.config.sources.arxiv_api
    start = 0
    try:
        while start < max_results:
            size = min(page_size, max_results - start)
            label = f"{ARXIV} query {search_query!r} results {start + 1}-{start + size}"

            def check(body: bytes, start: int = start) -> FeedPage:
                page = check_arxiv_feed(body)
                if page.entries == 0 and page.total is not None and start < page.total:
                    raise Malformed(f"an empty page although the feed reports {page.total} results (an arXiv hiccup)")
                return page

            url = arxiv_query_url(base, search_query=search_query, start=start, max_results=size, sort=sort)
            body = fetcher.response(report, ARXIV, arxiv_query_name(search_query, sort, start, size), url,
                                    label=label, reuse=lambda cached: not fetcher.refresh, check=check,
                                    describe=describe_arxiv_error, accept="application/atom+xml")
            if body is None:
                break
            page = _feed(body)
            total = f" of {page.total}" if page.total is not None else ""
            fetcher.log(f"{label}: {page.entries} entries{total}")
            start += size
            ended = start >= page.total if page.total is not None else page.entries < size
            if ended:
                break
    except KeyboardInterrupt:
        report.interrupted = True
    return report


def fetch_arxiv_ids(fetcher: Fetcher, ids: Iterable[str]) -> FetchReport:
    """Papers by id, up to IDS_PER_REQUEST per request; ids arXiv returns nothing for go to `missing`."""
    report = FetchReport(ARXIV_FORMAT)
    base = fetcher.config.sources.arxiv_api
    wanted = list(dict.fromkeys(ids))
    try:
        for first in range(0, len(wanted), IDS_PER_REQUEST):
            batch = tuple(wanted[first:first + IDS_PER_REQUEST])
            label = f"{ARXIV} {batch[0]}" + (f" and {len(batch) - 1} more" if len(batch) > 1 else "")
            url = arxiv_query_url(base, id_list=batch, max_results=len(batch))
            body = fetcher.response(report, ARXIV, arxiv_ids_name(batch), url, label=label,
                                    reuse=lambda cached: not fetcher.refresh, check=check_arxiv_feed,
                                    describe=describe_arxiv_error, accept="application/atom+xml")
            if body is None:
                continue
            found = set(_feed(body).ids)
            missing = [identifier for identifier in batch if (normalise_arxiv(identifier) or identifier) not in found]
            fetcher.log(f"{label}: {len(batch) - len(missing)} of {len(batch)} found")
            report.missing += missing
    except KeyboardInterrupt:
        report.interrupted = True
    return report


# --- import --------------------------------------------------------------------------------

def import_fetched(config: Config, report: FetchReport, *, dry_run: bool = False,
                   progress: Progress | None = None) -> ImportReport:
    """Import every response the fetch got, as `sitegen import --format …` would."""
    if not report.files:
        return ImportReport()
    extra = {"progress": progress} if progress is not None else {}
    return import_files(report.files, config.papers_dir, format=report.format, dry_run=dry_run, **extra)
