"""Each paper's search document as the last build made it, kept in the build cache, so that a
rebuild makes documents only for the papers that changed.

Making them (folding every field, each result card's JSON) was a third of the search job of a
one-paper rebuild of 10,000 papers, which is the last thing such a rebuild waits for. A document
follows from the paper's file, the site's name for each of its authors (the newest paper's
spelling: site.index_site) and the build's settings and code. So each is kept under the digest
of its file's text and its authors' names, and the whole file under the build's global digest
and the Python whose Unicode tables fold the text: anything else, or a file that does not load,
is not used.
"""
from __future__ import annotations

import os
import pickle
import sys
import unicodedata
from pathlib import Path

Key = tuple[bytes, tuple[str, ...]]  # digest of the paper's file text, its authors' names as the site gives them
Kept = dict[str, tuple[Key, tuple[str, ...], str]]  # slug -> (key, fields, card)


def _scope(global_digest: str) -> str:
    return f"{global_digest} {sys.version_info[:2]} {unicodedata.unidata_version}"


def load_documents(path: Path, global_digest: str) -> Kept:
    """The documents save_documents kept at `path` under the same global digest; else none."""
    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return {}
    if not isinstance(saved, tuple) or len(saved) != 2 or saved[0] != _scope(global_digest) or not isinstance(saved[1], dict):
        return {}
    return saved[1]


def save_documents(path: Path, global_digest: str, kept: Kept) -> None:
    """Write `kept` to `path` whole or not at all. Best effort, like the rest of the cache."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with open(partial, "wb") as handle:
            pickle.dump((_scope(global_digest), kept), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
