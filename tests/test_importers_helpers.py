"""Shared importer helpers: dates at their real precision, ids found in free text, filters, JSON lines."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.importers import Filters
from sitegen.importers.dates import loose_date, month_number, rfc2822_day, timestamp_day
from sitegen.importers.identifiers import find_arxiv, find_doi, is_arxiv_venue
from sitegen.importers.json_records import UniqueKeyDecoder, list_elements, repeated_keys
from sitegen.model import Paper, PaperDate


@pytest.mark.parametrize("text, date", [
    ("2019-06", PaperDate(2019, 6)),
    ("2020-00-00", PaperDate(2020)),  # Zotero's unknown month and day
    ("1984/1986", PaperDate(1984)),  # a biblatex range counts from its start
    ("1998?", PaperDate(1998)),
    ("May 1935", PaperDate(1935, 5)),
    ("15 March 2020", PaperDate(2020, 3, 15)),
    ("2023a", PaperDate(2023)),
    ("2021-02-30", PaperDate(2021, 2)),  # an impossible day still tells the month
    ("in press", None),
    ("", None),
])
def test_loose_dates_keep_what_they_state(text, date):
    assert loose_date(text) == date


def test_timestamps_give_their_day():
    assert timestamp_day("2024-05-24T17:34:15.000Z") == PaperDate(2024, 5, 24)
    assert rfc2822_day("Mon, 2 Apr 2007 19:18:42 GMT") == PaperDate(2007, 4, 2)
    assert (timestamp_day("yesterday"), rfc2822_day("not a date")) == (None, None)


@pytest.mark.parametrize("text, number", [("jan", 1), ("January", 1), ("Sept.", 9), ("12", 12), ("13", None), ("spring", None)])
def test_month_names_and_numbers(text, number):
    assert month_number(text) == number


@pytest.mark.parametrize("text, arxiv", [
    ("arXiv:2003.07441 [cs]", "2003.07441"),
    ("arXiv preprint arXiv:1607.06450v2", "1607.06450"),
    ("http://arxiv.org/abs/hep-ex/0406020v1", "hep-ex/0406020"),
    ("http://adsabs.harvard.edu/abs/2017arXiv170802025M", "1708.02025"),
    ("Phys. Rev. B 85, 115117", None),
])
def test_arxiv_ids_in_free_text(text, arxiv):
    assert find_arxiv(text) == arxiv


@pytest.mark.parametrize("text, doi", [
    ("10.1086/666502;", "10.1086/666502"),
    ("https://doi.org/10.1145/3422622", "10.1145/3422622"),
    ("doi:10.1016/0370-2693(93)90020-E.", "10.1016/0370-2693(93)90020-E"),
    ("http://onlinelibrary.wiley.com/doi/10.1002/asna.201211705/abstract", None),  # not a doi.org link
    ("10.1007", None),
])
def test_dois_lose_stray_punctuation(text, doi):
    assert find_doi(text) == doi


def test_preprint_servers_are_not_venues():
    assert all(map(is_arxiv_venue, ["arXiv:1406.2661 [cs, stat]", "ArXiv e-prints", "CoRR"]))
    assert not is_arxiv_venue("Physical Review B")


def test_filters_match_sub_categories_and_dates_at_their_precision():
    recent = Filters(categories=("cs",), since=PaperDate(2024, 1, 15))
    assert recent.accepts(Paper("A", PaperDate(2024, 1), categories=("math.CO", "cs.LG")))
    assert not recent.accepts(Paper("A", PaperDate(2023, 12, 31), categories=("cs.LG",)))
    assert not recent.accepts(Paper("A", None, categories=("cs.LG",)))  # undated: cannot be shown recent
    assert not recent.accepts(Paper("A", PaperDate(2024, 2), categories=("csx",)))
    assert Filters().accepts(Paper("A")) and not Filters()


def test_list_elements_give_the_line_each_element_starts_on():
    text = json.dumps([{"a": 1}, [2, 3], "x"], indent=1)
    elements = list(list_elements(text))
    assert [(line, value) for line, _, value in elements] == [(2, {"a": 1}), (5, [2, 3]), (9, "x")]
    _, offset, _ = elements[1]
    assert [(line, value) for line, _, value in list_elements(text, offset, 5)] == [(6, 2), (7, 3)]


def test_list_elements_raise_on_broken_json():
    with pytest.raises(json.JSONDecodeError):
        list(list_elements('[{"a": 1} {"b": 2}]'))


def test_the_unique_key_decoder_flags_each_value_on_its_own():
    decoder = UniqueKeyDecoder()
    assert decoder.decode('{"a": 1, "a": 2}') == {"a": 2} and decoder.repeated  # decoded as json would
    assert decoder.decode('{"a": {"b": 1}, "b": [{"a": 1}, {"a": 2}]}') and not decoder.repeated
    elements = []
    for _, _, value in list_elements('[{"a": 1}, {"a": 1, "a": 1}, {"a": 1}]', decoder=decoder):
        elements.append(decoder.repeated)
    assert elements == [False, True, False]


def test_repeated_keys_are_found_per_object_and_only_as_keys():
    text = '{"a": "\\"a\\": 1", "b": {"a": 1}, "c": [{"a": 2}, {"a": 3, "\\u0061": 4}], "a": 5}'
    assert json.loads(text)["a"] == 5
    starts = [i for i in range(len(text)) if text.startswith('"a"', i) or text.startswith('"\\u0061"', i)]
    assert repeated_keys(text, 0) == [(text.index('"\\u0061"'), "a", text.index('{"a": 3') + 1), (text.rindex('"a"'), "a", 1)]
    assert len(starts) >= 5
    assert repeated_keys('[{"a": 1}, {"a": 1}]', 0) == [] and repeated_keys('"a"', 0) == []


_keys = st.sampled_from(["a", "b", "ti\\u0074le", "title", '\\"', "a b"])
_json_text = st.recursive(
    st.just("null") | st.integers().map(str) | st.text(alphabet='ab"\\{}[]:, \n\u00e9', max_size=8).map(json.dumps),
    lambda inner: st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
    | st.lists(st.tuples(_keys, inner), max_size=4).map(lambda pairs: "{" + ", ".join(f'"{k}": {v}' for k, v in pairs) + "}"),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_json_text)
def test_the_walk_finds_a_repeat_exactly_when_the_decoder_sees_one(text: str):
    decoder = UniqueKeyDecoder()
    decoder.decode(text)
    assert bool(repeated_keys(text, 0)) == decoder.repeated
