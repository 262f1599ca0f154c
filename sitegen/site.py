"""Site assembly: papers sorted newest first, tag, author and date indexes, pagination.

Everything here is computed once per build in time linear in the number of papers, so list
pages never scan the whole archive per page.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from markupsafe import Markup

from .citation import assign_cite_keys
from .collector import collector_paused
from .config import Config
from .mathml import html_text, title_html, title_text
from .model import Paper, PaperDate
from .related_job import RelatedPapers
from .slugs import author_slug, normalise_author
from .tagging import Tagger

SUMMARY_LENGTH = 280


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class AuthorRef:
    name: str
    slug: str
    url: str


@dataclass(frozen=True)
class TagRef:
    name: str
    slug: str
    url: str


@dataclass
class PaperView:
    """A paper as templates see it: the stored fields plus URLs and rendered HTML."""

    paper: Paper
    url: str
    authors: list[AuthorRef]
    tags: list[TagRef]
    abstract_html: Markup
    summary: str
    links: list[Link]
    related: list["PaperView"] = field(default_factory=list)  # most similar first (related.py)
    cite_key: str = ""  # BibTeX key, unique across the site (citation.py)
    own_authors: tuple[AuthorRef, ...] = ()  # as this paper spells them; `authors` as the site does
    sort_key: tuple = ()  # newest_first(paper): the order of every list
    abstract_text: str = ""  # the whole abstract as plain text, math as text (search, JSON-LD, summary)

    title = property(lambda self: title_text(self.paper.title))  # plain text, math as Unicode
    title_html = property(lambda self: title_html(self.paper.title))  # Markup, math as MathML
    date = property(lambda self: self.paper.date)
    slug = property(lambda self: self.paper.slug)
    arxiv = property(lambda self: self.paper.arxiv)
    doi = property(lambda self: self.paper.doi)
    venue = property(lambda self: self.paper.venue)
    categories = property(lambda self: list(self.paper.categories))
    extra = property(lambda self: dict(self.paper.extra))


@dataclass
class Group:
    """Papers gathered under one name: a tag, an author, a year or a month."""

    name: str
    slug: str
    url: str
    papers: list[PaperView] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.papers)


@dataclass
class Year(Group):
    year: int = 0
    months: list["Month"] = field(default_factory=list)


@dataclass
class Month(Group):
    year: int = 0
    month: int = 0


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    urls: list[str]
    per_page: int

    @property
    def start(self) -> int:
        """The position of this page's first item in the whole list (for `<ol start>`)."""
        return (self.page - 1) * self.per_page + 1

    @property
    def window(self) -> list[tuple[int | None, str | None]]:
        """The page links to show: the first, the last, and two either side of this page, with
        (None, None) for each gap ("1 … 5 6 [7] 8 9 … 500"). A gap of one page shows the page."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        window: list[tuple[int | None, str | None]] = []
        for previous, number in zip([0] + shown, shown):
            if number - previous == 2:
                window.append((number - 1, self.urls[number - 2]))
            elif number - previous > 2:
                window.append((None, None))
            window.append((number, self.urls[number - 1]))
        return window

    @property
    def prev_url(self) -> str | None:
        return self.urls[self.page - 2] if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.urls[self.page] if self.page < self.pages else None


@dataclass
class Site:
    config: Config
    papers: list[PaperView]
    tags: list[Group]
    authors: list[Group]
    years: list[Year]


def paginate(items: Sequence[Any], per_page: int, first_url: str,
             wanted: Callable[[int], bool] | None = None) -> list[tuple[str, list[Any], Pagination]]:
    """Split a list into pages: the first at `first_url`, the rest at `first_url/page/N/`; only
    the pages whose number `wanted(n)` accepts, if given."""
    pages = max(1, -(-len(items) // per_page))
    urls = [first_url] + [f"{first_url}page/{n}/" for n in range(2, pages + 1)]
    return [
        (urls[n], list(items[n * per_page : (n + 1) * per_page]), Pagination(n + 1, pages, urls, per_page))
        for n in range(pages) if wanted is None or wanted(n + 1)
    ]


def paper_links(paper: Paper) -> list[Link]:
    """External links in a fixed order: arXiv, PDF, DOI, then the paper's own links."""
    links: list[Link] = []
    own = dict(paper.links)
    if paper.arxiv:
        links.append(Link("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"))
        own.setdefault("pdf", f"https://arxiv.org/pdf/{paper.arxiv}")
    if "pdf" in own:
        links.append(Link("PDF", own.pop("pdf")))
    if paper.doi:
        links.append(Link("DOI", f"https://doi.org/{paper.doi}"))
    for name in ("code", "project"):
        if name in own:
            links.append(Link(name.capitalize(), own.pop(name)))
    links.extend(Link(name.replace("_", " ").capitalize(), href) for name, href in sorted(own.items()))
    return links


