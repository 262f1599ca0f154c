"""Related papers: for each paper the most similar others, by TF-IDF cosine, at build time.

A paper is described by the words of its title (counted twice), its abstract and notes, and its
tags (each a term of its own, counted three times: tags are the archive's own judgement of what
a paper is about). Weights are sublinear TF times smoothed IDF; each paper's vector has unit
length, and similarity is the dot product, computed for all pairs at once as a sparse matrix
product (csr.py), in slices spread over the machine's cores.

Two cuts keep that product cheap on large archives: terms in more than MAX_DF of the papers
(and in more than MAX_DF_FLOOR: words such as "model" and "data", or a tag nearly every paper
has) are dropped as the stop words they have become there, as are terms in more than MAX_DF_CAP
papers at any size (without that cap, every paper of a 50,000-paper archive would be compared
with most others through its commonest words, and the product would grow with the square of
the archive); and each paper keeps only its
KEEP_TERMS heaviest terms when pairs are scored (its vector is normalised before the cut, so a
paper with many terms is not flattered). Scores are rounded to six decimals and ties go to the
smaller slug, so the result is deterministic and the same on any number of cores.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import string
from collections import Counter
from typing import NamedTuple, Sequence

import numpy as np

from . import csr
from .csr import Csr
from .parallel import can_fork
from .related_job import PARALLEL_FROM, attach, documents

COUNT = 5  # related papers shown per paper
TITLE_WEIGHT = 2
TAG_WEIGHT = 3
MAX_DF = 0.25  # share of papers above which a word carries no signal …
MAX_DF_FLOOR = 200  # … once it is in more papers than this (small archives keep every word)
MAX_DF_CAP = 2500  # and a word in more papers than this is one at any size (the product stays linear)
KEEP_TERMS = 60  # heaviest terms per paper used for scoring
MIN_SCORE = 0.02  # below this two papers have nothing worth showing in common
LEVELS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)  # score levels a row's top five are sought above (see _top)
ROWS_PER_SLICE = 2048  # rows of the similarity matrix computed at once (bounds memory)
_SCALE = 1_000_000  # scores compare at six decimals

_PUNCTUATION = str.maketrans({char: " " for char in string.punctuation + "“”‘’–—…•·«»×′″"})
_STOP_WORDS = frozenset(
    """a about above after again against all also although am among an and any are as at be because been
    before being below between both but by can could did do does doing done down during each either
    et etc few for from further had has have having he her here hers him his how however i if in into is
    it its itself just least less let may me might more most much must my neither no nor not now of
    off often on once one only onto or other others our ours out over own per rather same several she
    should since so some such than that the their theirs them then there these they this those
    through thus to too under until up upon us very via was we were what when where whether which
    while who whom whose why will with within without would yet you your al eg ie use used uses using
    paper propose proposed present presents show shows shown study approach method methods result
    results new based work novel""".split()
)


def stem(word: str) -> str:
    """A light plural stemmer (Harman's S-stemmer): "laws" and "law" are one term."""
    if len(word) > 4 and word.endswith("ies") and word[-4] not in "ae":
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] not in "aeo" and not word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and word[-2] not in "us":
        return word[:-1]
    return word


