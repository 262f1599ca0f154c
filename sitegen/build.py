"""Build orchestration: read content, assemble the site, render the pages that changed.

A first build (or one after the settings, theme or sitegen itself changed) renders everything
into a temporary folder beside the output and swaps it in whole. Later builds render only the
pages whose inputs changed (see fingerprint.py) into a temporary overlay and move those files
in. Either way nothing is written until every page has rendered, so a failed build leaves the
previous site untouched, and the output is byte for byte what a first build would write.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .buildstate import CACHE_DIR, CODE_VERSION, BuildState, Signature, load_state, read_papers, save_state, signature
from .citation import write_citations
from .config import Config
from .content import duplicate_problems
from .feeds import FeedLinks, write_feeds
from .fingerprint import page_digest, paper_digest
from .markdown import render_markdown
from .model import Problem, ProblemsError
from .parallel import render_all, worker_count
from .render import make_environment, render_page
from .search import write_search_index
from .site import Group, Month, PaperView, Site, Year, assemble, paginate
from .textfiles import write_text_atomic
from .theming import ThemeChain, fingerprinted_name, resolve_theme, static_files, template_dirs


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


class _Stopwatch:
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


def load_site(config: Config, state: BuildState | None = None) -> Site:
    """Read and validate every content file; raise ProblemsError with all problems at once."""
    state = state if state is not None else BuildState()
    papers, _ = _read_content(config, state)
    return _assemble(config, papers, state)


def _read_content(config: Config, state: BuildState):
    if not config.papers_dir.is_dir():
        raise ProblemsError([Problem(str(config.papers_dir), None, "no such folder: put papers in content/papers/")])
    papers, problems, changed = read_papers(config.papers_dir, state)
    problems = problems + duplicate_problems(papers, config.papers_dir)
    if problems:
        raise ProblemsError(problems)
    return papers, changed


def cached_markdown(state: BuildState) -> Callable[[str], str]:
    """Markdown rendering that reuses the HTML of any text rendered by an earlier build."""
    memo = state.markdown

    def render_cached(text: str) -> str:
        html = memo.get(text)
        if html is None:
            html = memo[text] = render_markdown(text)
        return html

    return render_cached


def _assemble(config: Config, papers, state: BuildState) -> Site:
    memo = state.markdown
    site = assemble(config, papers, cached_markdown(state), tag_memo=state.tags)
    live = {view.paper.body for view in site.papers}
    for text in [text for text in memo if text not in live]:  # forget what no paper says any more
        del memo[text]
    return site


def iter_pages(site: Site) -> Iterator[tuple[str, str, dict]]:
    """Every page of the site as (site path, template, context)."""
    config = site.config
    yield from list_pages(site, None)
    for view in site.papers:
        yield paper_page(view)
    yield "/tags/", "tags.html", {"page_title": "Tags", "tags": site.tags}
    for group in site.tags:
        yield from list_pages(site, group)
    yield "/authors/", "authors.html", {"page_title": "Authors", "authors": site.authors}
    for group in site.authors:
        yield from list_pages(site, group)
    yield "/archive/", "archive.html", {"page_title": "Archive", "years": site.years}
    for year in site.years:
        yield from list_pages(site, year)
    for year in site.years:
        for month in year.months:
            yield from list_pages(site, month)
    if config.search.enabled:
        yield "/search/", "search.html", {"page_title": "Search"}
    yield "/404.html", "404.html", {"page_title": "Page not found"}


def paper_page(view: PaperView) -> tuple[str, str, dict]:
    return view.url, "paper.html", {"page_title": view.title, "paper": view}


def list_pages(site: Site, group: Group | None, wanted: Callable[[int], bool] | None = None) -> Iterator[tuple[str, str, dict]]:
    """The pages of the home list (group None) or of one tag, author, year or month, or only
    those whose number `wanted(n)` accepts."""
    per_page = site.config.per_page
    if group is None:
        heading, intro, papers, first = site.config.title, site.config.description or f"{len(site.papers)} papers", site.papers, "/"
    else:
        heading, intro, papers, first = _heading(group), f"{group.count} paper" + ("s" if group.count != 1 else ""), group.papers, group.url
    for url, items, pagination in paginate(papers, per_page, first):
        if wanted is None or wanted(pagination.page):
            yield url, "list.html", _list(heading, intro, items, pagination, is_home=group is None)


def _heading(group: Group) -> str:
    if isinstance(group, Month):
        return f"Papers of {group.name} {group.year}"
    if isinstance(group, Year):
        return f"Papers of {group.name}"
    return f"Papers tagged “{group.name}”" if group.url.startswith("/tags/") else group.name


def _list(heading: str, intro: str, papers: list, pagination, is_home: bool = False) -> dict:
    title = heading if pagination.page == 1 else f"{heading} (page {pagination.page})"
    return {"page_title": title, "heading": heading, "intro": intro, "papers": papers, "pagination": pagination, "is_home": is_home}


def output_file(out_dir: Path, url: str) -> Path:
    """'/papers/x/' -> out/papers/x/index.html; '/404.html' -> out/404.html."""
    relative = url.lstrip("/")
    return out_dir / (relative + "index.html" if url.endswith("/") else relative)


def copy_static(config: Config, chain: ThemeChain, out_dir: Path) -> dict[str, str]:
    """Copy static files to /static/ under their own names and to /assets/ under fingerprinted
    ones (a folder a host may cache forever); return name -> fingerprinted name."""
    assets = {}
    for relative, source in static_files(config.root, chain).items():
        content = source.read_bytes()
        assets[relative] = fingerprinted_name(relative, content)
        for target in (out_dir / "static" / relative, out_dir / "assets" / assets[relative]):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    return assets


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
          progress: Progress | None = None, committing: Callable[[], None] | None = None) -> BuildResult:
    """Build the site into `out_dir` (default: the config's output_dir).

    With `state` (kept by `sitegen serve`) the build starts from it; without, from the cache
    beside sitegen.yaml, which it updates. `progress` hears of each stage and of rendered pages.
    `committing()` is called once every page is ready, just before the output starts to change:
    until then, stopping the build (even killing it) leaves the output as it was.
    """
    started = time.perf_counter()
    out_dir = (out_dir or config.output_dir).resolve()
    _refuse_dangerous_output(config, out_dir)
    watch = _Stopwatch(progress)
    if state is None:
        with _build_lock(config.root):
            _recover_interrupted(out_dir)
            return _build(config, out_dir, load_state(config.root), True, started, watch, committing)
    try:
        return _build(config, out_dir, state, False, started, watch, committing)
    except BaseException:
        state.stale = True  # what it read is remembered, but its pages were never all written
        raise


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """One `sitegen build` per site at a time: two would swap their outputs into one folder."""
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")
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


def _build(config: Config, out_dir: Path, state: BuildState, persistent: bool, started: float, watch: _Stopwatch,
           committing: Callable[[], None] | None) -> BuildResult:
    chain = resolve_theme(config.root, config.theme, config.theme_options, str(config.root / "sitegen.yaml"))
    statics = static_files(config.root, chain)
    base_digest = global_digest(config, chain, statics)
    watch.lap("load cache, theme", "read content")
    papers, content_changed = _read_content(config, state)
    watch.lap("read content", "assemble")
    warm = state.out_dir == str(out_dir) and out_dir.is_dir() and bool(state.outputs)
    unchanged = not content_changed and not state.stale and state.global_digest == base_digest
    if warm and unchanged and _outputs_intact(out_dir, state):
        watch.lap("check output")
        return BuildResult(out_dir, len(papers), len(state.pages), 0, time.perf_counter() - started, tuple(watch.stages), changed=())
    if state.global_digest != base_digest:
        state.tags.clear()  # tag rules may have changed
        state.paper_digests.clear()
    site = _assemble(config, papers, state)
    watch.lap("assemble (markdown, tags)", "search index")
    target = out_dir.parent / f".{out_dir.name}.{'overlay' if warm else 'building'}-{os.getpid()}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    try:
        env = make_environment(config, chain, copy_static(config, chain, target))
        env.globals["search"] = write_search_index(site, target, previous=out_dir if out_dir.is_dir() else None)
        watch.lap("search index", "find changed pages")
        digest = hashlib.sha1(f"{base_digest}{env.globals['search']!r}".encode()).hexdigest()
        pages = list(iter_pages(site))
        feed_links = FeedLinks(site)
        for url, _, context in pages:
            context.setdefault("current_path", url)
            context.setdefault("feeds", feed_links(url))
        for view in site.papers:
            paper_digest(view, state.paper_digests)
        for slug in state.paper_digests.keys() - {view.paper.slug for view in site.papers}:
            del state.paper_digests[slug]
        digests = {url: page_digest(digest, url, template, context) for url, template, context in pages}
        dirty = [page for page in pages if not warm or state.pages.get(page[0]) != digests[page[0]]
                 or not _unchanged_output(out_dir, state, page[0])]
        watch.lap("find changed pages", "render")
        _render_pages(env, dirty, target, watch.progress, keep_items=not persistent)
        watch.lap(f"render {len(dirty)} pages", "feeds, sitemap, citations")
        write_feeds(site, target, [url for url, _, _ in pages])
        write_citations(site, target)  # /papers/<slug>/cite.bib and /papers.bib (citation.py)
        (target / ".nojekyll").write_bytes(b"")
        watch.lap("feeds, sitemap, citations", "write output")
        expected = {_relative(url) for url, _, _ in pages}
        if committing is not None:
            committing()
        if warm:
            changed = _merge_overlay(target, out_dir, state, expected)
        else:
            changed = None
            _swap_in(target, out_dir)
        watch.lap("write output")
    except BaseException:
        if not (target / MERGE_PLAN).exists():  # a merge begun is finished by the next build instead
            shutil.rmtree(target, ignore_errors=True)
        raise
    state.out_dir, state.global_digest, state.pages, state.stale = str(out_dir), base_digest, digests, False
    if not warm:
        state.outputs = _scan_outputs(out_dir)
    if persistent:
        save_state(config.root, state)
    watch.lap("save cache")
    return BuildResult(out_dir, len(site.papers), len(pages), len(dirty), time.perf_counter() - started, tuple(watch.stages),
                       site=site, env=env, changed=changed)


def _render_pages(env, pages: list[tuple[str, str, dict]], target: Path, progress: Progress | None = None,
                  keep_items: bool = False) -> None:
    made: set[Path] = set()

    def render_one(index: int) -> None:
        url, template, context = pages[index]
        html = render_page(env, template, context)
        path = output_file(target, url)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(html.encode("utf-8"))

    report = (lambda done: progress("render", done, len(pages))) if progress is not None else None
    memo = getattr(env.globals.get("paper_item"), "memo", None)
    collect = (lambda: memo) if keep_items and memo is not None else None
    collected = render_all(len(pages), render_one, worker_count(len(pages)), report, collect)
    if collect is not None:
        for items in collected:
            memo.update(items)  # list entries rendered by the workers, for `sitegen serve`'s next update


def _relative(url: str) -> str:
    return str(output_file(Path(), url))


def _scan_outputs(out_dir: Path) -> dict[str, Signature]:
    found: dict[str, Signature] = {}
    for folder, _, files in os.walk(out_dir):
        for name in files:
            path = Path(folder, name)
            sig = signature(path)
            if sig is not None:
                found[str(path.relative_to(out_dir))] = sig
    return found


def _outputs_intact(out_dir: Path, state: BuildState) -> bool:
    """Every file the last build wrote is still there, untouched."""
    return all(signature(out_dir / name) == sig for name, sig in state.outputs.items())


def _unchanged_output(out_dir: Path, state: BuildState, url: str) -> bool:
    name = _relative(url)
    sig = state.outputs.get(name)
    return sig is not None and signature(out_dir / name) == sig


MERGE_PLAN = ".sitegen-merge.json"  # in an overlay being merged: what a killed merge still had to do


def _merge_overlay(overlay: Path, out_dir: Path, state: BuildState, pages: set[str]) -> tuple[str, ...]:
    """Move the overlay's files into out_dir (skipping identical ones) and delete the files the
    last build wrote that this build no longer produces (a deleted paper's page, an old index).
    `state.outputs` is updated for exactly the files touched; return their names.

    The plan is written into the overlay first: if the merge is killed half-way, the next build
    finishes it (see _recover_interrupted) before anything else, so out_dir is never left mixed."""
    sources = [Path(folder, name) for folder, _, files in os.walk(overlay) for name in files]
    produced = set(pages) | {str(source.relative_to(overlay)) for source in sources}
    stale = sorted(set(state.outputs) - produced)
    write_text_atomic(overlay / MERGE_PLAN, json.dumps({"delete": stale}))
    touched = []
    for source in sources:
        relative = str(source.relative_to(overlay))
        target = out_dir / relative
        if _same_file(source, target):
            continue
        _move(source, target)
        state.outputs[relative] = signature(target)
        touched.append(relative)
    for relative in stale:
        del state.outputs[relative]
        touched.append(relative)
        _delete(out_dir, relative)
    shutil.rmtree(overlay, ignore_errors=True)
    return tuple(touched)


def _finish_merge(overlay: Path, out_dir: Path) -> None:
    """Complete the merge a killed build began: every file still in the overlay moves in and the
    files it meant to delete go."""
    plan = json.loads((overlay / MERGE_PLAN).read_text(encoding="utf-8"))
    for folder, _, files in os.walk(overlay):
        for name in files:
            source = Path(folder, name)
            if source != overlay / MERGE_PLAN:
                _move(source, out_dir / source.relative_to(overlay))
    for relative in plan["delete"]:
        _delete(out_dir, relative)
    shutil.rmtree(overlay, ignore_errors=True)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _delete(out_dir: Path, relative: str) -> None:
    """Delete an output file, and the folders it leaves empty."""
    stale = out_dir / relative
    stale.unlink(missing_ok=True)
    for parent in stale.parents:
        if parent == out_dir or not parent.is_dir() or any(parent.iterdir()):
            break
        parent.rmdir()


def _same_file(source: Path, target: Path) -> bool:
    """The same inode (an index hard-linked from the last build) or the same bytes."""
    try:
        a, b = source.stat(), target.stat()
    except OSError:
        return False
    if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
        return True
    return a.st_size == b.st_size and source.read_bytes() == target.read_bytes()


def _refuse_dangerous_output(config: Config, out_dir: Path) -> None:
    """The output folder is replaced whole, so it must never be the site itself or hold it."""
    root = config.root.resolve()
    if out_dir == root or out_dir in root.parents or out_dir == config.content_dir.resolve():
        raise ProblemsError([Problem(str(out_dir), None, "refusing to build into this folder: it holds the site's own files")])


def _recover_interrupted(out_dir: Path) -> None:
    """Undo what a killed build left beside the output (called under the build lock): a site
    moved aside by a swap that never finished goes back, and half-built folders go away."""
    leftovers = [(signature(path) or (0,), path) for path in out_dir.parent.glob(f".{out_dir.name}.*-*")]
    for _, path in sorted(leftovers, reverse=True):  # the newest site moved aside first
        kind, _, pid = path.name.removeprefix(f".{out_dir.name}.").rpartition("-")
        if kind not in ("old", "building", "overlay") or not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == "old" and not out_dir.exists():
            os.replace(path, out_dir)
        elif kind == "overlay" and (path / MERGE_PLAN).is_file() and out_dir.is_dir():
            _finish_merge(path, out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames, so readers never see half a site."""
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
