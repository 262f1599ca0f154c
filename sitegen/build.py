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
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .buildstate import CACHE_DIR, CODE_VERSION, BuildState, Signature, load_state, read_papers, save_state, signature
from .citation import write_citations
from .config import Config
from .content import duplicate_problems
from .feeds import FeedLinks, write_feeds
from .fingerprint import page_digest
from .markdown import render_markdown
from .model import Problem, ProblemsError
from .parallel import render_all, worker_count
from .render import make_environment, render_page
from .search import write_search_index
from .site import Site, assemble, paginate
from .theming import ThemeChain, fingerprinted_name, resolve_theme, static_files, template_dirs


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    papers: int
    pages: int  # pages of the site
    rendered: int  # pages rendered by this build (0 when nothing changed)
    seconds: float
    stages: tuple[tuple[str, float], ...] = ()  # seconds per stage, in order


class _Stopwatch:
    """Seconds spent per build stage, for `sitegen build --verbose` and the benchmarks."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages.append((stage, now - self._last))
        self._last = now


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


def _assemble(config: Config, papers, state: BuildState) -> Site:
    memo = state.markdown

    def render_cached(text: str) -> str:
        html = memo.get(text)
        if html is None:
            html = memo[text] = render_markdown(text)
        return html

    site = assemble(config, papers, render_cached, tag_memo=state.tags)
    live = {view.paper.body for view in site.papers}
    for text in [text for text in memo if text not in live]:  # forget what no paper says any more
        del memo[text]
    return site


def iter_pages(site: Site) -> Iterator[tuple[str, str, dict]]:
    """Every page of the site as (site path, template, context)."""
    config = site.config
    per_page = config.per_page
    for url, papers, pagination in paginate(site.papers, per_page, "/"):
        count = f"{len(site.papers)} papers"
        yield url, "list.html", _list(config.title, config.description or count, papers, pagination, is_home=True)
    for view in site.papers:
        yield view.url, "paper.html", {"page_title": view.title, "paper": view}
    yield "/tags/", "tags.html", {"page_title": "Tags", "tags": site.tags}
    yield from _group_pages(site.tags, per_page, lambda g: f"Papers tagged “{g.name}”")
    yield "/authors/", "authors.html", {"page_title": "Authors", "authors": site.authors}
    yield from _group_pages(site.authors, per_page, lambda g: g.name)
    yield "/archive/", "archive.html", {"page_title": "Archive", "years": site.years}
    yield from _group_pages(site.years, per_page, lambda g: f"Papers of {g.name}")
    months = [month for year in site.years for month in year.months]
    yield from _group_pages(months, per_page, lambda g: f"Papers of {g.name} {g.year}")
    if config.search.enabled:
        yield "/search/", "search.html", {"page_title": "Search"}
    yield "/404.html", "404.html", {"page_title": "Page not found"}


def _group_pages(groups: list, per_page: int, heading) -> Iterator[tuple[str, str, dict]]:
    for group in groups:
        title = heading(group)
        intro = f"{group.count} paper" + ("s" if group.count != 1 else "")
        for url, papers, pagination in paginate(group.papers, per_page, group.url):
            yield url, "list.html", _list(title, intro, papers, pagination)


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


def build(config: Config, out_dir: Path | None = None, state: BuildState | None = None) -> BuildResult:
    """Build the site into `out_dir` (default: the config's output_dir).

    With `state` (kept by `sitegen serve`) the build starts from it; without, from the cache
    beside sitegen.yaml, which it updates.
    """
    started = time.perf_counter()
    out_dir = (out_dir or config.output_dir).resolve()
    _refuse_dangerous_output(config, out_dir)
    persistent = state is None
    if state is None:
        with _build_lock(config.root):
            _recover_interrupted(out_dir)
            return _build(config, out_dir, load_state(config.root), persistent, started)
    return _build(config, out_dir, state, persistent, started)


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


def _build(config: Config, out_dir: Path, state: BuildState, persistent: bool, started: float) -> BuildResult:
    watch = _Stopwatch()
    chain = resolve_theme(config.root, config.theme, config.theme_options, str(config.root / "sitegen.yaml"))
    statics = static_files(config.root, chain)
    base_digest = global_digest(config, chain, statics)
    watch.lap("load cache, theme")
    papers, content_changed = _read_content(config, state)
    watch.lap("read content")
    warm = state.out_dir == str(out_dir) and out_dir.is_dir() and bool(state.outputs)
    if warm and not content_changed and state.global_digest == base_digest and _outputs_intact(out_dir, state):
        watch.lap("check output")
        return BuildResult(out_dir, len(papers), len(state.pages), 0, time.perf_counter() - started, tuple(watch.stages))
    if state.global_digest != base_digest:
        state.tags.clear()  # tag rules may have changed
    site = _assemble(config, papers, state)
    watch.lap("assemble (markdown, tags)")
    target = out_dir.parent / f".{out_dir.name}.{'overlay' if warm else 'building'}-{os.getpid()}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    try:
        env = make_environment(config, chain, copy_static(config, chain, target))
        env.globals["search"] = write_search_index(site, target, previous=out_dir if out_dir.is_dir() else None)
        watch.lap("search index")
        digest = hashlib.sha1(f"{base_digest}{env.globals['search']!r}".encode()).hexdigest()
        pages = list(iter_pages(site))
        feed_links = FeedLinks(site)
        for url, _, context in pages:
            context.setdefault("current_path", url)
            context.setdefault("feeds", feed_links(url))
        digests = {url: page_digest(digest, url, template, context) for url, template, context in pages}
        dirty = [page for page in pages if not warm or state.pages.get(page[0]) != digests[page[0]]
                 or not _unchanged_output(out_dir, state, page[0])]
        watch.lap("find changed pages")
        _render_pages(env, dirty, target)
        watch.lap(f"render {len(dirty)} pages")
        write_feeds(site, target, [url for url, _, _ in pages])
        write_citations(site, target)  # /papers/<slug>/cite.bib and /papers.bib (citation.py)
        (target / ".nojekyll").write_bytes(b"")
        watch.lap("feeds, sitemap, citations")
        expected = {_relative(url) for url, _, _ in pages}
        if warm:
            _merge_overlay(target, out_dir, state, expected)
        else:
            _swap_in(target, out_dir)
        watch.lap("write output")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    state.out_dir, state.global_digest, state.pages = str(out_dir), base_digest, digests
    if not warm:
        state.outputs = _scan_outputs(out_dir)
    if persistent:
        save_state(config.root, state)
    watch.lap("save cache")
    return BuildResult(out_dir, len(site.papers), len(pages), len(dirty), time.perf_counter() - started, tuple(watch.stages))


def _render_pages(env, pages: list[tuple[str, str, dict]], target: Path) -> None:
    made: set[Path] = set()

    def render_one(index: int) -> None:
        url, template, context = pages[index]
        html = render_page(env, template, context)
        path = output_file(target, url)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(html.encode("utf-8"))

    render_all(len(pages), render_one, worker_count(len(pages)))


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


def _merge_overlay(overlay: Path, out_dir: Path, state: BuildState, pages: set[str]) -> None:
    """Move the overlay's files into out_dir (skipping identical ones) and delete the files the
    last build wrote that this build no longer produces (a deleted paper's page, an old index).
    `state.outputs` is updated for exactly the files touched."""
    produced = set(pages)
    for folder, _, files in os.walk(overlay):
        for name in files:
            source = Path(folder, name)
            relative = str(source.relative_to(overlay))
            produced.add(relative)
            target = out_dir / relative
            if _same_file(source, target):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            state.outputs[relative] = signature(target)
    for relative in set(state.outputs) - produced:
        del state.outputs[relative]
        stale = out_dir / relative
        stale.unlink(missing_ok=True)
        for parent in stale.parents:
            if parent == out_dir or any(parent.iterdir()):
                break
            parent.rmdir()
    shutil.rmtree(overlay, ignore_errors=True)


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
