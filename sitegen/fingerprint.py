"""Digests of what a page is made from, so a rebuild renders only pages whose inputs changed.

A page's digest covers its template name, everything in its context (papers by their own
digest, lists of tags or authors by name, URL and count) and the build's global digest (the
sitegen version, the settings and every template and static file), so a change to any of those
re-renders exactly the pages that can show it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import marshal
from operator import attrgetter
from typing import Any, Sequence

from .model import Paper, PaperDate
from .site import Group, Pagination, PaperView


def paper_digest(view: PaperView, memo: dict[str, tuple[Any, str]] | None = None) -> str:
    """Everything of a paper a template can show: the stored paper and what the build derived.
    The rest of the view (rendered abstract, tags, links, summary) follows from the paper alone
    under one global digest, so the paper stands for it (hashing the view's own copies of the
    abstract cost four times as much). Papers it points at (related papers) count by their URL,
    title and date. `memo` (slug -> (paper, digest of the paper)) is kept between builds with the
    same global digest, so an unchanged paper's abstract is not hashed again."""
    digest = view.__dict__.get("_digest")
    if digest is None:
        own = memo.get(view.paper.slug) if memo is not None else None
        if own is None or (own[0] is not view.paper and own[0] != view.paper):
            own = (view.paper, _hash(_paper_form(view.paper)))
            if memo is not None:
                memo[view.paper.slug] = own
        digest = view.__dict__["_digest"] = _hash((own[1], _site_parts(view)))
    return digest


def paper_digests(views: Sequence[PaperView], memo: dict[str, tuple[Any, str]]) -> None:
    """paper_digest of every view. Each view's reference (how others show it) is made first, so
    that each related list is gathered in C (at 10,000 papers, 0.1 s less in every rebuild)."""
    for view in views:
        _ref(view)
    for view in views:
        paper_digest(view, memo)


_AUTHOR = attrgetter("name", "slug", "url")  # every field of an AuthorRef (a test checks that these are all)
_KNOWN_REF = attrgetter("_ref")  # what _ref keeps on a view


def _site_parts(view: PaperView) -> tuple:
    """What paper_digest takes from the rest of the site (authors as the site names them, related
    papers, the cite key) as plain tuples, built for every paper in every build."""
    try:
        related = tuple(map(_KNOWN_REF, view.related))
    except AttributeError:  # a paper whose reference is not made yet (see paper_digests)
        related = tuple(map(_ref, view.related))
    return tuple(map(_AUTHOR, view.authors)), related, view.cite_key


def paper_digest_parts(view: PaperView, memo: dict[str, tuple[Any, str]]) -> tuple[str, str]:
    """(digest of the paper's own parts, whole digest), for a render worker to send back to the
    process that keeps `memo` (see adopt_paper_digest)."""
    whole = paper_digest(view, memo)
    own = memo.get(view.paper.slug)
    if own is None or own[0] != view.paper:  # digested before `memo` was given
        view.__dict__.pop("_digest")
        whole = paper_digest(view, memo)
        own = memo[view.paper.slug]
    return own[1], whole


def adopt_paper_digest(view: PaperView, memo: dict[str, tuple[Any, str]], parts: tuple[str, str]) -> None:
    """Take the digests another process computed for this view (paper_digest_parts)."""
    memo[view.paper.slug] = (view.paper, parts[0])
    view.__dict__["_digest"] = parts[1]


def _hash(value: Any) -> str:
    """A digest of a plain value: its marshal form (version 2: no references, so the same value
    gives the same bytes), several times cheaper than its repr; repr for what marshal refuses."""
    try:
        data = b"m" + marshal.dumps(value, 2)
    except ValueError:
        data = b"r" + repr(value).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _ref(view: PaperView) -> tuple:
    """A paper another paper points at, as it can show it: URL, title and date."""
    ref = view.__dict__.get("_ref")
    if ref is None:
        ref = view.__dict__["_ref"] = ("ref", view.url, view.title, str(view.date))
    return ref


def _record(item: Any) -> tuple:
    return (type(item).__name__, *vars(item).values())


def _paper_form(paper: Paper) -> tuple:
    """A paper in a marshal-able form: its fields, its date as a tuple."""
    return ("Paper", *[_record(item) if type(item) is PaperDate else item for item in vars(paper).values()])


_KNOWN_DIGEST = attrgetter("_digest")  # what paper_digest keeps on a view


def _plain(value: Any, seen: dict[int, Any]) -> Any:
    """A marshal-able, deterministic form of a context value; groups by name and count only.
    `seen` remembers the form of lists and records already met in this pass by identity (every
    page of a site shares its feed links, every page of a tag the tag's)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None or kind is float:
        return value
    if isinstance(value, PaperView):
        return paper_digest(value)
    known = seen.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    if kind is list or kind is tuple:
        if not value or type(value[0]) is str:  # e.g. every page URL of a long pagination
            return tuple(value)
        try:  # a list of views whose digests are known (every list page's): the digests, gathered in C
            plain = tuple(map(_KNOWN_DIGEST, value)) if type(value[0]) is PaperView else None
        except AttributeError:  # a view not digested yet, or something else in the list
            plain = None
        if plain is None:
            plain = tuple([paper_digest(item) if type(item) is PaperView else _plain(item, seen) for item in value])
    elif kind is Pagination:  # its URLs follow from the first and the number of pages
        return ("pagination", value.page, value.pages, value.urls[0], value.per_page)
    elif isinstance(value, str):  # Markup: marked as such, as its repr did
        return (kind.__name__, str(value))
    elif isinstance(value, Group):
        months = getattr(value, "months", None)
        plain = ("group", value.name, value.url, len(value.papers), _plain(months, seen) if months else None)
    elif isinstance(value, dict):
        plain = tuple(sorted((str(key), _plain(item, seen)) for key, item in value.items()))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if kind.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            plain = (kind.__name__, *(_plain(item, seen) for item in vars(value).values()))
        else:
            plain = (kind.__name__, tuple((f.name, _plain(getattr(value, f.name), seen)) for f in dataclasses.fields(value)))
    else:
        return value
    seen[id(value)] = (value, plain)
    return plain


def page_digest(global_digest: str, url: str, template: str, context: dict, seen: dict[int, Any] | None = None) -> str:
    """The digest of one page's inputs; pass the same `seen` (a dict) for all the pages of a
    build to share the work on lists many pages show."""
    seen = {} if seen is None else seen
    plain = tuple(sorted([(key, _plain(item, seen)) for key, item in context.items()]))
    return _hash((global_digest, url, template, plain))
