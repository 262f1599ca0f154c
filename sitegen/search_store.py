"""The search index's text analyses, kept in the build cache between builds.

Analysing the texts (splitting, trimming, stemming 50,000 field texts at 10,000 papers) is most of
the work of building the index, and an edit changes one paper's texts. The build that writes the
index saves every text's terms here (search_index.Analyses, as NumPy arrays: loading them takes
milliseconds where the same as Python objects took longer than analysing again), and the next
build analyses only the texts it does not find. A file written by other code (a text would give
other terms), damaged or half written is not used.
"""
from __future__ import annotations

import hashlib
import os
import sys
import unicodedata
import zipfile
from pathlib import Path

from .search_index import KEY_BYTES, Analyses

_ANALYSIS_CODE = Path(__file__).with_name("search_text.py")  # what decides a text's terms


def _version() -> str:
    """Changes whenever a text could be analysed otherwise: the analysis code, or the Python
    whose Unicode tables lowercase and fold the text."""
    digest = hashlib.sha256(_ANALYSIS_CODE.read_bytes())
    digest.update(f"{sys.version_info[:2]} {unicodedata.unidata_version} {KEY_BYTES}".encode())
    return digest.hexdigest()


def save_analyses(path: Path, analyses: Analyses) -> None:
    """Write `analyses` to `path` whole or not at all (a build killed while writing leaves the old
    file). Best effort, like the rest of the cache: failing costs the next build time only."""
    import numpy as np

    def as_bytes(text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)

    # a term never holds a newline: lunr splits text on white space
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with open(partial, "wb") as handle:
            np.savez(handle, version=as_bytes(_version()), keys=np.frombuffer(analyses.keys, dtype=np.uint8),
                     sizes=analyses.sizes.astype(np.int32), lengths=analyses.lengths.astype(np.int32),
                     terms=analyses.terms.astype(np.int32), tfs=analyses.tfs.astype(np.int32),
                     vocabulary=as_bytes("\n".join(analyses.vocabulary)))
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)


def load_analyses(path: Path) -> Analyses | None:
    """The analyses saved at `path`, or None if there are none that this code would make."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as saved:
            if saved["version"].tobytes().decode() != _version():
                return None
            vocabulary_text = saved["vocabulary"].tobytes().decode("utf-8", "surrogatepass")
            analyses = Analyses(saved["keys"].tobytes(), *(saved[name].astype(np.int64) for name in ("sizes", "lengths", "terms", "tfs")),
                                vocabulary_text.split("\n") if vocabulary_text else [])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return analyses if _consistent(analyses) else None


def _consistent(analyses: Analyses) -> bool:
    """The arrays fit together: no entry points past the vocabulary or the end of the entries."""
    texts = len(analyses.sizes)
    return (len(analyses.keys) == texts * KEY_BYTES and len(analyses.lengths) == texts
            and int(analyses.sizes.sum()) == len(analyses.terms) == len(analyses.tfs)
            and bool((analyses.sizes >= 0).all())
            and (analyses.terms.size == 0 or (int(analyses.terms.min()) >= 0 and int(analyses.terms.max()) < len(analyses.vocabulary))))
