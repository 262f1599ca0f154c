"""Template rendering cost per page on a generated archive, in one process, writing nothing.

Usage: python benchmarks/render.py [--papers 2000] [--runs 7] [--base-url URL] [--theme NAME] [--profile KIND]

The site is assembled as `sitegen build` assembles it (pipeline.py: read content, assemble, make
the environment, iter_pages, feed links), then its pages are rendered again and again and the
median CPU milliseconds per page printed for: paper pages; list pages with the list-entry memo
cold (each paper's `paper_item.html` rendered on first use, as in a cold build) and warm (every
entry already rendered); and the list entries alone. `--profile paper|list` prints a cProfile
of one run of that kind instead.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import make_corpus  # noqa: E402

from sitegen.pipeline import _assemble, _read_content, iter_pages  # noqa: E402
from sitegen.buildstate import BuildState  # noqa: E402
from sitegen.config import load_config, with_base_url, with_theme  # noqa: E402
from sitegen.feeds import FeedLinks  # noqa: E402
from sitegen.render import make_environment, render_page  # noqa: E402
from sitegen.search import SearchGlobals  # noqa: E402
from sitegen.theming import fingerprinted_name, resolve_theme, static_files  # noqa: E402


def prepare(config_path: Path, base_url: str | None, theme: str | None):
    """(environment, paper pages, list pages), as pipeline.make_site makes them."""
    config = load_config(config_path)
    if base_url:
        config = with_base_url(config, base_url)
    if theme:
        config = with_theme(config, theme)
    chain = resolve_theme(config.root, config.theme, config.theme_options, str(config_path))
    state = BuildState()
    papers, _ = _read_content(config, state)
    site = _assemble(config, papers, state)
    assets = {name: fingerprinted_name(name, path.read_bytes()) for name, path in static_files(config.root, chain).items()}
    env = make_environment(config, chain, assets)
    env.globals["search"] = SearchGlobals(config.search.enabled)
    pages = list(iter_pages(site))
    feed_links = FeedLinks(site)
    for url, _, context in pages:
        context.setdefault("current_path", url)
        context.setdefault("feeds", feed_links(url))
    return env, [p for p in pages if p[1] == "paper.html"], [p for p in pages if p[1] == "list.html"], site


def cpu_ms_per_page(env, pages) -> float:
    started = time.process_time()
    for _, template, context in pages:
        render_page(env, template, context)
    return (time.process_time() - started) * 1000 / max(1, len(pages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--base-url", help="e.g. https://example.org/archive/ (feeds on, absolute URLs in meta tags)")
    parser.add_argument("--theme", help="build with this theme instead of the corpus's")
    parser.add_argument("--folder", type=Path, help="a site to measure instead of a generated one (read only)")
    parser.add_argument("--profile", choices=["paper", "list", "item"], help="print a cProfile of one run instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config_path = args.folder / "sitegen.yaml" if args.folder else make_corpus(Path(tmp) / "site", args.papers)
        env, paper_pages, list_pages, site = prepare(config_path, args.base_url, args.theme)
    memo = env.globals["paper_item"].memo
    item = env.globals["paper_item"]

    def items() -> float:
        memo.clear()
        started = time.process_time()
        for view in site.papers:
            item(view)
        return (time.process_time() - started) * 1000 / max(1, len(site.papers))

    def lists_cold() -> float:
        memo.clear()
        return cpu_ms_per_page(env, list_pages)

    def lists_warm() -> float:
        items()
        return cpu_ms_per_page(env, list_pages)

    kinds = {"paper": lambda: cpu_ms_per_page(env, paper_pages), "list": lists_cold, "item": items}
    for run in kinds.values():  # compile every template, fill the title and abstract caches
        run()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        kinds[args.profile]()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
        return
    figures: dict[str, list[float]] = {"paper pages": [], "list pages, entries cold": [], "list pages, entries warm": [], "list entries": []}
    for _ in range(args.runs):  # interleaved, so a busy moment on a shared machine hits every kind
        figures["paper pages"].append(kinds["paper"]())
        figures["list pages, entries cold"].append(lists_cold())
        figures["list pages, entries warm"].append(lists_warm())
        figures["list entries"].append(items())
    counts = {"paper pages": len(paper_pages), "list pages, entries cold": len(list_pages),
              "list pages, entries warm": len(list_pages), "list entries": len(site.papers)}
    print(f"{len(site.papers)} papers, median of {args.runs} runs, CPU ms per page (min in brackets)")
    for name, values in figures.items():
        print(f"  {name:26} {statistics.median(values):7.4f}  ({min(values):.4f})  x {counts[name]}")


if __name__ == "__main__":
    main()
