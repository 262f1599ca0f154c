"""Search at scale: index build time, file sizes, and what a browser downloads and waits for.

Usage: python benchmarks/search.py [--sizes 1000,10000] [--query "diffusion model"] [--no-browser] [--lunr-py]

For each size it generates a synthetic archive (benchmarks/corpus.py), builds the pages search
needs (home, /search/) and the index, and prints:
  - index build seconds (write_search_index: documents, index, shards, files; cold caches), and
    with --lunr-py the same index through lunr.py's Builder (search_index.reference_index),
  - bytes per file kind (term shards, document chunks, meta, term list): count, raw and gzip,
  - in headless Chromium, over a server that gzips like GitHub Pages and Netlify: bytes transferred
    and milliseconds from navigation to the first results, on /search/?q=… opened directly and
    on the home page after focusing the header box and typing; then keystroke-to-results times
    once the shards are loaded.
tests/test_search_browser.py imports this module for its 10,000-paper budget test.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from sitegen.pipeline import copy_static, iter_pages, output_file  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.markdown import render_markdown  # noqa: E402
from sitegen.render import make_environment, render_page  # noqa: E402
from sitegen.search import write_search_index  # noqa: E402
from sitegen.search_text import clear_caches  # noqa: E402
from sitegen.site import assemble  # noqa: E402
from sitegen.theming import resolve_theme  # noqa: E402

BUDGET_BYTES = 300 * 1024
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def generated_papers(root: Path, count: int, extra=()) -> list:
    """corpus.make_corpus's papers, kept in memory instead of written as files (only sitegen.yaml is written)."""
    papers = []
    original = corpus.write_paper
    corpus.write_paper = lambda paper, folder: papers.append(paper)
    try:
        corpus.make_corpus(root, count)
    finally:
        corpus.write_paper = original
    return papers + list(extra)


def generated_site(root: Path, count: int, extra=()):
    """The Site of a generated archive, assembled in memory (markdown rendered, tags derived)."""
    papers = generated_papers(root, count, extra)
    return assemble(load_config(root / "sitegen.yaml"), papers, render_markdown)


def search_site(root: Path, count: int, extra=()) -> tuple[Path, float]:
    """Build the home page, /search/ and the search index of a generated archive into root/public.

    Returns the output folder and the seconds write_search_index took (cold caches)."""
    site = generated_site(root, count, extra)
    config = site.config
    chain = resolve_theme(config.root, config.theme, config.theme_options)
    out = root / "public"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = make_environment(config, chain, copy_static(config, chain, out))
    clear_caches()
    started = time.perf_counter()
    env.globals["search"] = write_search_index(site, out)
    seconds = time.perf_counter() - started
    for url, template, context in iter_pages(site):
        if url in ("/", "/search/"):
            context.setdefault("current_path", url)
            context.setdefault("feeds", [])
            target = output_file(out, url)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_page(env, template, context), encoding="utf-8")
    return out, seconds


def file_sizes(out: Path) -> dict[str, tuple[int, int, int, int, int]]:
    """Per kind of search file: (count, raw total, gzip total, gzip median, gzip max)."""
    kinds: dict[str, list[tuple[int, int]]] = {}
    for path in (out / "search").rglob("*.json"):
        kind = {"t": "term shards", "d": "document chunks"}.get(path.parent.name, path.name)
        data = path.read_bytes()
        kinds.setdefault(kind, []).append((len(data), len(gzip.compress(data, 6))))
    return {kind: (len(sizes), sum(r for r, _ in sizes), sum(g for _, g in sizes),
                   int(statistics.median(g for _, g in sizes)), max(g for _, g in sizes))
            for kind, sizes in sorted(kinds.items())}


