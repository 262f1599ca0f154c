"""Slugs for URLs and file names, and the author-name normalisation that author pages rely on."""
from __future__ import annotations

import re
from functools import lru_cache

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, max_length: int = 0) -> str:
    """A lowercase ASCII slug (`Scaling Laws` -> `scaling-laws`), cut at a word boundary."""
    from slugify import slugify as _slugify  # here: every command reads slugs, few make them (9 ms to load)

    return _slugify(text, max_length=max_length, word_boundary=bool(max_length))


def is_slug(text: str) -> bool:
    return bool(SLUG_RE.match(text))


def normalise_author(name: str) -> str:
    """Bring "Kaplan, Jared" and "Jared  Kaplan" to one display form: "Jared Kaplan"."""
    name = " ".join(name.split())
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if first and last and not first.lower().rstrip(".") in {"jr", "sr", "ii", "iii", "iv"}:
            name = f"{first} {last}"
    return name


@lru_cache(maxsize=1 << 17)
def author_slug(name: str) -> str:
    """The URL slug of an author's page; equal for every spelling normalise_author unifies.
    Memoised: an archive names the same people again and again, and slugify is slow."""
    return slugify(normalise_author(name)) or "unknown"
