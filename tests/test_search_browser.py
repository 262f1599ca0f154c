"""Search in headless Chromium: the header box, the search page, safety, base paths and the byte budget."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from sitegen.model import Paper, PaperDate

XSS_TITLE = "<img src=x onerror=alert(1)>"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("search_benchmark", REPO / "benchmarks" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    return out


class Watch:
    """A page with its console errors, failed requests and requested URLs recorded."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", lambda dialog: (self.errors.append("dialog: " + dialog.message), dialog.dismiss()))
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("response", lambda response: self.errors.append(f"{response.status} {response.url}") if response.status >= 400 else None)

    def search_urls(self) -> list[str]:
        return [u for u in self.urls if "lunr" in u or "search-engine" in u or "search-ui" in u or "/search/" in u and u.endswith(".json")]


@pytest.fixture
def watch(browser):
    page = browser.new_page()
    watched = Watch(page)
    yield watched
    page.close()
    assert watched.errors == []


def result_titles(page, scope: str = ".search-results") -> list[str]:
    return page.locator(f"{scope} .search-result__title").all_inner_texts()


def test_typing_in_the_header_box_shows_the_expected_paper(sample_out, static_server, watch) -> None:
    page = watch.page
    page.goto(static_server(sample_out))
    page.click("#site-search-input")
    page.keyboard.type("autoregressive generative scaling")
    page.wait_for_selector(".site-search__results .search-result")
    assert result_titles(page, ".site-search__panel")[0] == "Scaling Laws for Autoregressive Generative Modeling"
    assert page.locator(".site-search__panel mark").first.inner_text().lower() in {"scaling", "autoregressive", "generative"}


def test_nothing_of_search_is_downloaded_before_the_box_is_focused(sample_out, static_server, watch) -> None:
    page = watch.page
    page.goto(static_server(sample_out) + "tags/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert watch.search_urls() == []
    assert any("search-boot" in u for u in watch.urls)  # the few-hundred-byte loader that waits for focus
    page.focus("#site-search-input")
    page.wait_for_function("window.SitegenSearch !== undefined")
    page.keyboard.type("scaling")
    page.wait_for_selector(".site-search__results .search-result")
    fetched = watch.search_urls()
    assert any("lunr" in u for u in fetched) and any(u.endswith("meta.json") for u in fetched)
    assert not any(u.endswith("terms.json") for u in fetched)  # a plain word needs its shard only


def test_search_page_opened_with_q_shows_results_and_typing_updates_the_address(sample_out, static_server, watch) -> None:
    page = watch.page
    base = static_server(sample_out)
    page.goto(base + "search/?q=2010.14701")
    page.wait_for_selector(".search-results .search-result")
    assert result_titles(page) == ["Scaling Laws for Autoregressive Generative Modeling"]
    assert page.input_value("#search-page-input") == "2010.14701"
    item = page.locator(".search-results .search-result").first
    assert "Tom Henighan" in item.locator(".search-result__meta").inner_text()
    assert item.locator("time").get_attribute("datetime") == "2020-10-28"
    assert item.locator(".search-result__snippet").inner_text()
    page.fill("#search-page-input", "title:diffusion")
    page.wait_for_function("location.search === '?q=title%3Adiffusion'")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('title:diffusion')")
    titles = result_titles(page)
    assert titles and all("diffusion" in t.lower() for t in titles)
    assert page.locator(".search-results mark").first.inner_text().lower() == "diffusion"


@pytest.mark.parametrize("query, check", [
    ("+diffusion -image", lambda titles: titles and not any("image" in t.lower() for t in titles)),
    ("lang*", lambda titles: any("language" in t.lower() for t in titles)),
    ("arXiv:2010.14701", lambda titles: titles[0] == "Scaling Laws for Autoregressive Generative Modeling"),  # unparseable: plain words
    ("title: scaling^x", lambda titles: len(titles) > 0),
])
def test_lunr_query_syntax_and_unparseable_queries(sample_out, static_server, watch, query, check) -> None:
    page = watch.page
    page.goto(static_server(sample_out) + "search/?q=" + query.replace("+", "%2B").replace(" ", "+"))
    page.wait_for_function("document.querySelector('[data-search-status]').textContent !== ''")
    assert check(result_titles(page)), page.locator("[data-search-status]").inner_text()


def test_no_results_says_so(sample_out, static_server, watch) -> None:
    page = watch.page
    page.goto(static_server(sample_out) + "search/?q=xylophonist")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent !== ''")
    assert page.locator("[data-search-status]").inner_text().startswith("No papers match “xylophonist”.")
    assert page.locator(".search-results li").count() == 0


def test_slash_focuses_the_box_and_arrow_keys_walk_the_results(sample_out, static_server, watch) -> None:
    page = watch.page
    page.goto(static_server(sample_out))
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    page.keyboard.type("diffusion")
    page.wait_for_selector(".site-search__results .search-result")
    titles = result_titles(page, ".site-search__panel")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.querySelector('.search-result__title').textContent") == titles[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").inner_text() == titles[0]


