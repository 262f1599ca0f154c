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
from collections import deque
from itertools import accumulate, chain, repeat
from operator import sub
from typing import Any, Iterator, Sequence

from .search_index import LunrIndex
from .search_text import LUNR_VERSION

FORMAT = 2
SHARD_BYTES = 16_000  # JSON bytes per term shard before gzip; a term with more postings gets its own
DOCS_PER_CHUNK = 8

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # JSON.stringify's spelling; made once, not per call


def _entries(index: LunrIndex, order: Sequence[int]) -> Iterator[str]:
    """The shard entry of each term of `order`, as JSON: [term, _index, then per field its document
    deltas and weights]. The lists are gathered by mapping C functions over all terms at once, and
    each entry is one call of the C JSON encoder (repr and string edits per list cost more)."""
    columns: list[Iterator[Sequence[int]]] = []
    for docs, weights in zip(zip(*index.docs), zip(*index.weights)):  # field by field
        deltas = _deltas(docs)
        columns += (map(deltas.__getitem__, order), map(weights.__getitem__, order))
    return map(_JSON.encode, zip(map(index.terms.__getitem__, order), order, *columns))


def _deltas(postings: Sequence[Sequence[int]]) -> list[list[int]]:
    """Each list of ascending document numbers as differences from the number before it (the first from 0)."""
    ends = list(accumulate(map(len, postings)))
    starts = [0, *ends[:-1]]
    flat = list(chain.from_iterable(postings))
    previous = [0, *flat]  # previous[i] is flat[i - 1]; one longer, so a trailing empty list's start fits
    deque(map(previous.__setitem__, starts, repeat(0)), maxlen=0)  # a list's first number counts from 0
    differences = list(map(sub, flat, previous))
    return list(map(differences.__getitem__, map(slice, starts, ends)))


def shard_index(index: LunrIndex, target: int = SHARD_BYTES, order: Sequence[int] | None = None) -> tuple[list[str], list[bytes]]:
    """Cut the sorted term list into shards of about `target` bytes; return first terms and files.
    `order` is index.sorted_term_ids(), if the caller has it already."""
    firsts: list[str] = []
    shards: list[bytes] = []
    current: list[str] = []
    size = 0
    order = index.sorted_term_ids() if order is None else order
    for tid, entry in zip(order, _entries(index, order)):
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
    return _JSON.encode(value).encode("utf-8")


def search_files(index: LunrIndex, cards: Sequence[list | str], version: str, shard_bytes: int = SHARD_BYTES,
                 docs_per_chunk: int = DOCS_PER_CHUNK) -> dict[str, bytes]:
    """Every file of the split index and document store, by path relative to /search/.

    `cards` are what results show of each document, as lists or already as JSON text; `version`
    names the whole index in meta.json (a build whose documents have that version reuses it)."""
    order = index.sorted_term_ids()
    firsts, shards = shard_index(index, shard_bytes, order)
    encoded = [card if isinstance(card, str) else _JSON.encode(card) for card in cards]
    chunks = [("[" + ",".join(encoded[n:n + docs_per_chunk]) + "]").encode("utf-8") for n in range(0, len(encoded), docs_per_chunk)]
    terms = _json(list(map(index.terms.__getitem__, order)))
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
