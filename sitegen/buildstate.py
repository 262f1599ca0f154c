"""What one build remembers for the next: parsed papers by file signature, rendered Markdown,
derived tags, related papers and citation keys, and a digest of every page's inputs and every
output file.

`sitegen serve` keeps one BuildState in memory; `sitegen build` keeps it in
`.sitegen-cache/build.pickle` beside sitegen.yaml, with a small head beside it that lets a build
which changes nothing stop without loading the rest. A state written by another version of
sitegen (or another Python) is ignored, so a cache can never change what a build produces: it
only saves work whose result is known.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Callable

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
from .collector import collector_paused
from .content import parse_paper
from .model import Paper, Problem
from .textfiles import read_utf8

if TYPE_CHECKING:
    from .site import AuthorRef

CACHE_DIR = ".sitegen-cache"
STATE_FILE = "build.pickle"
HEAD_FILE = "build-head.pickle"  # what a build that changes nothing needs of the cache (see load_head)
FORMAT = (1, CODE_VERSION, sys.version_info[:2])

Signature = tuple[int, int, int]  # mtime_ns, size, inode


@dataclass
class BuildState:
    format: tuple = FORMAT
    out_dir: str = ""
    global_digest: str = ""
    files: dict[str, Entry] = field(default_factory=dict)  # file name -> what read_papers read of it
    markdown: dict[str, str] = field(default_factory=dict)  # body -> HTML
    texts: dict[str, str] = field(default_factory=dict)  # body -> its HTML's plain text (mathml.html_text)
    tags: dict[tuple, tuple[str, ...]] = field(default_factory=dict)  # site.ViewMaker's memos
    authors: dict[str, AuthorRef] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # url -> digest of its inputs
    outputs: dict[str, Signature] = field(default_factory=dict)  # relative path -> signature when written
    paper_digests: dict[str, tuple[Paper, str]] = field(default_factory=dict)  # fingerprint.paper_digest's memo
    related: dict | bytes = field(default_factory=dict)  # related.similar's memo, or its pickle (see related_job)
    citations: dict = field(default_factory=dict)  # citation.assign_cite_keys's memo
    extras: dict[str, str] = field(default_factory=dict)  # feed, sitemap, citation file -> sha1 of the bytes last written
    stale: bool = False  # a build read the content but did not finish: the next one checks every page
    mirror: str = ""  # token in the marker of the output's hard-linked mirror when this state may trust it (pipeline.py)
    root_files: dict[str, Signature | None] = field(default_factory=dict)  # extra file -> its signature when last published (rootfiles.py)

    def __getstate__(self) -> dict:
        """On disk the related papers' memo is the bytes of its own pickle: it holds NumPy arrays,
        and loading them would import NumPy (0.15 s) in every build, even one that finds nothing
        changed and never reads the memo."""
        kept = dict(self.__dict__)
        if not isinstance(self.related, bytes):
            kept["related"] = pickle.dumps(self.related, protocol=pickle.HIGHEST_PROTOCOL)
        return kept


def signature(path: Path) -> Signature | None:
    try:
        return stat_signature(path.stat())
    except OSError:
        return None


def stat_signature(stat: os.stat_result) -> Signature:
    """What tells a file changed: modification time, size and inode (a file replaced by a rename)."""
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


Entry = tuple[Signature | None, Paper | None, list[Problem], bytes]  # signature, paper, problems, digest of the text
PARALLEL_READ_FROM = 2000  # files to parse: below this, forked readers cost more than they save
READ_CHUNK = 250  # files a forked reader parses at a time


def read_papers(folder: Path, state: BuildState, render_markdown: Callable[[str], str] | None = None,
                while_parsing: Callable[[], None] | None = None,
                signatures: dict[str, Signature | None] | None = None) -> tuple[list[Paper], list[Problem], bool]:
    """Every content file, parsed again only when its signature and its text changed; True if any
    changed. A file whose signature changed but whose text is the one last parsed (a fresh
    checkout with a restored cache, a `touch`) is not parsed again. With `render_markdown`, the
    body of every file parsed is rendered too, into `state.markdown`, and its HTML's text into
    `state.texts`: all three run on every core when many files changed (a first build), and then
    `while_parsing()` runs in this process while the other processes parse (it is not called
    otherwise). `signatures` are the folder's content_signatures when the caller has them."""
    papers: list[Paper] = []
    problems: list[Problem] = []
    seen: dict[str, Entry] = {}
    signatures = content_signatures(folder) if signatures is None else signatures
    names = sorted(signatures)
    stale = [name for name in names if signatures[name] is None or (state.files.get(name) or (None,))[0] != signatures[name]]
    same = set(_same_texts(folder, [name for name in stale if name in state.files], state))
    for name in same:
        state.files[name] = (signatures[name], *state.files[name][1:])
    stale = [name for name in stale if name not in same]
    with collector_paused():  # thousands of papers (and their pickles from the readers), no cycles
        parsed = _parse_files(folder, stale, signatures, render_markdown, while_parsing)
    for name in names:
        if name in parsed:
            entry, rendered = parsed[name]
            if rendered is not None and entry[1] is not None:
                state.markdown[entry[1].body], state.texts[entry[1].body] = rendered
        else:
            entry = state.files[name]
        seen[name] = entry
        problems.extend(entry[2])
        if entry[1] is not None:
            papers.append(entry[1])
    changed = bool(stale) or seen.keys() != state.files.keys()
    state.files = seen
    return papers, problems, changed


