"""Digests of what a page is made from, so a rebuild renders only pages whose inputs changed.

A page's digest covers its template name, everything in its context (papers by their own
digest, lists of tags or authors by name, URL and count) and the build's global digest (the
sitegen version, the settings and every template and static file), so a change to any of those
re-renders exactly the pages that can show it.
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from .site import Group, PaperView


def paper_digest(view: PaperView) -> str:
    """Everything of a paper a template can show: the stored paper and what the build derived.
    Papers it points at (related papers) count by their URL, title and date."""
    digest = view.__dict__.get("_digest")
    if digest is None:
        parts = [_shallow(value) for value in view.__dict__.values()]
        digest = hashlib.sha1(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()
        view.__dict__["_digest"] = digest
    return digest


def _shallow(value: Any) -> Any:
    if isinstance(value, PaperView):
        return ("ref", value.url, value.title, str(value.date))
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], PaperView):
        return tuple(_shallow(item) for item in value)
    return value


def _plain(value: Any) -> Any:
    """A repr-able, deterministic form of a context value; groups by name and count only."""
    if isinstance(value, PaperView):
        return paper_digest(value)
    if isinstance(value, Group):
        months = getattr(value, "months", None)
        return ("group", value.name, value.url, len(value.papers), _plain(months) if months else None)
    if isinstance(value, (list, tuple)):
        if not value or isinstance(value[0], str):  # e.g. every page URL of a long pagination
            return tuple(value)
        return tuple(_plain(item) for item in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return tuple(sorted((str(key), _plain(item)) for key, item in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value)))
    return value


def page_digest(global_digest: str, url: str, template: str, context: dict) -> str:
    return hashlib.sha1(repr((global_digest, url, template, _plain(context))).encode("utf-8", "surrogatepass")).hexdigest()
