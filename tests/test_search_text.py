"""Index-time text analysis: each place where lunr.py differs from lunr.js, and our lunr.js behaviour.

The words here come from the real corpora; tests/test_search_lunrjs.py checks the whole pipeline
against lunr.js itself on every distinct token of those corpora.
"""
from __future__ import annotations

import pytest
from lunr import lunr as lunr_py
from lunr.stemmer import porter_stemmer
from lunr.tokenizer import Tokenizer
from lunr.trimmer import trimmer as lunr_py_trimmer
from lunr.token import Token

from sitegen.search_index import build_index, js_number, js_round, lunr_json, reference_index
from sitegen.search_text import Analyzer, analyze, fold, stem, term_for, tokenize, trim


@pytest.mark.parametrize("text, tokens", [
    ("Scaling Laws", ["scaling", "laws"]),
    ("state-of-the-art", ["state", "of", "the", "art"]),
    ("5\u2009nm and 10\u202fGHz", ["5", "nm", "and", "10", "ghz"]),  # thin and narrow no-break spaces
    ("line\u2028separator\u3000ideographic\ufeffbom", ["line", "separator", "ideographic", "bom"]),
    ("unit\x1fseparator next\x85line", ["unit\x1fseparator", "next\x85line"]),  # not whitespace in JavaScript
])
def test_tokenizer_splits_on_javascript_whitespace_and_hyphens(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_lunr_py_tokenizer_misses_unicode_spaces_that_lunr_js_splits_on() -> None:
    assert [str(t) for t in Tokenizer("5\u2009nm")] == ["5\u2009nm"]
    assert tokenize("5\u2009nm") == ["5", "nm"]


@pytest.mark.parametrize("token, trimmed, lunr_py_trimmed", [
    ("café", "caf", "café"),            # JavaScript's \W is ASCII-only
    ("(α)", "", "α"),                   # nothing ASCII left: the empty term, as in lunr.js
    ("e.g.,", "e.g", "e.g.,"),          # lunr.py leaves tokens with inner punctuation untouched
    ("f(x),", "f(x", "f(x),"),
    ("x²", "x", "x²"),
    ("(gpt", "gpt", "gpt"),
])
def test_trimmer_strips_non_ascii_word_characters_like_lunr_js(token: str, trimmed: str, lunr_py_trimmed: str) -> None:
    assert trim(token) == trimmed
    assert str(lunr_py_trimmer(Token(token))) == lunr_py_trimmed


@pytest.mark.parametrize("word, js, py", [
    ("try", "tri", "try"),          # lunr.js: y after a consonant becomes i
    ("lay", "lay", "lai"),          # lunr.py: y after a vowel becomes i
    ("always", "alway", "alwai"),
    ("array", "array", "arrai"),
    ("berkeley", "berkeley", "berkelei"),
])
def test_stemmer_follows_lunr_js_where_lunr_py_differs(word: str, js: str, py: str) -> None:
    assert stem(word) == js
    assert porter_stemmer.stem(word) == py


@pytest.mark.parametrize("word, stemmed", [
    ("scaling", "scale"), ("laws", "law"), ("generalization", "gener"), ("relational", "relat"),
    ("caresses", "caress"), ("ponies", "poni"), ("hopping", "hop"), ("yelling", "yell"), ("ab", "ab"),
])
def test_stemmer_is_porter(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_stemmer_counts_utf16_code_units_as_javascript_does() -> None:
    # "𝒙s" is two code points but three UTF-16 code units: long enough for lunr.js to stem
    assert stem("𝒙s") == "𝒙"


def test_stop_words_are_dropped_and_punctuation_only_tokens_become_the_empty_term() -> None:
    assert term_for("the") is None and term_for("the,") is None
    assert analyze("The model — of α") == ["model", "", ""]


def test_analyzer_counts_terms_in_order_of_first_occurrence() -> None:
    frequencies, length = Analyzer().counts("Models model, the MODEL. Data data")
    assert list(frequencies.items()) == [("model", 3), ("data", 2)] and length == 5


@pytest.mark.parametrize("text, folded", [
    ("Müller", "Muller"), ("José", "Jose"), ("Łukasz Kaiser", "Lukasz Kaiser"), ("Gauß", "Gauss"),
    ("ﬁne-tuning", "fine-tuning"), ("plain ascii", "plain ascii"),
])
def test_fold_spells_accented_letters_in_ascii(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_math_round_halves_go_up_unlike_python_round() -> None:
    assert js_round(2.5) == 3 and round(2.5) == 2
    assert js_round(0.49999999999999994) == 0


def test_javascript_number_spelling() -> None:
    assert [js_number(n) for n in (2000, 1234, 5, 0)] == ["2", "1.234", "0.005", "0"]


ROWS = [
    ("Scaling Laws for Autoregressive Generative Modeling", "Tom Henighan, Jared Kaplan", "Scaling laws", "We identify empirical scaling laws for the cross-entropy loss.", "2010.14701"),
    ("Café culture: α-β pruning, e.g., in Łódź", "José Müller", "", "Trying lay-ups; always arrays of 5\u2009nm chips.", ""),
    ("", "", "", "", ""),
]
FIELDS = ("title", "authors", "tags", "abstract", "ids")


def test_fast_builder_equals_lunr_py_builder_with_our_pipeline_byte_for_byte() -> None:
    boosts = (10, 5, 3, 1, 1)
    assert lunr_json(build_index(ROWS, FIELDS, boosts)) == lunr_json(reference_index(ROWS, FIELDS, boosts))


def test_stock_lunr_py_indexes_other_terms_than_lunr_js_would() -> None:
    stock = lunr_py(ref="ref", fields=FIELDS, documents=[{"ref": str(n), **dict(zip(FIELDS, row))} for n, row in enumerate(ROWS)])
    ours = set(build_index(ROWS, FIELDS, (1, 1, 1, 1, 1)).terms)
    assert {"caf", "tri", "alway", "5", "nm", ""} <= ours
    assert {"café", "try", "alwai", "5\u2009nm"} <= set(stock.inverted_index) and not {"caf", "tri", "alway"} & set(stock.inverted_index)


def test_vendored_lunr_js_is_the_unmodified_npm_file() -> None:
    import hashlib

    from search_support import LUNR_JS

    assert hashlib.sha256(LUNR_JS.read_bytes()).hexdigest() == "0c50d9002b85780a842afffb567bb54ede402dae7c6dc5997a018614d8044fc8"
    assert (LUNR_JS.parent / "LICENSE").read_text().startswith("Copyright (C) 2013 by Oliver Nightingale")
