"""Build orchestration: the lock, what a killed build left, and whether there is anything to build.

A first build (or one after the settings, theme or sitegen itself changed) renders everything
into a temporary folder beside the output and swaps it in whole. Later builds render only the
pages whose inputs changed (see fingerprint.py) into a temporary overlay and move those files
in. Either way nothing is written until every page has rendered, so a failed build leaves the
previous site untouched, and the output is byte for byte what a first build would write.

This module decides, from the cache's head, that nothing changed without loading the machinery
that reads, renders and writes (pipeline.py, with Jinja2, markdown-it and the search index): a
`sitegen build` with nothing to do spends its time on that check, not on imports.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

from .buildstate import CODE_VERSION, BuildState, Signature, cache_folder, content_signatures, load_head, load_state, signature, stat_signature
from .collector import collector_paused
from .config import Config
from .model import Problem, ProblemsError
from .rootfiles import extra_files, extra_signatures
from .textfiles import process_is_alive
from .theming import ThemeChain, resolve_theme, static_files, template_dirs

if TYPE_CHECKING:
    from .site import Site


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    papers: int
    pages: int  # pages of the site
    rendered: int  # pages rendered by this build (0 when nothing changed)
    seconds: float
    stages: tuple[tuple[str, float], ...] = ()  # seconds per stage, in order
    # What `sitegen serve` keeps to update pages between full builds (None after a no-change build).
    site: Site | None = field(default=None, repr=False, compare=False)
    env: Any = field(default=None, repr=False, compare=False)
    # Output files written or deleted (relative paths); None when the whole output was replaced.
    changed: tuple[str, ...] | None = field(default=None, repr=False, compare=False)


Progress = Callable[[str, int, int], None]  # (stage now running, pages rendered, pages to render)


class Checked(NamedTuple):
    """What the check before a build found, which the build goes on with."""

    chain: ThemeChain
    statics: dict[str, Path]
    base_digest: str  # global_digest
    root_files: dict[str, Path]  # the extra files (rootfiles.py)
    root_signatures: dict[str, Signature | None]
    scanned: dict[str, Signature | None] | None  # the content files' signatures, when the cache's head had them looked up



class Stopwatch:
    """Seconds spent per build stage, for `sitegen build --verbose` and the benchmarks; tells the
    progress display which stage runs next."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.stages: list[tuple[str, float]] = []
        self._last = time.perf_counter()
        self.progress = progress

    def lap(self, stage: str, following: str = "") -> None:
        now = time.perf_counter()
        self.stages.append((stage, now - self._last))
        self._last = now
        if self.progress is not None and following:
            self.progress(following, 0, 0)