def _entry_signature(entry: os.DirEntry) -> Signature | None:
    """signature() of a directory entry (follows a symlink, as reading the file does)."""
    try:
        return stat_signature(entry.stat())
    except OSError:
        return None


def _parse_files(folder: Path, names: list[str], signatures: dict[str, Signature | None],
                 render_markdown: Callable[[str], str] | None,
                 while_parsing: Callable[[], None] | None) -> dict[str, tuple[Entry, tuple[str, str] | None]]:
    from .mathml import html_text  # here, as the two below: a build with nothing to do parses nothing
    from .parallel import can_fork, map_forked  # (mathml loads logging and ElementTree, parallel multiprocessing)

    def parse(name: str) -> tuple[Entry, tuple[str, str] | None]:
        path = folder / name
        text, problem = read_utf8(path)
        if text is None:
            return (signatures[name], None, [problem], b""), None
        paper, found = parse_paper(text, str(path), path.stem)
        if paper is None or render_markdown is None:
            return (signatures[name], paper, found, text_digest(text)), None
        html = render_markdown(paper.body)
        return (signatures[name], paper, found, text_digest(text)), (html, html_text(html))

    workers = min(os.cpu_count() or 1, 2 if len(names) >= PARALLEL_READ_FROM else 1)
    if workers < 2 or not can_fork():
        return {name: parse(name) for name in names}
    # in chunks the readers take in turn: each chunk's papers come back (and are unpickled here)
    # while the readers go on, not all at once at the end, with both cores waiting
    chunks = [names[start:start + READ_CHUNK] for start in range(0, len(names), READ_CHUNK)]
    parts = map_forked(lambda chunk: [(name, parse(name)) for name in chunk], chunks, while_parsing, processes=workers)
    return dict(pair for part in parts for pair in part)


def paper_sources(state: BuildState) -> dict[str, bytes]:
    """Each paper's slug -> the digest of the text of the file it was read from."""
    return {entry[1].slug: entry[3] for entry in state.files.values() if entry[1] is not None}


def text_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _same_texts(folder: Path, names: list[str], state: BuildState) -> list[str]:
    """Those of `names` whose text is the one their cached entry was parsed from."""
    same = []
    for name in names:
        text, _ = read_utf8(folder / name)
        if text is not None and state.files[name][3] == text_digest(text):
            same.append(name)
    return same


