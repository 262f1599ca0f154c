"""Related papers' shortcuts give the plain answer: the level cascade of `_top`, and a rebuild
that counts the words of changed papers only and scores again only the papers an edit can reach."""
from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
import scipy.sparse as sparse

from sitegen import related
from sitegen.buildstate import BuildState


def plain_top(scores: np.ndarray, count: int) -> list[list[int]]:
    """`_top` as specified: each row's best `count` others by rounded score, then column, among
    the entries at or above the highest of LEVELS that `count` of them reach (else MIN_SCORE)."""
    levels = np.asarray(related.LEVELS, dtype=np.float32)
    answer = []
    for row, line in enumerate(scores):
        others = [column for column in range(len(line)) if column != row and line[column] > 0]
        floor = np.float32(related.MIN_SCORE)
        for level in levels:
            if sum(line[column] >= level for column in others) >= count:
                floor = level
        chosen = [column for column in others if line[column] >= floor]
        answer.append(sorted(chosen, key=lambda column: (-round(float(line[column]) * 1e6), column))[:count])
    return answer


def test_the_level_cascade_picks_what_the_plain_rule_picks() -> None:
    """Scores on and around every level, ties in the sixth decimal, rows with fewer than five
    others, and empty rows."""
    rng = random.Random(7)
    near = [value for level in related.LEVELS for value in (level, np.nextafter(np.float32(level), 0), level + 1e-6)]
    values = near + [0.01, 0.02, 0.019999, 0.95, 0.33333]
    n = 60
    scores = np.zeros((n, n), dtype=np.float32)
    for row in range(n - 3):  # the last three rows stay empty
        for column in rng.sample(range(n), rng.randint(0, 40)):
            scores[row, column] = rng.choice(values)
    matrix = sparse.csr_matrix(scores)
    for start, stop in ((0, n), (0, 17), (17, n)):
        tops, _ = related._top(sparse.csr_matrix(matrix[start:stop]), np.arange(start, stop), 5)
        assert tops == plain_top(scores, 5)[start:stop]


def kept(memo: dict) -> dict:
    """`memo` as the build cache gives it back: pickled with the build state, then loaded."""
    return pickle.loads(pickle.loads(pickle.dumps(BuildState(related=memo), protocol=pickle.HIGHEST_PROTOCOL)).related)


def assert_counted_afresh(memo: dict, documents: list) -> None:
    """The memo's rows are those a fresh count gives: same terms, numbered alike, same values."""
    rows, fresh = memo["rows"], related._rows(documents, [related._digest(document) for document in documents])
    assert rows.digests == fresh.digests and rows.names == fresh.names
    for field in ("bounds", "terms", "values"):
        assert np.array_equal(getattr(rows, field), getattr(fresh, field)), field


def documents_with_ties(seed: int) -> list[tuple[str, str, list[str]]]:
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(120)]
    documents = [(" ".join(rng.choices(vocabulary, k=4)), " ".join(rng.choices(vocabulary[: rng.randint(3, 120)], k=30)), rng.sample("abcdef", 2))
                 for _ in range(250)]
    documents[10:20] = [documents[9]] * 10  # duplicate texts: ties everywhere
    documents[30:33] = [("", "", [])] * 3  # papers with no words
    documents[40] = ("the of and", "1 2 3", [])  # only stop words and numbers
    return documents


