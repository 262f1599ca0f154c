"""Every page type, in both bundled themes, light and dark: no axe-core violations in Chromium."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PAGES = [
    "/", "/page/2/", "/papers/collaborative-decoding-makes-visual-auto-regressive-modeling-efficient/",
    "/tags/", "/tags/scaling-laws/", "/authors/", "/authors/jared-kaplan/",
    "/archive/", "/archive/2024/", "/archive/2024/11/", "/search/", "/404.html",
]


@pytest.fixture(scope="module", params=["default", "digest"])
def served_theme(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param) / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--theme", request.param, "--out", str(out)],
                   cwd=REPO, check=True, capture_output=True)
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_on_any_page_type(browser, static_server, served_theme: Path, scheme: str) -> None:
    base = static_server(served_theme).rstrip("/")
    page = browser.new_page(color_scheme=scheme)
    failures = []
    for path in PAGES:
        if path != "/404.html" and not (served_theme / path.lstrip("/") / "index.html").is_file() and path != "/":
            continue  # a page type this build does not have yet (e.g. search before it exists)
        page.goto(base + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}})).violations"
                               ".map(v => `${v.id}: ${v.nodes.length} × ${v.nodes[0].target.join(' ')}`)")
        failures += [f"{path} ({scheme}): {violation}" for violation in result]
    page.close()
    assert failures == [], "\n".join(failures)


def test_theme_choice_is_remembered_and_applied_before_first_paint(browser, static_server, served_theme: Path) -> None:
    base = static_server(served_theme)
    page = browser.new_page(color_scheme="light")
    page.goto(base)
    toggle = page.locator("[data-theme-toggle]")
    assert toggle.is_visible() and toggle.inner_text() == "Theme: system"
    toggle.click()
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    # On the next page the stored choice is applied by a blocking script in <head>, before the body exists.
    page.add_init_script("document.addEventListener('readystatechange', () => {"
                         " if (!window.firstTheme) window.firstTheme = document.documentElement.dataset.theme || 'none'; })")
    page.goto(base + "tags/")
    assert page.evaluate("window.firstTheme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(252, 252, 250)" and page.locator("[data-theme-toggle]").inner_text() == "Theme: dark"
    head_script = page.locator("head script[src*='theme.']")
    assert head_script.count() == 1 and head_script.get_attribute("defer") is None
    page.close()


def test_without_javascript_the_toggle_stays_hidden(browser, static_server, served_theme: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static_server(served_theme))
    assert not page.locator("[data-theme-toggle]").is_visible()
    assert page.locator("main article").count() == 20
    context.close()


def test_paper_page_prints_black_on_white_without_navigation(browser, static_server, served_theme: Path) -> None:
    page = browser.new_page(color_scheme="dark")
    page.goto(static_server(served_theme) + PAGES[2].lstrip("/"))
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(0, 0, 0)"
    for selector in (".site-nav", ".skip-link", ".site-footer", "[data-theme-toggle]"):
        assert not page.locator(selector).is_visible(), selector
    assert page.locator("main").get_by_text("The code is available on GitHub.").is_visible()
    page.close()
