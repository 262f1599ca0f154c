"""Screenshots of the bundled sample archive for the README, light and dark, from a real build.

Usage: python benchmarks/screenshots.py [--out docs/images] [--width 1280] [--height 800]

Builds the sample site (sitegen.yaml, content/) into a temporary folder, serves it on
127.0.0.1, and photographs the home page and a paper page in headless system Chromium
(Playwright) with the colour scheme set to light and to dark. Writes
home-light.png, home-dark.png, paper-light.png and paper-dark.png. No network is used.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def build_sample(out: Path) -> None:
    from sitegen.build import build
    from sitegen.config import load_config

    build(load_config(ROOT / "sitegen.yaml"), out)


def first_paper_path(site: Path) -> str:
    papers = sorted(p.parent.name for p in (site / "papers").glob("*/index.html"))
    return f"/papers/{papers[0]}/" if papers else "/"


def take(site: Path, out: Path, width: int, height: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("no Chromium found (Debian: apt-get install chromium)")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme,
                                              device_scale_factor=1)
                page = context.new_page()
                for name, path in (("home", "/"), ("paper", first_paper_path(site))):
                    page.goto(base + path, wait_until="networkidle")
                    target = out / f"{name}-{scheme}.png"
                    page.screenshot(path=str(target))
                    written.append(target)
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "public"
        build_sample(site)
        for path in take(site, args.out, args.width, args.height):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
