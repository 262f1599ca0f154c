"""Shared fixtures: the repository, the shared corpus (skipped when absent) and tiny sites."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
