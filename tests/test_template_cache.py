"""Templates compiled by one build are loaded by the next, never when they or sitegen changed."""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from conftest import paper_text
from sitegen.build import build
from sitegen.buildstate import CACHE_DIR, CODE_VERSION
from sitegen.config import load_config


@pytest.fixture
def root(make_site) -> Path:
    return make_site({"p1": paper_text("First paper"), "p2": paper_text("Second paper", date="2024-06-01")}, "title: Cached\n")


def compiled_folder(root: Path) -> Path:
    return root / CACHE_DIR / f"templates-{CODE_VERSION[:16]}"


def test_a_rebuild_loads_the_templates_the_first_build_compiled(root: Path, monkeypatch) -> None:
    build(load_config(root / "sitegen.yaml"))
    assert len(list(compiled_folder(root).iterdir())) >= 3  # paper, list and their base at least
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    (root / "content" / "papers" / "p1.md").write_text(paper_text("First paper, revised"), encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    assert compiled == []
    assert "First paper, revised" in (root / "public" / "papers" / "p1" / "index.html").read_text(encoding="utf-8")


def test_a_changed_template_is_compiled_again(root: Path) -> None:
    build(load_config(root / "sitegen.yaml"))
    theme_paper = Path(__file__).parent.parent / "sitegen" / "themes" / "default" / "templates" / "paper.html"
    override = root / "templates" / "paper.html"
    override.parent.mkdir()
    override.write_text(theme_paper.read_text(encoding="utf-8").replace("{% block content %}", "{% block content %}<p>Overridden here</p>", 1),
                        encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    assert "Overridden here" in (root / "public" / "papers" / "p1" / "index.html").read_text(encoding="utf-8")
    override.write_text(override.read_text(encoding="utf-8").replace("Overridden here", "Changed again"), encoding="utf-8")
    build(load_config(root / "sitegen.yaml"))
    page = (root / "public" / "papers" / "p1" / "index.html").read_text(encoding="utf-8")
    assert "Changed again" in page and "Overridden here" not in page


def test_templates_compiled_by_other_sitegen_code_are_dropped(root: Path) -> None:
    stale = root / CACHE_DIR / "templates-0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "__jinja2_0123.cache").write_bytes(b"compiled by another version")
    build(load_config(root / "sitegen.yaml"))
    assert not stale.exists() and compiled_folder(root).is_dir()
