"""The sample site in a real browser: pages load from a server with no console errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_sample_site_loads_in_chromium_under_a_project_path(browser, static_server, tmp_path: Path) -> None:
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out), "--base-url", "https://x.github.io/repo/"],
                   cwd=REPO, check=True, capture_output=True)
    base = static_server(out, "/repo")
    page = browser.new_page()
    errors, failed = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(base)
    assert page.title() == "Daily Papers sample archive"
    page.click("main article a >> nth=0")
    assert page.url.startswith(base + "papers/")
    assert page.locator("h1").inner_text()
    css = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert css and css != "Times New Roman"  # the stylesheet loaded under the prefix
    page.close()
    assert errors == [] and failed == [], (errors, failed)
