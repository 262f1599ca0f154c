"""The build cache knows a content file by its text, not only by its signature: a fresh checkout
with a restored cache (CI), or files touched without a change, parse nothing again."""
from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import paper_text
from sitegen import buildstate
from sitegen.build import build
from sitegen.config import load_config

SETTINGS = "title: Read cache\nbase_url: https://example.org/\n"


@pytest.fixture
def root(make_site) -> Path:
    root = make_site({f"p{n}": paper_text(f"Paper {n}", date=f"2024-01-1{n}") for n in range(1, 6)}, SETTINGS)
    build(load_config(root / "sitegen.yaml"))
    return root


def no_parsing(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = buildstate.parse_paper
    monkeypatch.setattr(buildstate, "parse_paper", lambda text, where, slug: (parsed.append(slug), real(text, where, slug))[1])
    return parsed


def test_touched_files_whose_text_is_unchanged_are_not_parsed_and_nothing_renders(root: Path, monkeypatch) -> None:
    for path in (root / "content" / "papers").glob("*.md"):
        os.utime(path, ns=(1, 1))  # a new signature, the same text
    parsed = no_parsing(monkeypatch)
    result = build(load_config(root / "sitegen.yaml"))
    assert parsed == [] and result.rendered == 0
    parsed.clear()
    result = build(load_config(root / "sitegen.yaml"))  # the cache took the new signatures
    assert parsed == [] and result.rendered == 0


def test_a_checkout_elsewhere_with_the_cache_restored_parses_only_what_changed(root: Path, tmp_path: Path, monkeypatch) -> None:
    copy = tmp_path / "checkout"
    shutil.copytree(root / "content", copy / "content")  # new inodes and times, as a fresh clone has
    shutil.copy(root / "sitegen.yaml", copy)
    shutil.copytree(root / ".sitegen-cache", copy / ".sitegen-cache")
    edited = copy / "content" / "papers" / "p3.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Paper 3", "Paper three"), encoding="utf-8")
    parsed = no_parsing(monkeypatch)
    result = build(load_config(copy / "sitegen.yaml"))
    assert parsed == ["p3"]
    assert result.rendered == result.pages  # no output there yet: every page is written
    assert "Paper three" in (copy / "public" / "papers" / "p3" / "index.html").read_text(encoding="utf-8")
    assert "Paper 4" in (copy / "public" / "papers" / "p4" / "index.html").read_text(encoding="utf-8")


def test_loading_the_cache_imports_neither_numpy_nor_scipy(root: Path) -> None:
    """A no-change build never reads related papers' memo: loading the cache must not pay for
    importing NumPy and SciPy (0.4 s), which the memo's arrays would need."""
    code = ("import sys; from pathlib import Path; from sitegen.buildstate import load_state; "
            f"state = load_state(Path({str(root)!r})); assert state.files, 'no cache'; "
            "print(sorted(name for name in ('numpy', 'scipy') if name in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"
    state = buildstate.load_state(root)
    assert "rows" in pickle.loads(state.related)  # and the memo is all there when a build wants it
