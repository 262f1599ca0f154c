"""The importer registry: one module per source format, looked up by name or detected from a file.

An importer is a module with `NAME`, `DESCRIPTION`, `detect(path, head) -> bool` and
`read(path) -> Iterator[Record | Problem | Notice]` (see `base.py`); one that can apply `--category`
and `--since` sets `FILTERS = True` and takes `read(path, filters)`. Adding a format is adding its
module and one entry to `_FORMATS`; nothing else changes. Modules load when first used: every
`sitegen` command builds the help of `sitegen import`, which needs only the table.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .base import Filters, Importer, Item, Notice, Record

__all__ = [
    "Filters", "Importer", "Item", "Notice", "Record", "UnknownFormatError",
    "get", "names", "filtering", "detect_format", "supports_filters",
]

# (NAME, module, FILTERS) of every importer. Detection tries them in this order: put formats with
# a precise signature before loose ones (hf-daily-api files are JSON lists of objects too, so they
# go before metadata-json).
_FORMATS: tuple[tuple[str, str, bool], ...] = (
    ("arxiv-atom", "arxiv_atom", True),
    ("hf-daily-api", "hf_daily", False),
    ("arxiv-snapshot", "arxiv_snapshot", True),
    ("metadata-json", "metadata_json", False),
    ("bibtex", "bibtex", False),
    ("zotero-csv", "zotero_csv", False),
    ("hf-listing", "hf_listing", False),
)
HEAD_SIZE = 8192


class UnknownFormatError(ValueError):
    """No importer has the given name, or none recognises a file: say which, and what exists."""


def names() -> list[str]:
    """Format names in detection order (for `--format` choices and help text)."""
    return [name for name, _, _ in _FORMATS]


def filtering() -> list[str]:
    """The formats whose importer takes `Filters` (`--category`, `--since`)."""
    return [name for name, _, filters in _FORMATS if filters]


def supports_filters(importer: Importer) -> bool:
    """Whether `importer.read` takes `Filters` (`--category`, `--since`)."""
    return bool(getattr(importer, "FILTERS", False))


def get(name: str) -> Importer:
    """The importer called `name`; UnknownFormatError lists the known names otherwise."""
    for known, module, _ in _FORMATS:
        if known == name:
            return importlib.import_module(f"{__name__}.{module}")  # type: ignore[return-value]
    raise UnknownFormatError(f"unknown format '{name}' (known formats: {', '.join(names())})")


def detect_format(path: Path) -> str:
    """The name of the first importer that recognises `path` from its name and first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_SIZE)
    except OSError as err:
        raise UnknownFormatError(f"{path}: cannot read: {err.strerror}") from None
    for name in names():
        if get(name).detect(path, head):
            return name
    raise UnknownFormatError(
        f"{path}: no importer recognises this file; name its format with --format "
        f"(known formats: {', '.join(names())})"
    )
