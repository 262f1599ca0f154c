"""Shared fixtures: the repository, the shared corpus (skipped when absent) and tiny sites."""
from __future__ import annotations

import gc
import hashlib
import textwrap
from pathlib import Path

import pytest

import sitegen.related  # noqa: F401  NumPy and SciPy, loaded once: builds in the tests work out related papers
# in this process, as a second build in one process does (see related_job.worth_a_child; test_related_job.py
# runs them in a child)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _nothing_left_frozen():
    """`sitegen serve` freezes what a build leaves out of garbage collection (collector.py): in a
    test process that would keep every test's objects from being collected after it."""
    yield
    gc.unfreeze()


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "seed").is_dir():
        pytest.skip("the shared corpus (../shared/ beside the checkout) is not present in this clone")
    return SHARED


def paper_text(title: str = "A paper", date: str = "2024-05-01", body: str = "An abstract.\n", **fields: str) -> str:
    """A content file; extra keyword arguments are raw YAML values."""
    lines = [f"title: {title!r}" if ":" in title else f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path) -> sha256 of its bytes: outputs compare byte for byte."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def cold_tree(root: Path, tmp_path: Path) -> dict[str, str]:
    """tree() of what a first build of the site as it is now writes (into tmp_path/cold, without the cache)."""
    from sitegen.build import build
    from sitegen.buildstate import BuildState
    from sitegen.config import load_config

    out = tmp_path / "cold"
    build(load_config(root / "sitegen.yaml"), out, state=BuildState())
    return tree(out)


@pytest.fixture
def make_site(tmp_path: Path):
    """Create a site in tmp_path with the given papers ({slug: file text}) and settings."""

    def make(papers: dict[str, str], settings: str = "") -> Path:
        root = tmp_path / "site"
        (root / "content" / "papers").mkdir(parents=True, exist_ok=True)
        (root / "sitegen.yaml").write_text(textwrap.dedent(settings) or "title: Test archive\n", encoding="utf-8")
        for slug, text in papers.items():
            (root / "content" / "papers" / f"{slug}.md").write_text(text, encoding="utf-8")
        return root

    return make


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium driven by Playwright; skips when either is missing."""
    import shutil

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium); browser tests need it")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def static_server():
    """Serve a folder over HTTP on 127.0.0.1 (a free port), optionally under a path prefix.

    Returns start(folder, prefix="", headers=None) -> base URL; servers stop after the test.
    """
    import functools
    import http.server
    import threading

    servers = []

    def start(folder: Path, prefix: str = "", headers: dict[str, str] | None = None) -> str:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                if prefix and not path.startswith(prefix + "/"):
                    return str(folder / "__outside_the_prefix__")
                return super().translate_path(path[len(prefix):])

            def end_headers(self) -> None:
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                super().end_headers()

            def send_error(self, code, message=None, explain=None):
                not_found = folder / "404.html"
                if code == 404 and not_found.is_file():
                    body = not_found.read_bytes()
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().send_error(code, message, explain)

            def log_message(self, *args) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
