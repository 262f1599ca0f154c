"""The content file format: round-trips, validation with line numbers, unknown keys kept."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.content import dump_paper, parse_paper, read_folder, read_paper, write_paper
from sitegen.model import Paper, PaperDate

FULL = Paper(
    title="Scaling Laws: for Autoregressive Generative Modeling",
    date=PaperDate(2020, 10, 28),
    authors=("Tom Henighan", "Jared Kaplan", "Zoë Ünïcode"),
    arxiv="2010.14701",
    doi="10.48550/arXiv.2010.14701",
    tags=("scaling-laws", "generative-models"),
    categories=("cs.LG",),
    links={"code": "https://github.com/openai/x", "project": "https://example.org/p?a=1"},
    venue="NeurIPS 2020",
    source={"format": "hf-listing", "file": "daily-papers.txt"},
    extra={"my_rating": 5, "notes_url": "https://example.org"},
    body="The abstract with $x^2$ and \\*stars\\*.\n\nMy own notes.\n",
    slug="scaling-laws",
)


@pytest.mark.parametrize("date", [PaperDate(2020, 10, 28), PaperDate(2020, 10), PaperDate(2020)])
def test_write_then_read_returns_the_same_paper(tmp_path: Path, date: PaperDate) -> None:
    paper = replace(FULL, date=date)
    path = write_paper(paper, tmp_path)
    assert path == tmp_path / "scaling-laws.md"
    assert read_paper(path) == (paper, [])


def test_minimal_paper_round_trips(tmp_path: Path) -> None:
    paper = Paper(title="T", date=PaperDate(2024), slug="t")
    assert read_paper(write_paper(paper, tmp_path)) == (paper, [])


def test_keys_are_written_in_the_schema_order_then_unknown_keys() -> None:
    keys = [line.split(":")[0] for line in dump_paper(FULL).split("---\n")[1].splitlines()]
    assert keys == ["title", "authors", "date", "arxiv", "doi", "tags", "categories", "links", "venue", "source", "my_rating", "notes_url"]


def test_arxiv_id_is_quoted_so_it_stays_text() -> None:
    assert "arxiv: '2010.14701'" in dump_paper(FULL)


def test_unknown_keys_are_kept() -> None:
    paper, problems = parse_paper("---\ntitle: T\ndate: 2021\nreading_group: week 3\n---\n", "f.md", "f")
    assert problems == []
    assert paper.extra == {"reading_group": "week 3"}


def test_every_problem_is_reported_with_its_line() -> None:
    text = "---\ntitle: T\nauthors: 42\ndate: 2023-02-30\ntags: [Not A Slug]\nlinks: {code: not-a-url}\narxiv: 2010.14701\n---\n"
    paper, problems = parse_paper(text, "content/papers/x.md", "x")
    assert paper is None
    found = {(p.line, p.message.split(":")[0]) for p in problems}
    assert found == {(3, "authors"), (4, "date"), (5, "tags"), (6, "links"), (7, "arxiv")}
    assert all(p.path == "content/papers/x.md" for p in problems)
    assert "day 30 does not exist" in str(next(p for p in problems if p.line == 4))
    assert str(problems[0]).startswith("content/papers/x.md:")


def test_missing_title_and_date_are_reported() -> None:
    _, problems = parse_paper("---\nvenue: X\n---\nbody\n", "f.md", "f")
    assert sorted(p.message.split(":")[0] for p in problems) == ["date", "title"]


def test_invalid_yaml_names_the_line() -> None:
    _, problems = parse_paper("---\ntitle: ok\nauthors: [a, b\ndate: 2020\n---\n", "f.md", "f")
    assert len(problems) == 1 and problems[0].line in (3, 4, 5)
    assert "not valid YAML" in problems[0].message


def test_unclosed_front_matter_is_reported() -> None:
    _, problems = parse_paper("---\ntitle: T\ndate: 2020\n", "f.md", "f")
    assert problems[0].line == 1 and "never closed" in problems[0].message


def test_crlf_and_byte_order_mark_are_accepted() -> None:
    paper, problems = parse_paper("\ufeff---\r\ntitle: T\r\ndate: 2020-01\r\n---\r\nBody\r\n", "f.md", "f")
    assert problems == [] and paper.date == PaperDate(2020, 1) and paper.body == "Body\n"


def test_read_folder_collects_problems_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\ndate: 2020\n---\n")
    (tmp_path / "b.md").write_text("---\ntitle: B\n---\n")
    (tmp_path / "c.md").write_bytes(b"\xff\xfe junk")
    papers, problems = read_folder(tmp_path)
    assert [p.slug for p in papers] == ["a"]
    assert sorted(Path(p.path).name for p in problems) == ["b.md", "c.md"]


@pytest.mark.parametrize("text", ["2020", "2020-10", "2020-10-28"])
def test_date_precision_round_trips_through_text(text: str) -> None:
    assert str(PaperDate.parse(text)) == text


@pytest.mark.parametrize("text", ["2020-13", "2021-02-29", "20", "2020/10/01", "0000"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        PaperDate.parse(text)
