"""What every importer yields: a Record (a paper and where it was found), a Problem or a Notice."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Protocol, Union

from ..model import Paper, PaperDate, Problem

__all__ = ["Record", "Notice", "Item", "Importer", "Filters"]


@dataclass(frozen=True)
class Record:
    """One paper read from a source; `line` points at it so later stages can report problems.

    `paper.slug` is empty (the import step chooses slugs) and `paper.date` may be None when
    the source does not know it.
    """

    paper: Paper
    line: int | None


@dataclass(frozen=True)
class Notice:
    """Worth telling, but nothing is wrong with the input: an empty feed, records a filter skipped."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return str(Problem(self.path, self.line, self.message))


# Importers yield all kinds in source order, so one bad entry never hides the good ones.
Item = Union[Record, Problem, Notice]


@dataclass(frozen=True)
class Filters:
    """`--category` and `--since`: which records of a large source to import.

    Only formats that know categories and dates apply them (their module sets `FILTERS = True`
    and takes `read(path, filters)`), ideally before converting a record, so that skipping is cheap.
    A category matches itself and its sub-categories (`cs` matches `cs.LG`); a date matches when
    it is not wholly before `since` (the month 2024-01 matches since 2024-01-15); a record without
    a date cannot be shown to be recent and does not match a `since`.
    """

    categories: tuple[str, ...] = ()
    since: PaperDate | None = None

    def __bool__(self) -> bool:
        return bool(self.categories or self.since)

    def accepts_categories(self, categories: Iterable[str]) -> bool:
        if not self.categories:
            return True
        return any(have == want or have.startswith(want + ".") for have in categories for want in self.categories)

    def accepts_date(self, date: PaperDate | None) -> bool:
        if self.since is None:
            return True
        if date is None:
            return False
        precision = len([part for part in (date.month, date.day) if part is not None]) + 1
        return date.sort_key[:precision] >= self.since.sort_key[:precision]

    def accepts(self, paper: Paper) -> bool:
        return self.accepts_categories(paper.categories) and self.accepts_date(paper.date)


class Importer(Protocol):
    """The shape of an importer module (a module, not a class: see importers/__init__.py).

    A module that can apply `Filters` also sets `FILTERS = True` and accepts them as the second
    argument of `read`.
    """

    NAME: str
    DESCRIPTION: str

    def detect(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path) -> Iterator[Item]: ...