EDITS = {
    "a word appended": lambda doc: (doc[0], doc[1] + " w7", doc[2]),
    "a new word, first in the archive": lambda doc: (doc[0], "zyxwv " + doc[1], doc[2]),
    "punctuation and case only": lambda doc: (doc[0], doc[1].upper() + ".", doc[2]),
    "a tag removed": lambda doc: (doc[0], doc[1], doc[2][:1]),
    "emptied": lambda doc: ("", "", []),
    "made a duplicate": lambda doc: ("w1 w2 w3 w4", " ".join(["w5"] * 30), ["a", "b"]),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_rebuild_after_an_edit_gives_the_fresh_answer(edit: str) -> None:
    documents = documents_with_ties(11)
    memo: dict = {}
    related.similar(documents, memo=memo)
    for victim in (0, 9, 15, 31, 40, 249):
        memo = kept(memo)
        documents[victim] = EDITS[edit](documents[victim])
        assert related.similar(documents, memo=memo) == related.similar(documents), victim
        assert_counted_afresh(memo, documents)


def test_an_edit_that_leaves_every_word_scores_nothing_again(monkeypatch) -> None:
    documents = documents_with_ties(12)
    memo: dict = {}
    related.similar(documents, memo=memo)
    documents[5] = (documents[5][0], documents[5][1].replace(" ", "  ") + "!", documents[5][2])
    expected = related.similar(documents)
    monkeypatch.setattr(related, "_slice", None)
    assert related.similar(documents, memo=memo) == expected


def test_an_edit_scores_again_only_the_papers_it_can_reach(monkeypatch) -> None:
    documents = documents_with_ties(13)
    memo: dict = {}
    related.similar(documents, memo=memo)
    documents[100] = (documents[100][0], documents[100][1] + " w3", documents[100][2])
    expected = related.similar(documents)
    scored = []
    slice_rows = related._slice
    monkeypatch.setattr(related, "_slice", lambda rows: (scored.extend(rows.tolist()), slice_rows(rows))[1])
    assert related.similar(documents, memo=memo) == expected
    assert 100 in scored and len(scored) < len(documents) // 2


CHANGES = {
    "a paper added": lambda docs: docs[:50] + [("w9 w8", "w7 w6 w5 w4", ["a"])] + docs[50:],
    "a paper removed": lambda docs: docs[:50] + docs[51:],
    "one removed, one added: as many papers, shifted": lambda docs: docs[:20] + docs[21:60] + [("w1 w2", "w3 w4 w5", ["b"])] + docs[60:],
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_rebuild_after_papers_come_or_go_gives_the_fresh_answer(change: str) -> None:
    documents = documents_with_ties(14)
    memo: dict = {}
    related.similar(documents, memo=memo)
    memo = kept(memo)
    documents = CHANGES[change](documents)
    assert related.similar(documents, memo=memo) == related.similar(documents)
    assert_counted_afresh(memo, documents)


def test_a_rebuild_counts_the_words_of_changed_papers_only(monkeypatch) -> None:
    documents = documents_with_ties(15)
    memo: dict = {}
    related.similar(documents, memo=memo)
    memo = kept(memo)
    documents[60] = (documents[60][0], documents[60][1] + " w8", documents[60][2])
    documents[61] = (documents[61][0], documents[61][1], ["z"])  # a tag changed: its words are counted again too
    expected, counted = related.similar(documents), []
    word_counts = related._word_counts
    monkeypatch.setattr(related, "_word_counts", lambda text: (counted.append(text), word_counts(text))[1])
    assert related.similar(documents, memo=memo) == expected
    assert counted == [documents[60][0], documents[60][1], documents[61][0], documents[61][1]]


def test_a_rebuild_of_unchanged_papers_computes_nothing(monkeypatch) -> None:
    documents = documents_with_ties(16)
    memo: dict = {}
    expected = related.similar(documents, memo=memo)
    monkeypatch.setattr(related, "_rows", None)
    monkeypatch.setattr(related, "_similar", None)
    assert related.similar(list(documents), memo=kept(memo)) == expected


def test_the_memo_keeps_counts_not_texts() -> None:
    documents = [(f"Paper {n}", f"Lorem, ipsum; dolor sit amet w{n % 7} w{n % 5}.", ["t"]) for n in range(40)]
    memo: dict = {}
    related.similar(documents, memo=memo)
    stored = pickle.dumps(kept(memo))
    assert b"Lorem, ipsum" not in stored and b"Paper 1" not in stored
