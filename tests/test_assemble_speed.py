"""The short cuts of site assembly give what the plain computation gives, on tricky and real input:
tag rules looked for from their first words, titles with no word to brace left as they are."""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from conftest import REPO
from sitegen.citation import _INNER_CAPITAL, _protect_words
from sitegen.config import TagRule, load_config
from sitegen.content import read_folder
from sitegen.importers import Record
from sitegen.importers import bibtex as bibtex_importer
from sitegen.model import Paper, PaperDate
from sitegen.tagging import Tagger, _phrase_pattern

BIB = REPO.parent / "shared" / "corpus" / "bibtex"

RULES = [
    TagRule("llm", "", ("language model", "LLM")),
    TagRule("series", "", ("time-series", "forecast")),
    TagRule("cpp", "", ("C++", "c#")),
    TagRule("overlap", "", ("aa b", "(( b")),  # "((( b" matches at its second "((": the first is no start
    TagRule("blank", "", ("-",)),  # no word: the pattern matches an empty string between non-words
    TagRule("long-s", "", ("ſtate",)),  # a non-ASCII first word
    TagRule("kelvin", "", ("kernel", "spin")),  # `K` (Kelvin sign), `ſ` and `ı` match k, s, i under re.I
    TagRule("accent", "", ("café", "Über model")),
]
TEXTS = [
    "", "LLMs at scale", "LLMish", "xLLM", "an llm-based agent", "Language-Models", "language\n\t models",
    "language modelling", "the language of models", "time series", "Time-Series", "time-seriess", "forecasters",
    "forecastes", "C++ code", "c++", "(C++)", "c#", "aaa b", "((( b", "aa aa b", "baa b", "aa  b", "- -", "x-y", "ſtate",
    "ſtates", "State", "\u212aernel", "Kernels", "ſpin", "spın", "Café LLM", "CAFÉ", "über models", "Über-Models",
    "LLM\u00a0agents", "a\u2028language model", "model language model", "über llm", "\u0130n llm",
]


def plain_tags(rules: list[TagRule], paper: Paper) -> tuple[str, ...]:
    """Tags as the rules define them: every rule's regex searched in the whole text."""
    tags = dict.fromkeys(paper.tags)
    text = f"{paper.title}\n{paper.body}"
    for rule in rules:
        if rule.phrases and rule.slug not in tags:
            alternatives = "|".join(_phrase_pattern(phrase) for phrase in rule.phrases)
            if re.search(r"(?<!\w)(?:" + alternatives + r")(?!\w)", text, re.I):
                tags[rule.slug] = None
    return tuple(tags)


def real_papers() -> list[Paper]:
    """The sample's papers (ASCII titles and abstracts), and the shared BibTeX corpus's when present
    (accents, LaTeX, non-ASCII abstracts)."""
    papers, _ = read_folder(REPO / "content" / "papers")
    if BIB.is_dir():
        papers += [item.paper for path in sorted(BIB.glob("*.bib")) for item in bibtex_importer.read(path)
                   if isinstance(item, Record)]
    return papers


def plain_protected(text: str) -> str:
    return " ".join(f"{{{word}}}" if _INNER_CAPITAL.match(word) else word for word in text.split(" "))


def test_rules_match_tricky_texts_exactly_where_their_regexes_do() -> None:
    tagger = Tagger(RULES, from_categories=False)
    for title, body in itertools.product(TEXTS, ["", "An abstract.", "Ends with LLM", "über"]):
        paper = Paper(title=title, date=PaperDate(2024), body=body)
        assert tagger.tags_for(paper) == plain_tags(RULES, paper), (title, body)


def test_rules_tag_real_papers_as_their_regexes_do() -> None:
    rules = list(load_config(REPO / "sitegen.yaml").tags)
    tagger = Tagger(rules, from_categories=False)
    for paper in real_papers():
        assert tagger.tags_for(paper) == plain_tags(rules, paper), paper.title


@pytest.mark.parametrize("title", [
    "Scaling LoRA", "GPT-4 and BERT", "(LoRA) adapters", "a-B test", "x\tLoRA", "ÉcOle", "über-GPT", "Ab", "",
    "a  B", "Why? Because", "{LoRA} & $x_1^2$", "\\textbf{B}", "état Ǆ", "1B parameters", "_A", "x.Y",
])
def test_a_title_is_braced_as_word_by_word(title: str) -> None:
    assert _protect_words(title) == plain_protected(title)


def test_real_titles_are_braced_as_word_by_word() -> None:
    for paper in real_papers():
        assert _protect_words(paper.title) == plain_protected(paper.title), paper.title