def test_search_page_results_follow_the_arrow_keys(sample_out, static_server, watch) -> None:
    page = watch.page
    page.goto(static_server(sample_out) + "search/?q=scaling")
    page.wait_for_selector(".search-results .search-result")
    page.focus("#search-page-input")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('li') === document.querySelectorAll('.search-results > li')[2]")


def test_paper_text_is_shown_as_text_and_runs_nothing(browser, static_server, tmp_path) -> None:
    bench = load_benchmark()
    hostile = Paper(title=XSS_TITLE, date=PaperDate(2024, 1, 2), authors=("<b>Mallory</b>", "Eve\"><script>alert(2)</script>"),
                    tags=("topic-01",), body="An abstract about <script>alert(3)</script> injection and onerror handlers.\n",
                    slug="hostile")
    out, _ = bench.search_site(tmp_path / "site", 40, extra=[hostile])
    page = browser.new_page()
    watched = Watch(page)
    page.goto(static_server(out) + "search/?q=onerror")
    page.wait_for_selector(".search-results .search-result")
    assert result_titles(page)[0] == XSS_TITLE
    item = page.locator(".search-results .search-result").first
    assert "<b>Mallory</b>" in item.inner_text() and "injection" in item.inner_text()
    assert page.locator(".search-results img, .search-results script, .search-results b").count() == 0
    page.fill("#site-search-input", "mallory")  # the header box on this page drives the same results
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('mallory')")
    page.wait_for_timeout(200)
    assert page.locator("img").count() == 0
    page.close()
    assert watched.errors == []


def test_search_works_under_a_project_path(browser, static_server, tmp_path) -> None:
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out), "--base-url", "https://x.github.io/repo/"],
                   cwd=REPO, check=True, capture_output=True)
    base = static_server(out, "/repo")
    page = browser.new_page()
    watched = Watch(page)
    page.goto(base + "papers/scaling-laws-for-autoregressive-generative-modeling/")
    page.click("#site-search-input")
    page.keyboard.type("kaplan")
    page.wait_for_selector(".site-search__results .search-result")
    assert all(u.startswith(base) for u in watched.search_urls())
    page.keyboard.press("Enter")  # submits to the search page, under the prefix too
    page.wait_for_url(base + "search/?q=kaplan")
    page.wait_for_selector(".search-results .search-result")
    link = page.locator(".search-results .search-result__link").first.get_attribute("href")
    assert link.startswith("/repo/papers/")
    page.close()
    assert watched.errors == []


def test_without_javascript_the_search_page_says_what_it_needs(browser, sample_out, static_server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static_server(sample_out) + "search/?q=scaling")
    assert "needs JavaScript" in page.locator("main").inner_text()
    page.goto(static_server(sample_out))
    page.fill("#site-search-input", "scaling")
    page.press("#site-search-input", "Enter")  # the header box is a plain form: it leads to that page
    page.wait_for_url("**/search/?q=scaling")
    assert page.locator("main article").count() == 0 and "needs JavaScript" in page.locator("main").inner_text()
    context.close()


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory):
    """A generated 10,000-paper archive: its home page, /search/ and its index (not the other 20,000 pages)."""
    bench = load_benchmark()
    started = time.perf_counter()
    out, index_seconds = bench.search_site(tmp_path_factory.mktemp("tenk") / "site", 10_000)
    print(f"\n10k site: {time.perf_counter() - started:.1f} s to generate and build, {index_seconds:.2f} s of it the index")
    server = bench.GzipServer(out)
    yield bench, server
    server.close()


@pytest.mark.parametrize("via_header", [False, True], ids=["search page", "header box"])
def test_ten_thousand_papers_show_first_results_within_the_byte_budget(browser, ten_thousand, via_header: bool) -> None:
    bench, server = ten_thousand
    result = bench.first_results(browser, server.url, "diffusion model", via_header=via_header)
    try:
        print(f"\n{'header' if via_header else 'page'}: {result['bytes'] / 1024:.1f} KiB in {result['requests']} requests, {result['ms']:.0f} ms")
        assert result["results"] > 0
        assert result["bytes"] <= bench.BUDGET_BYTES
        if via_header:
            assert result["before_focus"] and not [u for u in result["before_focus"] if "lunr" in u or "/search/" in u]
    finally:
        result["context"].close()


def test_search_runs_under_a_strict_content_security_policy(sample_out, static_server, watch) -> None:
    policy = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
              "object-src 'none'; base-uri 'self'; form-action 'self'")
    page = watch.page
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(static_server(sample_out, headers={"Content-Security-Policy": policy}))
    page.click("#site-search-input")
    page.keyboard.type("scaling")
    page.wait_for_selector(".site-search__results .search-result")
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-results .search-result")
    assert violations == []
