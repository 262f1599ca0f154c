"""`sitegen build` shows a progress bar on a terminal for builds over a second, and nothing
when its output is piped (CI, logs)."""
from __future__ import annotations

import io
import subprocess
import sys
import time

from conftest import paper_text
from sitegen import cli


def test_the_bar_appears_after_a_second_with_the_stage_and_pages(monkeypatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    with cli._build_progress(enabled=True) as progress:
        progress("assemble", 0, 0)
        assert screen.getvalue() == ""  # quick builds show nothing
        time.sleep(1.2)
        progress("render", 1500, 19205)
        shown = screen.getvalue()
    assert "render: 1500/19205 pages" in shown


def test_a_piped_build_prints_no_progress(make_site) -> None:
    root = make_site({"p1": paper_text("One")})
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", "--config", str(root / "sitegen.yaml")],
                          capture_output=True, text=True, check=True)
    assert done.stderr == "" and done.stdout.startswith("Built 1 papers")
