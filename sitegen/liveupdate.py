"""Provisional page updates for `sitegen serve`: the pages that show a saved paper, at once.

A full build recomputes what depends on the whole archive (related papers, the search index,
feeds, citation keys): at 10,000 papers that takes seconds. Before it runs, `quick_update`
patches the site assembled by the last build: the changed papers get new views, the indexes
are filed again from the views (one pass, no Markdown), and exactly the pages that show a
changed paper, or whose list order, count or related links changed, are rendered and
written. Related papers and citation keys stay those of the last full build (a new paper has
none yet) until the full build that follows replaces them; `sitegen serve` runs it right after.
"""
from __future__ import annotations

import bisect
import calendar
import os
from dataclasses import dataclass, field
from itertools import compress, count
from operator import attrgetter, ne
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .build import BuildResult
from .pipeline import cached_markdown, list_pages, output_file, paper_page
from .buildstate import BuildState, signature, text_digest
from .citation import assign_cite_keys
from .config import Config
from .content import identity_keys, parse_paper
from .feeds import FeedLinks
from .model import Paper
from .render import render_page
from .site import AuthorRef, Group, Month, PaperView, Site, ViewMaker, Year
from .textfiles import read_utf8

Page = tuple[str, str, dict]

# The orders of the site's lists (site.index_site), to find a place in them by bisection.
_SORT_KEY = attrgetter("sort_key")  # papers
_SLUG = attrgetter("slug")  # tags


def _year_order(year: Year) -> int:
    return -year.year


def _month_order(month: Month) -> int:
    return -month.month


@dataclass
class LiveSite:
    """What the last build assembled, kept in memory between saves, with indexes that let a save
    touch only the papers and lists it changes. (After each follow-up build the server's memory
    is cold: a pass over all 10,000 views of a 10,000-paper site costs 15-30 ms there, in C too,
    since visiting an object writes its reference count.)"""

    config: Config
    site: Site
    env: Any  # the Jinja2 environment, with its compiled templates and list-entry memo
    make_view: ViewMaker
    out_dir: Path
    views: dict[str, PaperView] = field(default_factory=dict)  # slug -> its view
    shown_by: dict[str, set[str]] = field(default_factory=dict)  # slug -> the slugs of the papers that show it as related
    tags: dict[str, Group] = field(default_factory=dict)  # slug -> group
    authors: dict[str, Group] = field(default_factory=dict)  # slug -> group
    years: dict[int, Year] = field(default_factory=dict)
    owners: dict[tuple[str, str], set[str]] | None = None  # identity key -> content files with it
    owned: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # content file -> its identity keys in owners

    @classmethod
    def after(cls, config: Config, result: BuildResult, state: BuildState) -> LiveSite | None:
        """What a full build left to update from; None after a build that assembled nothing."""
        if result.site is None:
            return None
        site = result.site
        live = cls(config, site, result.env, ViewMaker(config, cached_markdown(state), state.tags, state.authors, state.texts), result.out_dir,
                   views={view.slug: view for view in site.papers}, tags={group.slug: group for group in site.tags},
                   authors={group.slug: group for group in site.authors}, years={year.year: year for year in site.years})
        live.index_related({view.slug: [other.slug for other in view.related] for view in site.papers})
        live.index_owners(state.files)
        return live

    def index_owners(self, files: dict) -> None:
        """Index every content file's identity keys (`files`: BuildState.files)."""
        self.owners, self.owned = {}, {}
        for name, (_, paper, _, _) in files.items():
            keys = self.owned[name] = identity_keys(paper) if paper is not None else []
            for key in keys:
                self.owners.setdefault(key, set()).add(name)

    def index_related(self, related: dict[str, list[str]]) -> None:
        """Index which papers show which as related (`related`: slug -> the slugs it shows)."""
        self.shown_by = {}
        for slug, others in related.items():
            for other in others:
                self.shown_by.setdefault(other, set()).add(slug)


