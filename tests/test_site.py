"""Site assembly helpers: pagination windows, sorting, summaries."""
from __future__ import annotations

import pytest

from sitegen.model import Paper, PaperDate
from sitegen.site import Pagination, newest_first, paginate, shorten


@pytest.mark.parametrize("page, pages, shown", [
    (1, 1, [1]),
    (1, 10, [1, 2, 3, None, 10]),
    (7, 500, [1, None, 5, 6, 7, 8, 9, None, 500]),
    (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
    (10, 10, [1, None, 8, 9, 10]),
    (3, 5, [1, 2, 3, 4, 5]),
])
def test_pagination_window_shows_ends_and_neighbours_with_gaps(page: int, pages: int, shown: list) -> None:
    urls = [f"/p/{n}/" for n in range(1, pages + 1)]
    window = Pagination(page, pages, urls, 20).window
    assert [n for n, _ in window] == shown
    assert all(url == urls[n - 1] for n, url in window if n is not None)


def test_paginate_puts_page_one_at_the_list_url() -> None:
    pages = paginate(list(range(45)), 20, "/tags/x/")
    assert [url for url, _, _ in pages] == ["/tags/x/", "/tags/x/page/2/", "/tags/x/page/3/"]
    assert [len(items) for _, items, _ in pages] == [20, 20, 5]
    assert pages[2][2].start == 41 and pages[1][2].prev_url == "/tags/x/" and pages[2][2].next_url is None


def test_paginate_makes_only_the_wanted_pages_each_as_in_the_whole_list() -> None:
    whole = paginate(list(range(45)), 20, "/tags/x/")
    assert paginate(list(range(45)), 20, "/tags/x/", wanted={2}.__contains__) == [whole[1]]


def test_newest_first_puts_a_year_after_its_dated_papers() -> None:
    papers = [Paper("B", PaperDate(2024), slug="b"), Paper("A", PaperDate(2024, 3, 1), slug="a"), Paper("C", PaperDate(2025, 1), slug="c")]
    assert [p.slug for p in sorted(papers, key=newest_first)] == ["c", "a", "b"]


def test_summary_is_plain_text_cut_at_a_word() -> None:
    summary = shorten("word " * 100, 40)
    assert summary.endswith("…") and summary.startswith("word word") and len(summary) <= 41
