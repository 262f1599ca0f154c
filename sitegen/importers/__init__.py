"""The importer registry: one module per source format, looked up by name or detected from a file.

An importer is a module with `NAME`, `DESCRIPTION`, `detect(path, head) -> bool` and
`read(path) -> Iterator[Record | Problem | Notice]` (see `base.py`); one that can apply `--category`
and `--since` sets `FILTERS = True` and takes `read(path, filters)`. Adding a format is adding its
module and one entry to `_IMPORTERS`; nothing else changes.
"""
from __future__ import annotations

from pathlib import Path

from . import arxiv_atom, arxiv_snapshot, bibtex, hf_daily, hf_listing, metadata_json, zotero_csv
from .base import Filters, Importer, Item, Notice, Record

__all__ = [
    "Filters", "Importer", "Item", "Notice", "Record", "UnknownFormatError",
    "get", "names", "detect_format", "supports_filters",
]

# Detection tries these in order: put formats with a precise signature before loose ones
# (hf-daily-api files are JSON lists of objects too, so they go before metadata-json).
_IMPORTERS: tuple[Importer, ...] = (  # type: ignore[assignment]
    arxiv_atom,
    hf_daily,
    arxiv_snapshot,
    metadata_json,
    bibtex,
    zotero_csv,
    hf_listing,
)
_BY_NAME: dict[str, Importer] = {importer.NAME: importer for importer in _IMPORTERS}
HEAD_SIZE = 8192


class UnknownFormatError(ValueError):
    """No importer has the given name, or none recognises a file: say which, and what exists."""


def names() -> list[str]:
    """Format names in detection order (for `--format` choices and help text)."""
    return [importer.NAME for importer in _IMPORTERS]


def supports_filters(importer: Importer) -> bool:
    """Whether `importer.read` takes `Filters` (`--category`, `--since`)."""
    return bool(getattr(importer, "FILTERS", False))


def get(name: str) -> Importer:
    """The importer called `name`; UnknownFormatError lists the known names otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownFormatError(f"unknown format '{name}' (known formats: {', '.join(names())})") from None


def detect_format(path: Path) -> str:
    """The name of the first importer that recognises `path` from its name and first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_SIZE)
    except OSError as err:
        raise UnknownFormatError(f"{path}: cannot read: {err.strerror}") from None
    for importer in _IMPORTERS:
        if importer.detect(path, head):
            return importer.NAME
    raise UnknownFormatError(
        f"{path}: no importer recognises this file; name its format with --format "
        f"(known formats: {', '.join(names())})"
    )
