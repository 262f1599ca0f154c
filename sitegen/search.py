"""Site search: one lunr document per paper, indexed at build time, split for on-demand loading.

The browser runs lunr.js 2.3.9 over the parts of the index a query needs (docs/search.md explains
how, and why the results equal those of one unsplit index). This module picks what each paper
contributes to each field and writes /search/meta.json and the files under /search/<version>/.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .collector import collector_paused
from .config import SEARCH_FIELDS, Config
from .render import date_display, date_iso
from .search_index import LunrIndex, build_index
from .search_shards import DOCS_PER_CHUNK, SHARD_BYTES, search_files
from .search_text import fold
from .site import PaperView, Site
from .mathml import html_text

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
    text = html_text(str(view.abstract_html))
    texts = {
        "title": view.title,
        "authors": ", ".join(authors),
        "tags": ", ".join(tag_words),
        "abstract": text,
        "ids": " ".join(ids),
    }
    card = [view.title, view.url, authors, date_display(view.date), date_iso(view.date), [tag.name for tag in view.tags], text]
    return SearchDocument(tuple(fold(texts[name]) for name in SEARCH_FIELDS), _JSON.encode(card))


def index_documents(documents: Sequence[SearchDocument], boosts: dict[str, float], memo: dict | None = None) -> LunrIndex:
    return build_index([doc.fields for doc in documents], SEARCH_FIELDS, [boosts[name] for name in SEARCH_FIELDS], memo=memo)


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


def write_search_index(site: Site, out_dir: Path, previous: Path | None = None, memo: dict | None = None) -> SearchGlobals:
    """Write /search/meta.json and /search/<version>/… for the site's papers; return the globals.

    If `previous` (the last build's output) holds the index of the same version, its files are
    linked instead of recomputed: a build after a template or style change costs no indexing.
    `memo`, a dict the caller keeps between builds, lets a rebuild analyse only the texts of the
    papers that changed (see search_index.build_index).
    """
    settings = site.config.search
    if not settings.enabled:
        return search_globals(site.config)
    with collector_paused():
        documents = [search_document(view) for view in site.papers]
        version = index_version(documents, settings.boosts)
        folder = out_dir / "search"
        old = previous / "search" if previous is not None else None
        if old is not None and _holds_version(old, version):
            _link_tree(old / version, folder / version)
            _link_tree(old, folder, only="meta.json")
        else:
            files = search_files(index_documents(documents, settings.boosts, memo), [doc.card for doc in documents], version)
            _write_files(folder, files)
    return search_globals(site.config)


def _holds_version(folder: Path, version: str) -> bool:
    """Whether a previous build left the complete index of `version` in `folder`."""
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("version") == version and (folder / version).is_dir()
    except (OSError, ValueError):
        return False


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for name, data in sorted(files.items(), key=lambda item: item[0] == "meta.json"):  # meta.json last
        target = folder / name
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)


def _link_tree(source: Path, target: Path, only: str = "**/*") -> None:
    """Hard-link (or copy, across file systems) the files of `source` matching `only` into `target`."""
    for path in sorted(source.glob(only)):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
