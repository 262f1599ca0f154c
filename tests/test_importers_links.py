"""URLs in abstracts move into `links`, and the sentence that pointed at them still reads well."""
from __future__ import annotations

from sitegen.importers.links import extract_links


def test_github_url_becomes_the_code_link():
    text, links = extract_links("Fast decoding. The code is available at https://github.com/czg1225/CoDe")
    assert links == {"code": "https://github.com/czg1225/CoDe"}
    assert text == "Fast decoding. The code is available on GitHub."


def test_other_url_becomes_the_project_link():
    text, links = extract_links("The dataset is available at https://avida-hil6.cognanous.com.")
    assert links == {"project": "https://avida-hil6.cognanous.com"}
    assert text == "The dataset is available on the project page."


def test_github_pages_site_is_a_project_not_code():
    _, links = extract_links("See https://step-law.github.io/ for more.")
    assert links == {"project": "https://step-law.github.io/"}


def test_preposition_with_colon_is_replaced():
    text, _ = extract_links("Our code & models are at: https://github.com/THUDM/LongWriter.")
    assert text == "Our code & models are on GitHub."


def test_url_after_a_noun_and_colon_is_dropped_with_its_colon():
    text, _ = extract_links("Code is available on the project website: https://rohinmanvi.github.io/GeoLLM")
    assert text == "Code is available on the project website."


def test_url_right_after_a_noun_is_dropped():
    text, _ = extract_links("We release checkpoints through our designated repository https://step-law.github.io/")
    assert text == "We release checkpoints through our designated repository."


def test_url_in_mid_sentence_keeps_the_rest_of_the_sentence():
    text, _ = extract_links("We release the datasets at https://inversescaling.com/data to allow for study.")
    assert text == "We release the datasets on the project page to allow for study."


def test_space_before_the_full_stop_is_closed():
    text, _ = extract_links("We provide the codes in https://github.com/Blackzxy/LoGAH .")
    assert text == "We provide the codes on GitHub."


def test_parenthesised_urls_are_removed_with_their_parentheses():
    text, links = extract_links(
        "we release the code (https://github.com/linkedin/ControlLLM) along with models trained on "
        "public datasets ( https://huggingface.co/ControlLLM) to the community."
    )
    assert links == {"code": "https://github.com/linkedin/ControlLLM", "project": "https://huggingface.co/ControlLLM"}
    assert text == "we release the code along with models trained on public datasets to the community."


def test_trailing_punctuation_is_not_part_of_the_url():
    _, links = extract_links("Data: https://github.com/bycnfz/weather2k/. Models: https://example.org/m;")
    assert links == {"code": "https://github.com/bycnfz/weather2k/", "project": "https://example.org/m"}


def test_balanced_parentheses_stay_in_the_url():
    _, links = extract_links("See https://en.wikipedia.org/wiki/Scaling_(geometry).")
    assert links == {"project": "https://en.wikipedia.org/wiki/Scaling_(geometry)"}


def test_further_urls_of_a_kind_stay_in_the_text():
    text, links = extract_links(
        "Code at https://github.com/a/one and a baseline at https://github.com/b/two are public."
    )
    assert links == {"code": "https://github.com/a/one"}
    assert text == "Code on GitHub and a baseline at https://github.com/b/two are public."


def test_text_without_urls_is_unchanged():
    text = "No links here: only github.com mentioned, and http:// alone."
    assert extract_links(text) == (text, {})


def test_a_sentence_that_only_labels_the_url_is_dropped():
    text, links = extract_links("We show this. Code and data: https://github.com/a/b. More follows.")
    assert links == {"code": "https://github.com/a/b"}
    assert text == "We show this. More follows."


def test_a_label_at_the_end_is_dropped():
    assert extract_links("We show this. Project page: https://x.example/p")[0] == "We show this."
