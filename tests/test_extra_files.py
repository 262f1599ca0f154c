"""The site's extra/ folder is published at the output's root as it is (rootfiles.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import cold_tree, paper_text, tree
from sitegen.build import build
from sitegen.buildstate import BuildState
from sitegen.config import load_config
from sitegen.model import ProblemsError
from sitegen.troubleshooting import anchor_for

SETTINGS = "title: Extras\nbase_url: https://example.org/lab/\n"


def put(root: Path, name: str, data: bytes) -> None:
    path = root / "extra" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_site(root: Path):
    return build(load_config(root / "sitegen.yaml"))


@pytest.fixture
def root(make_site) -> Path:
    root = make_site({"first": paper_text("First paper"), "second": paper_text("Second paper", date="2024-06-01")}, SETTINGS)
    put(root, "CNAME", b"papers.example.org\n")
    put(root, ".well-known/security.txt", b"Contact: mailto:lab@example.org\n")
    put(root, "google0123abcd.html", b"google-site-verification: google0123abcd.html")
    put(root, ".DS_Store", b"\0\0\0\1Bud1")
    put(root, "keys/.git/config", b"[remote]\n")
    return root


def test_extra_files_are_published_at_the_root_byte_for_byte(root: Path) -> None:
    build_site(root)
    out = root / "public"
    assert (out / "CNAME").read_bytes() == b"papers.example.org\n"
    assert (out / ".well-known" / "security.txt").read_bytes() == b"Contact: mailto:lab@example.org\n"
    assert (out / "google0123abcd.html").read_bytes() == b"google-site-verification: google0123abcd.html"
    assert not (out / ".DS_Store").exists()  # a file manager's, never meant to be published
    assert not (out / "keys").exists()  # nor a repository's history
    assert not (out / "static" / "CNAME").exists()
    assert (out / "papers" / "first" / "index.html").is_file()  # the site itself is all there


def test_a_changed_extra_file_is_published_by_the_next_build_and_nothing_renders(root: Path, tmp_path: Path) -> None:
    build_site(root)
    put(root, "CNAME", b"archive.example.org\n")
    result = build_site(root)
    assert (root / "public" / "CNAME").read_bytes() == b"archive.example.org\n"
    assert result.rendered == 0 and result.changed == ("CNAME",)
    assert tree(root / "public") == cold_tree(root, tmp_path)
    assert build_site(root).changed == ()  # and then nothing changed


def test_added_and_removed_extra_files_come_and_go(root: Path, tmp_path: Path) -> None:
    build_site(root)
    (root / "extra" / ".well-known" / "security.txt").unlink()
    put(root, "_headers", b"/*\n  X-Frame-Options: DENY\n")
    build_site(root)
    out = root / "public"
    assert not (out / ".well-known").exists()
    assert (out / "_headers").read_bytes() == b"/*\n  X-Frame-Options: DENY\n"
    assert tree(out) == cold_tree(root, tmp_path)
    # a paper edit later leaves them as they are
    (root / "content" / "papers" / "first.md").write_text(paper_text("First paper, revised"), encoding="utf-8")
    build_site(root)
    assert (out / "_headers").is_file() and (out / "CNAME").is_file()
    assert tree(out) == cold_tree(root, tmp_path)


def test_only_changed_extra_files_are_copied_again(root: Path, tmp_path: Path, monkeypatch) -> None:
    """An archive may keep large files here (a paper's PDF beside its page): a build copies again
    only those whose signature changed, or whose published copy did."""
    import sitegen.pipeline as pipeline

    build_site(root)
    copied: list[str] = []
    real = pipeline.shutil.copyfile
    monkeypatch.setattr(pipeline.shutil, "copyfile", lambda source, target: copied.append(Path(source).name) or real(source, target))
    (root / "content" / "papers" / "first.md").write_text(paper_text("First paper, revised"), encoding="utf-8")
    assert build_site(root).rendered > 0 and copied == []
    put(root, "papers/first/first.pdf", b"%PDF-1.7 a paper beside its page\n")
    (root / "public" / "CNAME").write_text("changed by hand\n", encoding="utf-8")
    build_site(root)
    assert sorted(copied) == ["CNAME", "first.pdf"]
    assert (root / "public" / "papers" / "first" / "first.pdf").read_bytes() == b"%PDF-1.7 a paper beside its page\n"
    assert tree(root / "public") == cold_tree(root, tmp_path)


@pytest.mark.parametrize("name", ["robots.txt", "feed.xml", "404.html", "index.html", "papers/first/index.html",
                                  "papers/first/cite.bib", "static/style.css", "search/meta.json", ".nojekyll",
                                  "papers", "index.html/inside.txt"])
def test_an_extra_file_may_not_replace_what_the_build_writes(root: Path, name: str) -> None:
    build_site(root)
    before = tree(root / "public")
    put(root, name, b"mine\n")
    with pytest.raises(ProblemsError) as caught:
        build_site(root)
    problem, = caught.value.problems
    assert problem.path == str(root / "extra" / name)
    assert problem.message.startswith("the build writes /") and "may not replace it" in problem.message
    assert anchor_for(problem) == "an-extra-file-clashes-with-the-builds-own"
    assert tree(root / "public") == before  # the failed build published nothing


def test_a_clash_is_found_by_a_first_build_too(root: Path, tmp_path: Path) -> None:
    put(root, "sitemap.xml", b"<urlset/>\n")
    with pytest.raises(ProblemsError) as caught:
        build(load_config(root / "sitegen.yaml"), tmp_path / "out", state=BuildState())
    assert caught.value.problems[0].message.startswith("the build writes /sitemap.xml itself")
    assert not (tmp_path / "out").exists()
