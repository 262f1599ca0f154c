"""Every error the CLI prints for a known problem links to its own entry of docs/troubleshooting.md,
and the links cannot rot: the table in sitegen/troubleshooting.py, the page's headings and the
page's example messages are checked against each other, and the hostile-input corpus
(tests/hostile/) is run through the CLI to see that each of its errors gets a link."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from sitegen import troubleshooting
from sitegen.content import MAX_TAGS
from sitegen.model import Problem
from sitegen.troubleshooting import ENTRIES, FALLBACKS, anchor_for, parse_line, with_link

from conftest import paper_text
from test_docs import DOCS, code_blocks, heading_anchors
from test_hostile import run as run_in

PAGE = DOCS / "troubleshooting.md"
HOSTILE = Path(__file__).parent / "hostile"
SEE = re.compile(r"^  see docs/troubleshooting\.md#(?P<anchor>[a-z0-9-]+)$")
PROBLEM_LINE = re.compile(r"^(error|rejected|failed|not found): |^sitegen [a-z]+: ")


def run(root: Path, *args: str, capsys) -> tuple[int, list[str]]:
    status, output = run_in(root, *args, capsys=capsys)
    return status, output.splitlines()


def linked(lines: list[str]) -> list[tuple[str, str | None]]:
    """Each problem line with the anchor of the `see` line under it (None when there is none)."""
    pairs = []
    for number, line in enumerate(lines):
        if PROBLEM_LINE.match(line) and not re.match(r"^sitegen [a-z]+: \d+ error\(s\)", line):
            follow = SEE.match(lines[number + 1]) if number + 1 < len(lines) else None
            pairs.append((line, follow.group("anchor") if follow else None))
    return pairs


def assert_all_linked(lines: list[str]) -> dict[str, str]:
    """Every problem line has a link to an existing heading; returns line -> anchor."""
    anchors = heading_anchors(PAGE)
    pairs = linked(lines)
    assert pairs, lines
    unlinked = [line for line, anchor in pairs if anchor is None]
    assert not unlinked, f"problems printed without a link: {unlinked}"
    dangling = [(line, anchor) for line, anchor in pairs if anchor not in anchors]
    assert not dangling, f"links to headings the page does not have: {dangling}"
    return dict(pairs)


# --- the table and the page -----------------------------------------------------------------------

def test_every_anchor_the_table_links_to_is_a_heading_of_the_page() -> None:
    anchors = heading_anchors(PAGE)
    linked_to = {entry.anchor for entry in ENTRIES} | set(FALLBACKS.values())
    assert sorted(linked_to - anchors) == []


def test_no_two_entries_of_the_table_share_an_anchor_by_mistake() -> None:
    names = [entry.anchor for entry in ENTRIES]
    assert len(names) == len(set(names))


def _examples() -> list[tuple[str, str]]:
    """(example line, anchor of the heading it stands under) for every example message on the page."""
    text = PAGE.read_text(encoding="utf-8")
    headings = [(m.start(), heading_anchors_of(m.group(0))) for m in re.finditer(r"^#{1,3} .+$", text, re.M)]
    examples = []
    for block in code_blocks(PAGE):
        offset = sum(len(line) + 1 for line in text.splitlines()[: block.line - 1])
        under = [anchor for start, anchor in headings if start < offset]
        for line in block.code.splitlines():
            if line.strip() and not SEE.match(line):
                examples.append((line, under[-1]))
    return examples


def heading_anchors_of(heading: str) -> str:
    title = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


EXAMPLES = _examples()


def test_the_page_shows_examples_for_its_entries() -> None:
    assert len(EXAMPLES) > 50
    assert {anchor for _, anchor in EXAMPLES} >= {entry.anchor for entry in ENTRIES}


@pytest.mark.parametrize("line, heading", [e for e in EXAMPLES if e[1] != "troubleshooting"],
                         ids=[e[0][:60] for e in EXAMPLES if e[1] != "troubleshooting"])
def test_each_example_message_links_to_the_entry_it_stands_under(line: str, heading: str) -> None:
    prefix, problem = parse_line(line)
    assert anchor_for(problem, prefix or "error") == heading, line


def test_the_introduction_shows_a_link_as_the_cli_prints_it() -> None:
    block = next(b for b in code_blocks(PAGE) if SEE.search(b.code.splitlines()[-1]))
    first, second = block.code.splitlines()
    assert troubleshooting.line_with_link(first) == f"{first}\n{second}"


# --- how a link is printed -------------------------------------------------------------------------

def test_the_link_follows_the_unchanged_error_line() -> None:
    problem = Problem("content/papers/x.md", 3, "date: day 30 does not exist in 2023-02")
    assert with_link(f"error: {problem}", problem) == (
        "error: content/papers/x.md:3: date: day 30 does not exist in 2023-02\n"
        "  see docs/troubleshooting.md#bad-date")


def test_a_problem_the_page_does_not_know_gets_no_link() -> None:
    problem = Problem("content/papers/x.md", 3, "something nobody wrote an entry for")
    assert with_link(f"error: {problem}", problem) == f"error: {problem}"


def test_a_record_an_importer_rejects_for_its_own_reason_links_to_the_general_entry() -> None:
    problem = Problem("refs.bib", 40, "@misc{x}: no title")
    assert anchor_for(problem, "rejected") == "a-record-cannot-be-read"


def test_a_settings_key_and_a_content_field_of_one_name_link_to_different_entries() -> None:
    message = "tags: 'Deep Learning' is not a slug (lowercase letters, digits and single hyphens)"
    assert anchor_for(Problem("content/papers/a.md", 5, message)) == "not-a-slug"
    assert anchor_for(Problem("site/sitegen.yaml", 5, message)) == "unknown-setting-or-bad-value-in-sitegenyaml"
    assert anchor_for(Problem("themes/mine/theme.yaml", 1, "not valid YAML: x")) == "bad-themeyaml"


def test_parse_line_reads_back_what_the_cli_prints() -> None:
    assert parse_line("rejected: refs.bib:12: no date: pass --date") == ("rejected", Problem("refs.bib", 12, "no date: pass --date"))
    assert parse_line("error: a.md: not UTF-8 text (byte 0) (left untouched)") == ("error", Problem("a.md", None, "not UTF-8 text (byte 0)"))
    assert parse_line("/tags/: broken link → /x/") == ("", Problem("/tags/", None, "broken link → /x/"))


# --- the CLI on hostile input ----------------------------------------------------------------------

def hostile_site(make_site, files: dict[str, str | bytes]) -> Path:
    root = make_site({"good": paper_text("A good paper")}, "title: Hostile\nbase_url: https://example.org/\n")
    for name, content in files.items():
        (root / "content" / "papers" / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


@pytest.mark.parametrize("verb", ["build", "check"])
def test_every_error_of_the_hostile_content_corpus_links_to_its_entry(verb: str, make_site, capsys) -> None:
    corpus = sorted((HOSTILE / "content").glob("*.md"))
    root = hostile_site(make_site, {path.name: path.read_bytes() for path in corpus})
    status, lines = run(root, verb, capsys=capsys)
    assert status == 1
    links = assert_all_linked(lines)
    reported = {re.search(r"papers/([^/:]+\.md)", line).group(1) for line in links}
    assert reported == {path.name for path in corpus}
    assert "docs/troubleshooting.md" in lines[-1]  # the summary stays last


@pytest.mark.parametrize("name, anchor", [
    ("impossible-date.md", "bad-date"),
    ("year-zero.md", "bad-date"),
    ("unclosed.md", "front-matter-never-closed"),
    ("empty.md", "no-front-matter"),
    ("python-tag.md", "front-matter-is-not-valid-yaml"),
    ("list-front-matter.md", "front-matter-must-be-a-mapping"),
    ("tags-string.md", "wrong-kind-of-value"),
    ("javascript-link.md", "link-is-not-a-web-address"),
    ("latin1.md", "not-utf-8-text"),
])
def test_a_hostile_file_links_to_the_entry_that_explains_it(name: str, anchor: str, make_site, capsys) -> None:
    root = hostile_site(make_site, {name: (HOSTILE / "content" / name).read_bytes()})
    _, lines = run(root, "build", capsys=capsys)
    assert list(assert_all_linked(lines).values()) == [anchor]


@pytest.mark.parametrize("name", sorted(p.name for p in (HOSTILE / "import").iterdir()))
def test_every_problem_of_a_hostile_import_links_to_its_entry(name: str, make_site, capsys) -> None:
    root = make_site({})
    status, lines = run(root, "import", str(HOSTILE / "import" / name), "--date", "2024-01-01", capsys=capsys)
    if status == 0:
        assert linked(lines) == []
        return
    assert_all_linked(lines)


def test_pages_left_untouched_by_an_import_link_to_their_entry(make_site, capsys) -> None:
    root = hostile_site(make_site, {"impossible-date.md": (HOSTILE / "content" / "impossible-date.md").read_bytes()})
    _, lines = run(root, "import", str(HOSTILE / "import" / "empty.json"), capsys=capsys)
    links = assert_all_linked(lines)
    assert [anchor for line, anchor in links.items() if line.endswith("(left untouched)")] == ["bad-date"]


@pytest.mark.parametrize("files, anchor", [
    ({"first.md": paper_text("First", arxiv='"2010.14701"'), "second.md": paper_text("Second", arxiv='"2010.14701v2"')},
     "two-files-for-one-paper"),
    ({"first.md": paper_text("First", doi="10.1145/3292500.3330701"), "second.md": paper_text("Second", doi="10.1145/3292500.3330701")},
     "two-files-for-one-paper"),
    ({"tagged.md": paper_text("Tagged", tags="[" + ", ".join(f"t{i}" for i in range(MAX_TAGS + 1)) + "]")}, "too-many-tags"),
    ({"a.md": paper_text("A", arxiv="2010.14701")}, "write-the-arxiv-id-in-quotes"),
    ({"a.md": paper_text("A", doi="https://doi.org/10.1/x")}, "not-an-arxiv-id-or-doi"),
    ({"a.md": "---\ntitle: A\n---\n"}, "required-and-missing"),
])
def test_content_problems_beyond_the_corpus_link_to_their_entry(files, anchor, make_site, capsys) -> None:
    root = hostile_site(make_site, files)
    status, lines = run(root, "build", capsys=capsys)
    assert status == 1 and set(assert_all_linked(lines).values()) == {anchor}


def test_symlink_loops_link_to_cannot_read(make_site, capsys) -> None:
    root = hostile_site(make_site, {})
    os.symlink("loop.md", root / "content" / "papers" / "loop.md")
    _, lines = run(root, "build", capsys=capsys)
    assert set(assert_all_linked(lines).values()) == {"cannot-read"}


@pytest.mark.parametrize("settings, anchor", [
    ("titel: x\n", "unknown-setting-or-bad-value-in-sitegenyaml"),
    ("per_page: 0\n", "unknown-setting-or-bad-value-in-sitegenyaml"),
    ("tags: [unclosed\n", "sitegenyaml-is-not-valid-yaml"),
    ("- a list\n", "sitegenyaml-is-not-valid-yaml"),
    ("theme: fancy\n", "no-theme"),
    ("theme: {name: default, options: {nope: 1}}\n", "theme-has-no-such-option"),
])
def test_settings_problems_link_to_their_entry(settings: str, anchor: str, make_site, capsys) -> None:
    root = make_site({"good": paper_text("A good paper")}, settings)
    status, lines = run(root, "build", capsys=capsys)
    assert status == 1 and set(assert_all_linked(lines).values()) == {anchor}


def test_a_missing_settings_file_links_to_its_entry(tmp_path: Path, capsys) -> None:
    _, lines = run(tmp_path, "build", capsys=capsys)
    assert set(assert_all_linked(lines).values()) == {"no-settings-file"}


def test_a_broken_template_links_to_template_error(make_site, capsys) -> None:
    root = hostile_site(make_site, {})
    (root / "templates").mkdir()
    (root / "templates" / "paper.html").write_text("<main>\n{{ paper.title \n</main>\n", encoding="utf-8")
    _, lines = run(root, "build", capsys=capsys)
    assert set(assert_all_linked(lines).values()) == {"template-error"}


def test_an_output_folder_that_cannot_be_written_links_to_cannot_write(make_site, capsys) -> None:
    root = hostile_site(make_site, {})
    (root / "blocker").write_text("a file, not a folder")
    status, lines = run(root, "build", "--out", "blocker/public", capsys=capsys)
    assert status == 1 and set(assert_all_linked(lines).values()) == {"cannot-write"}


def test_refusing_to_build_into_the_content_folder_links_to_its_entry(make_site, capsys) -> None:
    root = hostile_site(make_site, {})
    _, lines = run(root, "build", "--out", "content", capsys=capsys)
    assert set(assert_all_linked(lines).values()) == {"refusing-to-build-into-this-folder"}


def test_sitegen_check_findings_link_to_their_entries(make_site, capsys) -> None:
    root = make_site({"one": paper_text("One")}, "title: Links\nbase_url: https://example.org/repo/\n")
    (root / "templates").mkdir()
    (root / "templates" / "tags.html").write_text(
        '{% extends "base.html" %}{% block content %}<a href="{{ url_for(\'/no-such-page/\') }}">gone</a>'
        '<a href="#nowhere">top</a><a href="/tags/">out</a><img alt="" src="{{ url_for(\'/static/x.png\') }}">{% endblock %}',
        encoding="utf-8")
    status, lines = run(root, "check", capsys=capsys)
    assert status == 1
    findings = {line: anchor for line, anchor in zip(lines, lines[1:]) if line.startswith("/tags/: ")}
    assert {line.split(":")[1].split("→")[0].strip(): SEE.match(see).group("anchor") for line, see in findings.items()} == {
        "broken link": "broken-link", "missing anchor": "missing-anchor", "missing asset": "missing-asset",
        "link outside the site": "link-outside-the-site"}


def test_the_no_feeds_warning_links_to_its_entry(make_site, capsys) -> None:
    root = make_site({"one": paper_text("One")}, "title: No host\n")
    status, lines = run(root, "check", capsys=capsys)
    assert status == 0
    number = next(n for n, line in enumerate(lines) if line.startswith("warning: base_url"))
    assert lines[number + 1] == "  see docs/troubleshooting.md#no-feeds-no-sitemap"


def test_a_site_that_already_exists_links_to_its_entry(make_site, capsys) -> None:
    root = make_site({})
    _, lines = run(root.parent, "new", root.name, capsys=capsys)
    assert set(assert_all_linked(lines).values()) == {"a-site-already-exists-here"}


def test_no_papers_folder_links_to_its_entry(make_site, capsys) -> None:
    root = make_site({})
    shutil.rmtree(root / "content")
    _, lines = run(root, "build", capsys=capsys)
    assert set(assert_all_linked(lines).values()) == {"no-papers-folder"}
