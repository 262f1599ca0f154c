"""The content file format: round-trips, validation with line numbers, unknown keys kept."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.content import dump_paper, parse_paper, read_folder, read_paper, write_paper
from sitegen.model import Paper, PaperDate, Problem

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


# --- a key given twice ----------------------------------------------------------------------------

def test_a_key_given_twice_is_an_error_naming_both_lines() -> None:
    """YAML on its own keeps the last `title:` and silently loses the first."""
    text = "---\ntitle: The real title\ndate: 2020\ntags: [a]\ntitle: A pasted title\n---\n"
    assert parse_paper(text, "x.md", "x") == (None, [Problem("x.md", 5, 'duplicate key "title" (first on line 2)')])


def test_a_key_given_twice_inside_a_mapping_is_an_error() -> None:
    text = ("---\ntitle: T\ndate: 2020\nlinks:\n"
            "  code: https://a.example/x\n  pdf: https://a.example/p\n  code: https://b.example/y\n---\n")
    assert parse_paper(text, "x.md", "x")[1] == [Problem("x.md", 7, 'duplicate key "code" (first on line 5)')]


def test_keys_that_are_one_value_count_as_repeated() -> None:
    """`yes` and `true` are both the key True: one would silently replace the other."""
    text = "---\ntitle: T\ndate: 2020\nflags:\n  yes: 1\n  true: 2\n---\n"
    assert parse_paper(text, "x.md", "x")[1] == [Problem("x.md", 6, 'duplicate key "true" (first on line 5)')]


def test_a_merge_key_may_be_overridden() -> None:
    """`<<: *base` followed by a key of its own is how YAML overrides a merged value: allowed."""
    text = "---\ntitle: T\ndate: 2020\nbase: &base {x: 1, y: 2}\nmine: {<<: *base, x: 3}\n---\n"
    paper, problems = parse_paper(text, "x.md", "x")
    assert problems == [] and paper.extra["mine"] == {"x": 3, "y": 2}


def test_a_key_repeated_beside_a_merge_key_is_still_an_error() -> None:
    text = "---\ntitle: T\ndate: 2020\nbase: &base {x: 1}\nmine:\n  <<: *base\n  y: 2\n  y: 3\n---\n"
    assert parse_paper(text, "x.md", "x")[1] == [Problem("x.md", 8, 'duplicate key "y" (first on line 7)')]


def test_a_repeated_key_in_a_bom_crlf_file_names_the_file_lines() -> None:
    text = "\ufeff---\r\ntitle: A\r\ndate: 2020\r\ntitle: B\r\n---\r\n"
    assert parse_paper(text, "x.md", "x")[1] == [Problem("x.md", 4, 'duplicate key "title" (first on line 2)')]


# --- the file name is the slug ---------------------------------------------------------------------

@pytest.mark.parametrize("name, renamed", [
    ("My Paper", "my-paper"),
    ("Scaling", "scaling"),
    ("paper_1", "paper-1"),
    ("Über Résumé", "uber-resume"),
    ("a--b", "a-b"),
    ("-edge-", "edge"),
    ("v1.2", "v1-2"),
])
def test_a_file_name_that_is_not_a_slug_is_refused_with_the_slug_to_take(name: str, renamed: str) -> None:
    paper, problems = parse_paper("---\ntitle: T\ndate: 2020\n---\n", f"content/papers/{name}.md", name)
    assert paper is None
    assert [str(p) for p in problems] == [
        f"content/papers/{name}.md:1: file name: '{name}' is not a slug (lowercase letters, digits and single hyphens), "
        f"and the file name is the page's URL; rename it to {renamed}.md"
    ]


def test_a_file_name_with_nothing_to_keep_is_told_to_become_a_slug() -> None:
    _, problems = parse_paper("---\ntitle: T\ndate: 2020\n---\n", "___.md", "___")
    assert [p.message.rsplit("; ", 1)[1] for p in problems] == ["rename it to a slug"]


def test_a_bad_file_name_and_bad_front_matter_are_reported_together() -> None:
    _, problems = parse_paper("---\ntitle: T\ndate: 2020-02-30\n---\n", "My Paper.md", "My Paper")
    assert [(p.line, p.message.split(":")[0]) for p in sorted(problems)] == [(1, "file name"), (3, "date")]


def test_read_folder_refuses_bad_names_and_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Good\ndate: 2020\n---\n", encoding="utf-8")
    (tmp_path / "Bad Name.md").write_text("---\ntitle: Bad\ndate: 2020\n---\n", encoding="utf-8")
    (tmp_path / ".draft.md").write_text("not even front matter", encoding="utf-8")
    papers, problems = read_folder(tmp_path)
    assert [p.slug for p in papers] == ["good"]
    assert [(Path(p.path).name, p.line) for p in problems] == [("Bad Name.md", 1)]
    assert problems[0].message.endswith("rename it to bad-name.md")


# --- characters no page or feed can hold -----------------------------------------------------------

@pytest.mark.parametrize("line, key, code", [
    ('title: "Nul \\0 byte"', "title", "U+0000"),
    ('authors: ["Ada", "Bell\\a"]', "authors", "U+0007"),
    ('venue: "Form\\ffeed"', "venue", "U+000C"),
    ('url: "../\\0/etc/passwd"', "url", "U+0000"),
    ('slug: "/abs\\x00path"', "slug", "U+0000"),
    ('links: {code: "https://example.org/\\x1b"}', "links", "U+001B"),
    ('notes: {"key\\0": fine}', "notes", "U+0000"),
    ('odd: "\\uFFFE"', "odd", "U+FFFE"),
])
def test_an_escaped_control_character_is_refused_where_it_is(line: str, key: str, code: str) -> None:
    """YAML refuses a raw NUL in a file but lets the escape "\\0" through; feed.xml cannot hold one."""
    text = f"---\ntitle: T\ndate: 2020\n{line}\n---\n" if not line.startswith("title") else f"---\n{line}\ndate: 2020\n---\n"
    paper, problems = parse_paper(text, "x.md", "x")
    expected_line = 2 if key == "title" else 4
    assert paper is None
    assert [str(p) for p in problems] == [f"x.md:{expected_line}: {key}: contains the control character {code}, "
                                          "which pages and feeds cannot hold; remove it"]


def test_escapes_of_printable_characters_are_fine() -> None:
    text = '---\ntitle: "Caf\\u00e9\\ttab"\ndate: 2020\nnote: "line\\nbreak \\\\ slash"\n---\n'
    paper, problems = parse_paper(text, "x.md", "x")
    assert problems == [] and paper.title == "Café\ttab" and paper.extra["note"] == "line\nbreak \\ slash"
