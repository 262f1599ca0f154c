"""arXiv ids and DOIs as sources spell them -> one canonical form, so the same paper matches itself."""
from __future__ import annotations

import re

from ..content import ARXIV_RE, DOI_RE
from ..model import PaperDate

__all__ = ["normalise_arxiv", "normalise_doi", "arxiv_month"]

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
