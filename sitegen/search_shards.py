"""The index split into files the browser fetches on demand (the layout is described in docs/search.md).

    meta.json                 the version, fields, document count, the first term of every shard,
                              docs per chunk; the one file whose address stays the same
    <version>/t/<n>.json      shard n: consecutive terms (in lunr.js's sort order) with their postings
    <version>/d/<n>.json      documents n*chunk … n*chunk+chunk-1, for showing results
    <version>/terms.json      every term, for queries whose matches cannot be found by prefix (fuzzy, *x)

A shard entry is [term, its lunr _index, then per field: [document number deltas], [weights in
thousandths]]. The browser rebuilds lunr.js postings and field vectors from these, exact to the bit.
"""
from __future__ import annotations

import json
from itertools import chain
from operator import sub
from typing import Any, Sequence

from .search_index import LunrIndex, js_string
from .search_text import LUNR_VERSION

FORMAT = 1
SHARD_BYTES = 16_000  # JSON bytes per term shard before gzip; a term with more postings gets its own
DOCS_PER_CHUNK = 8


def _entry(index: LunrIndex, tid: int) -> str:
    parts = [js_string(index.terms[tid]), str(tid)]
    numbers = []
    for docs, weights in zip(index.docs[tid], index.weights[tid]):
        numbers.append(repr(list(map(sub, docs, chain((0,), docs)))))  # document number deltas
        numbers.append(repr(list(weights)))
    return "[" + ",".join(parts) + "," + ",".join(numbers).replace(" ", "") + "]"  # repr(list) spells "[1, 2]"


def shard_index(index: LunrIndex, target: int = SHARD_BYTES) -> tuple[list[str], list[bytes]]:
    """Cut the sorted term list into shards of about `target` bytes; return first terms and files."""
    firsts: list[str] = []
    shards: list[bytes] = []
    current: list[str] = []
    size = 0
    for tid in index.sorted_term_ids():
        entry = _entry(index, tid)
        if current and size + len(entry) > target:
            shards.append(("[" + ",".join(current) + "]").encode("utf-8"))
            current, size = [], 0
        if not current:
            firsts.append(index.terms[tid])
        current.append(entry)
        size += len(entry) + 1
    if current:
        shards.append(("[" + ",".join(current) + "]").encode("utf-8"))
    return firsts, shards


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_files(index: LunrIndex, cards: Sequence[list | str], version: str, shard_bytes: int = SHARD_BYTES,
                 docs_per_chunk: int = DOCS_PER_CHUNK) -> dict[str, bytes]:
    """Every file of the split index and document store, by path relative to /search/.

    `cards` are what results show of each document, as lists or already as JSON text; `version`
    names the folder of everything but meta.json."""
    firsts, shards = shard_index(index, shard_bytes)
    files: dict[str, bytes] = {f"{version}/t/{n}.json": data for n, data in enumerate(shards)}
    encoded = [card if isinstance(card, str) else _json(card).decode("utf-8") for card in cards]
    for n in range(0, len(encoded), docs_per_chunk):
        files[f"{version}/d/{n // docs_per_chunk}.json"] = ("[" + ",".join(encoded[n:n + docs_per_chunk]) + "]").encode("utf-8")
    files[f"{version}/terms.json"] = ("[" + ",".join(js_string(index.terms[t]) for t in index.sorted_term_ids()) + "]").encode("utf-8")
    files["meta.json"] = _json({
        "format": FORMAT,
        "version": version,
        "lunr": LUNR_VERSION,
        "fields": list(index.fields),
        "count": index.count,
        "pipeline": ["stemmer"],
        "shards": firsts,
        "chunk": docs_per_chunk,
    })
    return files