def quick_update(live: LiveSite, state: BuildState, changed: set[Path]) -> list[str] | None:
    """Apply saved paper files to the live site and write the pages that show them; return the
    URLs written or deleted. None (and nothing done) when the change needs a full build: a file
    other than a paper, or a paper with problems (the full build reports them)."""
    papers_dir = live.config.papers_dir.resolve()
    if not changed or any(path.parent != papers_dir or path.suffix != ".md" or path.name.startswith(".") for path in changed):
        return None
    read = {}
    for path in sorted(changed):
        sig = signature(path)
        if sig is None:
            read[path.name] = None
            continue
        text, _ = read_utf8(path)
        if text is None:
            return None
        paper, problems = parse_paper(text, str(path), path.stem)
        if problems or paper is None:
            return None
        read[path.name] = (sig, paper, [], text_digest(text))
    saved = {name: entry and entry[1] for name, entry in read.items()}
    if _clashes(live, state.files, saved):
        live.owners = None  # the full build reports the clash; the index is made again after it
        return None
    files, added = state.files, False
    for name, entry in read.items():
        if entry is None:
            files.pop(name, None)
        else:
            added = added or name not in files
            files[name] = entry
    if added:  # a new file: the folder's order, as a full build reads it
        state.files = dict(sorted(files.items()))
    state.stale = True  # the next full build checks every page, these included
    return _apply(live, state, {name.removesuffix(".md"): paper for name, paper in saved.items()})


def _clashes(live: LiveSite, files: dict, saved: dict[str, Paper | None]) -> bool:
    """Whether a saved paper is another file's paper too (the keys content.duplicate_problems
    checks), from an index of every file's keys kept up to date here (`files`: as they were)."""
    if live.owners is None:
        live.index_owners(files)
    for name in saved:
        for key in live.owned.pop(name, ()):
            live.owners[key].discard(name)
    clash = False
    for name, paper in saved.items():
        live.owned[name] = identity_keys(paper) if paper is not None else []
        for key in live.owned[name]:
            owners = live.owners.setdefault(key, set())
            clash = clash or bool(owners)
            owners.add(name)
    return clash


def _apply(live: LiveSite, state: BuildState, papers: dict[str, Paper | None]) -> list[str]:
    """Replace the views of the saved papers (None: deleted), patch the lists, write the pages."""
    site = live.site
    removed, added = [], []
    replaced: dict[int, PaperView | None] = {}  # old view -> its successor (None: deleted)
    shown: set[int] = set()  # old views whose title or date changed: related links show them
    for slug, paper in papers.items():
        old = live.views.get(slug)
        new = live.make_view(paper) if paper is not None else None
        if new is not None:
            if old is not None:
                new.related, new.cite_key = old.related, old.cite_key
            else:
                assign_cite_keys([new])  # provisional: unique across the site after the full build
            added.append(new)
        if old is not None:
            removed.append(old)
            replaced[id(old)] = new
            if new is None or (new.title_html, new.date) != (old.title_html, old.date):
                shown.add(id(old))
    related_changed: list[PaperView] = []
    for view in _showing(live, papers.keys(), added, replaced):
        if not shown.isdisjoint(map(id, view.related)):
            related_changed.append(view)
        view.related = [replaced.get(id(other), other) for other in view.related if replaced.get(id(other), other) is not None]
    for view in removed:
        del live.views[view.slug]
    live.views.update((view.slug, view) for view in added)
    patch = _Patch(live)
    patch.apply(removed, added)
    memo = getattr(live.env.globals["paper_item"], "memo", {})
    for url in {view.url for view in removed} | {view.url for view in patch.renamed}:
        memo.pop(url, None)
    shows_change = {id(view): view for view in [*added, *patch.renamed, *related_changed]}
    pages: list[Page] = [paper_page(view) for view in sorted(shows_change.values(), key=_SORT_KEY)]
    gone = [view.url for view in removed if view.slug not in {new.slug for new in added}]
    for url, moves in patch.moves.items():
        group = patch.groups.get(url)
        if group is None and url != "/":
            gone += _page_urls(url, moves.length, site.config.per_page)  # a tag, author or month left without papers
        else:
            gone += _changed_list_pages(site, group, moves, pages)
    for url, template, title, key in (("/tags/", "tags.html", "Tags", "tags"), ("/authors/", "authors.html", "Authors", "authors"),
                                      ("/archive/", "archive.html", "Archive", "years")):
        if patch.outline_changed(key):
            pages.append((url, template, {"page_title": title, key: getattr(site, key)}))
    return _write(live, state, pages, gone)


def _showing(live: LiveSite, saved: Iterable[str], added: list[PaperView], replaced: dict[int, PaperView | None]) -> list[PaperView]:
    """The views whose related papers may include a replaced one: those that show a saved paper
    (the index has them by slug) and the new views, which take over their predecessors' lists."""
    showing = {other for slug in saved for other in live.shown_by.get(slug, ())}
    views = {id(view): view for view in [*map(live.views.get, showing), *added] if view is not None and id(view) not in replaced}
    return list(views.values())