def global_digest(config: Config, chain: ThemeChain, statics: dict[str, Path]) -> str:
    """What every page depends on: sitegen itself, the settings, every template and static file."""
    digest = hashlib.sha1(repr((CODE_VERSION, config)).encode())
    for folder in template_dirs(config.root, chain):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    for name, path in sorted(statics.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build(config: Config, out_dir: Path | None = None, state: BuildState | None = None,
          progress: Progress | None = None, committing: Callable[[], None] | None = None, keep_site: bool = False) -> BuildResult:
    """Build the site into `out_dir` (default: the config's output_dir).

    With `state` (kept by `sitegen serve`) the build starts from it; without, from the cache
    beside sitegen.yaml, which it updates. `progress` hears of each stage and of rendered pages.
    `committing()` is called once every page is ready, just before the output starts to change:
    until then, stopping the build (even killing it) leaves the output as it was.
    `keep_site` (for `sitegen serve`, which updates pages from it): the result has the assembled
    site even when nothing changed.
    """
    started = time.perf_counter()
    out_dir = (out_dir or config.output_dir).resolve()
    _refuse_dangerous_output(config, out_dir)
    watch = Stopwatch(progress)
    # A build makes millions of objects and next to no cycles (a few hundred for 1,000 papers), so
    # the collector only re-scans them: half a second of a rebuild of 10,000 papers.
    with collector_paused():
        if state is None:
            with build_lock(config.root):
                _recover_interrupted(out_dir)
                return _build(config, out_dir, None, True, started, watch, committing, keep_site)
        try:
            return _build(config, out_dir, state, False, started, watch, committing, keep_site)
        except BaseException:
            state.stale = True  # what it read is remembered, but its pages were never all written
            raise


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One `sitegen build` per site at a time: two would swap their outputs into one folder."""
    try:
        folder = cache_folder(root)
        handle = open(folder / "build.lock", "a+b")
    except OSError:  # a read-only site can still be built elsewhere; it cannot race itself
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            message = "another sitegen build of this site is running; wait for it to finish, then build again"
            raise ProblemsError([Problem(str(folder / "build.lock"), None, message)]) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(config: Config, out_dir: Path, state: BuildState | None, persistent: bool, started: float, watch: Stopwatch,
           committing: Callable[[], None] | None, keep_site: bool = False) -> BuildResult:
    """The build from `state`, or (None) from the cache beside sitegen.yaml, of which only its
    head is read when it shows that nothing changed."""
    chain = resolve_theme(config.root, config.theme, config.theme_options, str(config.root / "sitegen.yaml"))
    statics = static_files(config.root, chain)
    base_digest = global_digest(config, chain, statics)
    root_files = extra_files(config.root)  # published at the output's root as they are (rootfiles.py)
    root_signatures = extra_signatures(root_files)
    scanned = None  # the content files' signatures, when the cache's head had them looked up
    if state is None:
        head = None if keep_site else load_head(config.root)
        if head is not None:
            scanned = _content_signatures(config)
            # (a file touched without a change is not told apart here: the full check below is)
            if scanned == head.files and as_left(head, out_dir, base_digest, root_signatures):
                watch.lap("check content and output")
                return BuildResult(out_dir, len(scanned), head.pages, 0, time.perf_counter() - started, tuple(watch.stages), changed=())
        # related papers: in a child from now on for a mid-sized archive (see related_job)
        from .related_job import RelatedPapers, worth_a_child  # (with multiprocessing: loaded only now)

        related = RelatedPapers(fork=True) if worth_a_child(len(scanned) if scanned is not None else _entries(config.papers_dir)) else None
        try:
            state = load_state(config.root)
            from .pipeline import make_site  # the rendering machinery, loaded only when there is something to build
        except BaseException:
            if related is not None:
                related.cancel()
            raise
    else:
        related = None
        from .pipeline import make_site

    return make_site(config, out_dir, state, persistent, started, watch, committing,
                     Checked(chain, statics, base_digest, root_files, root_signatures, scanned), keep_site, related)


def _entries(folder: Path) -> int:
    try:
        return len(os.listdir(folder))
    except OSError:
        return 0  # reading the content reports it


def _content_signatures(config: Config) -> dict[str, Signature | None] | None:
    """content_signatures of the papers' folder; None if it cannot be read (reading reports it)."""
    try:
        return content_signatures(config.papers_dir)
    except OSError:
        return None


def as_left(last: Any, out_dir: Path, base_digest: str, root_signatures: dict[str, Signature | None]) -> bool:
    """Whether, content aside, this build would make what the last one (`last`: its BuildState, or
    the cache's head, which has the same fields) left: the same output folder, settings, theme,
    sitegen and extra files, and every file it wrote still as it left it."""
    return last.out_dir == str(out_dir) and not last.stale and bool(last.outputs) and last.global_digest == base_digest \
        and last.root_files == root_signatures and out_dir.is_dir() and _outputs_intact(out_dir, last.outputs)


def _outputs_intact(out_dir: Path, outputs: dict[str, Signature]) -> bool:
    """Every file the last build wrote (`outputs`: its record of them) is still there, untouched
    (files added since are not looked for: a build that changes nothing leaves the output alone)."""
    prefix = os.path.join(out_dir, "")  # joined by hand: os.path.join costs a third of each look (30,000 at 10,000 papers)
    try:
        return all(stat_signature(os.stat(prefix + name)) == sig for name, sig in outputs.items())
    except OSError:
        return False


def unchanged_output(out_dir: Path, outputs: dict[str, Signature], name: str) -> bool:
    """The output file `name` (relative) is as the last build wrote it (`outputs`: its record)."""
    sig = outputs.get(name)
    if sig is None:
        return False
    try:
        return stat_signature(os.stat(os.path.join(out_dir, name))) == sig
    except OSError:
        return False


def _refuse_dangerous_output(config: Config, out_dir: Path) -> None:
    """The output folder is replaced whole, so it must never be the site itself or hold it."""
    root = config.root.resolve()
    if out_dir == root or out_dir in root.parents or out_dir == config.content_dir.resolve():
        raise ProblemsError([Problem(str(out_dir), None, "refusing to build into this folder: it holds the site's own files")])


def _recover_interrupted(out_dir: Path) -> None:
    """Undo what a killed build left beside the output (called under the build lock): a site
    moved aside by a swap that never finished goes back, and half-built folders go away. (A
    mirror it left is not trusted: its marker no longer matches; see _ready_mirror.)"""
    leftovers = [(signature(path) or (0,), path) for path in out_dir.parent.glob(f".{out_dir.name}.*-*")]
    for _, path in sorted(leftovers, reverse=True):  # the newest site moved aside first
        kind, _, pid = path.name.removeprefix(f".{out_dir.name}.").rpartition("-")
        if kind not in ("old", "building", "overlay", "trash") or not pid.isdigit() or process_is_alive(int(pid)):
            continue
        if kind == "old" and not out_dir.exists():
            os.replace(path, out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)
