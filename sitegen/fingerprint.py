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

from .site import Group, Pagination, PaperView


# What a view takes from the rest of the site; everything else derives from its paper alone
# (and the settings, which the global digest covers).
SITE_DERIVED = ("authors", "related", "cite_key")


def paper_digest(view: PaperView, memo: dict[str, tuple[Any, str]] | None = None) -> str:
    """Everything of a paper a template can show: the stored paper and what the build derived.
    Papers it points at (related papers) count by their URL, title and date. `memo` (slug ->
    (paper, digest of the parts derived from the paper alone)) is kept between builds with the
    same global digest, so an unchanged paper's abstract is not hashed again."""
    digest = view.__dict__.get("_digest")
    if digest is None:
        own = memo.get(view.paper.slug) if memo is not None else None
        if own is None or own[0] != view.paper:
            parts = [_shallow(value) for key, value in view.__dict__.items() if key not in SITE_DERIVED and key != "_digest"]
            own = (view.paper, hashlib.sha1(repr(parts).encode("utf-8", "surrogatepass")).hexdigest())
            if memo is not None:
                memo[view.paper.slug] = own
        shared = [_shallow(getattr(view, key)) for key in SITE_DERIVED]
        digest = hashlib.sha1(repr((own[1], shared)).encode("utf-8", "surrogatepass")).hexdigest()
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
    if isinstance(value, Pagination):  # its URLs follow from the first and the number of pages
        return ("pagination", value.page, value.pages, value.urls[0], value.per_page)
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
