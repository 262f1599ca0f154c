"""The index split into files the browser fetches on demand (the layout is described in docs/search.md).

    meta.json                 the version, fields, document count, the first term of every shard,
                              docs per chunk, and the name of every other file; the one file
                              whose address stays the same
    t/<n>.<hash>.json         shard n: consecutive terms (in lunr.js's sort order) with their postings
    d/<n>.<hash>.json         documents n*chunk … n*chunk+chunk-1, for showing results
    terms.<hash>.json         every term, for queries whose matches cannot be found by prefix (fuzzy, *x)

Every file but meta.json is named by its number and a hash of its bytes, so a file keeps its name
exactly as long as it keeps its bytes: a rebuild after one edit writes only the files that changed
(see search.write_search_index), and a browser holding an older meta.json never gets newer bytes
under an old name.

A shard entry is [term, its lunr _index, then per field: [document number deltas], [weights in
thousandths]]. The browser rebuilds lunr.js postings and field vectors from these, exact to the bit.
"""
from __future__ import annotations

import hashlib
import json
from itertools import chain
from operator import sub
from typing import Any, Sequence

from .search_index import LunrIndex, js_string
from .search_text import LUNR_VERSION

FORMAT = 2
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
    names the whole index in meta.json (a build whose documents have that version reuses it)."""
    firsts, shards = shard_index(index, shard_bytes)
    encoded = [card if isinstance(card, str) else _json(card).decode("utf-8") for card in cards]
    chunks = [("[" + ",".join(encoded[n:n + docs_per_chunk]) + "]").encode("utf-8") for n in range(0, len(encoded), docs_per_chunk)]
    terms = ("[" + ",".join(js_string(index.terms[t]) for t in index.sorted_term_ids()) + "]").encode("utf-8")
    meta = {
        "format": FORMAT,
        "version": version,
        "lunr": LUNR_VERSION,
        "fields": list(index.fields),
        "count": index.count,
        "pipeline": ["stemmer"],
        "shards": firsts,
        "shardFiles": [_content_hash(data) for data in shards],
        "chunk": docs_per_chunk,
        "chunkFiles": [_content_hash(data) for data in chunks],
        "terms": _content_hash(terms),
    }
    files = dict(zip(listed_files(meta), [*shards, *chunks, terms], strict=True))
    files[META] = _json(meta)
    return files


META = "meta.json"
HASH_CHARACTERS = 8  # in a file's name, after its number: a name is reused only for the same bytes


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_CHARACTERS]


def listed_files(meta: dict) -> list[str]:
    """The files a meta.json names (paths relative to /search/), meta.json itself not included."""
    return [*(f"t/{n}.{digest}.json" for n, digest in enumerate(meta["shardFiles"])),
            *(f"d/{n}.{digest}.json" for n, digest in enumerate(meta["chunkFiles"])),
            f"terms.{meta['terms']}.json"]
