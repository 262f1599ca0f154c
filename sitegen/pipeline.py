"""The build itself, once build.py found something to do: read the content, assemble the site,
render the pages that changed, and write them (see build.py for how the output is replaced).

Kept apart from build.py because it loads Jinja2, markdown-it and the search code, which a build
with nothing to do never needs.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import jinja2

from .build import BuildResult, Checked, Progress, Stopwatch, as_left, unchanged_output
from .buildstate import (CACHE_DIR, CODE_VERSION, BuildState, Signature, dump_content, paper_sources, partial_state, read_papers,
                         save_head, save_state, signature, stat_signature)
from .citation import bibtex, citation_files, paper_citation_url
from .config import Config
from .content import duplicate_problems
from .feeds import FeedLinks, publishing_files
from .fingerprint import adopt_paper_digest, page_digest, paper_digest_parts, paper_digests
from .markdown import render_markdown
from .model import Problem, ProblemsError
from .parallel import Background, render_all, worker_count
from .related_job import RelatedPapers
from .render import compile_templates, make_environment, render_page
from .rootfiles import clashes
from .search import index_files, search_globals, write_search_index
from .site import Group, Month, PaperView, Site, Year, assemble, paginate, tag_memo_key
from .textfiles import files_under, write_text_atomic
from .theming import ThemeChain, fingerprinted_name, static_files


def load_site(config: Config, state: BuildState | None = None) -> Site:
    """Read and validate every content file; raise ProblemsError with all problems at once."""
    state = state if state is not None else BuildState()
    papers, _ = _read_content(config, state)
    return _assemble(config, papers, state)


def _read_content(config: Config, state: BuildState, while_parsing: Callable[[], None] | None = None,
                  signatures: dict[str, Signature | None] | None = None):
    if not config.papers_dir.is_dir():
        raise ProblemsError([Problem(str(config.papers_dir), None, "no such folder: put papers in content/papers/")])
    papers, problems, changed = read_papers(config.papers_dir, state, cached_markdown(state), while_parsing, signatures)
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


def _assemble(config: Config, papers, state: BuildState, indexed: Callable[[Site], None] | None = None,
              related: RelatedPapers | None = None) -> Site:
    related = related or RelatedPapers(state.related)
    site = assemble(config, papers, cached_markdown(state), tag_memo=state.tags, related=related,
                    cite_memo=state.citations, indexed=indexed, author_memo=state.authors, text_memo=state.texts)
    state.related = related.memo
    # forget what no paper says any more
    bodies = {paper.body for paper in papers}
    forget_unused(state.markdown, bodies)
    forget_unused(state.texts, bodies)
    forget_unused(state.tags, {tag_memo_key(paper) for paper in papers})
    forget_unused(state.authors, {name for paper in papers for name in paper.authors})
    return site


def forget_unused(memo: dict, live: set) -> None:
    """Drop the entries of a memo kept between builds whose keys no paper has any more."""
    for key in [key for key in memo if key not in live]:
        del memo[key]


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
    for url, items, pagination in paginate(papers, per_page, first, wanted):
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
    return out_dir / _relative(url)


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


def make_site(config: Config, out_dir: Path, state: BuildState, persistent: bool, started: float, watch: Stopwatch,
              committing: Callable[[], None] | None, checked: Checked, keep_site: bool = False,
              related: RelatedPapers | None = None) -> BuildResult:
    """The build (see build.build) from `state` once the check found something to do, or the
    cache's head could not tell: read the content, assemble, render what changed, write. With
    `keep_site` the site is assembled (and returned) even when nothing changed. `related`: the
    child build.py forked for related papers, if it did (it is given the cache's memo here)."""
    chain, statics, base_digest, root_files, root_signatures, scanned = checked
    related = related or RelatedPapers()
    related.memo = state.related
    try:
        assets: dict[str, str] = {}  # static file -> fingerprinted name, filled once copy_static has written them
        env = make_environment(config, chain, assets, _compiled_templates(config.root) if persistent else None)
        watch.lap("load cache, theme", "read content")
        papers, content_changed = _read_content(config, state, while_parsing=lambda: _prepare_render(env), signatures=scanned)
    except BaseException:
        related.cancel()
        raise
    watch.lap("read content", "assemble")
    if not content_changed and not keep_site and as_left(state, out_dir, base_digest, root_signatures):
        related.cancel()
        if persistent:  # the head did not say so (files touched without a change): now it will
            save_head(config.root, state)
        watch.lap("check output")
        return BuildResult(out_dir, len(papers), len(state.pages), 0, time.perf_counter() - started, tuple(watch.stages), changed=())
    warm = state.out_dir == str(out_dir) and out_dir.is_dir() and bool(state.outputs)
    if state.global_digest != base_digest:
        state.tags.clear()  # tag rules may have changed
        state.paper_digests.clear()
    target = out_dir.parent / f".{out_dir.name}.{'overlay' if warm else 'building'}-{os.getpid()}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    previous = out_dir if out_dir.is_dir() else None
    forking = len(papers) >= BACKGROUND_FROM
    search: Background | None = None
    side: Background | None = None
    trash = None if warm else _drop_mirror(out_dir, state)
    clean = Background(lambda: shutil.rmtree(trash, ignore_errors=True), fork=forking) if trash is not None else None
    relinked = _relink_beside(out_dir, state, forking) if warm else None
    # which of the last build's files were changed by hand and which files were added (a walk over
    # 30,000 files at 10,000 papers), beside the assembly
    looked = Background(lambda: _look_over_output(out_dir, state), fork=forking) if warm else None
    strays: set[str] = set()  # files in out_dir that no build wrote

    store = config.root / CACHE_DIR / SEARCH_STORE if persistent else None
    memo = config.root / CACHE_DIR / SEARCH_DOCUMENTS if persistent else None
    content: Background | None = None  # the cache's content fields, pickled once the papers' digests are known

    def dump_content_beside() -> None:
        nonlocal content
        if persistent:
            partial = partial_state(config.root)  # named by this process, not the child
            content = Background(lambda: dump_content(state, partial), fork=forking)

    def start_search(site: Site) -> None:  # once the indexes are made, beside related papers and all that follows
        nonlocal search
        import numpy  # noqa: F401  (the search index's: loaded once, here, not again in the child)

        search = Background(lambda: write_search_index(site, target, previous=previous, overlay=warm, store=store, memo=memo,
                                                       sources=paper_sources(state), global_digest=base_digest), fork=forking)

    try:
        site = _assemble(config, papers, state, indexed=start_search, related=related)
        watch.lap("assemble (tags, related)", "find changed pages")
        assets.update(copy_static(config, chain, target))
        env.globals["search"] = search_globals(config)
        digest = hashlib.sha1(f"{base_digest}{env.globals['search']!r}".encode()).hexdigest()
        pages = list(iter_pages(site))
        feed_links = FeedLinks(site)
        for url, _, context in pages:
            context.setdefault("current_path", url)
            context.setdefault("feeds", feed_links(url))
        page_urls = [url for url, _, _ in pages]
        written: dict[str, Signature] = {}  # what a cold build wrote, so as not to look it up again
        every_page = not (warm and state.global_digest == base_digest)
        side = Background(lambda: _write_side_files(site, target, page_urls, previous, state if warm else None, not every_page),
                          fork=forking)
        forget_unused(state.paper_digests, {view.paper.slug for view in site.papers})
        citations: dict[str, str] = {}  # per-paper citation files written with their pages -> sha1
        if not every_page:  # some pages may be as they were: find them
            paper_digests(site.papers, state.paper_digests)
            dump_content_beside()
            seen: dict = {}
            digests = {url: page_digest(digest, url, template, context, seen) for url, template, context in pages}
            altered, strays = looked.result()  # type: ignore[union-attr]
            looked = None
            not_as_left = altered | (set(map(_relative, page_urls)) - state.outputs.keys())
            dirty = [page for page in pages if state.pages.get(page[0]) != digests[page[0]] or _relative(page[0]) in not_as_left]
            watch.lap("find changed pages", "render")
            _render_pages(env, dirty, target, watch.progress, keep_items=not persistent)
        else:  # every page renders: the workers digest what they render
            watch.lap("find changed pages", "render")
            dirty = pages
            digests = _render_every_page(env, pages, target, digest, state.paper_digests, watch.progress, not persistent, written, citations,
                                         dump_content_beside)
        watch.lap(f"render {len(dirty)} pages", "search index, feeds, citations")
        extras, side_written = side.result()
        extras.update(citations)
        written.update(side_written)
        search.result()  # type: ignore[union-attr]
        search = side = None
        if clean is not None:
            clean.result()
            clean = None
        (target / ".nojekyll").write_bytes(b"")
        watch.lap("search index, feeds, citations (beside the render)", "write output")
        kept = index_files(target) if warm else set()  # search files, left in out_dir when unchanged
        expected = {_relative(url) for url in page_urls} | set(extras) | kept
        if root_files:
            same = {name for name, sig in root_signatures.items() if warm and state.root_files.get(name) == sig
                    and unchanged_output(out_dir, state.outputs, name)}  # left in out_dir as they are
            _write_root_files(root_files, same, target, expected, written)
        if committing is not None:
            committing()
        if warm:
            if looked is not None:
                _, strays = looked.result()
                looked = None
            changed = _merge_overlay(target, out_dir, state, expected, relinked, strays)
            relinked = None
            _record_outputs(out_dir, state, kept)
        else:
            changed = None
            _swap_in(target, out_dir)
        watch.lap("write output")
    except BaseException:
        for job in (search, side, relinked, looked, content, related):
            if job is not None:
                job.cancel()
        if content is not None:
            partial_state(config.root).unlink(missing_ok=True)
        if relinked is not None:  # a mirror without its marker is never trusted: it would only be made again
            shutil.rmtree(_mirror_paths(out_dir)[0], ignore_errors=True)
        if clean is not None:
            clean.result()  # a stale mirror is not worth keeping even when the build fails
        shutil.rmtree(target, ignore_errors=True)
        raise
    state.out_dir, state.global_digest, state.pages, state.extras, state.stale = str(out_dir), base_digest, digests, extras, False
    state.root_files = root_signatures
    if not warm:
        state.outputs = _cold_outputs(out_dir, written)
    if persistent:
        save_state(config.root, state, content_dumped=content is not None and content.result())
    watch.lap("save cache")
    return BuildResult(out_dir, len(site.papers), len(pages), len(dirty), time.perf_counter() - started, tuple(watch.stages),
                       site=site, env=env, changed=changed)


def _compiled_templates(root: Path) -> Path | None:
    """The folder of templates compiled by earlier builds, one per version of sitegen's code
    (what Jinja compiles a template to is partly sitegen's: see render.py); older ones go.
    None where the site cannot be written. Only builds that keep the cache use it (`sitegen
    check` leaves the site's folder alone, `serve` keeps its templates in memory)."""
    folder = root / CACHE_DIR / f"templates-{CODE_VERSION[:16]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.parent.glob("templates-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return None
    return folder


def _prepare_render(env: jinja2.Environment) -> None:
    """What a first build of a large site does while other processes parse its papers (at least
    buildstate.PARALLEL_READ_FROM): compile the templates (for every render worker to inherit) and
    load the related papers' code, with SciPy: the first product of an archive that size is
    large, and once SciPy is loaded every product is SciPy's (csr.wants_scipy)."""
    compile_templates(env)
    from . import related  # noqa: F401
    from .csr import scipy_sparse

    scipy_sparse()


SEARCH_STORE = "search-analyses.npz"  # in the cache folder: see search_store
SEARCH_DOCUMENTS = "search-documents.pickle"  # in the cache folder: see search_memo


BACKGROUND_FROM = 1000  # papers: below this, forking processes for the side files costs more than it saves


def _write_side_files(site: Site, target: Path, page_urls: list[str], previous: Path | None,
                      state: BuildState | None, per_paper: bool = True) -> tuple[dict[str, str], dict[str, Signature]]:
    """The feeds, sitemap and citation files, written while the pages render (each paper's own
    citation file only if `per_paper`: when every page renders, the worker that writes a paper's
    page writes it into the same folder). Returns every file's name -> sha1 of its bytes, and the
    signatures of those written. With the `state` of a warm build, a file whose bytes and output
    copy are as the last build left them is not written again (the merge would only compare it)."""
    files = {**publishing_files(site, page_urls), **citation_files(site.papers, per_paper)}
    digests, written = {}, {}
    made: set[str] = set()
    folder = str(target)
    for url, text in files.items():
        relative = url.lstrip("/")
        data = text.encode("utf-8")
        digests[relative] = hashlib.sha1(data).hexdigest()
        if state is not None and previous is not None and state.extras.get(relative) == digests[relative] \
                and unchanged_output(previous, state.outputs, relative):
            continue
        written[relative] = _write_new(os.path.join(folder, relative), data, made)
    return digests, written


def _write_root_files(files: dict[str, Path], same: set[str], target: Path, expected: set[str], written: dict[str, Signature]) -> None:
    """Copy the site's extra files into `target` (the build's output or overlay), but for those
    of `same` (left as the last build published them), and add them all to `expected`;
    ProblemsError, before anything is published, if one would replace a file the build writes."""
    problems = clashes(files, expected, target)
    if problems:
        raise ProblemsError(problems)
    made: set[str] = set()
    for name, source in files.items():
        if name not in same:
            path = os.path.join(target, name)
            _make_folder(os.path.dirname(path), made)
            shutil.copyfile(source, path)
            written[name] = stat_signature(os.stat(path))
    expected.update(files)


def _make_folder(folder: str, made: set[str]) -> None:
    """Make an output folder unless `made` holds it (and remember it)."""
    if folder not in made:
        try:
            os.mkdir(folder)  # one system call where os.makedirs makes two: a paper's folder is new, its parent is not
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        made.add(folder)


def _write_new(path: str, data: bytes, made: set[str]) -> Signature:
    """Write an output file (making its folder unless `made` holds it); return its signature,
    taken from the open file (the cold build records every file it writes without a walk).
    Plain system calls: a Python file object costs a fifth more system time per file, which
    adds up over tens of thousands of small files."""
    _make_folder(os.path.dirname(path), made)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        rest = memoryview(data)
        while rest:
            rest = rest[os.write(handle, rest):]
        return stat_signature(os.fstat(handle))
    finally:
        os.close(handle)


def _render_pages(env, pages: list[tuple[str, str, dict]], target: Path, progress: Progress | None = None,
                  keep_items: bool = False, record: Callable[[str, str, dict], Any] | None = None,
                  done_before: int = 0, total: int | None = None, written: dict[str, Signature] | None = None,
                  workers: int | None = None) -> dict[str, Any]:
    """Render and write `pages` on `workers` processes (default: as many as they are worth).
    With `record`, return url -> record(url, template, context) for each page, computed where the
    page rendered; `written` gets the signature of every file written."""
    made: set[str] = set()
    found: dict[str, Any] = {}
    signatures: dict[str, Signature] = {}
    folder = str(target)

    def render_one(index: int) -> None:
        url, template, context = pages[index]
        html = render_page(env, template, context)
        relative = _relative(url)
        signatures[relative] = _write_new(os.path.join(folder, relative), html.encode("utf-8"), made)
        if record is not None:
            found[url] = record(url, template, context)

    total = len(pages) if total is None else total
    report = (lambda done: progress("render", done_before + done, total)) if progress is not None else None
    memo = getattr(env.globals.get("paper_item"), "memo", None)
    keep = keep_items and memo is not None

    def collect() -> tuple:  # in a worker: what the parent keeps
        return memo if keep else None, found, signatures if written is not None else None

    workers = worker_count(len(pages)) if workers is None else workers
    if workers > 1:
        compile_templates(env)  # once here, not once in every worker
    for items, recorded, signed in render_all(len(pages), render_one, workers, report, collect):
        if items:
            memo.update(items)  # list entries rendered by the workers, for later pages and `sitegen serve`
        found.update(recorded)
        signatures.update(signed or {})
    if written is not None:
        written.update(signatures)
    return found


def _render_every_page(env, pages: list[tuple[str, str, dict]], target: Path, digest: str, paper_memo: dict,
                       progress: Progress | None, keep_items: bool, written: dict[str, Signature],
                       citations: dict[str, str], digested: Callable[[], None]) -> dict[str, str]:
    """Render every page in two rounds and return their digests: first the papers' pages, each
    with its list entry, its citation file and its digest, then the other pages, which show those
    entries and are digested from those digests. So each is made once, by the worker that
    rendered the paper, instead of once in every worker. `citations` gets each citation file's
    sha1 (a process writing them beside the workers made them contend for the same folders).
    `digested()` is called between the rounds, when every paper's digest is in `paper_memo`."""
    papers = [page for page in pages if "paper" in page[2]]
    others = [page for page in pages if "paper" not in page[2]]
    paper_item = env.globals["paper_item"]
    seen: dict = {}  # for page_digest, in each worker
    folder = str(target)
    workers = worker_count(len(pages))  # for both rounds: what the whole render is worth

    def paper_round(url: str, template: str, context: dict) -> tuple[str, tuple[str, str], tuple[str, str, Signature]]:
        view = context["paper"]
        try:
            paper_item(view)  # for the list pages of the second round
        except jinja2.TemplateError:
            pass  # the first list page to show it fails too, and names the template and line
        parts = paper_digest_parts(view, paper_memo)
        citation = bibtex(view).encode("utf-8")
        relative = _relative(paper_citation_url(view))
        path = os.path.join(folder, relative)
        signature = _write_new(path, citation, {os.path.dirname(path)})  # the page's folder, made for the page
        return page_digest(digest, url, template, context, seen), parts, (relative, hashlib.sha1(citation).hexdigest(), signature)

    first = _render_pages(env, papers, target, progress, keep_items=True, record=paper_round, total=len(pages), written=written,
                          workers=workers)
    for url, template, context in papers:
        adopt_paper_digest(context["paper"], paper_memo, first[url][1])
        relative, sha1, signature = first[url][2]
        citations[relative], written[relative] = sha1, signature
    digests = {url: found[0] for url, found in first.items()}
    digested()
    digests.update(_render_pages(env, others, target, progress, keep_items, done_before=len(papers), total=len(pages), written=written,
                                 record=lambda url, template, context: page_digest(digest, url, template, context, seen), workers=workers))
    return digests


def _relative(url: str) -> str:
    """A page's output file relative to the output folder."""
    relative = url.lstrip("/")
    return relative + "index.html" if url.endswith("/") else relative


def _signatures_under(folder: Path, prefix: str) -> dict[str, Signature]:
    """Every file under `folder` (`prefix` and its path relative to it) -> its signature."""
    found: dict[str, Signature] = {}
    for relative, entry in files_under(folder):
        try:
            found[prefix + relative] = stat_signature(entry.stat())
        except OSError:
            continue
    return found


# The folders whose files a cold build writes without recording them in `written`: search/ (the
# search job, often in another process), static/ and assets/ (copy_static). A writer of another
# such folder belongs here, or the next build takes its files for strays (a test walks them all).
UNRECORDED = ("search", "static", "assets")


def _cold_outputs(out_dir: Path, written: dict[str, Signature]) -> dict[str, Signature]:
    """Every file a cold build wrote (relative path) -> its signature: those `written` records
    (pages, citation, side and extra files), then the files of the top folder and of UNRECORDED,
    looked up. Only those are walked: a walk over the whole output (a folder per paper) took
    0.36 s at 10,000 papers, at the end of the build, with nothing else to do."""
    found = dict(written)
    with os.scandir(out_dir) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in UNRECORDED:
                    found.update(_signatures_under(Path(entry.path), entry.name + "/"))
            elif entry.name not in found:
                found[entry.name] = stat_signature(entry.stat())
    return found


def _record_outputs(out_dir: Path, state: BuildState, names: set[str]) -> None:
    """Record the signatures of output files the build kept without the last cache knowing them
    (written by a build killed before it saved the cache), so they are deleted once stale."""
    for name in names - state.outputs.keys():
        found = signature(out_dir / name)
        if found is not None:
            state.outputs[name] = found


def _look_over_output(out_dir: Path, state: BuildState) -> tuple[set[str], set[str]]:
    """One walk over out_dir: the files the last build wrote that are gone or not as it left
    them, and the files it did not write (put there by hand; a first build would not have them)."""
    outputs = state.outputs
    altered, strays, seen = set(), set(), set()
    for name, entry in files_under(out_dir):
        if name not in outputs:
            strays.add(name)
            continue
        seen.add(name)
        try:
            if stat_signature(entry.stat()) != outputs[name]:
                altered.add(name)
        except OSError:
            altered.add(name)
    return altered | (outputs.keys() - seen), strays


def _merge_overlay(overlay: Path, out_dir: Path, state: BuildState, pages: set[str],
                   relinked: Background | None = None, strays: Iterable[str] = ()) -> tuple[str, ...]:
    """Put the overlay's files into the output (skipping identical ones) and delete the files the
    last build wrote that this build no longer produces (a deleted paper's page, an old index),
    and the `strays` no build wrote.
    `state.outputs` is updated for the files put in and deleted; return the names of those
    whose bytes in out_dir change (what `sitegen serve` reloads).

    The changes go into the hard-linked mirror of the output, which then replaces it with two
    renames: readers, and a build killed at any point, see the old site or the new one, never a
    mix. Where hard links are not available the files move into out_dir one by one."""
    sources = [Path(folder, name) for folder, _, files in os.walk(overlay) for name in files]
    names = [str(source.relative_to(overlay)) for source in sources]
    stale = sorted((state.outputs.keys() | strays) - set(pages) - set(names))
    mirror = _ready_mirror(out_dir, state, relinked)
    if mirror is None:
        return _move_overlay_in(overlay, out_dir, state, sources, names, stale)
    touched, outputs = [], {}
    for source, relative in zip(sources, names):
        target, shown = mirror / relative, out_dir / relative
        before = _inode(target)
        kept = _same_file(source, target)
        if not kept:
            _move(source, target)
        if before is not None and before == _inode(shown):  # the mirror held the file out_dir shows
            differs = not kept
        else:  # out_dir's file was replaced since the mirror was made (by `sitegen serve`, by hand)
            differs = not _same_file(target, shown)
        if differs:
            touched.append(relative)
        outputs[relative] = signature(target)  # out_dir's file once the mirror is swapped in
    for relative in stale:
        touched.append(relative)
        _delete(mirror, relative)
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    os.replace(out_dir, old)  # a kill between the renames: the next build puts `old` back
    os.replace(mirror, out_dir)
    state.outputs.update(outputs)
    for relative in stale:
        state.outputs.pop(relative, None)
    shutil.rmtree(overlay, ignore_errors=True)
    try:
        _resync_mirror(old, out_dir, names, stale)
        os.replace(old, mirror)
        state.mirror = _write_marker(out_dir)
    except OSError:
        shutil.rmtree(old, ignore_errors=True)  # the next warm build makes a new mirror
    return tuple(touched)


def _move_overlay_in(overlay: Path, out_dir: Path, state: BuildState, sources: list[Path], names: list[str],
                     stale: list[str]) -> tuple[str, ...]:
    """The merge without a mirror: each file moves into out_dir, so a build killed half-way leaves
    a mix of old and new pages (until the next build, which renders what differs)."""
    touched = []
    for source, relative in zip(sources, names):
        target = out_dir / relative
        if _same_file(source, target):
            continue
        _move(source, target)
        state.outputs[relative] = signature(target)
        touched.append(relative)
    for relative in stale:
        state.outputs.pop(relative, None)
        touched.append(relative)
        _delete(out_dir, relative)
    shutil.rmtree(overlay, ignore_errors=True)
    return tuple(touched)


def _mirror_paths(out_dir: Path) -> tuple[Path, Path]:
    """The mirror beside the output (never inside: it must not be published) and its marker."""
    return out_dir.parent / f".{out_dir.name}.mirror", out_dir.parent / f".{out_dir.name}.mirror.token"


def _ready_mirror(out_dir: Path, state: BuildState, relinked: Background | None = None) -> Path | None:
    """The mirror, equal to out_dir, about to change: its marker goes first, so one left half
    changed (by a build killed now) is never trusted. It is trusted only when its marker holds
    the token of this state; else it is made again, linking every file of out_dir, unless
    `relinked` (started by _relink_beside) did that while the build ran. None when the file
    system cannot hard-link."""
    mirror, marker = _mirror_paths(out_dir)
    trusted = _mirror_trusted(out_dir, state)
    state.mirror = ""
    marker.unlink(missing_ok=True)
    if trusted:
        return mirror
    made = relinked.result() if relinked is not None else _relink_mirror(out_dir)
    return mirror if made else None


def _mirror_trusted(out_dir: Path, state: BuildState) -> bool:
    mirror, marker = _mirror_paths(out_dir)
    try:
        return bool(state.mirror) and marker.read_text(encoding="utf-8") == state.mirror and mirror.is_dir()
    except (OSError, UnicodeDecodeError):
        return False


def _relink_beside(out_dir: Path, state: BuildState, fork: bool) -> Background | None:
    """A warm build whose mirror is not trusted (the first after a cold build) makes it again in
    another process from the start, while it reads, assembles and renders: at 10,000 papers that
    is some 30,000 links. Nothing is started when the mirror is trusted."""
    return None if _mirror_trusted(out_dir, state) else Background(lambda: _relink_mirror(out_dir), fork=fork)


def _relink_mirror(out_dir: Path) -> bool:
    """Make the mirror again from out_dir; False where hard links are not available."""
    mirror, _ = _mirror_paths(out_dir)
    shutil.rmtree(mirror, ignore_errors=True)
    try:
        link_tree(out_dir, mirror)
    except OSError:
        shutil.rmtree(mirror, ignore_errors=True)
        return False
    return True


def link_tree(source: Path, target: Path) -> None:
    """Hard-link every file under `source` to the same place under `target` (which must not exist)."""
    folders = [(str(source), str(target))]
    while folders:
        origin, copy = folders.pop()
        os.mkdir(copy)
        with os.scandir(origin) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, os.path.join(copy, entry.name)))
                else:
                    os.link(entry.path, os.path.join(copy, entry.name), follow_symlinks=False)