class _Terms:
    """Term ids, shared by words (stemmed) and tags (`#slug`); -1 marks a word that is no term.
    Ids continue `names`, the terms of an earlier count."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.ids: dict[str, int] = {name: term for term, name in enumerate(names)}
        self.words: dict[str, int] = {}  # word as written -> term id

    def term(self, name: str) -> int:
        found = self.ids.get(name)
        if found is None:
            found = self.ids[name] = len(self.names)
            self.names.append(name)
        return found

    def word(self, word: str) -> int:
        found = self.words.get(word)
        if found is None:
            useless = len(word) < 2 or word in _STOP_WORDS or not any(char.isalpha() for char in word)
            found = self.words[word] = -1 if useless else self.term(stem(word))
        return found

    def tag(self, slug: str) -> int:
        return self.term("#" + slug)


class Rows(NamedTuple):
    """Every document's terms, counted and weighted but not yet scaled by IDF: what a rebuild
    reuses for each document it has seen (by digest), so it counts the words of changed ones only.
    Arrays, not word counts: they pickle and load in milliseconds."""

    digests: list[bytes]  # of each document (see _digest); empty when no memo keeps these rows
    names: list[str]  # each term's name, in order of first appearance: the weights' columns
    bounds: np.ndarray  # document i's entries are [bounds[i], bounds[i + 1])
    terms: np.ndarray  # each entry's term; one may recur in a document (in title and text, two spellings)
    values: np.ndarray  # each entry's count, times TITLE_WEIGHT in the title; TAG_WEIGHT for a tag


def _digest(document: tuple[str, str, Sequence[str]]) -> bytes:
    """What tells a document from any other (UTF-8 has no byte 0xff, so fields cannot run together).
    SHA-256: with the CPU's SHA instructions, twice as fast here as BLAKE2."""
    title, text, tags = document
    return hashlib.sha256(b"\xff".join([part.encode("utf-8", "surrogatepass") for part in (title, text, *tags)])).digest()[:16]


def _word_counts(text: str) -> Counter:
    """How often each word (lower-cased, punctuation dropped) occurs in `text`."""
    return Counter(text.lower().translate(_PUNCTUATION).split())


def _compact(array: np.ndarray) -> np.ndarray:
    """`array` (of non-negative integers) in the smallest type that holds it: a smaller memo."""
    return array.astype(np.min_scalar_type(int(array.max(initial=0))))


