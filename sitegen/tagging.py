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


class Tagger:
    """Computes a paper's full tag list: its own tags, then rule tags, then category tags."""

    def __init__(self, rules: Iterable[TagRule], from_categories: bool = True):
        self.rules = tuple(rules)
        self.from_categories = from_categories
        self._patterns = [
            (rule.slug, re.compile(r"(?<!\w)(?:" + "|".join(_phrase_pattern(p) for p in rule.phrases) + r")(?!\w)", re.I))
            for rule in self.rules
            if rule.phrases
        ]

    def tags_for(self, paper: Paper) -> tuple[str, ...]:
        tags = dict.fromkeys(paper.tags)
        text = f"{paper.title}\n{paper.body}"
        for slug, pattern in self._patterns:
            if slug not in tags and pattern.search(text):
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
