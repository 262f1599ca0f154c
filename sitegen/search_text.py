"""Text analysis that turns a field into index terms exactly as lunr.js 2.3.9 does, only faster.

lunr.js indexes a field by lowercasing it, splitting it on `/[\\s\\-]+/`, then running each token
through its pipeline: trimmer, stop word filter, Porter stemmer. The search box in the browser runs
lunr.js, so a term that this module spells differently from lunr.js is a term nobody can find.
lunr.py (PyPI `lunr`) differs from lunr.js at every step (see docs/search.md), so every step is
re-implemented here to lunr.js's semantics; the three pipeline steps are also registered with
lunr.py's Pipeline as custom functions, for building a reference index with lunr.py's Builder.

Before lunr sees any text, `fold` maps it to unaccented letters ("Müller" -> "Muller"): lunr.js's
trimmer treats non-ASCII letters as punctuation, so an accented last letter would otherwise be cut
off in the index and never match a query. The browser folds the query with the same function.
"""
from __future__ import annotations

import re
import struct
import unicodedata
from collections import _count_elements  # Counter's C counting loop, without Counter's per-call checks
from typing import Callable, Iterable

from lunr.pipeline import Pipeline
from lunr.stop_word_filter import WORDS as _LUNR_PY_STOP_WORDS

LUNR_VERSION = "2.3.9"

# lunr.tokenizer.separator is /[\s\-]+/, applied to one UTF-16 code unit at a time. JavaScript's \s
# is these code points (lunr.py's list lacks U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000, U+FEFF).
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
SEPARATOR_CHARS = JS_WHITESPACE + "-"
_SEPARATOR = re.compile("[" + re.escape(SEPARATOR_CHARS) + "]+")


def _split_differs(text: str) -> bool:
    """Whether str.split() would split `text` otherwise than JavaScript's \\s: Python also splits on
    U+001C-001F and U+0085, JavaScript also on U+FEFF. (Six substring tests beat a regex.)"""
    return "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text or "\x85" in text or "\ufeff" in text


# lunr.trimmer removes /^\W+/ and /\W+$/; without the `u` flag JavaScript's \W is [^A-Za-z0-9_].
_LEADING = re.compile(r"\A[^A-Za-z0-9_]+")
_TRAILING = re.compile(r"[^A-Za-z0-9_]+\Z")
_WORD_ONLY = re.compile(r"[A-Za-z0-9_]*\Z")

# lunr.js's stop word list; lunr.py ships the same 119 words (tests compare both with lunr.js).
STOP_WORDS = frozenset(_LUNR_PY_STOP_WORDS)

# Letters that Unicode does not decompose but readers treat as accented Latin letters.
_FOLD_EXTRA = {"ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
               "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th", "ı": "i"}
_FOLD_EXTRA_RE = re.compile("[" + "".join(_FOLD_EXTRA) + "]")


