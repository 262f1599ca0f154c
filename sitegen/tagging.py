"""Tags derived at build time from config rules (phrases in title and abstract) and arXiv categories."""
from __future__ import annotations

import re
from typing import Iterable

from .config import TagRule
from .model import Paper

# arXiv categories -> readable tag slugs; categories not listed here derive no tag.
CATEGORY_TAGS: dict[str, str] = {
    "cs.AI": "artificial-intelligence",
    "cs.CL": "natural-language-processing",
    "cs.CV": "computer-vision",
    "cs.CY": "computers-and-society",
    "cs.DB": "databases",
    "cs.DC": "distributed-computing",
    "cs.GR": "graphics",
    "cs.HC": "human-computer-interaction",
    "cs.IR": "information-retrieval",
    "cs.LG": "machine-learning",
    "cs.MA": "multi-agent-systems",
    "cs.NE": "neural-and-evolutionary-computing",
    "cs.RO": "robotics",
    "cs.SD": "sound",
    "cs.SE": "software-engineering",
    "eess.AS": "audio-and-speech",
    "eess.IV": "image-and-video-processing",
    "eess.SP": "signal-processing",
    "q-bio.QM": "quantitative-biology",
    "stat.ML": "machine-learning",
    "stat.ME": "statistical-methodology",
    "physics.ao-ph": "atmospheric-physics",
    "astro-ph.CO": "cosmology",
}


def _phrase_pattern(phrase: str) -> str:
    """Whole words; a space also matches a hyphen ("time series" ~ "time-series"), and a final
    word also matches its plural ("language model" ~ "language models")."""
    words = [re.escape(word) for word in re.split(r"[\s-]+", phrase) if word]
    return r"[\s-]+".join(words) + r"(?:e?s)?"


def _first_words(phrases: Iterable[str]) -> tuple[str, ...] | None:
    """The lower-cased first word of each phrase: a rule's match starts only where one does. None
    when a phrase has no word, or a non-ASCII first word (under re.I, `ſ` matches `s`)."""
    starts = []
    for phrase in phrases:
        words = [word for word in re.split(r"[\s-]+", phrase) if word]
        if not words or not words[0].isascii():
            return None
        starts.append(words[0].lower())
    return tuple(dict.fromkeys(starts))


def _matches(pattern: re.Pattern, starts: tuple[str, ...] | None, text: str, folded: str | None) -> bool:
    """`pattern.search(text)`, sooner: a case-insensitive search tries every position, while in
    ASCII text (`folded`: the text lower-cased, else None) str.find goes straight to each place a
    first word is. Non-ASCII text is searched in full: there re.I also matches `s` to `ſ`, `k` to
    the Kelvin sign, `i` to `ı`."""
    if starts is None or folded is None:
        return pattern.search(text) is not None
    for word in starts:
        at = folded.find(word)
        while at != -1:
            if pattern.match(text, at):
                return True
            at = folded.find(word, at + 1)
    return False


class Tagger:
    """Computes a paper's full tag list: its own tags, then rule tags, then category tags."""

    def __init__(self, rules: Iterable[TagRule], from_categories: bool = True):
        self.rules = tuple(rules)
        self.from_categories = from_categories
        self._patterns = [
            (rule.slug, re.compile(r"(?<!\w)(?:" + "|".join(_phrase_pattern(p) for p in rule.phrases) + r")(?!\w)", re.I),
             _first_words(rule.phrases))
            for rule in self.rules
            if rule.phrases
        ]

    def tags_for(self, paper: Paper) -> tuple[str, ...]:
        tags = dict.fromkeys(paper.tags)
        text = f"{paper.title}\n{paper.body}"
        folded = text.lower() if text.isascii() else None
        for slug, pattern, starts in self._patterns:
            if slug not in tags and _matches(pattern, starts, text, folded):
                tags[slug] = None
        if self.from_categories:
            for category in paper.categories:
                slug = CATEGORY_TAGS.get(category)
                if slug:
                    tags.setdefault(slug, None)
        return tuple(tags)

    def titles(self) -> dict[str, str]:
        """Display titles given in config, by slug."""
        return {rule.slug: rule.title for rule in self.rules}
