"""The importer registry: one module per source format, looked up by name or detected from a file.

An importer is a module with `NAME`, `DESCRIPTION`, `detect(path, head) -> bool` and
`read(path) -> Iterator[Record | Problem]` (see `base.py`). Adding a format is adding its module
and one entry to `_IMPORTERS`; nothing else changes.
"""
from __future__ import annotations

from pathlib import Path

from . import hf_listing, metadata_json
from .base import Importer, Item, Record

__all__ = ["Importer", "Item", "Record", "UnknownFormatError", "get", "names", "detect_format"]

# Detection tries these in order: put formats with a precise signature before loose ones.
_IMPORTERS: tuple[Importer, ...] = (metadata_json, hf_listing)  # type: ignore[assignment]
_BY_NAME: dict[str, Importer] = {importer.NAME: importer for importer in _IMPORTERS}
HEAD_SIZE = 8192


class UnknownFormatError(ValueError):
    """No importer has the given name, or none recognises a file: say which, and what exists."""


def names() -> list[str]:
    """Format names in detection order (for `--format` choices and help text)."""
    return [importer.NAME for importer in _IMPORTERS]


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
