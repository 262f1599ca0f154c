"""The lunr index of the archive, computed directly and serialized exactly as lunr.js 2.3.9 writes it.

lunr.py's Builder spends most of a build tokenizing character by character and stemming the same
words again and again, and its output differs from lunr.js's (rounding, term order, JSON
spelling). `build_index` computes the same numbers as lunr.js's Builder, in the same floating-point
order, from terms that `search_text` produces once per distinct token. `reference_index` builds the
same index with lunr.py's Builder and our pipeline functions; tests prove the two byte-identical.
"""
from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass
from itertools import chain, repeat
from math import floor
from operator import add, itemgetter, mul, truediv
from typing import Callable, Sequence

from .search_text import LUNR_VERSION, Analyzer, shared_analyzer

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

    def sorted_term_ids(self) -> list[int]:
        """Term ids in lunr.js's order: JavaScript sorts strings by UTF-16 code units."""
        return sorted(range(len(self.terms)), key=lambda i: self.terms[i].encode("utf-16-be", "surrogatepass"))


def js_round(value: float) -> int:
    """Math.round: the nearest integer, halves towards +infinity (Python's round() goes to even)."""
    whole = floor(value)
    return whole + 1 if value - whole >= 0.5 else whole


Analysis = tuple[dict[str, int], int]  # a field text's term frequencies (first-seen order) and length


def build_index(rows: Sequence[Sequence[str]], fields: Sequence[str], boosts: Sequence[float],
                analyzer: Analyzer | None = None, memo: dict[str, Analysis] | None = None) -> LunrIndex:
    """Index `rows` (one text per field, per document) as lunr.js's Builder would.

    Work per term occurrence runs in C (counting, `map`, `list.append`), with no Python loop per
    document; the arithmetic keeps the order of operations of lunr.Builder#createFieldVectors, so
    every weight is the same double. `memo` (kept by the caller between builds) holds the analysis
    of every field text of the last build: a rebuild analyses only the texts that changed, and the
    memo keeps this build's.
    """
    analyzer = analyzer or shared_analyzer()
    counts_of = analyzer.counts
    if memo is not None:
        counts_of, analysed = _remembered(counts_of, memo)
    width, count = len(fields), len(rows)
    if any(map(width.__ne__, map(len, rows))):  # the texts are read as one flat sequence
        raise ValueError(f"every row must have one text per field ({width})")
    analyses = list(map(counts_of, chain.from_iterable(rows)))  # document by document, field by field
    # lunr numbers a term when it first meets it: in document order, then field order, then text order
    terms = list(dict.fromkeys(chain.from_iterable(map(itemgetter(0), analyses))))
    term_ids = dict(zip(terms, range(len(terms))))
    columns = [_field_entries(analyses[f::width], term_ids, len(terms)) for f in range(width)]
    with_term = [0] * len(terms)  # lunr.idf counts a document once per field that holds the term
    for column in columns:
        with_term = list(map(add, with_term, map(len, column.postings)))
    idf = [math.log(1 + abs((count - n + 0.5) / (n + 0.5))) for n in with_term]
    numerators = [(K1 + 1) * tf for tf in range(max((max(column.tfs, default=0) for column in columns), default=0) + 1)]
    weight_postings = [_field_weights(column, idf, numerators, boost, count, len(terms)) for column, boost in zip(columns, boosts)]
    if memo is not None:
        memo.clear()
        memo.update(analysed)
    return LunrIndex(tuple(fields), tuple(boosts), count, terms, list(zip(*(column.postings for column in columns))),
                     list(zip(*weight_postings)))


@dataclass
class _FieldEntries:
    """One field's (document, term) entries, in document order, and its postings."""

    ids: list[int]  # each entry's term id
    tfs: list[int]  # each entry's term frequency
    lengths: list[int]  # per document: the field's length
    sizes: list[int]  # per document: how many entries it has
    postings: list[list[int]]  # term id -> the documents that hold it, ascending


def _field_entries(analyses: list[Analysis], term_ids: dict[str, int], terms: int) -> _FieldEntries:
    """One field's entries, from its analysis in each document; the postings grow by `list.append`
    mapped over all entries at once."""
    frequencies = list(map(itemgetter(0), analyses))
    ids = list(map(term_ids.__getitem__, chain.from_iterable(frequencies)))
    sizes = list(map(len, frequencies))
    postings: list[list[int]] = [[] for _ in range(terms)]
    _consume(map(list.append, map(postings.__getitem__, ids), chain.from_iterable(map(repeat, range(len(sizes)), sizes))))
    tfs = list(chain.from_iterable(map(dict.values, frequencies)))
    return _FieldEntries(ids, tfs, list(map(itemgetter(1), analyses)), sizes, postings)


def _field_weights(column: _FieldEntries, idf: list[float], numerators: list[float], boost: float, count: int,
                   terms: int) -> list[list[int]]:
    """Term id -> the field-vector entries of its documents in thousandths, as lunr.js rounds them."""
    weight_postings: list[list[int]] = [[] for _ in range(terms)]
    if not column.ids:
        return weight_postings
    average = sum(column.lengths) / count
    norms = {length: K1 * (1 - B + B * (length / average)) for length in set(column.lengths)}
    norm_of_entry = chain.from_iterable(map(repeat, map(norms.__getitem__, column.lengths), column.sizes))
    tfs = column.tfs
    # score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (fieldLength / avg)) + tf); score *= boost
    score = map(truediv, map(mul, map(idf.__getitem__, column.ids), map(numerators.__getitem__, tfs)),
                map(add, norm_of_entry, tfs))
    if boost != 1:  # multiplying by 1 changes no double
        score = map(mul, score, repeat(boost))
    scaled = list(map(mul, score, repeat(1000)))
    # Math.round(score * 1000). For x >= 0 floor(x + 0.5) is exact, except that the largest
    # double below 0.5 sums to 1.0 (Math.round gives 0).
    weights = list(map(floor, map(add, scaled, repeat(0.5))))
    if _BELOW_HALF in scaled:
        weights = [0 if x == _BELOW_HALF else w for x, w in zip(scaled, weights)]
    _consume(map(list.append, map(weight_postings.__getitem__, column.ids), weights))
    return weight_postings


def _remembered(analyse: Callable[[str], Analysis], memo: dict[str, Analysis]) -> tuple[Callable[[str], Analysis], dict[str, Analysis]]:
    """`analyse` answered from `memo` where it can; returns it and the dict of texts it saw."""
    known, analysed = memo.get, {}

    def counts_of(text: str) -> Analysis:
        found = known(text)
        if found is None:
            found = analyse(text)
        analysed[text] = found
        return found

    return counts_of, analysed


def _consume(iterator) -> None:
    deque(iterator, maxlen=0)


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
