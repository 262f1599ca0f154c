"""The fast paths of search indexing against plain reference code, on real-ish text.

Analyzer.counts counts with collections' C loop, build_index makes its postings and weights with
no Python loop per document, and the shard writer computes every posting's deltas at once: each is
compared here with the straightforward computation it replaces, so a divergence fails a test.
"""
from __future__ import annotations

import json
from collections import Counter
from itertools import chain
from operator import sub

import pytest

from conftest import REPO, SHARED
from search_support import BOOSTS, corpus_rows
from sitegen.pipeline import load_site
from sitegen.config import SEARCH_FIELDS, load_config
from sitegen.search import search_document
from sitegen.search_index import LunrIndex, build_index, lunr_json, reference_index
from sitegen.search_shards import _deltas, search_files, shard_index
from sitegen.search_text import Analyzer, analyze

TRICKY = [
    ("Café culture: α-β pruning, e.g., in Łódź", "José Müller, the Müller", "", "Trying lay-ups; always arrays of 5\u2009nm chips.", ""),
    ("The the THE", "", "a-b-c", "model, model. (model) models MODEL\x1fdata\ufeffdata 𝒙s 𝒙s —", "2010.14701 10.1000/x"),
    ("", "", "", "", ""),
]


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, ...]]:
    """The sample site's documents, some text that exercises every tokenizer path, and real papers if present."""
    site = load_site(load_config(REPO / "sitegen.yaml"))
    sample = [search_document(view).fields for view in site.papers]
    real = corpus_rows() if (SHARED / "corpus").is_dir() else []
    return sample + TRICKY + real


def test_counts_are_the_term_frequencies_of_the_analysed_terms(rows) -> None:
    cold, warm = Analyzer(), Analyzer()
    for text in chain.from_iterable(rows):
        warm.counts(text)
    for text in chain.from_iterable(rows):
        terms = analyze(text)
        expected = list(Counter(terms).items())  # Counter keeps first-occurrence order
        for analyzer in (cold, warm):
            frequencies, length = analyzer.counts(text)
            assert list(frequencies.items()) == expected and length == len(terms), text


def test_build_index_equals_lunr_py_builder_on_real_text(rows) -> None:
    for boosts in (BOOSTS, (2.5, 0.3, 1, 7, 1)):
        assert lunr_json(build_index(rows, SEARCH_FIELDS, boosts)) == lunr_json(reference_index(rows, SEARCH_FIELDS, boosts))


def test_build_index_refuses_rows_with_another_number_of_texts() -> None:
    with pytest.raises(ValueError):
        build_index([("title", "authors")], SEARCH_FIELDS, BOOSTS)


@pytest.mark.parametrize("postings", [[], [[]], [[], [3]], [[0, 4, 9], [], [2], []], [[1], [1, 2], [], [], [0, 5, 6]]])
def test_deltas_are_differences_from_the_number_before(postings: list[list[int]]) -> None:
    assert _deltas(postings) == [list(map(sub, docs, chain((0,), docs))) for docs in postings]


def _entry(index: LunrIndex, tid: int) -> str:
    """A shard entry spelled the plain way: one term at a time."""
    values: list = [index.terms[tid], tid]
    for docs, weights in zip(index.docs[tid], index.weights[tid]):
        values += [list(map(sub, docs, chain((0,), docs))), list(weights)]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def test_shards_hold_each_term_entry_as_the_plain_spelling_would(rows) -> None:
    index = build_index(rows, SEARCH_FIELDS, BOOSTS)
    order = index.sorted_term_ids()
    for target in (300, 16_000):
        firsts, shards = shard_index(index, target)
        entries = [json.loads(shard) for shard in shards]
        assert [entry[0][0] for entry in entries] == firsts
        assert ",".join(shard.decode("utf-8")[1:-1] for shard in shards) == ",".join(_entry(index, tid) for tid in order)


def test_terms_file_lists_the_terms_as_json_dumps_would(rows) -> None:
    index = build_index(rows, SEARCH_FIELDS, BOOSTS)
    files = search_files(index, [["card"]] * index.count, "v")
    (name,) = [name for name in files if name.startswith("terms.")]
    plain = json.dumps([index.terms[tid] for tid in index.sorted_term_ids()], ensure_ascii=False, separators=(",", ":"))
    assert files[name] == plain.encode("utf-8")