def fold(text: str) -> str:
    """Compatibility-decompose (NFKD), drop combining marks, spell out ß, æ, ø, ł, …

    The same function runs on queries in the browser (search-engine.js), so "muller", "Müller"
    and "MÜLLER" all find "Müller".
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _FOLD_EXTRA_RE.sub(lambda m: _FOLD_EXTRA[m.group()], stripped)


def tokenize(text: str) -> list[str]:
    """lunr.tokenizer on a string: lowercase the whole text, then split on JavaScript whitespace and '-'."""
    return [token for token in _SEPARATOR.split(text.lower()) if token]


def trim(token: str) -> str:
    """lunr.trimmer: strip leading and trailing characters outside [A-Za-z0-9_] (so 'café' -> 'caf')."""
    if _WORD_ONLY.match(token):
        return token
    return _TRAILING.sub("", _LEADING.sub("", token))


# --- lunr.stemmer: the Porter stemmer as lunr.js 2.3.9 implements it ---------------------------------
# lunr.js expresses each step as a regular expression over UTF-16 code units; lunr.py's port of
# Porter's C code decides step 1c ('y' -> 'i') differently and counts code points, so the two
# disagree on "try", "sky", "crying" (lunr.js: tri, ski, cri) and "lay", "always", "enjoy"
# (lunr.py: lai, alwai, enjoi), among others.
_c = "[^aeiou]"
_v = "[aeiouy]"
_C = _c + "[^aeiouy]*"
_V = _v + "[aeiou]*"
_MGR0 = re.compile("^(" + _C + ")?" + _V + _C)
_MEQ1 = re.compile("^(" + _C + ")?" + _V + _C + "(" + _V + ")?\\Z")
_MGR1 = re.compile("^(" + _C + ")?" + _V + _C + _V + _C)
_VOWEL_IN_STEM = re.compile("^(" + _C + ")?" + _v)

_STEP1A = re.compile(r"^(.+?)(ss|i)es\Z")
_STEP1A_S = re.compile(r"^(.+?)([^s])s\Z")
_STEP1B_EED = re.compile(r"^(.+?)eed\Z")
_STEP1B = re.compile(r"^(.+?)(ed|ing)\Z")
_STEP1B_ADD_E = re.compile(r"(at|bl|iz)\Z")
_STEP1B_DOUBLE = re.compile(r"([^aeiouylsz])\1\Z")
_SHORT = re.compile("^" + _C + _v + "[^aeiouwxy]\\Z")
_STEP1C = re.compile(r"^(.+?[^aeiou])y\Z")
_STEP2_SUFFIXES = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
    "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
    "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al",
    "iviti": "ive", "biliti": "ble", "logi": "log",
}
_STEP2 = re.compile("^(.+?)(" + "|".join(_STEP2_SUFFIXES) + ")\\Z")
_STEP3_SUFFIXES = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
_STEP3 = re.compile("^(.+?)(" + "|".join(_STEP3_SUFFIXES) + ")\\Z")
_STEP4 = re.compile(r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)\Z")
_STEP4_ION = re.compile(r"^(.+?)(s|t)(ion)\Z")
_STEP5 = re.compile(r"^(.+?)e\Z")
_STEP5_LL = re.compile(r"ll\Z")
_BMP_ONLY = re.compile("[\x00-\uffff]*\\Z")


def _to_code_units(word: str) -> str:
    """Spell astral characters as surrogate pairs, so regexes and lengths count as JavaScript does."""
    data = word.encode("utf-16-le", "surrogatepass")
    return "".join(map(chr, struct.unpack(f"<{len(data) // 2}H", data)))


def _from_code_units(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def stem(word: str) -> str:
    """lunr.stemmer's Porter stemmer (lunr.js 2.3.9), step for step."""
    if _BMP_ONLY.match(word):
        return _porter(word)
    return _from_code_units(_porter(_to_code_units(word)))


_STEP2_ENDINGS = tuple(_STEP2_SUFFIXES)
_STEP3_ENDINGS = tuple(_STEP3_SUFFIXES)
_STEP4_ENDINGS = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ou", "ism",
                  "ate", "iti", "ous", "ive", "ize", "ion")


def _porter(w: str) -> str:
    # Each step is guarded by a cheap suffix test that is false exactly when its pattern cannot match.
    if len(w) < 3:
        return w
    initial_y = w[0] == "y"
    if initial_y:  # an initial y is a consonant: spell it Y so no pattern takes it for a vowel
        w = "Y" + w[1:]

    if w[-1] == "s":
        if m := _STEP1A.match(w):
            w = m.group(1) + m.group(2)
        elif m := _STEP1A_S.match(w):
            w = m.group(1) + m.group(2)

    if w.endswith("eed"):
        if (m := _STEP1B_EED.match(w)) and _MGR0.search(m.group(1)):
            w = w[:-1]
    elif w.endswith(("ed", "ing")) and (m := _STEP1B.match(w)):
        stem_ = m.group(1)
        if _VOWEL_IN_STEM.search(stem_):
            w = stem_
            if _STEP1B_ADD_E.search(w):
                w += "e"
            elif _STEP1B_DOUBLE.search(w):
                w = w[:-1]
            elif _SHORT.search(w):
                w += "e"

    if w[-1] == "y" and (m := _STEP1C.match(w)):
        w = m.group(1) + "i"

    if w.endswith(_STEP2_ENDINGS) and (m := _STEP2.match(w)) and _MGR0.search(m.group(1)):
        w = m.group(1) + _STEP2_SUFFIXES[m.group(2)]

    if w.endswith(_STEP3_ENDINGS) and (m := _STEP3.match(w)) and _MGR0.search(m.group(1)):
        w = m.group(1) + _STEP3_SUFFIXES[m.group(2)]

    if w.endswith(_STEP4_ENDINGS):
        if m := _STEP4.match(w):
            if _MGR1.search(m.group(1)):
                w = m.group(1)
        elif m := _STEP4_ION.match(w):
            if _MGR1.search(m.group(1) + m.group(2)):
                w = m.group(1) + m.group(2)

    if w[-1] == "e" and (m := _STEP5.match(w)):
        stem_ = m.group(1)
        if _MGR1.search(stem_) or (_MEQ1.search(stem_) and not _SHORT.search(stem_)):
            w = stem_
    if w.endswith("ll") and _MGR1.search(w):
        w = w[:-1]

    if initial_y:
        w = "y" + w[1:]
    return w


