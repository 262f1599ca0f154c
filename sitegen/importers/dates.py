"""Dates as sources write them -> PaperDate at the precision the source really knows.

Timestamps (`2024-05-24T17:34:15.000Z`, `Mon, 2 Apr 2007 19:18:42 GMT`) give a day; free-form
dates of reference managers (`2019-06`, `2020-00-00`, `1984/1986`, `May 1935`) give what they
state and nothing more: a missing month or day is never filled in.
"""
from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from ..model import PaperDate

__all__ = ["timestamp_day", "rfc2822_day", "loose_date", "month_number", "front_matter_value"]

_TIMESTAMP = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]|$)")
# ISO prefix; Zotero writes unknown parts as 00; biblatex ranges and uncertain dates (1984/1986,
# 1998?, 1998~) count from their start.
_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?=$|[/?~%\sT])")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janvier", "januar"),
            ("feb", "february", "février", "februar"),
            ("mar", "march", "mars", "märz"),
            ("apr", "april", "avril"),
            ("may", "mai"),
            ("jun", "june", "juin", "juni"),
            ("jul", "july", "juillet", "juli"),
            ("aug", "august", "août"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre", "oktober"),
            ("nov", "november", "novembre"),
            ("dec", "december", "décembre", "dezember"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?", re.IGNORECASE)


def _date(year: int, month: int | None = None, day: int | None = None) -> PaperDate | None:
    try:
        return PaperDate(year, month or None, (day or None) if month else None)
    except ValueError:
        try:  # an impossible day (2021-02-30) still tells the month
            return PaperDate(year, month or None)
        except ValueError:
            return None


def timestamp_day(text: str | None) -> PaperDate | None:
    """The day of an ISO 8601 timestamp as written (`2024-05-24T17:34:15Z` -> 2024-05-24)."""
    match = _TIMESTAMP.match(text or "")
    return _date(*(int(part) for part in match.groups())) if match else None


def rfc2822_day(text: str | None) -> PaperDate | None:
    """The day of an e-mail style timestamp (`Mon, 2 Apr 2007 19:18:42 GMT` -> 2007-04-02)."""
    try:
        moment = parsedate_to_datetime(text or "")
    except (TypeError, ValueError, IndexError):
        return None
    return _date(moment.year, moment.month, moment.day)


def month_number(text: str | None) -> int | None:
    """`jan`, `January`, `Jan.`, `1`, `01` -> 1; None for anything else."""
    text = (text or "").strip().rstrip(".").casefold()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTHS.get(text)


def loose_date(text: str | None) -> PaperDate | None:
    """A date from free text: ISO (`2019-06`, `2020-00-00`), a range's start, `May 1935`, `1956`."""
    text = (text or "").strip()
    if not text:
        return None
    match = _ISO.match(text)
    if match:
        year, month, day = (int(part) if part else 0 for part in match.groups())
        return _date(year, month, day)
    year = _YEAR.search(text)
    if not year:
        return None
    month_word = _MONTH_WORD.search(text)
    month = _MONTHS[month_word.group(1).casefold()] if month_word else None
    day = None
    if month_word:  # "15 March 2020" or "March 15, 2020"
        around = re.search(r"(?<!\d)(\d{1,2})(?!\d)", text.replace(year.group(1), " "))
        day = int(around.group(1)) if around else None
    return _date(int(year.group(1)), month, day)


def front_matter_value(date: PaperDate) -> "dt.date | str":
    """An extra date key as YAML shows it best: a day unquoted (`2024-05-24`), else `'2024-05'`."""
    return dt.date(date.year, date.month or 1, date.day or 1) if date.precision == "day" else str(date)
