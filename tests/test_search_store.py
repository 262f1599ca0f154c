"""A rebuild takes the search analyses of the last build: it analyses only the texts that changed,
and the index is byte for byte the one a first build makes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SHARED, paper_text
from search_support import BOOSTS, corpus_rows
from sitegen.build import build
from sitegen.pipeline import SEARCH_STORE, load_site
from sitegen.buildstate import CACHE_DIR
from sitegen.config import SEARCH_FIELDS, load_config
from sitegen.search import search_document
from sitegen.search_index import Analyses, build_index, lunr_json
from sitegen.search_store import load_analyses, save_analyses
from sitegen.search_text import Analyzer

NEW_FIRST = ("Zyxwv tardigrade cryptobiosis", "Ottilie Quaxley", "", "Flibbertigibbet words nobody used before: snollygoster.", "")


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, ...]]:
    """The sample site's documents, and real papers if the shared corpus is here."""
    sample = [search_document(view).fields for view in load_site(load_config(REPO / "sitegen.yaml")).papers]
    return sample + (corpus_rows() if (SHARED / "corpus").is_dir() else [])


def edited(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Changes that renumber lunr's terms: new words first, an edit, a removal, a swap, a copy."""
    changed = [NEW_FIRST, *rows[1:]]
    changed[5] = (changed[5][0] + " revised", *changed[5][1:])
    del changed[7]
    changed[8], changed[9] = changed[9], changed[8]
    changed.append(changed[2])
    return changed


class CountingAnalyzer(Analyzer):
    def __init__(self) -> None:
        super().__init__()
        self.analysed: list[str] = []

    def counts(self, text: str):
        self.analysed.append(text)
        return super().counts(text)


def test_an_index_from_earlier_analyses_is_the_index_of_a_first_build(rows) -> None:
    first = build_index(rows, SEARCH_FIELDS, BOOSTS)
    second = build_index(edited(rows), SEARCH_FIELDS, BOOSTS, previous=first.analyses)
    assert lunr_json(second) == lunr_json(build_index(edited(rows), SEARCH_FIELDS, BOOSTS))
    assert second.terms[:3] == ["zyxwv", "tardigrad", "cryptobiosi"]  # the new words took the first numbers
    third = build_index(rows, SEARCH_FIELDS, BOOSTS, previous=second.analyses)  # and back again
    assert lunr_json(third) == lunr_json(first)


def test_only_texts_the_earlier_build_lacks_are_analysed(rows) -> None:
    first = build_index(rows, SEARCH_FIELDS, BOOSTS)
    analyzer = CountingAnalyzer()
    build_index(edited(rows), SEARCH_FIELDS, BOOSTS, analyzer=analyzer, previous=first.analyses)
    known = {text for row in rows for text in row}
    assert sorted(analyzer.analysed) == sorted({text for row in edited(rows) for text in row} - known)
    assert NEW_FIRST[0] in analyzer.analysed and len(analyzer.analysed) == 4  # the new paper's 3 texts, 1 new title


def test_the_analyses_come_back_from_the_store_as_they_went(rows, tmp_path: Path) -> None:
    analyses = build_index(rows, SEARCH_FIELDS, BOOSTS).analyses
    save_analyses(tmp_path / "store.npz", analyses)
    loaded = load_analyses(tmp_path / "store.npz")
    assert loaded is not None and loaded.keys == analyses.keys and loaded.vocabulary == analyses.vocabulary
    for name in ("sizes", "lengths", "terms", "tfs"):
        assert np.array_equal(getattr(loaded, name), getattr(analyses, name)), name
    assert not [path.name for path in tmp_path.iterdir() if path.name != "store.npz"]  # nothing half written left


def test_a_store_that_this_code_did_not_write_is_not_used(rows, tmp_path: Path, monkeypatch) -> None:
    analyses = build_index(rows[:20], SEARCH_FIELDS, BOOSTS).analyses
    store = tmp_path / "store.npz"
    store.write_bytes(b"not a store")
    assert load_analyses(store) is None
    save_analyses(store, analyses)
    store.write_bytes(store.read_bytes()[:-100])  # cut short
    assert load_analyses(store) is None
    broken = Analyses(analyses.keys, analyses.sizes, analyses.lengths, analyses.terms + len(analyses.vocabulary), analyses.tfs,
                      analyses.vocabulary)
    save_analyses(store, broken)  # terms past the vocabulary
    assert load_analyses(store) is None
    save_analyses(store, analyses)
    monkeypatch.setattr("sitegen.search_store._version", lambda: "another analyser")
    assert load_analyses(store) is None
    assert load_analyses(tmp_path / "missing.npz") is None


def test_a_store_that_cannot_be_written_costs_only_time(rows, tmp_path: Path) -> None:
    save_analyses(tmp_path / "no such folder" / "store.npz", build_index(rows[:5], SEARCH_FIELDS, BOOSTS).analyses)
    assert not (tmp_path / "no such folder").exists()


def test_a_rebuild_analyses_the_texts_of_the_edited_paper_only(make_site, monkeypatch) -> None:
    root = make_site({f"p{n}": paper_text(f"Paper number {n}", date=f"2024-01-1{n}", authors=f"[Author {n}]") for n in range(6)})
    config = load_config(root / "sitegen.yaml")
    build(config)
    assert load_analyses(root / CACHE_DIR / SEARCH_STORE) is not None
    analysed: list[str] = []
    counts = Analyzer.counts
    monkeypatch.setattr(Analyzer, "counts", lambda self, text: analysed.append(text) or counts(self, text))
    paper = root / "content" / "papers" / "p3.md"
    paper.write_text(paper_text("Paper number three, retitled", date="2024-01-13", authors="[Author 3]"), encoding="utf-8")
    build(config)
    assert analysed == ["Paper number three, retitled"]
    search = (root / "public" / "search")
    assert any("retitl" in path.read_text(encoding="utf-8") for path in search.glob("t/*.json"))