class _Moves:
    """The removals and insertions made in one list, in order, and the positions of the entries
    that changed in place: what tells which of its pages changed, with no copy of the list (a
    copy of the home list visits all 10,000 views of a 10,000-paper site: see LiveSite)."""

    def __init__(self, length: int):
        self.length = length  # before any move
        self.moves: list[tuple[bool, int]] = []  # (inserted, position), in the order made
        self.marked: set[int] = set()  # positions, after the moves, of entries that show something new

    def changed_positions(self) -> set[int]:
        """The positions that hold another entry than before (the moves made over a list of each
        entry's first position: plain numbers, not the views), or a marked one."""
        origins = list(range(self.length))
        for inserted, position in self.moves:
            if inserted:
                origins.insert(position, -1)
            else:
                del origins[position]
        return self.marked | set(compress(count(), map(ne, origins, count())))


class _Patch:
    """Removes views from the site's lists and files new ones in place, keeping every list in
    site order, creating and dropping groups as needed (and in the live site's indexes);
    remembers each touched list's moves."""

    def __init__(self, live: LiveSite):
        self.site = live.site
        self.tags, self.authors, self.years = live.tags, live.authors, live.years
        self.moves: dict[str, _Moves] = {"/": _Moves(len(live.site.papers))}
        self.outlines: dict[str, dict[str, tuple]] = {"tags": {}, "authors": {}, "years": {}}
        self.groups: dict[str, Group] = {}  # url -> the touched groups that still exist
        self.renamed: list[PaperView] = []  # views whose author names the site spells anew

    def apply(self, removed: list[PaperView], added: list[PaperView]) -> None:
        for view in removed:
            for url, views in self._lists_of(view, create=False):
                self.moves[url].moves.append((False, _remove(views, view)))
        for view in added:
            for url, views in self._lists_of(view, create=True):
                self.moves[url].moves.append((True, _insert(views, view)))
        self._drop_empty()
        self._spell_authors(added)

    def outline_changed(self, kind: str) -> bool:
        """Whether the tags, authors or archive index shows something else now."""
        return any(self._outline(url) != outline for url, outline in self.outlines[kind].items())

    def _outline(self, url: str) -> tuple:
        group = self.groups.get(url)
        return () if group is None else (group.name, group.count)

    def _touch(self, kind: str, group: Group) -> Group:
        if group.url not in self.moves:
            self.moves[group.url] = _Moves(len(group.papers))
            self.outlines[kind][group.url] = (group.name, group.count)
        self.groups[group.url] = group
        return group

    def _lists_of(self, view: PaperView, create: bool) -> Iterator[tuple[str, list[PaperView]]]:
        """Every list `view` belongs in, the home list first: (its URL, its papers)."""
        yield "/", self.site.papers
        for group in self._groups_of(view, create):
            yield group.url, group.papers

    def _groups_of(self, view: PaperView, create: bool) -> Iterator[Group]:
        for ref in view.tags:
            group = self.tags.get(ref.slug)
            if group is None and create:
                group = self.tags[ref.slug] = Group(ref.name, ref.slug, ref.url)
                self.site.tags.insert(bisect.bisect(self.site.tags, ref.slug, key=_SLUG), group)
            if group is not None:
                yield self._touch("tags", group)
        for slug in dict.fromkeys(ref.slug for ref in view.own_authors):
            group = self.authors.get(slug)
            if group is None and create:
                own = next(ref for ref in view.own_authors if ref.slug == slug)
                group = self.authors[slug] = Group(own.name, slug, own.url)
                self.site.authors.insert(bisect.bisect(self.site.authors, _author_order(group), key=_author_order), group)
            if group is not None:
                yield self._touch("authors", group)
        date = view.date
        if date is None:
            return
        year = self.years.get(date.year)
        if year is None and create:
            year = self.years[date.year] = Year(str(date.year), str(date.year), f"/archive/{date.year}/", year=date.year)
            self.site.years.insert(bisect.bisect(self.site.years, -date.year, key=_year_order), year)
        if year is None:
            return
        yield self._touch("years", year)
        if date.month is None:
            return
        month = next((m for m in year.months if m.month == date.month), None)
        if month is None and create:
            month = Month(calendar.month_name[date.month], f"{date.month:02d}", f"/archive/{date.year}/{date.month:02d}/",
                          year=date.year, month=date.month)
            year.months.insert(bisect.bisect(year.months, -date.month, key=_month_order), month)
        if month is not None:
            yield self._touch("years", month)

    def _drop_empty(self) -> None:
        for url, group in list(self.groups.items()):
            if group.papers:
                continue
            del self.groups[url]
            if isinstance(group, Month):
                _remove_item(self.years[group.year].months, group, _month_order)
            elif isinstance(group, Year):
                _remove_item(self.site.years, group, _year_order)
                del self.years[group.year]
            elif url.startswith("/tags/"):
                _remove_item(self.site.tags, group, _SLUG)
                del self.tags[group.slug]
            else:
                _remove_item(self.site.authors, group, _author_order)
                del self.authors[group.slug]

    def _spell_authors(self, added: list[PaperView]) -> None:
        """An author's name is the one the newest paper gives (as index_site has it)."""
        respelled = []
        for url, group in self.groups.items():
            if url.startswith("/authors/"):
                name = next(ref.name for ref in group.papers[0].own_authors if ref.slug == group.slug)
                if name != group.name:
                    _remove_item(self.site.authors, group, _author_order)
                    group.name = name
                    self.site.authors.insert(bisect.bisect(self.site.authors, _author_order(group), key=_author_order), group)
                    respelled.append(group)
        for view in added:
            view.authors = [AuthorRef(self.authors[ref.slug].name, ref.slug, ref.url) for ref in view.own_authors]
        seen = {id(view) for view in added}
        for group in respelled:
            for view in group.papers:
                if id(view) not in seen:
                    seen.add(id(view))
                    view.authors = [AuthorRef(self.authors[ref.slug].name, ref.slug, ref.url) for ref in view.own_authors]
                    self.renamed.append(view)
                    for url, views in self._lists_of(view, create=False):  # its entry changed on every list
                        self.moves[url].marked.add(_position(views, view))


