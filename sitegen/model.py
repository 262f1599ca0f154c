"""The data model every stage shares: Paper, PaperDate, Problem. No I/O lives here."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Mapping

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PaperDate:
    """A publication date at the precision the source knows: a year, a month or a day.

    Sources such as BibTeX often know only the year; nothing may invent the rest.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not between 1 and 12")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month or 1)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"day {self.day} does not exist in {self.year}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> "PaperDate":
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValueError with a reason otherwise."""
        match = _DATE_RE.match(text.strip())
        if not match:
            raise ValueError(f"'{text}' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(part) if part else None for part in match.groups())
        return cls(year, month, day)

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year'."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Less precise dates sort as the start of their period."""
        return (self.year, self.month or 0, self.day or 0)

    def __str__(self) -> str:
        return _date_text(self.year, self.month, self.day)


@cache  # a paper page writes its date and its related papers' a dozen times; an archive has few dates
def _date_text(year: int, month: int | None, day: int | None) -> str:
    text = f"{year:04d}"
    if month is not None:
        text += f"-{month:02d}"
    if day is not None:
        text += f"-{day:02d}"
    return text


@dataclass(frozen=True)
class Paper:
    """One paper, as importers produce it, content files store it and the builder renders it.

    `slug` is the content file's name (empty until the paper is written); `body` is the
    Markdown below the front matter (the abstract, plus any notes a person added); `extra`
    holds front-matter keys sitegen does not know, kept so they reach templates unchanged.
    """

    title: str
    date: PaperDate | None = None
    authors: tuple[str, ...] = ()
    arxiv: str | None = None
    doi: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)
    venue: str | None = None
    source: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    body: str = ""
    slug: str = ""


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong with the input, located so a person can go and fix it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


class ProblemsError(Exception):
    """Raised by a stage that cannot go on; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def describe_value(value: Any) -> str:
    """Name a wrong value in an error message the way a person would read it in YAML or JSON."""
    if isinstance(value, str):
        return f"'{value}'" if len(value) < 60 else "a long text"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__