# What a build read and derived (most of the cache), as against what it wrote: the first is final
# once every paper's digest is known, and a forked process pickles it while the build goes on.
CONTENT_FIELDS = ("format", "files", "markdown", "texts", "tags", "authors", "related", "citations", "paper_digests")


def load_state(root: Path) -> BuildState:
    """The cache save_state wrote: two pickles in one file, the content fields, then the rest."""
    path = root / CACHE_DIR / STATE_FILE
    try:
        with open(path, "rb") as handle, collector_paused():
            fields = pickle.load(handle)
            if not isinstance(fields, dict) or fields.get("format") != FORMAT:
                return BuildState()
            fields.update(pickle.load(handle))
            return BuildState(**fields)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return BuildState()


def cache_folder(root: Path) -> Path:
    """The site's cache folder, made if need be, with a .gitignore of its own so that it is never
    committed, even where the site's does not name it. Raises OSError if it cannot be made."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("*\n", encoding="utf-8")
    return folder


def partial_state(root: Path) -> Path:
    """Where this process writes the cache before it replaces the last one."""
    return root / CACHE_DIR / f".{STATE_FILE}.{os.getpid()}"


def dump_content(state: BuildState, partial: Path) -> bool:
    """Start the cache at `partial` with the content fields of `state` (save_state completes it);
    False if it cannot be written."""
    try:
        cache_folder(partial.parent.parent)
        with open(partial, "wb") as handle, collector_paused():
            pickle.dump({name: value for name, value in state.__getstate__().items() if name in CONTENT_FIELDS}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        return False
    return True


def save_state(root: Path, state: BuildState, content_dumped: bool = False) -> None:
    """Best effort: a cache that cannot be written only costs the next build its head start.
    With `content_dumped`, dump_content has written the content fields to partial_state(root)."""
    partial = partial_state(root)
    try:
        if content_dumped or dump_content(state, partial):
            with open(partial, "ab") as handle, collector_paused():
                pickle.dump({name: value for name, value in vars(state).items() if name not in CONTENT_FIELDS}, handle,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, root / CACHE_DIR / STATE_FILE)
            save_head(root, state)
    except OSError:
        partial.unlink(missing_ok=True)


def save_head(root: Path, state: BuildState) -> None:
    """Beside the cache, the little of it that tells a later build nothing changed: the content
    files' and output files' signatures and the digests they were built under (2 MB at 10,000
    papers, against 60), and the cache's own signature, so it never speaks for another cache.
    (save_state writes it; a build that found nothing changed but files touched writes it alone.)"""
    head = {"format": FORMAT, "state": signature(root / CACHE_DIR / STATE_FILE), "out_dir": state.out_dir,
            "global_digest": state.global_digest, "root_files": state.root_files, "stale": state.stale, "pages": len(state.pages),
            "files": {name: entry[0] for name, entry in state.files.items()}, "outputs": state.outputs}
    partial = root / CACHE_DIR / f".{HEAD_FILE}.{os.getpid()}"
    try:
        with open(partial, "wb") as handle:
            pickle.dump(head, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, root / CACHE_DIR / HEAD_FILE)
    except OSError:
        partial.unlink(missing_ok=True)


def load_head(root: Path) -> SimpleNamespace | None:
    """What save_head wrote (its fields named as BuildState's), if it was written beside the cache
    that is there now; else None."""
    try:
        with open(root / CACHE_DIR / HEAD_FILE, "rb") as handle:
            head = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("state") != signature(root / CACHE_DIR / STATE_FILE):
        return None
    return SimpleNamespace(**head)


def content_signatures(folder: Path) -> dict[str, Signature | None]:
    """Every content file of `folder` (name -> signature), as read_papers finds them."""
    signatures: dict[str, Signature | None] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".md") and not entry.name.startswith("."):
                signatures[entry.name] = _entry_signature(entry)
    return signatures

