"""The two services `sitegen fetch` knows: their request URLs, cache names and response checks.

Hugging Face daily papers: `GET {hf_api}/daily_papers?date=YYYY-MM-DD`, a JSON list per day,
cached as `hf-daily/<day>.json` (the name the hf-daily-api importer reads the day from).
arXiv: `GET {arxiv_api}/query?search_query=…&start=…&max_results=…&sortBy=…&sortOrder=…` or
`?id_list=…`, an Atom feed per page, cached as `arxiv/query-<words>-<hash>-<start>.xml` or
`arxiv/ids-<ids>.xml`. The checks only look at the envelope (is it the service's format, is it
complete, is it an error); reading papers is the importers' job.
"""
from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from .fetch_http import Malformed, Refused
from .importers.identifiers import normalise_arxiv
from .slugs import slugify

HF_DAILY = "hf-daily"
ARXIV = "arxiv"
PAGE_SIZE = 100  # arXiv results per request: small slices, as the API's manual recommends
SORTS = {  # --sort -> (sortBy, sortOrder)
    "submitted": ("submittedDate", "descending"),
    "updated": ("lastUpdatedDate", "descending"),
    "relevance": ("relevance", "descending"),
}
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_FORBIDDEN = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_ABS_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/abs/")


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Malformed(f"not UTF-8 (byte {err.start})") from None


# --- Hugging Face daily papers -------------------------------------------------------------

def hf_day_url(base: str, day: date) -> str:
    return f"{base}/daily_papers?{urlencode({'date': day.isoformat()})}"


def hf_day_name(day: date) -> str:
    return f"{day.isoformat()}.json"


def hf_day_complete(day: date, fetched: datetime | None) -> bool:
    """Whether a response fetched at `fetched` holds the whole day: the day had ended everywhere
    on Earth (12:00 UTC the day after). A response with no record of when counts as complete."""
    if fetched is None:
        return True
    return fetched >= datetime.combine(day + timedelta(days=1), time(12), tzinfo=timezone.utc)


def check_hf_day(body: bytes) -> int:
    """The number of papers in a day's response; Malformed for anything but a JSON list."""
    text = _text(body)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        cut = " (the body ends early: cut off?)" if err.pos >= len(text.rstrip()) else ""
        raise Malformed(f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}{cut}") from None
    if isinstance(value, dict) and isinstance(value.get("error"), str):
        raise Refused(f"Hugging Face answered with an error: {value['error']}")
    if not isinstance(value, list):
        raise Malformed(f"expected a JSON list of papers, found a {type(value).__name__}")
    return len(value)


def describe_hf_error(status: int, body: bytes) -> str:
    """The `error` text of a Hugging Face error answer (`{"error": "…"}`), else ''."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    return value["error"] if isinstance(value, dict) and isinstance(value.get("error"), str) else ""


# --- arXiv -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedPage:
    """What paging needs to know of one arXiv response."""

    entries: int
    total: int | None  # opensearch:totalResults
    ids: tuple[str, ...] = ()  # the entries' arXiv ids, without version


def arxiv_query_url(base: str, *, search_query: str = "", id_list: tuple[str, ...] = (), start: int = 0,
                    max_results: int = PAGE_SIZE, sort: str | None = None) -> str:
    params: dict[str, str | int] = {}
    if search_query:
        params["search_query"] = search_query
    if id_list:
        params["id_list"] = ",".join(id_list)
    params["start"] = start
    params["max_results"] = max_results
    if sort:
        params["sortBy"], params["sortOrder"] = SORTS[sort]
    return f"{base}/query?{urlencode(params)}"


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:8]


def arxiv_query_name(search_query: str, sort: str, start: int, max_results: int) -> str:
    """`query-cat-cs-lg-and-ti-scaling-1a2b3c4d-s100-m100.xml`: readable words, a hash of what
    the words lose (case, quotes, sort order), and the page's start and size."""
    words = slugify(search_query, max_length=40) or "query"
    return f"query-{words}-{_digest(search_query, sort)}-s{start}-m{max_results}.xml"


def arxiv_ids_name(ids: tuple[str, ...]) -> str:
    """`ids-2010.14701-2001.08361.xml` for a few ids, `ids-2010.14701-and-41-more-1a2b3c4d.xml` for many."""
    safe = [identifier.replace("/", "_") for identifier in ids]
    if len(safe) <= 3:
        return f"ids-{'-'.join(safe)}.xml"
    return f"ids-{safe[0]}-and-{len(safe) - 1}-more-{_digest(*ids)}.xml"


def _error_summary(root: ET.Element) -> str | None:
    """The reason of the API's error document (one entry titled Error, id …/api/errors#…)."""
    entries = root.findall(_ATOM + "entry")
    for entry in entries:
        entry_id = entry.findtext(_ATOM + "id") or ""
        title = (entry.findtext(_ATOM + "title") or "").strip()
        if "/api/errors" in entry_id or (len(entries) == 1 and title == "Error"):
            return " ".join((entry.findtext(_ATOM + "summary") or "no reason given").split())
    return None


def check_arxiv_feed(body: bytes) -> FeedPage:
    """Entries and total of an arXiv Atom response; Malformed when cut off or not a feed, Refused
    for the API's error document and for DTDs (which the API never sends)."""
    if _FORBIDDEN.search(body):
        raise Refused("refused: the response declares a DOCTYPE or entities, which an arXiv response never does")
    text = _text(body)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        reason = str(err).split(": line ")[0]
        raise Malformed(f"not valid XML: {reason} at line {err.position[0]} (cut off?)") from None
    if root.tag != _ATOM + "feed":
        raise Malformed("not an Atom feed")
    reason = _error_summary(root)
    if reason is not None:
        raise Refused(f"the arXiv API refused the request: {reason}")
    total_text = (root.findtext(_OPENSEARCH + "totalResults") or "").strip()
    total = int(total_text) if total_text.isdigit() else None
    entries = root.findall(_ATOM + "entry")
    ids = (normalise_arxiv(_ABS_URL.sub("", entry.findtext(_ATOM + "id") or "")) for entry in entries)
    return FeedPage(len(entries), total, tuple(identifier for identifier in ids if identifier))


def describe_arxiv_error(status: int, body: bytes) -> str:
    """The reason in the API's error document (sent with HTTP 400 for a bad query or id), else ''."""
    if _FORBIDDEN.search(body):
        return ""
    try:
        root = ET.fromstring(body.decode("utf-8"))
    except (UnicodeDecodeError, ET.ParseError):
        return ""
    return _error_summary(root) or ""
