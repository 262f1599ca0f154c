"""What one build remembers for the next: parsed papers by file signature, rendered Markdown,
derived tags, and a digest of every page's inputs and every output file.

`sitegen serve` keeps one BuildState in memory; `sitegen build` keeps it in
`.sitegen-cache/build.pickle` beside sitegen.yaml. A state written by another version of sitegen
(or another Python) is ignored, so a cache can never change what a build produces: it only
saves work whose result is known.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__

PACKAGE = Path(__file__).parent


def _code_version() -> str:
    """A digest of sitegen's own code: a cache made by other code (even an unreleased edit with
    the same version number) is never trusted. Templates and static files count separately,
    in the build's global digest."""
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()
from .model import Paper, Problem
from .textfiles import read_utf8

CACHE_DIR = ".sitegen-cache"
STATE_FILE = "build.pickle"
FORMAT = (1, CODE_VERSION, sys.version_info[:2])

Signature = tuple[int, int, int]  # mtime_ns, size, inode


@dataclass
class BuildState:
    format: tuple = FORMAT
    out_dir: str = ""
    global_digest: str = ""
    files: dict[str, tuple[Signature, Paper | None, list[Problem]]] = field(default_factory=dict)
    markdown: dict[str, str] = field(default_factory=dict)
    tags: dict[tuple, tuple[str, ...]] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # url -> digest of its inputs
    outputs: dict[str, Signature] = field(default_factory=dict)  # relative path -> signature when written
    paper_digests: dict[str, tuple[Paper, str]] = field(default_factory=dict)  # fingerprint.paper_digest's memo
    stale: bool = False  # a build read the content but did not finish: the next one checks every page


def signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def read_papers(folder: Path, state: BuildState) -> tuple[list[Paper], list[Problem], bool]:
    """Every content file, parsed again only when its signature changed; True if any changed."""
    from .content import parse_paper

    papers: list[Paper] = []
    problems: list[Problem] = []
    seen: dict[str, tuple[Signature, Paper | None, list[Problem]]] = {}
    changed = False
    with os.scandir(folder) as entries:
        names = sorted(entry.name for entry in entries if entry.name.endswith(".md") and not entry.name.startswith("."))
    for name in names:
        path = folder / name
        sig = signature(path)
        cached = state.files.get(name)
        if sig is not None and cached is not None and cached[0] == sig:
            entry = cached
        else:
            changed = True
            text, problem = read_utf8(path)
            entry = (sig, *parse_paper(text, str(path), path.stem)) if text is not None else (sig, None, [problem])
        seen[name] = entry
        problems.extend(entry[2])
        if entry[1] is not None:
            papers.append(entry[1])
    changed = changed or seen.keys() != state.files.keys()
    state.files = seen
    return papers, problems, changed


def load_state(root: Path) -> BuildState:
    path = root / CACHE_DIR / STATE_FILE
    try:
        with open(path, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return BuildState()
    return state if isinstance(state, BuildState) and state.format == FORMAT else BuildState()


def save_state(root: Path, state: BuildState) -> None:
    """Best effort: a cache that cannot be written only costs the next build its head start."""
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        tmp = folder / f".{STATE_FILE}.{os.getpid()}"
        with open(tmp, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / STATE_FILE)
    except OSError:
        pass
