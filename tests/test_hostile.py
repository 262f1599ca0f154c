"""Hostile input never costs a user their site: every bad file is named as `path:line: reason`,
the command exits 1, nothing is half-written and no traceback reaches the terminal.

The small cases live in tests/hostile/ (see its README); the large ones are made here.
Decisions these tests pin down:
- dates from year 1 to 9999 are accepted as written (old scans and typo'd years are the user's to
  fix; sitegen does not guess); year 0 and impossible days are errors;
- two files with the same arXiv id or DOI are errors;
- unknown keys that look like paths (`url: ../..`, `slug: /etc/passwd`) are kept as data and never
  used for output paths: the file name is the slug;
- the file name is the slug, so a file whose name is not one (`My Paper.md`, `Scaling.md`) is an
  error that names the slug to rename it to (nothing is published under a broken URL);
- a key given twice in front matter is an error (YAML alone would silently keep the last);
- a value holding a control character (only an escape such as "\\0" can put one there) is an error:
  feed.xml could not hold it; a Markdown body may hold any (text pasted from PDFs does), and the
  feeds replace what XML 1.0 forbids, so they stay well-formed;
- a paper may have at most content.MAX_TAGS tags (each tag is a page and a feed);
- `sitegen import` leaves every broken content file untouched and names it like the build does.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
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
    "duplicate-key.md": (5, 'duplicate key "title" (first on line 2)'),
    "My Paper.md": (1, "file name: 'My Paper' is not a slug (lowercase letters, digits and single hyphens), "
                       "and the file name is the page's URL; rename it to my-paper.md"),
    "nul-in-url.md": (4, "url: contains the control character U+0000, which pages and feeds cannot hold"),
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


def import_source(folder: Path) -> Path:
    """A good source of one paper, to import into a site that holds a broken file."""
    source = folder / "one-paper.json"
    records = [{"title": "Imported beside it", "date": "2024-01-02", "arxiv": "2401.00001"}]
    source.write_text(json.dumps(records), encoding="utf-8")
    return source


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_import_names_a_bad_content_file_and_leaves_it_untouched(name: str, make_site, capsys, tmp_path):
    original = (HOSTILE / "content" / name).read_bytes()
    root = site_with(make_site, {name: original})
    status, output = run(root, "import", str(import_source(tmp_path)), capsys=capsys)
    line, words = REJECTED[name]
    papers = root / "content" / "papers"
    where = re.escape(str(papers / name)) + (f":{line}:" if line else r"(:\d+)?:")
    assert status == 1
    assert re.search("error: " + where + ".*" + re.escape(words) + r".*\(left untouched\)", output), output
    assert TRACEBACK not in output
    assert (papers / name).read_bytes() == original
    assert read_paper(papers / "imported-beside-it.md")[1] == []  # the rest of the import went ahead


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


@pytest.mark.parametrize("name", sorted(p.name for p in (HOSTILE / "accepted").glob("*.md")))
def test_every_feed_of_odd_but_valid_content_is_well_formed_xml(name: str, make_site, capsys):
    root = site_with(make_site, {name: (HOSTILE / "accepted" / name).read_bytes()})
    assert run(root, "build", capsys=capsys)[0] == 0
    feeds = sorted((root / "public").rglob("*.xml"))
    assert {"feed.xml", "sitemap.xml"} <= {path.name for path in feeds}
    for path in feeds:
        ET.parse(path)  # raises ParseError on any character XML 1.0 forbids
    for path in (root / "public").rglob("feed.json"):
        json.loads(path.read_text(encoding="utf-8"))


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


def test_a_file_name_in_another_case_is_refused_naming_the_slug(make_site, capsys):
    """`Scaling.md` beside `scaling.md` would be one URL on a case-insensitive host; the name that
    is not a slug is the one refused."""
    root = site_with(make_site, {"Scaling.md": paper_text("One"), "scaling.md": paper_text("Two")})
    status, output = run(root, "build", capsys=capsys)
    assert status == 1 and output.count("error:") == 1
    assert f"{root / 'content' / 'papers' / 'Scaling.md'}:1: file name: 'Scaling' is not a slug" in output
    assert "rename it to scaling.md" in output


@pytest.mark.parametrize("name, renamed", [("Über Résumé", "uber-resume"), ("日本語の論文", "ri-ben-yu-nolun-wen"),
                                           ("paper_2024", "paper-2024"), ("UPPER", "upper")])
def test_non_slug_file_names_are_never_published(name: str, renamed: str, make_site, capsys):
    root = site_with(make_site, {f"{name}.md": paper_text("Named by hand")})
    status, output = run(root, "build", capsys=capsys)
    assert status == 1 and TRACEBACK not in output
    assert f"{root / 'content' / 'papers' / name}.md:1: file name: '{name}' is not a slug" in output
    assert output.count("error:") == 1 and f"rename it to {renamed}.md" in output
    assert not (root / "public").exists()


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
    source = import_source(root.parent)
    for verb in ("build", "check", "import"):
        status, output = run(root, verb, *([str(source)] if verb == "import" else []), capsys=capsys)
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
    "duplicate-keys.json": "",
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
