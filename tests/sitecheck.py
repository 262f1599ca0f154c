"""Helpers for tests that read a built site as a browser would: parse pages, follow links."""
from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from sitegen.linkcheck import check_output


def soup(out: Path, url_path: str) -> BeautifulSoup:
    """Parse the page that `url_path` ('/tags/x/') is served from."""
    relative = url_path.lstrip("/")
    file = out / (relative + "index.html" if url_path.endswith("/") or not relative else relative)
    return BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")


def broken_links(out: Path, base_path: str = "", base_url: str | None = None) -> list[str]:
    """Internal links, anchors and assets that do not resolve inside `out` (honouring the base
    path), as `page: reason → target` lines; the same checker `sitegen check` uses."""
    return [str(problem) for problem in check_output(out, base_url or base_path + "/").broken]
