"""What `sitegen import` prints: `--quiet` leaves only errors, `--verbose` adds each stage's
seconds, and a progress bar shows on a terminal for imports that take over a second, never
when the output is piped (CI, logs)."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen import cli
from sitegen.cli import main
from sitegen.content import read_folder

LISTING = "A study of sparse attention\n\nWe study sparse attention.\n\nRouting tokens to experts\n\nWe route tokens.\n\n"
STAGE = re.compile(r"^ +(\d+\.\d{3}) s  (.+)$")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    assert main(["new", str(tmp_path / "site")]) == 0
    (tmp_path / "listing.txt").write_text(LISTING, encoding="utf-8")
    return tmp_path / "site"


def run(site: Path, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["import", *args, "--config", str(site / "sitegen.yaml")])
    out, err = capsys.readouterr()
    return status, out, err


def titles(site: Path) -> set[str]:
    found, problems = read_folder(site / "content" / "papers")
    assert problems == []
    return {paper.title for paper in found}


def test_quiet_prints_nothing_and_imports_everything(site: Path, capsys) -> None:
    status, out, err = run(site, capsys, str(site.parent / "listing.txt"), "--date", "2024-06-03", "--quiet")
    assert (status, out, err) == (0, "", "")
    assert titles(site) == {"A study of sparse attention", "Routing tokens to experts"}


def test_quiet_still_reports_what_was_rejected(site: Path, capsys) -> None:
    status, out, err = run(site, capsys, str(site.parent / "listing.txt"), "--quiet")  # no --date: no date for them
    assert status == 1 and out == ""
    assert err.count("rejected:") == 2 and "listing.txt" in err and "no date" in err
    assert titles(site) == set()


def test_verbose_adds_the_seconds_of_each_stage(site: Path, capsys) -> None:
    started = time.perf_counter()
    status, out, _ = run(site, capsys, str(site.parent / "listing.txt"), "--date", "2024-06-03", "--verbose")
    took = time.perf_counter() - started
    lines = out.splitlines()
    assert status == 0 and "2 new, 0 enriched, 0 unchanged, 0 rejected" in lines
    stages = [STAGE.match(line) for line in lines[lines.index("2 new, 0 enriched, 0 unchanged, 0 rejected") + 1:]]
    assert [match[2] for match in stages] == ["read the archive", "read and match the sources", "write pages"]
    assert sum(float(match[1]) for match in stages) <= took
    _, out, _ = run(site, capsys, str(site.parent / "listing.txt"), "--date", "2024-06-03", "--verbose", "--dry-run")
    assert out.splitlines()[-1].endswith("s  compare (dry run)")


def test_quiet_and_verbose_together_are_bad_usage(site: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["import", str(site.parent / "listing.txt"), "--quiet", "--verbose"])
    assert stopped.value.code == 2 and "not allowed with" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_appears_after_a_second(monkeypatch) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setattr(sys, "stderr", screen)
    progress = cli._import_progress(quiet=False)["progress"]
    for number in progress(range(3), desc="reading", unit=" papers"):
        if number == 0:
            assert screen.getvalue() == ""  # quick imports show nothing
            time.sleep(1.2)
    assert "reading: " in screen.getvalue() and "papers" in screen.getvalue()
    assert cli._import_progress(quiet=True) == {}


def test_a_piped_import_prints_no_progress(site: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "sitegen", "import", str(site.parent / "listing.txt"), "--date", "2024-06-03",
                           "--config", str(site / "sitegen.yaml")], capture_output=True, text=True, check=True)
    assert done.stderr == "" and done.stdout.endswith("2 new, 0 enriched, 0 unchanged, 0 rejected\n")
