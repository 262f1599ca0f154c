"""A rebuild makes search documents only for the papers that changed (search_memo), and its search
files are still byte for byte those of a first build."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import cold_tree, paper_text, tree
from sitegen import search
from sitegen.build import build
from sitegen.buildstate import CACHE_DIR
from sitegen.config import load_config
from sitegen.pipeline import SEARCH_DOCUMENTS
from sitegen.search_memo import load_documents, save_documents

SETTINGS = "title: Memo\nper_page: 3\ntags:\n  llm: [language model]\n"


@pytest.fixture
def root(make_site) -> Path:
    papers = {f"p{n}": paper_text(f"Paper {n}" + (" on language models" if n % 2 else ""), date=f"2024-01-1{n}",
                                  authors=f"[Author {n}, Shared Person]") for n in range(6)}
    root = make_site(papers, SETTINGS)
    build(load_config(root / "sitegen.yaml"))
    return root


@pytest.fixture
def made(monkeypatch) -> list[str]:
    """The slugs of the papers whose documents are made (not taken from the memo), in order."""
    slugs: list[str] = []
    original = search.search_document
    monkeypatch.setattr(search, "search_document", lambda view: slugs.append(view.slug) or original(view))
    return slugs


def search_tree(folder: Path) -> dict[str, str]:
    return {name: digest for name, digest in tree(folder).items() if name.startswith("search/")}


def cards(root: Path) -> list[list]:
    """Every result card of the built site's search, in document order."""
    meta = json.loads((root / "public" / "search" / "meta.json").read_text(encoding="utf-8"))
    return [card for name in meta["chunkFiles"] for card in json.loads(next((root / "public" / "search" / "d").glob(f"*.{name}.json")).read_text(encoding="utf-8"))]


def test_a_rebuild_makes_the_documents_of_the_edited_paper_only(root: Path, tmp_path: Path, made: list[str]) -> None:
    path = root / "content" / "papers" / "p3.md"
    path.write_text(paper_text("Paper 3 on language models", date="2024-01-13", authors="[Author 3, Shared Person]",
                               body="A revised abstract about tardigrades.\n"), encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    assert made == ["p3"]
    assert any("tardigrades" in card[-1] for card in cards(root))
    assert search_tree(root / "public") == {name: digest for name, digest in cold_tree(root, tmp_path).items() if name.startswith("search/")}
    made.clear()
    build(load_config(root / "sitegen.yaml"))  # nothing changed: nothing is made
    path.touch()
    build(load_config(root / "sitegen.yaml"))  # the same text: the same document
    assert made == []


def test_a_paper_the_site_names_an_author_of_otherwise_gets_a_new_document(root: Path, tmp_path: Path, made: list[str]) -> None:
    """The site calls an author what the newest paper does: a new paper spelling a name otherwise
    changes the cards of older papers whose files did not change."""
    (root / "content" / "papers" / "p9.md").write_text(paper_text("Paper 9", date="2025-01-01", authors="[Shared PERSON]"),
                                                       encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    assert sorted(made) == ["p0", "p1", "p2", "p3", "p4", "p5", "p9"]  # each names Shared Person
    assert all("Shared PERSON" in card[2] for card in cards(root))
    assert search_tree(root / "public") == {name: digest for name, digest in cold_tree(root, tmp_path).items() if name.startswith("search/")}


def test_documents_made_under_other_settings_are_not_used(root: Path, tmp_path: Path, made: list[str]) -> None:
    (root / "sitegen.yaml").write_text(SETTINGS + "  numbers: [paper]\n", encoding="utf-8")  # a tag every paper gets
    build(load_config(root / "sitegen.yaml"))
    assert len(made) == 6
    assert all("Numbers" in card[5] for card in cards(root))
    assert search_tree(root / "public") == {name: digest for name, digest in cold_tree(root, tmp_path).items() if name.startswith("search/")}


def test_a_memo_that_does_not_load_or_cannot_be_written_costs_only_time(root: Path, tmp_path: Path, made: list[str]) -> None:
    memo = root / CACHE_DIR / SEARCH_DOCUMENTS
    memo.write_bytes(b"not a pickle")
    path = root / "content" / "papers" / "p2.md"
    path.write_text(path.read_text(encoding="utf-8") + "More words.\n", encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    assert len(made) == 6
    assert load_documents(memo, "another digest") == {}
    assert len(load_documents(memo, _global_digest(root))) == 6
    save_documents(tmp_path / "no such folder" / "memo.pickle", "digest", {})
    assert not (tmp_path / "no such folder").exists()
    assert [path.name for path in (root / CACHE_DIR).iterdir() if path.name.startswith(f".{SEARCH_DOCUMENTS}")] == []


def _global_digest(root: Path) -> str:
    from sitegen.buildstate import load_state

    return load_state(root).global_digest
