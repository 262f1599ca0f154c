"""Build orchestration: read content, assemble the site, render every page, swap the output in.

The output is written to a temporary folder beside the target and swapped in only when every
page rendered, so a failed build leaves the previous site untouched.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import jinja2

from .config import Config
from .content import read_folder
from .feeds import FeedLinks, write_feeds
from .markdown import render_markdown
from .model import Problem, ProblemsError
from .render import make_environment, render_page
from .site import Group, Site, assemble, paginate
from .theming import ThemeChain, fingerprinted_name, resolve_theme, static_files


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    papers: int
    pages: int
    seconds: float


def load_site(config: Config) -> Site:
    """Read and validate every content file; raise ProblemsError with all problems at once."""
    if not config.papers_dir.is_dir():
        raise ProblemsError([Problem(str(config.papers_dir), None, "no such folder: put papers in content/papers/")])
    papers, problems = read_folder(config.papers_dir)
    if problems:
        raise ProblemsError(problems)
    return assemble(config, papers, render_markdown)


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


def render_site(site: Site, env: jinja2.Environment, out_dir: Path) -> int:
    """Render every page into `out_dir`; return the number of pages."""
    count = 0
    feed_links = FeedLinks(site)
    for url, template, context in iter_pages(site):
        context.setdefault("current_path", url)
        context.setdefault("feeds", feed_links(url))
        html = render_page(env, template, context)
        target = output_file(out_dir, url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8", newline="\n")
        count += 1
    write_feeds(site, out_dir, [url for url, _, _ in iter_pages(site)])
    (out_dir / ".nojekyll").write_bytes(b"")
    return count


def build(config: Config, out_dir: Path | None = None) -> BuildResult:
    """Build the whole site into `out_dir` (default: the config's output_dir), atomically."""
    started = time.perf_counter()
    out_dir = (out_dir or config.output_dir).resolve()
    _refuse_dangerous_output(config, out_dir)
    chain = resolve_theme(config.root, config.theme, config.theme_options, str(config.root / "sitegen.yaml"))
    site = load_site(config)
    staging = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        env = make_environment(config, chain, copy_static(config, chain, staging))
        pages = render_site(site, env, staging)
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(out_dir, len(site.papers), pages, time.perf_counter() - started)


def _refuse_dangerous_output(config: Config, out_dir: Path) -> None:
    """The output folder is replaced whole, so it must never be the site itself or hold it."""
    root = config.root.resolve()
    if out_dir == root or out_dir in root.parents or out_dir == config.content_dir.resolve():
        raise ProblemsError([Problem(str(out_dir), None, "refusing to build into this folder: it holds the site's own files")])


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames, so readers never see half a site."""
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