def shorten(text: str, length: int = SUMMARY_LENGTH) -> str:
    """`text` cut at a word boundary before `length` characters, with an ellipsis."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def tag_title(slug: str) -> str:
    """The display name of a tag without a configured title: "machine-learning" -> "Machine learning"."""
    return slug.replace("-", " ").capitalize()


def newest_first(paper: Paper) -> tuple:
    date = paper.date or PaperDate(1)
    return (tuple(-part for part in date.sort_key), paper.title.casefold(), paper.slug)


def tag_memo_key(paper: Paper) -> tuple:
    """What a paper's derived tags depend on (besides the rules): ViewMaker's `tag_memo` key."""
    return (paper.title, paper.body, paper.tags, paper.categories)


class ViewMaker:
    """Turns one Paper into its PaperView: rendered abstract, author and tag references, links.

    Kept by `sitegen serve` between saves, so a changed paper gets its new view without the
    others being made again. `tag_memo` keeps derived tags between builds with the same rules,
    `author_memo` each author's reference by the name as a paper spells it, `text_memo` the
    plain text of each body's HTML (by body)."""

    def __init__(self, config: Config, render_markdown: Callable[[str], str], tag_memo: dict[tuple, tuple[str, ...]] | None = None,
                 author_memo: dict[str, AuthorRef] | None = None, text_memo: dict[str, str] | None = None):
        self.render_markdown = render_markdown
        self.text_memo = {} if text_memo is None else text_memo
        self.tagger = Tagger(config.tags, config.category_tags)
        self.tag_titles = self.tagger.titles()
        self.tag_memo = {} if tag_memo is None else tag_memo
        self._author_refs: dict[str, AuthorRef] = {} if author_memo is None else author_memo  # references are immutable
        self._tag_refs: dict[str, TagRef] = {}  # references are immutable: papers share them

    def __call__(self, paper: Paper) -> PaperView:
        html = self.render_markdown(paper.body)
        authors = [self._author_refs.get(name) or self._author_ref(name) for name in paper.authors]
        key = tag_memo_key(paper)
        derived = self.tag_memo.get(key)
        if derived is None:
            derived = self.tag_memo[key] = self.tagger.tags_for(paper)
        tags = [self._tag_refs.get(slug) or self._tag_ref(slug) for slug in derived]
        text = self.text_memo.get(paper.body)
        if text is None:
            text = self.text_memo[paper.body] = html_text(html)
        return PaperView(paper, f"/papers/{paper.slug}/", authors, tags, Markup(html), shorten(text), paper_links(paper),
                         own_authors=tuple(authors), sort_key=newest_first(paper), abstract_text=text)


    def _author_ref(self, name: str) -> AuthorRef:
        display = normalise_author(name)
        slug = author_slug(display)
        ref = self._author_refs[name] = AuthorRef(display, slug, f"/authors/{slug}/")
        return ref

    def _tag_ref(self, slug: str) -> TagRef:
        ref = self._tag_refs[slug] = TagRef(self.tag_titles.get(slug) or tag_title(slug), slug, f"/tags/{slug}/")
        return ref


def assemble(config: Config, papers: Sequence[Paper], render_markdown: Callable[[str], str],
             tag_memo: dict[tuple, tuple[str, ...]] | None = None, related: RelatedPapers | None = None,
             cite_memo: dict | None = None, indexed: Callable[[Site], None] | None = None,
             author_memo: dict[str, AuthorRef] | None = None, text_memo: dict[str, str] | None = None) -> Site:
    """Build the Site: a view per paper, every index, related papers and citation keys. The
    memos (kept by the caller between builds) spare a rebuild the work whose inputs it has seen;
    so does `related`, which may work out the related papers in a child process (started by the
    caller, with its memo; without, they are computed here without one).
    `indexed(site)` is called as soon as the indexes are made, before related papers and
    citation keys (pipeline.py starts writing the search index then, in another process)."""
    make_view = ViewMaker(config, render_markdown, tag_memo, author_memo, text_memo)
    with collector_paused():  # views and indexes: many objects, no cycles
        site = index_site(config, [make_view(paper) for paper in papers])
    if indexed is not None:
        indexed(site)
    related = related or RelatedPapers({})
    related.start(site.papers)
    assign_cite_keys(site.papers, memo=cite_memo)  # while the related papers are worked out
    related.finish()
    return site


def index_site(config: Config, views: Sequence[PaperView]) -> Site:
    """Sort the views newest first and file them under their tags, authors, years and months,
    in one pass. An author's name is the one the newest paper gives (papers spell names
    differently); every view's author references are set to those names."""
    tags: dict[str, Group] = {}
    authors: dict[str, Group] = {}
    years: dict[int, Year] = {}
    ordered = sorted(views, key=lambda view: view.sort_key)
    for view in ordered:
        refs = []
        for own in view.own_authors:
            group = authors.get(own.slug)
            if group is None:
                group = authors[own.slug] = Group(own.name, own.slug, own.url)
            if not group.papers or group.papers[-1] is not view:
                group.papers.append(view)
            refs.append(own if own.name == group.name else AuthorRef(group.name, own.slug, own.url))
        if refs != view.authors:
            view.authors = refs
        for ref in view.tags:
            group = tags.get(ref.slug)
            if group is None:
                group = tags[ref.slug] = Group(ref.name, ref.slug, ref.url)
            group.papers.append(view)
        _file_by_date(years, view)
    return Site(
        config=config,
        papers=ordered,
        tags=sorted(tags.values(), key=lambda g: g.slug),
        authors=sorted(authors.values(), key=lambda g: (g.name.casefold(), g.slug)),
        years=sorted(years.values(), key=lambda y: -y.year),
    )


def _file_by_date(years: dict[int, Year], view: PaperView) -> None:
    """A paper lists under every archive page its date's precision allows."""
    date = view.date
    if date is None:
        return
    year = years.get(date.year)
    if year is None:
        year = years[date.year] = Year(str(date.year), str(date.year), f"/archive/{date.year}/", year=date.year)
    year.papers.append(view)
    if date.month is None:
        return
    if not year.months or year.months[-1].month != date.month:
        year.months.append(
            Month(
                calendar.month_name[date.month],
                f"{date.month:02d}",
                f"/archive/{date.year}/{date.month:02d}/",
                year=date.year,
                month=date.month,
            )
        )
    year.months[-1].papers.append(view)
