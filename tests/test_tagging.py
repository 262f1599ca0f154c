"""Derived tags: whole-word, case-insensitive phrase rules and arXiv category names."""
from __future__ import annotations

from sitegen.config import TagRule
from sitegen.model import Paper, PaperDate
from sitegen.tagging import Tagger

RULES = [TagRule("llm", "LLMs", ("large language model", "LLM", "LLMs")), TagRule("time-series", "Time series", ("time series",))]


def paper(title: str, body: str = "", **fields) -> Paper:
    return Paper(title=title, date=PaperDate(2024), body=body, **fields)


def test_phrases_match_whole_words_case_insensitively() -> None:
    tagger = Tagger(RULES, from_categories=False)
    assert tagger.tags_for(paper("Densing Law of llms")) == ("llm",)
    assert tagger.tags_for(paper("HLLM: hierarchical models")) == ()


def test_a_space_in_a_phrase_also_matches_a_hyphen() -> None:
    assert Tagger(RULES, False).tags_for(paper("x", "Time-series forecasting")) == ("time-series",)


def test_own_tags_come_first_and_are_not_repeated() -> None:
    tags = Tagger(RULES, False).tags_for(paper("A Large Language Model", tags=("llm", "mine")))
    assert tags == ("llm", "mine")


def test_categories_give_readable_tags_only_when_enabled() -> None:
    p = paper("x", categories=("cs.LG", "cs.XX"))
    assert Tagger([], True).tags_for(p) == ("machine-learning",)
    assert Tagger([], False).tags_for(p) == ()


def test_a_phrase_also_matches_its_plural() -> None:
    tagger = Tagger([TagRule("diffusion", "Diffusion", ("diffusion model",))], False)
    assert tagger.tags_for(paper("Diffusion Models beyond Steps")) == ("diffusion",)
    assert tagger.tags_for(paper("Diffusion Modelling")) == ()
