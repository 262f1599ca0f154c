"""The lunr index of the archive, computed directly and serialized exactly as lunr.js 2.3.9 writes it.

lunr.py's Builder spends most of a build tokenizing character by character and stemming the same
words again and again, and its output differs from lunr.js's (rounding, term order, JSON
spelling). `build_index` computes the same numbers as lunr.js's Builder, in the same floating-point
order, from terms that `search_text` produces once per distinct token, and keeps every text's terms
(`Analyses`) so that the next build analyses only the texts that changed (search_store keeps them
between builds). `reference_index` builds the same index with lunr.py's Builder and our pipeline
functions; tests prove the two byte-identical.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from itertools import chain
from math import floor
from operator import itemgetter
from typing import TYPE_CHECKING, Sequence

from .search_text import LUNR_VERSION, Analyzer, shared_analyzer

if TYPE_CHECKING:  # NumPy loads when an index is built, not with every command
    import numpy as np

K1 = 1.2  # lunr.Builder's defaults
B = 0.75
_BELOW_HALF = 0.49999999999999994


@dataclass
class LunrIndex:
    """What lunr.js's Builder holds after build(), in flat lists.

    `terms[i]` is the term whose `_index` is i (the order terms were first met). For term i and
    field f, `docs[i][f]` lists the documents (by position) that hold it, ascending, and
    `weights[i][f]` the matching field-vector entries in thousandths (lunr rounds to 3 places).
    """

    fields: tuple[str, ...]
    boosts: tuple[float, ...]
    count: int
    terms: list[str]
    docs: Sequence[Sequence[Sequence[int]]]
    weights: Sequence[Sequence[Sequence[int]]]
    analyses: Analyses | None = None  # what a later build can reuse (see build_index)

    def sorted_term_ids(self) -> list[int]:
        """Term ids in lunr.js's order: JavaScript sorts strings by UTF-16 code units."""
        return sorted(range(len(self.terms)), key=lambda i: self.terms[i].encode("utf-16-be", "surrogatepass"))


def js_round(value: float) -> int:
    """Math.round: the nearest integer, halves towards +infinity (Python's round() goes to even)."""
    whole = floor(value)
    return whole + 1 if value - whole >= 0.5 else whole


KEY_BYTES = 16  # of a text's digest, by which a rebuild knows a text it analysed before


@dataclass
class Analyses:
    """The terms of every field text of a build, flat, for a later build to reuse.

    Texts are listed document by document, field by field. Text i has `sizes[i]` entries (a term,
    by its number in `vocabulary`, and its frequency, in order of first occurrence) and
    `lengths[i]` terms in all (lunr's field length); bytes i*KEY_BYTES… of `keys` are its digest.
    """

    keys: bytes
    sizes: np.ndarray
    lengths: np.ndarray
    terms: np.ndarray
    tfs: np.ndarray
    vocabulary: list[str]


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()


def analyse_texts(texts: Sequence[str], analyzer: Analyzer, previous: Analyses | None = None) -> Analyses:
    """The analyses of `texts`: copied from `previous` (an earlier build's) for every text it
    holds, made by `analyzer` for the rest. Vocabulary numbers are the earlier build's, then new
    terms in order of first occurrence (lunr's numbering when there is no earlier build)."""
    import numpy as np

    keys = list(map(text_key, texts))
    known: dict[bytes, int] = {}
    if previous is not None:
        old = previous.keys
        known = dict(zip(map(old.__getitem__, map(slice, range(0, len(old), KEY_BYTES), range(KEY_BYTES, len(old) + 1, KEY_BYTES))),
                         range(len(previous.sizes))))
    slots = list(map(known.get, keys))
    fresh = [i for i, slot in enumerate(slots) if slot is None]
    analyses = list(map(analyzer.counts, map(texts.__getitem__, fresh)))
    frequencies = list(map(itemgetter(0), analyses))
    vocabulary = list(previous.vocabulary) if previous is not None else []
    number = dict(zip(vocabulary, range(len(vocabulary))))
    for term in dict.fromkeys(chain.from_iterable(frequencies)):
        if term not in number:
            number[term] = len(vocabulary)
            vocabulary.append(term)
    sizes = np.array(list(map(len, frequencies)), dtype=np.int64)
    lengths = np.array(list(map(itemgetter(1), analyses)), dtype=np.int64)
    terms = np.array(list(map(number.__getitem__, chain.from_iterable(frequencies))), dtype=np.int64)
    tfs = np.array(list(chain.from_iterable(map(dict.values, frequencies))), dtype=np.int64)
    if previous is not None and len(fresh) < len(texts):
        first_new = len(previous.sizes)
        for offset, i in enumerate(fresh):
            slots[i] = first_new + offset
        sizes, lengths, terms, tfs = _gather(np.array(slots, dtype=np.int64), np.concatenate((previous.sizes, sizes)),
                                             np.concatenate((previous.lengths, lengths)), np.concatenate((previous.terms, terms)),
                                             np.concatenate((previous.tfs, tfs)))
    return Analyses(b"".join(keys), sizes, lengths, terms, tfs, vocabulary)


