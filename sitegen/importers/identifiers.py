"""arXiv ids and DOIs as sources spell them -> one canonical form, so the same paper matches itself."""
from __future__ import annotations

import re

from ..content import ARXIV_RE, DOI_RE
from ..model import PaperDate

__all__ = ["normalise_arxiv", "normalise_doi", "arxiv_month", "find_arxiv", "find_doi", "is_arxiv_venue"]

_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$")
_DOI_PREFIX = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_NEW_STYLE = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")


def normalise_arxiv(text: str) -> str | None:
    """`arXiv:2010.14701v2` -> `2010.14701`; None when it is no arXiv id.

    The version is dropped because a paper is the same paper in every version.
    """
    value = _ARXIV_PREFIX.sub("", text.strip())
    if value.endswith(".pdf"):
        value = value[:-4]
    if not ARXIV_RE.match(value):
        return None
    return _VERSION.sub("", value)


def normalise_doi(text: str) -> str | None:
    """`https://doi.org/10.1/X` -> `10.1/X` (case kept: DOIs compare case-insensitively)."""
    value = _DOI_PREFIX.sub("", text.strip())
    return value if DOI_RE.match(value) else None


def arxiv_month(arxiv: str) -> PaperDate | None:
    """The month a new-style id (`YYMM.NNNNN`, since April 2007) was issued in, else None."""
    match = _NEW_STYLE.match(_VERSION.sub("", arxiv))
    if not match:
        return None
    year, month = 2000 + int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or (year, month) < (2007, 4):
        return None
    return PaperDate(year, month)


# An arXiv id inside free text: "arXiv:2003.07441 [cs]", "arXiv preprint arXiv:1607.06450",
# "ArXiv:2010.02178", "arxiv.org/abs/hep-ex/0406020v1", or an ADS bibcode "2017arXiv170802025M".
_ID = r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)"
_ARXIV_IN_TEXT = re.compile(r"(?:\barxiv\s*:\s*|arxiv\.org/(?:abs|pdf)/)" + _ID, re.IGNORECASE)
_ADS_BIBCODE = re.compile(r"\b\d{4}arXiv(\d{4})\.?(\d{4,5})[A-Z.]")
_ARXIV_VENUE = re.compile(r"^\s*(?:arxiv\b|ar\{?x\}?iv\b|corr\b)", re.IGNORECASE)
_DOI_IN_TEXT = re.compile(r"\b10\.\d{4,9}/[^\s\"']+")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_TRAILING = ".,;:"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def find_arxiv(text: str | None) -> str | None:
    """The first arXiv id written in `text` (without version), else None."""
    if not text:
        return None
    match = _ARXIV_IN_TEXT.search(text)
    if match:
        return normalise_arxiv(match.group(1))
    bibcode = _ADS_BIBCODE.search(text)
    if bibcode:
        return normalise_arxiv(f"{bibcode.group(1)}.{bibcode.group(2)}")
    return None


def is_arxiv_venue(text: str) -> bool:
    """`arXiv:2003.07441 [cs]`, `ArXiv e-prints`, `arXiv preprint …`, `CoRR`: a preprint server, not a venue."""
    return bool(_ARXIV_VENUE.match(text))


def find_doi(text: str | None) -> str | None:
    """The first DOI in a DOI field or a doi.org URL, without stray punctuation (`10.1086/666502;`).

    Only DOI fields and doi.org links count: a DOI-like path inside another URL
    (`…/doi/10.1002/x/abstract`) is not reliably a DOI.
    """
    if not text:
        return None
    text = text.strip()
    if text.lower().startswith(("http://", "https://")) and not _DOI_URL.match(text):
        return None
    match = _DOI_IN_TEXT.search(text)
    if not match:
        return None
    doi = match.group(0)
    while doi:
        last = doi[-1]
        if last in _TRAILING:
            doi = doi[:-1]
        elif last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last]):
            doi = doi[:-1]
        else:
            break
    return normalise_doi(doi)
