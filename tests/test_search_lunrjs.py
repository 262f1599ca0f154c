"""The index sitegen builds in Python is the index lunr.js 2.3.9 builds from the same documents.

Proved in Node with the vendored lunr.js: byte-identical serialized indexes, the same terms and
postings, and the same answers to the same queries, on the bundled sample archive and on real
papers from the shared corpus. (Skips without Node, the vendored file or ../shared.)
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO
from search_support import BOOSTS, LUNR_JS, corpus_rows, node_or_skip, queries_for, run_node
from sitegen.pipeline import load_site
from sitegen.config import SEARCH_FIELDS, load_config
from sitegen.search import search_document
from sitegen.search_index import build_index, lunr_json
from sitegen.search_text import STOP_WORDS, analyze, term_for, tokenize


def sample_rows() -> list[tuple[str, ...]]:
    site = load_site(load_config(REPO / "sitegen.yaml"))
    return [search_document(view).fields for view in site.papers]


@pytest.fixture(scope="module", params=["sample papers", "real corpus"])
def compared(request, tmp_path_factory):
    """Build both indexes of one document set and ask both the same queries, in one Node run."""
    node = node_or_skip()
    rows = sample_rows() if request.param == "sample papers" else corpus_rows()
    work = tmp_path_factory.mktemp("lunrjs")
    ours = lunr_json(build_index(rows, SEARCH_FIELDS, BOOSTS))
    (work / "ours.json").write_text(ours, encoding="utf-8")
    queries = queries_for(rows)
    _, from_ours, from_lunr_js = run_node(node, [
        {"build": {"fields": list(SEARCH_FIELDS), "boosts": BOOSTS, "rows": rows}, "out": str(work / "lunrjs.json")},
        {"search": str(work / "ours.json"), "queries": queries},
        {"search": str(work / "lunrjs.json"), "queries": queries},
    ], work)
    theirs = (work / "lunrjs.json").read_text(encoding="utf-8")
    return {"rows": rows, "ours": ours, "theirs": theirs, "queries": queries, "answers": (from_ours, from_lunr_js)}


def test_same_terms_as_lunr_js(compared) -> None:
    ours, theirs = json.loads(compared["ours"]), json.loads(compared["theirs"])
    our_terms = [term for term, _ in ours["invertedIndex"]]
    their_terms = [term for term, _ in theirs["invertedIndex"]]
    assert set(our_terms) ^ set(their_terms) == set()
    assert our_terms == their_terms  # and in lunr.js's sort order (UTF-16 code units)


def test_same_postings_and_field_vectors_as_lunr_js(compared) -> None:
    ours, theirs = json.loads(compared["ours"]), json.loads(compared["theirs"])
    assert dict(map(tuple, ours["invertedIndex"])) == dict(map(tuple, theirs["invertedIndex"]))
    different = [ref for (ref, vector), (_, other) in zip(ours["fieldVectors"], theirs["fieldVectors"]) if vector != other]
    assert [ref for ref, _ in ours["fieldVectors"]] == [ref for ref, _ in theirs["fieldVectors"]]
    assert different == []


def test_serialized_index_is_byte_identical_to_lunr_js(compared) -> None:
    assert compared["ours"] == compared["theirs"]


def test_queries_find_exactly_what_lunr_js_finds(compared) -> None:
    from_ours, from_lunr_js = compared["answers"]
    assert sum(1 for answer in from_lunr_js if answer.get("results")) > len(compared["queries"]) // 2
    mismatches = [(query, mine, theirs) for query, mine, theirs in zip(compared["queries"], from_ours, from_lunr_js) if mine != theirs]
    assert mismatches == []


def test_pipeline_matches_lunr_js_on_every_distinct_token_of_the_corpora(tmp_path: Path) -> None:
    node = node_or_skip()
    rows = sample_rows() + corpus_rows(every_day=True) + corpus_rows(every_day=True, folded=False)
    tokens = sorted({token for row in rows for text in row for token in tokenize(text)})
    tokens += ["𝒙s", "yay", "ya", "sky", "__proto__", "constructor", "hasOwnProperty", "tis"]
    (terms,) = run_node(node, [{"pipeline": tokens}], tmp_path)
    different = [(token, ours, theirs) for token, ours, theirs in zip(tokens, map(term_for, tokens), terms) if ours != theirs]
    assert len(tokens) > 50_000 and different == []


def test_stop_words_are_lunr_js_stop_words(tmp_path: Path) -> None:
    node = node_or_skip()
    source = LUNR_JS.read_text(encoding="utf-8")
    listed = json.loads(re.search(r"generateStopWordFilter\((\[[^\]]*\])\)", source).group(1))
    assert set(listed) == STOP_WORDS and len(STOP_WORDS) == 119
    (terms,) = run_node(node, [{"pipeline": sorted(STOP_WORDS)}], tmp_path)
    assert terms == [None] * len(STOP_WORDS)


def test_analysis_of_a_field_is_lunr_js_tokenizer_then_pipeline(tmp_path: Path) -> None:
    text = "Trying Café-α lay-ups,\u2009e.g.,\u202fthe x² of 5 nm"
    rows = [(text, "", "", "", "")]
    node = node_or_skip()
    run_node(node, [{"build": {"fields": list(SEARCH_FIELDS), "boosts": BOOSTS, "rows": rows}, "out": str(tmp_path / "one.json")}], tmp_path)
    built = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    assert sorted(term for term, _ in built["invertedIndex"]) == sorted(set(analyze(text)))


def test_terms_beyond_the_basic_plane_sort_as_javascript_sorts_them(tmp_path: Path) -> None:
    # In code points "xａz" (U+FF41) < "x𝐀z" (U+1D400); in UTF-16 code units (0xD835 < 0xFF41) it is
    # the other way round. lunr.js's Index.load rejects terms out of its order ("Out of order word
    # insertion"), which is what lunr.py's serializer, sorting by code point, produces.
    node = node_or_skip()
    rows = [("x\U0001d400z x\uff41z", "", "", "", "")]
    ours = lunr_json(build_index(rows, SEARCH_FIELDS, BOOSTS))
    (tmp_path / "ours.json").write_text(ours, encoding="utf-8")
    _, (answer,) = run_node(node, [
        {"build": {"fields": list(SEARCH_FIELDS), "boosts": BOOSTS, "rows": rows}, "out": str(tmp_path / "theirs.json")},
        {"search": str(tmp_path / "ours.json"), "queries": ["x\U0001d400z"]},
    ], tmp_path)
    assert ours == (tmp_path / "theirs.json").read_text(encoding="utf-8")
    assert [term for term, _ in json.loads(ours)["invertedIndex"]] == ["x\U0001d400z", "x\uff41z"]
    assert answer == {"results": [["0", answer["results"][0][1], ["x\U0001d400z"]]]}