def _gather(slots: np.ndarray, sizes: np.ndarray, lengths: np.ndarray, terms: np.ndarray,
            tfs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The texts numbered `slots` (sizes, lengths, then their entries), in that order."""
    import numpy as np

    starts = np.cumsum(sizes) - sizes
    picked = sizes[slots]
    firsts = np.cumsum(picked) - picked
    entries = np.repeat(starts[slots] - firsts, picked) + np.arange(int(picked.sum()))
    return picked, lengths[slots], terms[entries], tfs[entries]


def _in_first_seen_order(analyses: Analyses) -> Analyses:
    """The same analyses with the vocabulary cut to the terms used and numbered in order of first
    occurrence, as lunr.js numbers them (`_index`)."""
    import numpy as np

    terms = analyses.terms
    if terms.size == 0:
        return Analyses(analyses.keys, analyses.sizes, analyses.lengths, terms, analyses.tfs, [])
    highest = np.maximum.accumulate(terms)
    if terms[0] == 0 and int(highest[-1]) == len(analyses.vocabulary) - 1 and bool((terms[1:] <= highest[:-1] + 1).all()):
        return analyses  # every term is numbered when first met already (a first build)
    used, first = np.unique(terms, return_index=True)
    order = used[np.argsort(first)]
    renumbered = np.empty(len(analyses.vocabulary), dtype=np.int64)
    renumbered[order] = np.arange(len(order))
    return Analyses(analyses.keys, analyses.sizes, analyses.lengths, renumbered[terms], analyses.tfs,
                    list(map(analyses.vocabulary.__getitem__, order.tolist())))


def build_index(rows: Sequence[Sequence[str]], fields: Sequence[str], boosts: Sequence[float],
                analyzer: Analyzer | None = None, previous: Analyses | None = None) -> LunrIndex:
    """Index `rows` (one text per field, per document) as lunr.js's Builder would.

    Only texts that `previous` (the analyses of an earlier build, `LunrIndex.analyses`) lacks are
    analysed. The weights are computed with NumPy over all entries at once, in the order of
    operations of lunr.Builder#createFieldVectors: every weight is the same double.
    """
    import numpy as np

    width, count = len(fields), len(rows)
    if any(map(width.__ne__, map(len, rows))):  # the texts are read as one flat sequence
        raise ValueError(f"every row must have one text per field ({width})")
    analyses = _in_first_seen_order(analyse_texts(list(chain.from_iterable(rows)), analyzer or shared_analyzer(), previous))
    term_count = len(analyses.vocabulary)
    entry_text = np.repeat(np.arange(len(analyses.sizes)), analyses.sizes)
    entry_field, entry_doc = entry_text % width, entry_text // width
    with_term = np.bincount(analyses.terms, minlength=term_count)  # lunr.idf counts a document once per field that holds it
    # idf = log(1 + |(N - n + 0.5) / (n + 0.5)|): the arithmetic on arrays, the logarithm by the C library, as in JavaScript
    idf = np.array(list(map(math.log, (1 + np.abs((count - with_term + 0.5) / (with_term + 0.5))).tolist())))
    postings, weight_postings = [], []
    for f, boost in enumerate(boosts):
        in_field = entry_field == f
        ids, docs = analyses.terms[in_field], entry_doc[in_field]
        weights = _field_weights(ids, analyses.tfs[in_field], docs, analyses.lengths[f::width], idf, boost, count)
        by_term = np.argsort(ids, kind="stable")  # entries are in document order: each term's documents stay ascending
        ends = np.cumsum(np.bincount(ids, minlength=term_count)).tolist()
        postings.append(_split(docs[by_term].tolist(), ends))
        weight_postings.append(_split(weights[by_term].tolist(), ends))
    return LunrIndex(tuple(fields), tuple(boosts), count, analyses.vocabulary, list(zip(*postings)),
                     list(zip(*weight_postings)), analyses)


def _field_weights(ids: np.ndarray, tfs: np.ndarray, docs: np.ndarray, lengths: np.ndarray, idf: np.ndarray,
                   boost: float, count: int) -> np.ndarray:
    """Each entry's field-vector weight in thousandths, as lunr.js computes and rounds it."""
    import numpy as np

    if ids.size == 0:
        return ids
    average = int(lengths.sum()) / count
    norms = K1 * (1 - B + B * (lengths / average))
    tf = tfs.astype(np.float64)
    # score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (fieldLength / avg)) + tf); score *= boost
    score = idf[ids] * ((K1 + 1) * tf) / (norms[docs] + tf)
    if boost != 1:  # multiplying by 1 changes no double
        score = score * boost
    scaled = score * 1000
    # Math.round(score * 1000). For x >= 0 floor(x + 0.5) is exact, except that the largest
    # double below 0.5 sums to 1.0 (Math.round gives 0).
    weights = np.floor(scaled + 0.5)
    weights[scaled == _BELOW_HALF] = 0
    return weights.astype(np.int64)


def _split(flat: list[int], ends: list[int]) -> list[list[int]]:
    """`flat` cut into consecutive lists ending at `ends`."""
    return list(map(flat.__getitem__, map(slice, [0, *ends[:-1]], ends)))


# --- lunr.js's JSON ----------------------------------------------------------------------------------
def js_number(thousandths: int) -> str:
    """How JavaScript prints thousandths/1000: '2' not '2.0', '0.125'."""
    whole, part = divmod(thousandths, 1000)
    return str(whole) if part == 0 else repr(thousandths / 1000)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps makes one per call


def js_string(text: str) -> str:
    """JSON.stringify of a string (same escapes as json.dumps without ASCII-only output)."""
    return _JSON.encode(text)


def lunr_json(index: LunrIndex, refs: Sequence[str] | None = None) -> str:
    """`JSON.stringify(idx)` of the lunr.Index that lunr.js would have built: loadable by
    `lunr.Index.load` and byte-identical to lunr.js's own output."""
    refs = list(refs) if refs is not None else [str(n) for n in range(index.count)]
    width = len(index.fields)
    vectors: list[list[list[str]]] = [[[] for _ in range(width)] for _ in range(index.count)]
    number_text: dict[int, str] = {}
    for tid in range(len(index.terms)):  # ascending term index: each vector comes out sorted
        for f in range(width):
            for doc, weight in zip(index.docs[tid][f], index.weights[tid][f]):
                text = number_text.get(weight)
                if text is None:
                    text = number_text[weight] = js_number(weight)
                vectors[doc][f].append(f"{tid},{text}")
    ref_text = [js_string(ref)[1:-1] for ref in refs]
    field_text = [js_string(name)[1:-1] for name in index.fields]
    parts = ['{"version":', js_string(LUNR_VERSION), ',"fields":', json.dumps(list(index.fields), ensure_ascii=False, separators=(",", ":")),
             ',"fieldVectors":[']
    vector_parts = []
    for doc in range(index.count):
        for f in range(width):
            vector_parts.append(f'["{field_text[f]}/{ref_text[doc]}",[{",".join(vectors[doc][f])}]]')
    parts.append(",".join(vector_parts))
    parts.append('],"invertedIndex":[')
    posting_parts = []
    for tid in index.sorted_term_ids():
        fields_json = ",".join(
            f'"{field_text[f]}":{{' + ",".join(f'"{ref_text[doc]}":{{}}' for doc in _js_key_order(index.docs[tid][f], refs)) + "}"
            for f in range(width))
        posting_parts.append(f'[{js_string(index.terms[tid])},{{"_index":{tid},{fields_json}}}]')
    parts.append(",".join(posting_parts))
    parts.append('],"pipeline":["stemmer"]}')
    return "".join(parts)


def _js_key_order(docs: list[int], refs: Sequence[str]) -> list[int]:
    """Object key order in JavaScript: integer-like keys ascending, then the rest as inserted."""
    numeric = [d for d in docs if _is_array_index(refs[d])]
    if len(numeric) == len(docs):
        return sorted(docs, key=lambda d: int(refs[d]))
    return sorted(numeric, key=lambda d: int(refs[d])) + [d for d in docs if not _is_array_index(refs[d])]


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < 2**32 - 1


# --- the reference: lunr.py's Builder with lunr.js's pipeline ---------------------------------------
def reference_index(rows: Sequence[Sequence[str]], fields: Sequence[str], boosts: Sequence[float]) -> LunrIndex:
    """The same index through lunr.py's Builder, made to behave as lunr.js's: fields are split as
    lunr.js splits them, the pipeline is our trimmer, stop word filter and stemmer (registered
    lunr.py pipeline functions), and scores are rounded the JavaScript way. Slow: it is what
    build_index replaces; tests and benchmarks compare the two."""
    from lunr.builder import Builder
    from lunr.field_ref import FieldRef
    from lunr.idf import idf as lunr_idf
    from lunr.vector import Vector

    from .search_text import js_stemmer, js_stop_word_filter, js_tokens, js_trimmer

    class JsRoundingBuilder(Builder):
        def _create_field_vectors(self) -> None:
            """lunr.py's computation, but rounded as lunr.js rounds (Math.round(score * 1000) / 1000,
            where lunr.py uses round(score, 3): half to even, on the binary value). Weights are kept
            in thousandths."""
            self.field_vectors = {}
            idf_of: dict[str, float] = {}
            for field_ref, frequencies in self.field_term_frequencies.items():
                name = FieldRef.from_string(field_ref).field_name
                length = self.field_lengths[field_ref]
                vector = Vector()
                for term, tf in frequencies.items():
                    if term not in idf_of:
                        idf_of[term] = lunr_idf(self.inverted_index[term], self.document_count)
                    score = idf_of[term] * ((self._k1 + 1) * tf) / (
                        self._k1 * (1 - self._b + self._b * (length / self.average_field_length[name])) + tf)
                    score *= self._fields[name].boost or 1
                    vector.insert(self.inverted_index[term]["_index"], js_round(score * 1000))
                self.field_vectors[field_ref] = vector

    builder = JsRoundingBuilder()
    builder.pipeline.add(js_trimmer, js_stop_word_filter, js_stemmer)
    builder.ref("ref")
    for name, boost in zip(fields, boosts):
        builder.field(name, boost=boost)
    for number, row in enumerate(rows):
        # lunr.py's Tokenizer splits on fewer characters than lunr.js; given a list it only lowercases
        builder.add({"ref": str(number), **{name: js_tokens(text) for name, text in zip(fields, row)}})
    builder._calculate_average_field_lengths()
    builder._create_field_vectors()

    by_index = sorted(builder.inverted_index.items(), key=lambda item: item[1]["_index"])
    terms = [term for term, _ in by_index]
    docs = [[[int(ref) for ref in posting[name]] for name in fields] for _, posting in by_index]
    weights: list[list[list[int]]] = [[[] for _ in fields] for _ in terms]
    for number in range(len(rows)):
        for f, name in enumerate(fields):
            elements = builder.field_vectors[f"{name}/{number}"].elements
            for i in range(0, len(elements), 2):
                weights[elements[i]][f].append(elements[i + 1])
    return LunrIndex(tuple(fields), tuple(boosts), len(rows), terms, docs, weights)
