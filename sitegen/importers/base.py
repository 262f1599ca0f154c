"""What every importer yields: a Record (a paper and where it was found) or a Problem."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol, Union

from ..model import Paper, Problem

__all__ = ["Record", "Item", "Importer"]


@dataclass(frozen=True)
class Record:
    """One paper read from a source; `line` points at it so later stages can report problems.

    `paper.slug` is empty (the import step chooses slugs) and `paper.date` may be None when
    the source does not know it.
    """

    paper: Paper
    line: int | None


# Importers yield both kinds in source order, so one bad entry never hides the good ones.
Item = Union[Record, Problem]


class Importer(Protocol):
    """The shape of an importer module (a module, not a class: see importers/__init__.py)."""

    NAME: str
    DESCRIPTION: str

    def detect(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path) -> Iterator[Item]: ...
