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
    import sitegen.build as build_module

    for path in (root / "content" / "papers").glob("*.md"):
        os.utime(path, ns=(1, 1))  # a new signature, the same text
    parsed = no_parsing(monkeypatch)
    result = build(load_config(root / "sitegen.yaml"))
    assert parsed == [] and result.rendered == 0
    parsed.clear()
    monkeypatch.setattr(build_module, "load_state", lambda where: pytest.fail("the cache's head took the new signatures"))
    result = build(load_config(root / "sitegen.yaml"))
    assert parsed == [] and result.rendered == 0 and result.changed == ()


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


def test_a_build_that_changes_nothing_reads_only_the_head_of_the_cache(root: Path, monkeypatch) -> None:
    """The whole cache is 60 MB at 10,000 papers; what tells that nothing changed, 2 MB."""
    import sitegen.build as build_module

    loaded: list[Path] = []
    real = build_module.load_state
    monkeypatch.setattr(build_module, "load_state", lambda where: loaded.append(where) or real(where))
    result = build(load_config(root / "sitegen.yaml"))
    assert loaded == [] and result.changed == () and result.rendered == 0
    assert (result.papers, result.pages) == (5, len(buildstate.load_state(root).pages))
    (root / "content" / "papers" / "p2.md").write_text(paper_text("Paper two", date="2024-01-12"), encoding="utf-8")
    result = build(load_config(root / "sitegen.yaml"))
    assert loaded == [root] and result.rendered > 0
    assert "Paper two" in (root / "public" / "papers" / "p2" / "index.html").read_text(encoding="utf-8")



def test_sitegen_build_with_nothing_to_do_loads_no_rendering_machinery(root: Path) -> None:
    """Jinja2, markdown-it, the search index and pipeline.py cost `sitegen build` 0.15 s to import;
    a build that finds nothing changed needs none of them. Nor does it need what reading and
    parsing papers load (multiprocessing, mathml with logging and ElementTree, python-slugify),
    which were most of the 50 ms the start-up change of 2b5fe9e saved a 0.3 s no-change build of
    the sample site. Once a paper changes, it does."""
    unneeded = ("jinja2", "markdown_it", "sitegen.pipeline", "sitegen.search", "sitegen.render",
                "multiprocessing", "sitegen.parallel", "sitegen.mathml", "slugify")
    code = ("import sys; from sitegen.cli import main\n"
            "status = main(['build', '--quiet', '--config', sys.argv[1]])\n"
            f"print(status, sorted(name for name in {unneeded!r} if name in sys.modules))")
    run = [sys.executable, "-c", code, str(root / "sitegen.yaml")]
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout.split() == ["0", "[]"]
    (root / "content" / "papers" / "p2.md").write_text(paper_text("Paper two", date="2024-01-12"), encoding="utf-8")
    found = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert found.startswith("0 ") and all(f"'{name}'" in found for name in unneeded)
    assert "Paper two" in (root / "public" / "papers" / "p2" / "index.html").read_text(encoding="utf-8")

@pytest.mark.parametrize("change", ["output edited", "output deleted", "settings", "paper added", "paper deleted"])
def test_the_head_of_the_cache_never_hides_a_change(root: Path, change: str) -> None:
    out = root / "public"
    if change == "output edited":
        (out / "papers" / "p1" / "index.html").write_text("by hand", encoding="utf-8")
    elif change == "output deleted":
        (out / "papers" / "p1" / "index.html").unlink()
    elif change == "settings":
        (root / "sitegen.yaml").write_text(SETTINGS.replace("Read cache", "Another title"), encoding="utf-8")
    elif change == "paper added":
        (root / "content" / "papers" / "p9.md").write_text(paper_text("Paper 9", date="2024-01-19"), encoding="utf-8")
    else:
        (root / "content" / "papers" / "p5.md").unlink()
    result = build(load_config(root / "sitegen.yaml"))
    assert result.changed != ()
    assert "by hand" not in (out / "papers" / "p1" / "index.html").read_text(encoding="utf-8")
    assert ("Another title" in (out / "index.html").read_text(encoding="utf-8")) == (change == "settings")
    assert (out / "papers" / "p9").is_dir() == (change == "paper added")
    assert (out / "papers" / "p5").is_dir() == (change != "paper deleted")


def test_a_head_written_beside_another_cache_is_not_trusted(root: Path, monkeypatch) -> None:
    """The head speaks only for the cache it was written with: beside another one (a cache put
    back by hand, or a build killed between writing the two), the build loads the cache."""
    import sitegen.build as build_module

    assert buildstate.load_head(root) is not None
    os.utime(root / ".sitegen-cache" / buildstate.STATE_FILE, ns=(1, 1))  # as another cache would be
    assert buildstate.load_head(root) is None
    loaded: list[Path] = []
    real = build_module.load_state
    monkeypatch.setattr(build_module, "load_state", lambda where: loaded.append(where) or real(where))
    result = build(load_config(root / "sitegen.yaml"))
    assert loaded == [root] and result.changed == ()
