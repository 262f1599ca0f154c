"""Helpers for tests that read a built site as a browser would: parse pages, follow links."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from bs4 import BeautifulSoup


def soup(out: Path, url_path: str) -> BeautifulSoup:
    """Parse the page that `url_path` ('/tags/x/') is served from."""
    relative = url_path.lstrip("/")
    file = out / (relative + "index.html" if url_path.endswith("/") or not relative else relative)
    return BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")


class _LinkCollector(HTMLParser):
    """Collects href and src values; much faster than building a tree for every page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.update(value for name, value in attrs if name in ("href", "src") and value)


def internal_targets(out: Path) -> dict[str, set[str]]:
    """Every internal href/src of every page, as {page file: {url}}."""
    found: dict[str, set[str]] = {}
    for page in sorted(out.rglob("*.html")):
        collector = _LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        urls = collector.urls
        found[str(page.relative_to(out))] = {u for u in urls if not urlsplit(u).scheme and not u.startswith("//")}
    return found


def broken_links(out: Path, base_path: str = "") -> list[str]:
    """Internal links that do not resolve to a file inside `out` (honouring the base path)."""
    broken = []
    for page, urls in internal_targets(out).items():
        for url in urls:
            path = urldefrag(url)[0].split("?")[0]
            if not path:
                continue
            if not path.startswith(base_path + "/"):
                broken.append(f"{page}: {url} (outside the base path {base_path or '/'})")
                continue
            relative = path[len(base_path) + 1 :]
            target = out / relative
            if path.endswith("/"):
                target = target / "index.html"
            if not target.is_file() or out.resolve() not in target.resolve().parents:
                broken.append(f"{page}: {url}")
    return broken