class GzipServer:
    """Serves a folder on 127.0.0.1, gzipping text responses as static hosts do."""

    def __init__(self, folder: Path):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def send_head(self):
                path = Path(self.translate_path(self.path))
                if path.is_dir():
                    path = path / "index.html"
                if not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", ""):
                    return super().send_head()
                body = gzip.compress(path.read_bytes(), 6)
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                import io
                return io.BytesIO(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def first_results(browser, base_url: str, query: str, via_header: bool = False) -> dict:
    """Open a fresh page and search; return bytes (as transferred) and ms until the first results.

    via_header=False opens /search/?q=… directly; True opens the home page, then focuses the
    header box and types the query (the bytes of the home page itself are counted too)."""
    context = browser.new_context()
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.add_init_script("document.addEventListener('sitegen:search-results', e => {"
                         " (window.__searches = window.__searches || []).push({t: performance.now(), count: e.detail.count, elapsed: e.detail.elapsed}); });")
    if via_header:
        page.goto(base_url)
        page.wait_for_load_state("load")
        before_focus = [r.url for r in finished]
        page.click("#site-search-input")
        started = page.evaluate("performance.now()")
        page.keyboard.type(query)
    else:
        before_focus = None
        started = 0.0
        page.goto(base_url + "search/?q=" + query.replace(" ", "+"))
    page.wait_for_function("window.__searches && window.__searches.some(s => s.count > 0)", timeout=60_000)
    first = page.evaluate("window.__searches.find(s => s.count > 0)")
    done = list(finished)
    transferred = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in done)
    searched = [r.url for r in done if "/search/" in r.url and r.url.endswith(".json") or "lunr" in r.url or "search-" in r.url]
    context_result = {
        "bytes": transferred,
        "ms": first["t"] - started,
        "results": first["count"],
        "requests": len(done),
        "search_requests": searched,
        "before_focus": before_focus,
        "page": page,
        "context": context,
    }
    return context_result


def keystroke_times(result: dict, words: list[str], input_selector: str) -> list[float]:
    """Type further words, key by key, into a page that has lunr and the index metadata loaded;
    return the ms from each keystroke to its results (shards a new word needs are fetched on the way)."""
    page = result["page"]
    times = []
    for word in words:
        page.fill(input_selector, "")
        for key in word:
            count = page.evaluate("window.__searches.length")
            page.type(input_selector, key)
            page.wait_for_function(f"window.__searches.length > {count}", timeout=30_000)
            times.append(page.evaluate("window.__searches[window.__searches.length - 1].elapsed"))
    return times


def lunr_py_seconds(root: Path, count: int) -> float:
    """Seconds lunr.py's Builder (with sitegen's lunr.js pipeline) takes; checks it builds our index."""
    from sitegen.config import SEARCH_FIELDS
    from sitegen.search import index_documents, search_document
    from sitegen.search_index import lunr_json, reference_index

    site = generated_site(root, count)
    documents = [search_document(view) for view in site.papers]
    boosts = site.config.search.boosts
    started = time.perf_counter()
    reference = reference_index([doc.fields for doc in documents], SEARCH_FIELDS, [boosts[name] for name in SEARCH_FIELDS])
    seconds = time.perf_counter() - started
    assert lunr_json(reference) == lunr_json(index_documents(documents, boosts))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--query", default="diffusion model")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--lunr-py", action="store_true", help="also time lunr.py's Builder on the same documents")
    args = parser.parse_args()
    browser = playwright = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for size in (int(s) for s in args.sizes.split(",") if s):
                out, seconds = search_site(Path(tmp) / f"site-{size}", size)
                print(f"\n== {size} papers ==")
                print(f"index build (write_search_index, cold): {seconds:.2f} s")
                if args.lunr_py:
                    print(f"  lunr.py's Builder, same documents: {lunr_py_seconds(Path(tmp) / f'site-{size}', size):.2f} s (byte-identical index)")
                for kind, (count, raw, gz, median, largest) in file_sizes(out).items():
                    print(f"  {kind:<16} {count:>5} files  raw {raw / 1024:9.1f} KiB  gzip {gz / 1024:8.1f} KiB"
                          f"  (gzip median {median / 1024:.1f} KiB, max {largest / 1024:.1f} KiB)")
                if browser is None:
                    continue
                server = GzipServer(out)
                try:
                    for via_header, label in ((False, "/search/?q= opened directly"), (True, "header box on the home page")):
                        result = first_results(browser, server.url, args.query, via_header)
                        print(f"  {label}: {result['bytes'] / 1024:.1f} KiB transferred in {result['requests']} requests,"
                              f" first of {result['results']} results after {result['ms']:.0f} ms")
                        if via_header:
                            fetched = [u for u in result["before_focus"] if "lunr" in u or "search-engine" in u or "/search/" in u]
                            print(f"    search files fetched before focus: {len(fetched)}")
                            selector = "#site-search-input"
                        else:
                            selector = "#search-page-input"
                        times = keystroke_times(result, ["scaling", "transformer", "robust"], selector)
                        print(f"    keystroke to results once loaded ({len(times)} keystrokes): median {statistics.median(times):.0f} ms,"
                              f" max {max(times):.0f} ms")
                        result["context"].close()
                finally:
                    server.close()
    finally:
        if browser is not None:
            browser.close()
            playwright.stop()


if __name__ == "__main__":
    main()