def _count(documents: Sequence[tuple[str, str, Sequence[str]]], terms: _Terms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds, terms and values (see Rows) of `documents`, numbering new terms as they appear."""
    known = terms.words.get
    columns: list[int] = []
    values: list[int] = []
    starts: list[int] = []
    for title, text, tags in documents:
        starts.append(len(columns))
        for words, weight in ((title, TITLE_WEIGHT), (text, 1)):
            counts = _word_counts(words)
            ids = list(map(known, counts))  # the common case, without a Python-level loop
            if None in ids:
                ids = [terms.word(word) if found is None else found for word, found in zip(counts, ids)]
            columns.extend(ids)
            values.extend([weight * times for times in counts.values()] if weight != 1 else counts.values())
        for tag in tags:
            columns.append(terms.tag(tag))
            values.append(TAG_WEIGHT)
    starts.append(len(columns))
    cols = np.asarray(columns, dtype=np.int64)
    counted = cols >= 0
    kept = np.concatenate([[0], np.cumsum(counted)])  # entries counted before each position
    return kept[starts], _compact(cols[counted]), _compact(np.asarray(values, dtype=np.int64)[counted])


def _rows(documents: Sequence[tuple[str, str, Sequence[str]]], digests: Sequence[bytes] = (), previous: Rows | None = None) -> Rows:
    """The rows of `documents` (whose `digests` these are): those of `previous` for the documents
    it has, counted for the others; terms numbered in order of first appearance, as a fresh count
    numbers them (a term's number decides ties between equal sums, so the answer depends on it)."""
    if previous is None:
        names: list[str] = []
        return Rows(list(digests), names, *_count(documents, _Terms(names)))
    where = {digest: row for row, digest in enumerate(previous.digests)}
    sources = np.asarray([where.get(digest, -1) for digest in digests], dtype=np.int64)
    missing = np.flatnonzero(sources < 0)
    names = list(previous.names)  # previous.names stays as it is: the memo's weights are named by it
    bounds, terms, values = _count([documents[row] for row in missing.tolist()], _Terms(names))
    # Documents seen before are rows of previous, the others rows after them, in one pool.
    pool = np.concatenate([previous.bounds, bounds[1:] + previous.bounds[-1]])
    sources[missing] = len(previous.bounds) - 1 + np.arange(len(missing))
    positions, _ = csr.segments(pool, sources)
    terms = np.concatenate([previous.terms, terms])[positions]
    values = np.concatenate([previous.values, values])[positions]
    lengths = pool[sources + 1] - pool[sources]
    first = np.full(len(names), len(terms), dtype=np.int64)
    np.minimum.at(first, terms, np.arange(len(terms)))
    order = np.argsort(first, kind="stable")[: np.count_nonzero(first < len(terms))]  # terms no document has go
    if len(order) != len(names) or np.any(order != np.arange(len(names))):
        number = np.empty(len(names), dtype=np.int64)
        number[order] = np.arange(len(order))
        terms, names = number[terms], [names[term] for term in order.tolist()]
    return Rows(list(digests), names, np.concatenate([[0], np.cumsum(lengths)]), _compact(terms), _compact(values))


def _weights(rows: Rows) -> Csr:
    """One unit-length TF-IDF row per document, cut to its heaviest terms; columns are rows.names."""
    n, size = len(rows.bounds) - 1, len(rows.names)
    # a term twice in a row (in title and abstract, two spellings of a stem) adds up
    matrix = csr.summed(rows.bounds, rows.terms.astype(np.int64), rows.values.astype(np.float64), size)
    df = np.bincount(matrix.indices, minlength=size)
    idf = np.log((n + 1) / (df + 1)) + 1.0
    idf[df > max(min(MAX_DF * n, MAX_DF_CAP), MAX_DF_FLOOR)] = 0.0  # words, and tags, that most papers have
    data = np.log1p(matrix.data) * idf[matrix.indices]
    owners = csr.row_of_entries(matrix)
    norms = np.sqrt(np.bincount(owners, weights=data * data, minlength=n))
    norms[norms == 0] = 1.0
    data *= (1.0 / norms)[owners]
    matrix = _heaviest(csr.kept(matrix._replace(data=data), data != 0), KEEP_TERMS)
    # A term only one paper has cannot make two papers similar: leave it out of the product.
    shared = np.bincount(matrix.indices, minlength=size) > 1
    matrix = matrix._replace(data=matrix.data.astype(np.float32))
    return csr.kept(matrix, shared[matrix.indices] & (matrix.data != 0))


def _heaviest(matrix: Csr, keep: int) -> Csr:
    """Keep each row's `keep` largest entries (ties: the smaller column, for determinism)."""
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    long_rows = np.flatnonzero(np.diff(indptr) > keep)
    if not long_rows.size:
        return matrix
    dropped = np.zeros(len(data), dtype=bool)
    for row in long_rows.tolist():
        lo, hi = indptr[row], indptr[row + 1]
        order = np.lexsort((indices[lo:hi], -data[lo:hi]))
        dropped[lo + order[keep:]] = True
    return csr.kept(matrix, ~dropped)


def _keys(scores: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
    """Sort keys: the score rounded to six decimals, then the smaller column (slug) first."""
    return np.rint(scores.astype(np.float64) * _SCALE).astype(np.int64) * (n + 1) + (n - columns.astype(np.int64))


def _top(scores: Csr, own: np.ndarray, count: int) -> tuple[list[list[int]], np.ndarray]:
    """Each row's best `count` columns other than `own[row]`, by rounded score, then column; and
    the level (index into LEVELS, plus one; 0: MIN_SCORE) above which each row's were sought.

    A row typically shares some term with a third of the archive, and sorting every such entry
    would cost most of the step. So only the entries of each row at or above the highest of
    LEVELS that at least `count` of them reach are sorted: the same answer. Levels are tried from
    the top, and a lower one looks only at the rows no higher one settled (and, when most entries
    reach no level, only at the entries that reach one), so few entries are copied. Rows no level
    settles take every entry from MIN_SCORE up.
    """
    n_rows, n = scores.shape
    data, indices, indptr = scores.data, scores.indices, scores.indptr
    levels = np.asarray(LEVELS, dtype=data.dtype)
    reached = np.zeros(n_rows, dtype=np.int8)
    waiting = np.ones(n_rows, dtype=bool)  # rows no level has settled yet
    pending = np.arange(n_rows)
    found_positions, found_rows = [], []
    above = data >= levels[0]
    if 4 * np.count_nonzero(above) < len(data):  # most entries reach no level: the levels look at the others only
        pool = np.flatnonzero(above)
        pool_rows, pool_values = np.searchsorted(indptr, pool, side="right") - 1, data[pool]
    else:
        pool = None
    for level in range(len(levels), -1, -1):  # the last round, 0, takes what is left from MIN_SCORE up
        floor = levels[level - 1] if level else MIN_SCORE
        if level and pool is not None:
            within = pool_values >= floor
            positions, rows = pool[within], pool_rows[within]
        elif 8 * int((indptr[pending + 1] - indptr[pending]).sum()) < len(data):  # few rows left: look at theirs only
            positions, rows = csr.segments(indptr, pending)
            within = data[positions] >= floor
            positions, rows = positions[within], rows[within]
        else:
            positions = np.flatnonzero(data >= floor)
            rows = np.searchsorted(indptr, positions, side="right") - 1
        other = waiting[rows] & (indices[positions] != own[rows])  # a paper is not related to itself
        positions, rows = positions[other], rows[other]
        settled = waiting & (np.bincount(rows, minlength=n_rows) >= count) if level else waiting
        chosen = settled[rows]
        found_positions.append(positions[chosen])
        found_rows.append(rows[chosen])
        reached[settled] = level
        waiting &= ~settled
        pending = np.flatnonzero(waiting)
        if not len(pending):
            break
    positions, rows = np.concatenate(found_positions), np.concatenate(found_rows)
    columns = indices[positions]
    order = np.lexsort((-_keys(data[positions], columns, n), rows))
    rows, columns = rows[order], columns[order]
    starts = np.searchsorted(rows, np.arange(n_rows + 1))
    chosen = np.arange(len(rows)) - starts[rows] < count
    rows, best = rows[chosen], columns[chosen].tolist()
    bounds = np.searchsorted(rows, np.arange(n_rows + 1)).tolist()
    return [best[bounds[row] : bounds[row + 1]] for row in range(n_rows)], reached


_JOB: tuple[Csr, Csr, int] | None = None  # what forked workers inherit


def _slice(rows: np.ndarray) -> tuple[list[list[int]], np.ndarray]:
    matrix, terms, count = _JOB  # type: ignore[misc]
    return _top(_scores(csr.take_rows(matrix, rows), terms), rows, count)


def _scores(rows: Csr, terms: Csr) -> Csr:
    """The scores of `rows` against every paper whose weights `terms` holds (by term)."""
    return csr.product(rows, terms, MIN_SCORE)


def _workers(n: int) -> int:
    """Processes for the product: from PARALLEL_FROM papers every core, but one in a background
    process (a daemonic process may not start others: see related_job)."""
    if n < PARALLEL_FROM or not can_fork() or multiprocessing.current_process().daemon:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def similar(documents: Sequence[tuple[str, str, Sequence[str]]], count: int = COUNT, memo: dict | None = None) -> list[list[int]]:
    """For each (title, text, tags) document, the indexes of its `count` most similar others,
    best first; ties go to the smaller index, so callers pass documents in slug order.

    `memo`, a dict the caller keeps between builds, remembers the last answer, the weights behind
    it and every document's counted terms with its digest (see Rows): a rebuild whose documents
    are all unchanged (an edit to a paper's authors or venue) computes nothing, and any other one
    counts the words of changed documents only and scores again only the papers the change can
    reach (see `_rescored`).
    """
    if memo is None:
        return _similar(_rows(documents), count)[0]
    digests = [_digest(document) for document in documents]
    rows, last = memo.get("rows"), memo.get("last")
    if rows is not None and last[0] == count and rows.digests == digests:
        return [list(row) for row in last[1]]
    rows = _rows(documents, digests, rows)
    answer, scored = _similar(rows, count, memo.get("scored") if last is not None and last[0] == count else None)
    # The answer is kept once: in last and in scored, the same list (pickled once).
    memo["rows"], memo["last"], memo["scored"] = rows, (count, [[] for _ in documents] if scored is None else scored[3]), scored
    return answer


Scored = tuple[list[str], Csr, np.ndarray, list[list[int]]]  # term names, weights, levels, answer


def _similar(counted: Rows, count: int, previous: Scored | None = None) -> tuple[list[list[int]], Scored | None]:
    global _JOB
    n = len(counted.bounds) - 1
    if n < 2:
        return [[] for _ in range(n)], None
    matrix, names = _weights(counted), counted.names
    if previous is not None and previous[1].shape[0] != n:  # papers came or went: every row is new
        previous = None
    rows = np.arange(n) if previous is None else _rescored(previous, matrix, names)
    if not len(rows):
        return [list(row) for row in previous[3]], (names, matrix, previous[2], previous[3])  # type: ignore[index]
    workers = _workers(len(rows))
    pieces = max(-(-len(rows) // ROWS_PER_SLICE), 2 * workers if workers > 1 else 1)
    slices = [part for part in np.array_split(rows, pieces) if len(part)]
    terms = csr.transposed(matrix)
    _JOB = (matrix, terms, count)
    try:
        if workers > 1:
            if csr.wants_scipy(csr.multiply_adds(csr.take_rows(matrix, rows), terms) // len(slices)):  # a slice's product
                csr.scipy_sparse()  # loaded once here, not in each worker
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_slice, slices)
        else:
            parts = [_slice(part) for part in slices]
    finally:
        _JOB = None
    answer = [[] for _ in range(n)] if previous is None else [list(row) for row in previous[3]]
    reached = np.zeros(n, dtype=np.int8) if previous is None else previous[2].copy()
    for part, (tops, levels) in zip(slices, parts):
        reached[part] = levels
        for row, top in zip(part.tolist(), tops):
            answer[row] = top
    return answer, (names, matrix, reached, [list(row) for row in answer])


def _rescored(previous: Scored, matrix: Csr, names: list[str]) -> np.ndarray:
    """The rows whose top may differ from the `previous` answer's: the papers whose weights
    changed, and every other paper that scores, before or now, one of those at or above the
    level its top was sought from (below it, a change touches neither its top nor that level).
    All rows when many changed. The papers must be the same ones, in the same order."""
    old_names, old, reached, _ = previous
    n = matrix.shape[0]
    indices = old.indices
    if old_names != names:  # a term came or went: compare the old rows in today's numbering
        ids = {name: term for term, name in enumerate(names)}
        indices = np.asarray([ids.get(name, -1) for name in old_names], dtype=np.int64)[indices]
    changed = np.diff(old.indptr) != np.diff(matrix.indptr)
    alike = np.flatnonzero(~changed)
    before, rows = csr.segments(old.indptr, alike)
    now, _ = csr.segments(matrix.indptr, alike)
    changed[rows[(indices[before] != matrix.indices[now]) | (old.data[before] != matrix.data[now])]] = True
    moved = np.flatnonzero(changed)
    if len(moved) * 4 > n:
        return np.arange(n)
    if not len(moved):
        return moved
    kept = np.flatnonzero(~changed)
    floors = np.concatenate([[np.float32(MIN_SCORE)], np.asarray(LEVELS, dtype=np.float32)])[reached[kept]]
    reach = np.zeros(len(kept), dtype=bool)
    for weights in (old, matrix):
        cross = _scores(csr.take_rows(weights, kept), csr.transposed(csr.take_rows(weights, moved)))
        reach[np.repeat(np.arange(len(kept)), np.diff(cross.indptr))[cross.data >= np.repeat(floors, np.diff(cross.indptr))]] = True
    return np.sort(np.concatenate([moved, kept[reach]]))  # disjoint: their union is a sort (np.union1d loads numpy.ma, 20 ms)


def attach_related(views: Sequence, count: int = COUNT, memo: dict | None = None) -> None:
    """Set `view.related` on every paper view: its `count` most similar papers, best first.
    `memo`: see `similar`."""
    ordered = sorted(views, key=lambda view: view.slug)
    attach(ordered, similar(documents(ordered), count, memo))
