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
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import attrgetter, is_not, not_
from pathlib import Path
from typing import Any, Iterator, KeysView

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

# Each save looks over every view (10,000 at 10,000 papers) several times: with these, in C
# (itertools.compress over mapped C functions), not in a Python loop per view.
_SLUG = attrgetter("paper.slug")
_RELATED = attrgetter("related")


@dataclass
class LiveSite:
    """What the last build assembled, kept in memory between saves."""

    config: Config
    site: Site
    env: Any  # the Jinja2 environment, with its compiled templates and list-entry memo
    make_view: ViewMaker
    out_dir: Path
    owners: dict[tuple[str, str], set[str]] | None = None  # identity key -> content files with it

    @classmethod
    def after(cls, config: Config, result: BuildResult, state: BuildState) -> LiveSite | None:
        """What a full build left to update from; None after a build that assembled nothing."""
        if result.site is None:
            return None
        return cls(config, result.site, result.env, ViewMaker(config, cached_markdown(state), state.tags, state.authors, state.texts), result.out_dir)


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
    files = dict(state.files)
    for name, entry in read.items():
        if entry is None:
            files.pop(name, None)
        else:
            files[name] = entry
    if _clashes(live, files, {name: entry and entry[1] for name, entry in read.items()}):
        live.owners = None  # the full build reports the clash; the index is made again after it
        return None
    state.files = dict(sorted(files.items()))
    state.stale = True  # the next full build checks every page, these included
    return _apply(live, state, {name.removesuffix(".md"): entry and entry[1] for name, entry in read.items()})


def _clashes(live: LiveSite, files: dict, saved: dict[str, Paper | None]) -> bool:
    """Whether a saved paper is another file's paper too (the keys content.duplicate_problems
    checks), from an index of every file's keys kept up to date here."""
    if live.owners is None:
        live.owners = {}
        for name, (_, paper, _, _) in files.items():
            for key in identity_keys(paper) if paper is not None else ():
                live.owners.setdefault(key, set()).add(name)
    for name in saved:
        for names in live.owners.values():
            names.discard(name)
    clash = False
    for name, paper in saved.items():
        for key in identity_keys(paper) if paper is not None else ():
            owners = live.owners.setdefault(key, set())
            clash = clash or bool(owners)
            owners.add(name)
    return clash


def _apply(live: LiveSite, state: BuildState, papers: dict[str, Paper | None]) -> list[str]:
    """Replace the views of the saved papers (None: deleted), patch the lists, write the pages."""
    site = live.site
    by_slug = {view.paper.slug: view for view in compress(site.papers, map(papers.__contains__, map(_SLUG, site.papers)))}
    removed, added = [], []
    replaced: dict[int, PaperView | None] = {}  # old view -> its successor (None: deleted)
    shown: set[int] = set()  # old views whose title or date changed: related links show them
    for slug, paper in papers.items():
        old = by_slug.get(slug)
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
    related_changed: set[int] = set()
    for view in _showing_any(site.papers, replaced.keys()):
        if id(view) not in replaced:
            if not shown.isdisjoint(map(id, view.related)):
                related_changed.add(id(view))
            view.related = [replaced.get(id(other), other) for other in view.related if replaced.get(id(other), other) is not None]
    patch = _Patch(site)
    patch.apply(removed, added)
    memo = getattr(live.env.globals["paper_item"], "memo", {})
    for url in {view.url for view in removed} | {view.url for view in patch.renamed}:
        memo.pop(url, None)
    shows_change = {id(view) for view in [*added, *patch.renamed]} | related_changed
    pages: list[Page] = [paper_page(view) for view in compress(site.papers, map(shows_change.__contains__, map(id, site.papers)))]
    gone = [view.url for view in removed if view.slug not in {new.slug for new in added}]
    changed = {id(view) for view in [*removed, *added, *patch.renamed]}
    for url, before in patch.before.items():
        group = patch.groups.get(url)
        if group is None and url != "/":
            gone += _page_urls(url, len(before), site.config.per_page)  # a tag, author or month left without papers
        else:
            gone += _changed_list_pages(site, group, before, changed, pages)
    for url, template, title, key in (("/tags/", "tags.html", "Tags", "tags"), ("/authors/", "authors.html", "Authors", "authors"),
                                      ("/archive/", "archive.html", "Archive", "years")):
        if patch.outline_changed(key):
            pages.append((url, template, {"page_title": title, key: getattr(site, key)}))
    return _write(live, state, pages, gone)


def _showing_any(views: list[PaperView], targets: KeysView[int]) -> list[PaperView]:
    """The views whose related papers include one of `targets` (ids)."""
    related_ids = map(map, repeat(id), map(_RELATED, views))
    return list(compress(views, map(not_, map(targets.isdisjoint, related_ids))))