def term_for(token: str) -> str | None:
    """The pipeline after the tokenizer (trimmer, stop word filter, stemmer); None for a stop word.

    A token of punctuation or non-ASCII letters only ('—', 'α') trims to '' and, as in lunr.js,
    is indexed as the empty term rather than dropped.
    """
    trimmed = trim(token)
    if trimmed in STOP_WORDS:
        return None
    stemmed = _STEMS.get(trimmed)
    if stemmed is None:
        if len(_STEMS) > 1_000_000:
            _STEMS.clear()
        stemmed = _STEMS[trimmed] = stem(trimmed)
    return stemmed


_STEMS: dict[str, str] = {}  # trimmed word -> stem: "model", "model," and "(model" stem once


class Analyzer:
    """Field text -> index terms, caching each distinct token's term (a 10k-paper archive has a few
    hundred thousand distinct tokens but tens of millions of occurrences). Keep one per process so
    rebuilds (`sitegen serve`) reuse the cache."""

    MAX_CACHED = 2_000_000

    def __init__(self) -> None:
        self._terms: dict[str, str | bool] = {}  # token -> term, or False for a dropped token

    def terms(self, text: str) -> list[str]:
        """The terms lunr.js would index for `text` (already folded), in order, repeats kept."""
        cache = self._terms
        if len(cache) > self.MAX_CACHED:
            cache.clear()
        tokens = _SEPARATOR.split(text.lower())
        found = list(map(cache.get, tokens))
        if None in found:
            for i, term in enumerate(found):
                if term is None:
                    token = tokens[i]
                    term = cache.get(token)
                    if term is None:
                        term = term_for(token) if token else None
                        cache[token] = term = False if term is None else term
                    found[i] = term
        return [term for term in found if term is not False] if False in found else found

    def counts(self, text: str) -> tuple[dict[str, int], int]:
        """Term frequencies of `text`, keyed in order of each term's first occurrence, and the
        number of terms (lunr's field length). Only tokens never seen before go through the
        pipeline; the rest is dictionary lookups and counting in C."""
        if not text:
            return {}, 0
        cache = self._terms
        if len(cache) > self.MAX_CACHED:
            cache.clear()
        text = text.lower()
        tokens = _SEPARATOR.split(text) if _split_differs(text) else text.replace("-", " ").split()
        frequencies: dict = {}  # term (False for dropped tokens, None for unknown ones) -> count
        _count_elements(frequencies, map(cache.get, tokens))
        if None in frequencies:  # a token never seen: analyse the new ones, then count again
            for token in set(tokens).difference(cache):
                term = term_for(token) if token else None
                cache[token] = False if term is None else term
            frequencies = {}
            _count_elements(frequencies, map(cache.__getitem__, tokens))
        dropped = frequencies.pop(False, 0)
        return frequencies, len(tokens) - dropped


_DEFAULT = Analyzer()


def analyze(text: str) -> list[str]:
    """Module-level shortcut over one shared Analyzer."""
    return _DEFAULT.terms(text)


def shared_analyzer() -> Analyzer:
    return _DEFAULT


def clear_caches() -> None:
    """Forget every cached token and stem (benchmarks measure cold builds with this)."""
    _DEFAULT._terms.clear()
    _STEMS.clear()


# --- the same steps as lunr.py pipeline functions --------------------------------------------------
def _token_update(fn: Callable[[str], str]):
    def pipeline_function(token, i=None, tokens=None):
        return token.update(lambda text, metadata=None: fn(text))

    return pipeline_function


js_trimmer = _token_update(trim)
js_stemmer = _token_update(stem)


def js_stop_word_filter(token, i=None, tokens=None):
    return None if str(token) in STOP_WORDS else token


Pipeline.register_function(js_trimmer, "sitegen-trimmer")
Pipeline.register_function(js_stop_word_filter, "sitegen-stopWordFilter")
# Registered for the builder only: the serialized index names lunr.js's own "stemmer", which is
# what stock lunr.js runs on queries and what js_stemmer reproduces.
Pipeline.register_function(js_stemmer, "sitegen-stemmer")


def js_tokens(value: str | Iterable[str]) -> list[str]:
    """lunr.tokenizer's output as strings; lunr.py's Builder is fed these pre-split lists."""
    return tokenize(value) if isinstance(value, str) else [str(v).lower() for v in value]
