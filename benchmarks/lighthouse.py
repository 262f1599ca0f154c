"""Lighthouse scores (desktop) for every page type of the sample site, in both bundled themes.

Usage: python benchmarks/lighthouse.py [--npm-prefix DIR]
Needs Node.js and Debian's Chromium; installs the `lighthouse` npm package into DIR (default:
a cache folder under the system temp dir) on first use. Prints one row per page and theme.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = ["/", "/papers/collaborative-decoding-makes-visual-auto-regressive-modeling-efficient/", "/tags/",
         "/tags/scaling-laws/", "/authors/jared-kaplan/", "/archive/", "/search/", "/404.html"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --no-first-run"


def ensure_lighthouse(prefix: Path) -> Path:
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), "lighthouse@12"], check=True)
    return binary


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def scores(lighthouse: Path, url: str) -> dict[str, int]:
    env = {**os.environ, "CHROME_PATH": shutil.which("chromium") or "/usr/bin/chromium"}
    result = subprocess.run(
        [str(lighthouse), url, "--preset=desktop", "--output=json", "--quiet", f"--chrome-flags={CHROME_FLAGS}",
         f"--only-categories={','.join(CATEGORIES)}"],
        check=True, capture_output=True, text=True, env=env)
    report = json.loads(result.stdout)
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--npm-prefix", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-lighthouse")
    args = parser.parse_args()
    lighthouse = ensure_lighthouse(args.npm_prefix)
    print(f"{'theme':<8} {'page':<40} " + " ".join(f"{c[:13]:>14}" for c in CATEGORIES))
    with tempfile.TemporaryDirectory() as tmp:
        for theme in ("default", "digest"):
            out = Path(tmp) / theme
            subprocess.run([sys.executable, "-m", "sitegen", "build", "--theme", theme, "--out", str(out)],
                           cwd=REPO, check=True, stdout=subprocess.DEVNULL)
            server, base = serve(out)
            try:
                for page in PAGES:
                    if page != "/404.html" and not (out / page.lstrip("/") / "index.html").is_file():
                        continue
                    row = scores(lighthouse, base + page)
                    print(f"{theme:<8} {page[:40]:<40} " + " ".join(f"{row[c]:>14}" for c in CATEGORIES), flush=True)
            finally:
                server.shutdown()


if __name__ == "__main__":
    main()