class _Patch:
    """Removes views from the site's lists and files new ones in place, keeping every list in
    site order, creating and dropping groups as needed; remembers each touched list as it was."""

    def __init__(self, site: Site):
        self.site = site
        self.tags = {group.slug: group for group in site.tags}
        self.authors = {group.slug: group for group in site.authors}
        self.years = {year.year: year for year in site.years}
        self.before: dict[str, list[PaperView]] = {"/": list(site.papers)}
        self.outlines: dict[str, dict[str, tuple]] = {"tags": {}, "authors": {}, "years": {}}
        self.groups: dict[str, Group] = {}  # url -> the touched groups that still exist
        self.renamed: list[PaperView] = []  # views whose author names the site spells anew

    def apply(self, removed: list[PaperView], added: list[PaperView]) -> None:
        for view in removed:
            _remove(self.site.papers, view)
            for group in self._groups_of(view, create=False):
                _remove(group.papers, view)
        for view in added:
            _insert(self.site.papers, view)
            for group in self._groups_of(view, create=True):
                _insert(group.papers, view)
        self._drop_empty()
        self._spell_authors(added)

    def outline_changed(self, kind: str) -> bool:
        """Whether the tags, authors or archive index shows something else now."""
        return any(self._outline(url) != outline for url, outline in self.outlines[kind].items())

    def _outline(self, url: str) -> tuple:
        group = self.groups.get(url)
        return () if group is None else (group.name, group.count)

    def _touch(self, kind: str, group: Group) -> Group:
        if group.url not in self.before:
            self.before[group.url] = list(group.papers)
            self.outlines[kind][group.url] = (group.name, group.count)
        self.groups[group.url] = group
        return group

    def _groups_of(self, view: PaperView, create: bool) -> Iterator[Group]:
        for ref in view.tags:
            group = self.tags.get(ref.slug)
            if group is None and create:
                group = self.tags[ref.slug] = Group(ref.name, ref.slug, ref.url)
                self.site.tags.insert(bisect.bisect(self.site.tags, ref.slug, key=lambda g: g.slug), group)
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
            self.site.years.insert(bisect.bisect(self.site.years, -date.year, key=lambda y: -y.year), year)
        if year is None:
            return
        yield self._touch("years", year)
        if date.month is None:
            return
        month = next((m for m in year.months if m.month == date.month), None)
        if month is None and create:
            month = Month(calendar.month_name[date.month], f"{date.month:02d}", f"/archive/{date.year}/{date.month:02d}/",
                          year=date.year, month=date.month)
            year.months.insert(bisect.bisect(year.months, -date.month, key=lambda m: -m.month), month)
        if month is not None:
            yield self._touch("years", month)

    def _drop_empty(self) -> None:
        for url, group in list(self.groups.items()):
            if group.papers:
                continue
            del self.groups[url]
            if isinstance(group, Month):
                _remove_item(self.years[group.year].months, group)
            elif isinstance(group, Year):
                _remove_item(self.site.years, group)
            elif url.startswith("/tags/"):
                _remove_item(self.site.tags, group)
            else:
                _remove_item(self.site.authors, group)

    def _spell_authors(self, added: list[PaperView]) -> None:
        """An author's name is the one the newest paper gives (as index_site has it)."""
        respelled = []
        for url, group in self.groups.items():
            if url.startswith("/authors/"):
                name = next(ref.name for ref in group.papers[0].own_authors if ref.slug == group.slug)
                if name != group.name:
                    _remove_item(self.site.authors, group)
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
                    for _ in self._groups_of(view, create=False):  # its entry changed on every list
                        pass


def _author_order(group: Group) -> tuple:
    return (group.name.casefold(), group.slug)


def _insert(views: list[PaperView], view: PaperView) -> None:
    views.insert(bisect.bisect(views, view.sort_key, key=lambda v: v.sort_key), view)


def _remove(views: list[PaperView], view: PaperView) -> None:
    index = bisect.bisect_left(views, view.sort_key, key=lambda v: v.sort_key)
    while views[index] is not view:
        index += 1
    del views[index]


def _remove_item(items: list, item: Any) -> None:
    """list.remove compares with ==, which for dataclasses compares every field."""
    del items[next(index for index, other in enumerate(items) if other is item)]


def _changed_list_pages(site: Site, group: Group | None, before: list[PaperView], changed: set[int], pages: list[Page]) -> list[str]:
    """Add every page of a list whose length changed (counts and page links show on each), else
    the pages that hold a changed entry or an entry that moved; return the pages it lost."""
    after = site.papers if group is None else group.papers
    per_page = site.config.per_page
    if len(after) != len(before):
        pages.extend(list_pages(site, group))
        first = "/" if group is None else group.url
        return sorted(set(_page_urls(first, len(before), per_page)) - set(_page_urls(first, len(after), per_page)))
    numbers = {index // per_page + 1 for index in compress(count(), map(is_not, after, before))}
    numbers.update(index // per_page + 1 for index in compress(count(), map(changed.__contains__, map(id, after))))
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