def _resync_mirror(old: Path, out_dir: Path, names: list[str], stale: list[str]) -> None:
    """Make the site just replaced a mirror of the new one, touching only what the build looked
    at: the overlay's files are linked from out_dir, the stale ones (and those put into the
    output by hand) deleted."""
    for relative in names:
        current, copy = out_dir / relative, old / relative
        if _inode(copy) != _inode(current):
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.unlink(missing_ok=True)
            os.link(current, copy, follow_symlinks=False)
    for relative in stale:
        _delete(old, relative)


def _write_marker(out_dir: Path) -> str:
    """A new token in the mirror's marker; the state that holds it trusts the mirror."""
    token = os.urandom(12).hex()
    write_text_atomic(_mirror_paths(out_dir)[1], token)
    return token


def _drop_mirror(out_dir: Path, state: BuildState) -> Path | None:
    """Forget the mirror (a build that replaces the whole output makes it mirror nothing). It is
    renamed out of the way at once, and returned for deleting beside the render (tens of
    thousands of files at 10,000 papers)."""
    mirror, marker = _mirror_paths(out_dir)
    state.mirror = ""
    marker.unlink(missing_ok=True)
    trash = out_dir.parent / f".{out_dir.name}.trash-{os.getpid()}"
    try:
        os.replace(mirror, trash)
    except OSError:
        return None
    return trash


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


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


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames, so readers never see half a site."""
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
