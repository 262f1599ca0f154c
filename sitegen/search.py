"""Site search: one lunr document per paper, indexed at build time, split for on-demand loading.

The browser runs lunr.js 2.3.9 over the parts of the index a query needs (docs/search.md explains
how, and why the results equal those of one unsplit index). This module picks what each paper
contributes to each field and writes /search/meta.json and the files it names.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Mapping, Sequence

from .collector import collector_paused
from .config import SEARCH_FIELDS, Config
from .render import date_display, date_iso
from .search_index import Analyses, LunrIndex, build_index
from .search_memo import Kept, load_documents, save_documents
from .search_shards import DOCS_PER_CHUNK, FORMAT, META, SHARD_BYTES, listed_files, search_files
from .search_store import load_analyses, save_analyses
from .search_text import fold
from .site import PaperView, Site

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps makes one per call


@dataclass(frozen=True)
class SearchDocument:
    """A paper as search sees it: `fields` are the texts lunr indexes (in SEARCH_FIELDS order,
    accents folded); `card` is what a result shows, as JSON: [title, url, authors, date, ISO date,
    tags, text]."""

    fields: tuple[str, ...]
    card: str


@dataclass(frozen=True)
class SearchGlobals:
    """What templates see as `search`: whether search is on and where its files are.

    `root` never changes with the content (the version is named in meta.json only), so editing a
    paper changes no other page."""

    enabled: bool
    root: str = "/search/"


def search_document(view: PaperView) -> SearchDocument:
    """What one paper gives each field (tags also by slug and arXiv category), and its result card."""
    authors = [author.name for author in view.authors]
    tag_words = []
    for tag in view.tags:
        tag_words.append(tag.name)
        if tag.slug.replace("-", " ") != tag.name.casefold():
            tag_words.append(tag.slug)  # "llm" finds a tag titled "Language models"
    tag_words.extend(view.categories)
    ids = [value for value in (view.arxiv, view.doi) if value]
    text = view.abstract_text
    texts = {
        "title": view.title,
        "authors": ", ".join(authors),
        "tags": ", ".join(tag_words),
        "abstract": text,
        "ids": " ".join(ids),
    }
    card = [view.title, view.url, authors, date_display(view.date), date_iso(view.date), [tag.name for tag in view.tags], text]
    return SearchDocument(tuple(fold(texts[name]) for name in SEARCH_FIELDS), _JSON.encode(card))


_NAME = attrgetter("name")


def search_documents(views: Sequence[PaperView], memo: Path | None = None, sources: Mapping[str, bytes] | None = None,
                     global_digest: str = "") -> list[SearchDocument]:
    """search_document of every view. With `memo` (a file in the cache: see search_memo) and
    `sources` (slug -> digest of the paper's file text), a paper whose text and authors' names
    are those of the last build with the same global digest takes the document it made."""
    if memo is None or sources is None:
        return [search_document(view) for view in views]
    kept = load_documents(memo, global_digest)
    documents: list[SearchDocument] = []
    keeping: Kept = {}
    made = 0
    for view in views:
        source = sources.get(view.slug)
        key = (source, tuple(map(_NAME, view.authors)))
        old = kept.get(view.slug)
        if old is not None and source is not None and old[0] == key:
            document = SearchDocument(old[1], old[2])
        else:
            document = search_document(view)
            made += 1
        documents.append(document)
        if source is not None:
            keeping[view.slug] = (key, document.fields, document.card)  # type: ignore[assignment]
    if made or len(keeping) != len(kept):
        save_documents(memo, global_digest, keeping)
    return documents


def index_documents(documents: Sequence[SearchDocument], boosts: dict[str, float], previous: Analyses | None = None) -> LunrIndex:
    return build_index([doc.fields for doc in documents], SEARCH_FIELDS, [boosts[name] for name in SEARCH_FIELDS], previous=previous)


_CODE = [Path(__file__).with_name(name) for name in ("search.py", "search_text.py", "search_index.py", "search_shards.py")]


def index_version(documents: Sequence[SearchDocument], boosts: dict[str, float]) -> str:
    """A name for the index of these documents: it changes whenever they, the boosts or the code
    that indexes them change, so an unchanged index can be reused and old and new never mix."""
    digest = hashlib.sha256()
    for path in _CODE:
        digest.update(path.read_bytes())
    digest.update(json.dumps([SHARD_BYTES, DOCS_PER_CHUNK, [boosts[name] for name in SEARCH_FIELDS]]).encode())
    for doc in documents:
        digest.update("\x1f".join((*doc.fields, doc.card, "\x1e")).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:12]


def search_globals(config: Config) -> SearchGlobals:
    """What templates see as `search`: known before the index is written (it is written while
    the pages render)."""
    return SearchGlobals(config.search.enabled)


def write_search_index(site: Site, out_dir: Path, previous: Path | None = None, overlay: bool = False,
                       store: Path | None = None, memo: Path | None = None, sources: Mapping[str, bytes] | None = None,
                       global_digest: str = "") -> SearchGlobals:
    """Write /search/meta.json and the files it names for the site's papers; return the globals.

    Files the last build's output (`previous`) holds under the same name hold the same bytes (a
    name carries a hash of them), so they are linked, not written: after an edit only the files
    whose bytes changed are new. If it holds the index of the same version, nothing is computed.
    With `overlay` (out_dir holds only what changes in `previous`), those files are not even
    linked, and meta.json (always written) tells the build which files to keep (index_files).
    `store` is a file for the texts' analyses: read from it, a rebuild analyses only the texts
    of the papers that changed; this build's go into it (see search_store). `memo`, `sources`
    and `global_digest` spare the documents of papers that did not change (search_documents).
    """
    settings = site.config.search
    if not settings.enabled:
        return search_globals(site.config)
    with collector_paused():
        documents = search_documents(site.papers, memo, sources, global_digest)
        version = index_version(documents, settings.boosts)
        old = previous / "search" if previous is not None else None
        kept = _kept_index(old, version) if old is not None else None
        if kept is not None:
            _link_files(old, out_dir / "search", [META] if overlay else [*listed_files(kept), META])  # type: ignore[arg-type]
        else:
            index = index_documents(documents, settings.boosts, load_analyses(store) if store is not None else None)
            files = search_files(index, [doc.card for doc in documents], version)
            _write_files(out_dir / "search", files, old, overlay)
            if store is not None and index.analyses is not None:
                save_analyses(store, index.analyses)
    return search_globals(site.config)


def index_files(out_dir: Path) -> set[str]:
    """The search files (relative to out_dir) that the meta.json written there names, itself
    included; none when there is none (search is off)."""
    try:
        meta = json.loads((out_dir / "search" / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    return {f"search/{name}" for name in [*listed_files(meta), META]}


def _kept_index(folder: Path, version: str) -> dict | None:
    """The meta.json in `folder` if it describes the index of `version` and every file it names is there."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("version") != version:
            return None
        return meta if all((folder / name).is_file() for name in listed_files(meta)) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_files(folder: Path, files: dict[str, bytes], old: Path | None, overlay: bool = False) -> None:
    """Write `files` into `folder`, meta.json last; a file `old` holds by the same name is linked
    (with `overlay`, left where it is)."""
    made: set[Path] = set()
    for name, data in sorted(files.items(), key=lambda item: item[0] == META):
        if name != META and old is not None and overlay and (old / name).is_file():
            continue
        target = folder / name
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if name == META or old is None or overlay or not _linked(old / name, target):
            target.write_bytes(data)


def _link_files(source: Path, target: Path, names: list[str]) -> None:
    """Hard-link (or copy, across file systems) the files `names` of `source` into `target`."""
    for name in names:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not _linked(source / name, destination):
            shutil.copy2(source / name, destination)


def _linked(source: Path, destination: Path) -> bool:
    try:
        os.link(source, destination)
    except OSError:
        return False
    return True
