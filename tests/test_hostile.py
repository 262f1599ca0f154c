"""Hostile input never costs a user their site: every bad file is named as `path:line: reason`,
the command exits 1, nothing is half-written and no traceback reaches the terminal.

The small cases live in tests/hostile/ (see its README); the large ones are made here.
Decisions these tests pin down:
- dates from year 1 to 9999 are accepted as written (old scans and typo'd years are the user's to
  fix; sitegen does not guess); year 0 and impossible days are errors;
- two files with the same arXiv id or DOI, or slugs that differ only in case, are errors;
- unknown keys that look like paths (`url: ../..`, `slug: /etc/passwd`) are kept as data and never
  used for output paths: the file name is the slug;
- a paper may have at most content.MAX_TAGS tags (each tag is a page and a feed).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import cli
from sitegen.content import MAX_TAGS, read_paper

from conftest import REPO, paper_text

HOSTILE = Path(__file__).parent / "hostile"
TRACEBACK = "Traceback (most recent call last)"

# file -> (line the problem is reported on, words the message must contain)
REJECTED = {
    "malformed-yaml.md": (5, "not valid YAML"),
    "unclosed.md": (1, "never closed"),
    "tags-string.md": (4, "tags: expected a list"),
    "authors-number.md": (4, "authors: expected a list, found the number 42"),
    "impossible-date.md": (3, "day 30 does not exist in 2023-02"),
    "year-zero.md": (3, "year 0 is out of range"),
    "javascript-link.md": (4, "must be an http(s) URL"),
    "data-link.md": (4, "must be an http(s) URL"),
    "python-tag.md": (2, "not valid YAML"),
    "list-front-matter.md": (2, "must be a mapping"),
    "nul-byte.md": (2, "not valid YAML: unacceptable character #x0000"),
    "empty.md": (1, "must start with a '---' line"),
    "binary.md": (None, "not UTF-8"),
    "latin1.md": (None, "not UTF-8 text"),
    "deep-nesting.md": (4, "not valid YAML"),
}


def run(root: Path, *args: str, capsys) -> tuple[int, str]:
    """Run the command in `root` as a user would; an exception escaping main is a traceback."""
    old = os.getcwd()
    os.chdir(root)
    try:
        status = cli.main(list(args))
    finally:
        os.chdir(old)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def site_with(make_site, extra: dict[str, str | bytes]) -> Path:
    root = make_site({"good": paper_text("A good paper")}, "title: Hostile\nbase_url: https://example.org/\n")
    for name, content in extra.items():
        path = root / "content" / "papers" / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def test_the_corpus_is_complete():
    assert sorted(p.name for p in (HOSTILE / "content").glob("*.md")) == sorted(REJECTED)


@pytest.mark.parametrize("verb", ["build", "check"])
@pytest.mark.parametrize("name", sorted(REJECTED))
def test_bad_content_file_is_named_with_its_line(name: str, verb: str, make_site, capsys):
    root = site_with(make_site, {name: (HOSTILE / "content" / name).read_bytes()})
    status, output = run(root, verb, capsys=capsys)
    line, words = REJECTED[name]
    where = re.escape(str(root / "content" / "papers" / name)) + (f":{line}:" if line else r"(:\d+)?:")
    assert status == 1
    assert re.search(where + ".*" + re.escape(words), output), output
    assert TRACEBACK not in output
    assert not (root / "public").exists()


def test_a_failed_build_leaves_the_previous_site_as_it_was(make_site, capsys):
    root = site_with(make_site, {})
    assert run(root, "build", capsys=capsys)[0] == 0
    before = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    for name in REJECTED:
        shutil.copy(HOSTILE / "content" / name, root / "content" / "papers" / name)
    status, output = run(root, "build", capsys=capsys)
    assert status == 1 and output.count("error:") == len(REJECTED)
    assert {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()} == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".public")] == []


@pytest.mark.parametrize("name", sorted(p.name for p in (HOSTILE / "accepted").glob("*.md")))
def test_odd_but_valid_content_is_built(name: str, make_site, capsys, tmp_path):
    root = site_with(make_site, {name: (HOSTILE / "accepted" / name).read_bytes()})
    status, output = run(root, "build", capsys=capsys)
    assert status == 0, output
    slug = name.removesuffix(".md")
    assert (root / "public" / "papers" / slug / "index.html").is_file()
    assert not Path("/tmp/sitegen-escaped").exists()
    written = {p.resolve() for p in root.rglob("*")}
    assert all(str(p).startswith(str(root.resolve())) for p in written)


def test_bom_and_crlf_read_as_plain_text():
    paper, problems = read_paper(HOSTILE / "accepted" / "bom-crlf.md")
    assert problems == [] and paper.title == "BOM and CRLF"
    assert paper.body == "An abstract\nwith CRLF lines.\n"


def test_path_like_keys_stay_data():
    paper, _ = read_paper(HOSTILE / "accepted" / "path-like-keys.md")
    assert paper.slug == "path-like-keys"
    assert paper.extra["url"] == "../../../../tmp/sitegen-escaped" and paper.extra["slug"] == "/etc/passwd"


def test_two_files_with_one_arxiv_id_are_reported(make_site, capsys):
    root = site_with(make_site, {
        "first.md": paper_text("First", arxiv='"2010.14701"'),
        "second.md": paper_text("Second", arxiv='"2010.14701v2"'),
    })
    status, output = run(root, "build", capsys=capsys)
    assert status == 1
    assert f"{root / 'content' / 'papers' / 'second.md'}:4: arxiv: the same arXiv id as first.md" in output


def test_two_files_with_one_doi_are_reported(make_site, capsys):
    root = site_with(make_site, {
        "first.md": paper_text("First", doi="10.1145/3292500.3330701"),
        "second.md": paper_text("Second", doi="10.1145/3292500.3330701"),
    })
    status, output = run(root, "check", capsys=capsys)
    assert status == 1 and "second.md:4: doi: the same DOI as first.md" in output


def test_slugs_that_differ_only_in_case_are_reported(make_site, capsys):
    root = site_with(make_site, {"Scaling.md": paper_text("One"), "scaling.md": paper_text("Two")})
    status, output = run(root, "build", capsys=capsys)
    assert status == 1 and "scaling.md:1: slug: its file name differs only in case from Scaling.md" in output


def test_a_ten_megabyte_abstract_builds(make_site, capsys):
    words = "attention " * 1_000_000  # 10 MB
    root = site_with(make_site, {"huge.md": paper_text("Huge abstract", body=words + "\n")})
    status, output = run(root, "build", capsys=capsys)
    assert status == 0, output
    assert (root / "public" / "papers" / "huge" / "index.html").stat().st_size > 10_000_000


def test_five_thousand_authors_build(make_site, capsys):
    authors = "[" + ", ".join(f'"Author Number{i}"' for i in range(5000)) + "]"
    root = site_with(make_site, {"collab.md": paper_text("A large collaboration", authors=authors)})
    status, output = run(root, "build", capsys=capsys)
    assert status == 0, output
    assert (root / "public" / "authors" / "author-number4999" / "index.html").is_file()


def test_a_hundred_thousand_tags_are_refused_fast(make_site, capsys):
    """Each tag is a page and a feed: 100,000 of them once filled a disk. Now: one clear error."""
    tags = "[" + ", ".join(f"t{i}" for i in range(100_000)) + "]"
    root = site_with(make_site, {"tagged.md": paper_text("Tagged to death", tags=tags)})
    status, output = run(root, "build", capsys=capsys)
    assert status == 1
    assert f"tagged.md:4: tags: 100000 tags; a paper may have at most {MAX_TAGS}" in output
    assert not (root / "public").exists()


def test_symlink_loops_in_content_are_reported(make_site, capsys):
    root = site_with(make_site, {})
    papers = root / "content" / "papers"
    os.symlink("loop.md", papers / "loop.md")
    os.symlink("ping.md", papers / "pong.md")
    os.symlink("pong.md", papers / "ping.md")
    os.symlink("/nonexistent/sitegen", papers / "dangling.md")
    os.symlink(".", papers / "here")
    os.symlink("..", root / "content" / "up")
    for verb in ("build", "check"):
        status, output = run(root, verb, capsys=capsys)
        assert status == 1 and TRACEBACK not in output
        for name, reason in [("loop", "symbolic links"), ("ping", "symbolic links"), ("dangling", "No such file")]:
            assert f"{papers / name}.md: cannot read: " in output and reason in output


@pytest.mark.parametrize("template, text, line, words", [
    ("paper.html", "<main>\n\n{{ paper.title \n</main>\n", 4, "template error"),  # opened on 3, fails on 4
    ("paper.html", "{% extends 'default/paper.html' %}\n{% block content %}\n{% for x in %}\n{% endblock %}\n", 3, "template error"),
    ("paper.html", "<main>\n\n\n{{ no_such_variable.title }}\n</main>\n", 4, "'no_such_variable' is undefined"),
    ("paper_item.html", "<li>\n{{ paper.no_such_field }}\n</li>\n", 2, "no attribute 'no_such_field'"),
])
def test_broken_theme_template_is_named_with_its_line(template, text, line, words, make_site, capsys):
    root = site_with(make_site, {})
    (root / "templates").mkdir()
    (root / "templates" / template).write_text(text, encoding="utf-8")
    for verb in ("build", "check"):
        status, output = run(root, verb, capsys=capsys)
        assert status == 1 and TRACEBACK not in output
        assert f"{root / 'templates' / template}:{line}: {words}" in output or (
            f"{root / 'templates' / template}:{line}: template error" in output and words in output), output


# Import: file -> words the report must contain (every case: exit 1, no traceback)
IMPORT_REJECTED = {
    "empty.json": "",
    "binary.json": "",
    "latin1.csv": "",
    "unclosed.bib": "",
    "hostile.json": "",
}


@pytest.mark.parametrize("name", sorted(p.name for p in (HOSTILE / "import").iterdir()))
def test_hostile_import_sources_never_crash_or_escape(name: str, make_site, capsys):
    root = make_site({})
    status, output = run(root, "import", str(HOSTILE / "import" / name), "--date", "2024-01-01", capsys=capsys)
    assert TRACEBACK not in output
    assert status in (0, 1), output
    papers = root / "content" / "papers"
    for path in papers.iterdir():
        assert path.parent == papers and path.suffix == ".md"
        assert read_paper(path)[1] == []
    leftovers = [p for p in root.rglob("*") if p.is_file() and p.parent != papers and p.name != "sitegen.yaml"]
    assert leftovers == []
    if name in IMPORT_REJECTED:
        assert status == 1 and f"{HOSTILE / 'import' / name}" in output, output


def test_hostile_titles_become_safe_file_names(make_site, capsys):
    root = make_site({})
    status, output = run(root, "import", str(HOSTILE / "import" / "hostile.json"), capsys=capsys)
    names = sorted(p.name for p in (root / "content" / "papers").iterdir())
    assert names == sorted(set(names)) and all(re.fullmatch(r"[a-z0-9-]+\.md", n) for n in names), names
    assert "etc-passwd.md" in names
    assert re.search(r"hostile\.json:\d+: .*date", output), output


@pytest.mark.parametrize("argv", [
    ["build"],
    ["check"],
    ["import", "content/papers/binary.md", "--date", "2024-01-01"],
    ["import", "no-such-file.json"],
    ["import", "content/papers"],
])
def test_real_command_line_prints_no_traceback(argv, make_site):
    """The same through a real process: exit status and stderr as a shell sees them."""
    root = site_with(make_site, {name: (HOSTILE / "content" / name).read_bytes() for name in ("binary.md", "unclosed.md")})
    done = subprocess.run([sys.executable, "-m", "sitegen", *argv], cwd=root, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert TRACEBACK not in done.stderr and done.stderr.strip()


def test_an_output_folder_that_cannot_be_written_is_named_not_traced(make_site, capsys):
    """A full disk or a file where a folder should be: one line naming the path, exit 1."""
    root = site_with(make_site, {})
    (root / "blocker").write_text("a file, not a folder")
    status, output = run(root, "build", "--out", "blocker/public", capsys=capsys)
    assert status == 1 and TRACEBACK not in output
    assert re.search(r"sitegen build: .*blocker.*: Not a directory", output), output