def _author_order(group: Group) -> tuple:
    return (group.name.casefold(), group.slug)


def _insert(views: list[PaperView], view: PaperView) -> int:
    """File `view` in its place; return the place."""
    index = bisect.bisect(views, view.sort_key, key=_SORT_KEY)
    views.insert(index, view)
    return index


def _position(views: list[PaperView], view: PaperView) -> int:
    index = bisect.bisect_left(views, view.sort_key, key=_SORT_KEY)
    while views[index] is not view:
        index += 1
    return index


def _remove(views: list[PaperView], view: PaperView) -> int:
    """Take `view` out of its list; return where it was."""
    index = _position(views, view)
    del views[index]
    return index


def _remove_item(items: list, item: Any, order: Callable[[Any], Any]) -> None:
    """Take a group out of its list, sorted by `order` (list.remove compares with ==, which for
    dataclasses compares every field, and a scan would visit every group)."""
    index = bisect.bisect_left(items, order(item), key=order)
    while items[index] is not item:
        index += 1
    del items[index]


def _changed_list_pages(site: Site, group: Group | None, moves: _Moves, pages: list[Page]) -> list[str]:
    """Add every page of a list whose length changed (counts and page links show on each), else
    the pages that hold a changed entry or an entry that moved; return the pages it lost."""
    after = site.papers if group is None else group.papers
    per_page = site.config.per_page
    if len(after) != moves.length:
        pages.extend(list_pages(site, group))
        first = "/" if group is None else group.url
        return sorted(set(_page_urls(first, moves.length, per_page)) - set(_page_urls(first, len(after), per_page)))
    numbers = {position // per_page + 1 for position in moves.changed_positions()}
    if numbers:
        pages.extend(list_pages(site, group, numbers.__contains__))
    return []


def _page_urls(first: str, count: int, per_page: int) -> list[str]:
    """The URLs of a list's pages, as site.paginate names them."""
    return [first] + [f"{first}page/{n}/" for n in range(2, -(-count // per_page) + 1)]


def _write(live: LiveSite, state: BuildState, pages: list[Page], gone: list[str]) -> list[str]:
    """Render every page first (a template error leaves the output as it was), then write them
    and delete the pages that no longer exist. Their recorded digests are dropped, so the next
    full build looks at each of them again."""
    feed_links = FeedLinks(live.site)
    rendered = []
    for url, template, context in pages:
        context.setdefault("current_path", url)
        context.setdefault("feeds", feed_links(url))
        rendered.append((url, render_page(live.env, template, context)))
    for url, html in rendered:
        _replace_file(output_file(live.out_dir, url), html.encode("utf-8"))
        state.pages.pop(url, None)
    for url in gone:
        output_file(live.out_dir, url).unlink(missing_ok=True)
        state.pages.pop(url, None)
    return [url for url, _ in rendered] + gone


def _replace_file(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so the preview server never sends half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
