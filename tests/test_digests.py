"""fingerprint.py: a paper's digest is reused only while everything it covers is unchanged."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from markupsafe import Markup

from sitegen.fingerprint import adopt_paper_digest, page_digest, paper_digest, paper_digest_parts, paper_digests
from sitegen.model import Paper, PaperDate
from sitegen.site import AuthorRef, PaperView


def view(slug: str, title: str = "A title", body: str = "An abstract.", related: list[PaperView] | None = None,
         authors: tuple[str, ...] = ("Ada Lovelace",)) -> PaperView:
    paper = Paper(title=title, date=PaperDate(2024, 5), authors=authors, body=body, slug=slug)
    refs = [AuthorRef(name, name.lower().replace(" ", "-"), f"/authors/{name.lower().replace(' ', '-')}/") for name in authors]
    return PaperView(paper=paper, url=f"/papers/{slug}/", authors=refs, tags=[], abstract_html=Markup(f"<p>{body}</p>"),
                     summary=body, links=[], related=related or [], cite_key=slug, own_authors=tuple(refs))


def fresh(old: PaperView, **changes) -> PaperView:
    """The view a later build makes of the same paper: a new object, nothing cached on it."""
    return dataclasses.replace(old, **changes)


def test_digest_is_the_same_with_and_without_a_memo() -> None:
    other = view("b")
    assert paper_digest(view("a", related=[other]), {}) == paper_digest(view("a", related=[view("b")]))


def test_unchanged_paper_keeps_its_digest_and_its_own_part_from_the_memo() -> None:
    memo: dict = {}
    first = view("a", related=[view("b")])
    digest = paper_digest(first, memo)
    own = memo["a"][1]
    assert paper_digest(fresh(first, related=[view("b")]), memo) == digest
    assert memo["a"][1] is own  # the abstract was not hashed again


def test_edited_abstract_changes_the_digest() -> None:
    memo: dict = {}
    digest = paper_digest(view("a"), memo)
    assert paper_digest(view("a", body="A new abstract."), memo) != digest


def test_retitled_related_paper_changes_the_digest_of_the_paper_showing_it() -> None:
    memo: dict = {}
    first = view("a", related=[view("b")])
    digest = paper_digest(first, memo)
    assert paper_digest(fresh(first, related=[view("b", title="Another title")]), memo) != digest


def test_related_paper_edited_elsewhere_keeps_the_digest_of_the_paper_showing_it() -> None:
    memo: dict = {}
    first = view("a", related=[view("b")])
    digest = paper_digest(first, memo)
    assert paper_digest(fresh(first, related=[view("b", body="Only its abstract changed.")]), memo) == digest


def test_site_spelling_of_an_author_changes_the_digest() -> None:
    memo: dict = {}
    first = view("a")
    digest = paper_digest(first, memo)
    respelled = [AuthorRef("A. Lovelace", "ada-lovelace", "/authors/ada-lovelace/")]
    assert paper_digest(fresh(first, authors=respelled), memo) != digest


def test_a_site_part_reverting_gives_back_the_first_digest() -> None:
    memo: dict = {}
    first = view("a", related=[view("b")])
    digest = paper_digest(first, memo)
    paper_digest(fresh(first, cite_key="a2"), memo)
    assert paper_digest(fresh(first), memo) == digest


def test_digests_adopted_from_a_worker_are_the_worker_s() -> None:
    worker_memo: dict = {}
    parts = paper_digest_parts(view("a", related=[view("b")]), worker_memo)
    memo: dict = {}
    adopted = view("a", related=[view("b")])
    adopt_paper_digest(adopted, memo, parts)
    assert memo == worker_memo
    assert paper_digest(fresh(adopted, related=[view("b")]), memo) == parts[1]


def test_page_digest_follows_the_digests_of_the_papers_listed() -> None:
    def digest(papers: list[PaperView]) -> str:
        return page_digest("g", "/", "list.html", {"papers": papers, "page_title": "Home"}, {})

    assert digest([view("a"), view("b")]) == digest([view("a"), view("b")])
    assert digest([view("a"), view("b")]) != digest([view("a"), view("b", title="Retitled")])
    assert digest([view("a"), view("b")]) != digest([view("b"), view("a")])


def test_a_list_of_views_digested_before_digests_as_one_digested_now() -> None:
    """List pages gather the digests their views keep (the build digests every paper first); a
    view not digested yet, or anything else in the list, takes the general path."""
    def digest(papers: list) -> str:
        return page_digest("g", "/", "list.html", {"papers": papers}, {})

    digested = [view("a"), view("b", title="Retitled")]
    for item in digested:
        paper_digest(item)
    assert digest(digested) == digest([view("a"), view("b", title="Retitled")])
    assert digest(digested) != digest([view("a"), view("b")])
    assert digest([*digested, view("c")]) == digest([view("a"), view("b", title="Retitled"), view("c")])
    assert digest([*digested, "text"]) == digest([view("a"), view("b", title="Retitled"), "text"])


def test_markup_and_plain_text_of_the_same_characters_digest_differently() -> None:
    assert page_digest("g", "/", "page.html", {"page_title": "<b>x</b>"}) != \
        page_digest("g", "/", "page.html", {"page_title": Markup("<b>x</b>")})


def test_a_value_marshal_refuses_is_still_digested_by_its_repr() -> None:
    first = page_digest("g", "/", "page.html", {"ratio": Decimal("1.5")})
    assert first == page_digest("g", "/", "page.html", {"ratio": Decimal("1.5")})
    assert first != page_digest("g", "/", "page.html", {"ratio": Decimal("2.5")})


def test_a_view_is_digested_without_falling_back_to_repr(monkeypatch) -> None:
    """A paper and its rendered HTML are put in a marshal-able form: a repr of the whole view
    (the fallback) costs five times as much in every cold build."""
    import sitegen.fingerprint as fingerprint

    def refuse(value: object) -> str:
        raise AssertionError(f"repr of {type(value).__name__}")

    monkeypatch.setattr(fingerprint, "repr", refuse, raising=False)
    paper_digest(view("a", related=[view("b")]))


def test_every_field_of_the_paper_changes_the_digest() -> None:
    base = view("a")
    changes = {"title": "Another title", "date": PaperDate(2024, 5, 2), "authors": ("Ada Lovelace", "Alan Turing"),
               "arxiv": "2401.00001", "doi": "10.1000/x", "tags": ("nlp",), "categories": ("cs.CL",),
               "links": {"code": "https://example.org"}, "venue": "NeurIPS", "source": {"kind": "bibtex"},
               "extra": {"note": "x"}, "body": "Another abstract."}
    digests = {paper_digest(fresh(base, paper=dataclasses.replace(base.paper, **{name: value}))) for name, value in changes.items()}
    assert len(digests | {paper_digest(fresh(base))}) == len(changes) + 1


def test_a_paper_field_marshal_refuses_is_still_digested() -> None:
    import datetime

    base = view("a")

    def with_extra(day: int) -> PaperView:
        return fresh(base, paper=dataclasses.replace(base.paper, extra={"reviewed": datetime.date(2024, 5, day)}))

    assert paper_digest(with_extra(1)) == paper_digest(with_extra(1))
    assert paper_digest(with_extra(1)) != paper_digest(with_extra(2))


def test_every_field_of_an_author_reference_changes_the_digest() -> None:
    """paper_digest takes an author by the fields it names (fingerprint._AUTHOR): a field added
    to AuthorRef that a template may show must be among them."""
    assert [field.name for field in dataclasses.fields(AuthorRef)] == ["name", "slug", "url"]
    first = view("a")
    digest = paper_digest(first)
    for name in ("name", "slug", "url"):
        changed = [dataclasses.replace(first.authors[0], **{name: "other"})]
        assert paper_digest(fresh(first, authors=changed)) != digest, name


def test_digests_of_a_whole_site_are_each_paper_s_own() -> None:
    """paper_digests makes every view's reference first, then digests: the same as one by one."""
    c = view("c")
    b = view("b", related=[c])
    a = view("a", related=[b, c])
    expected = [paper_digest(fresh(item, related=list(item.related))) for item in (a, b, c)]
    paper_digests([a, b, c], {})
    assert [item.__dict__["_digest"] for item in (a, b, c)] == expected
