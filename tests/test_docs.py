"""The docs cannot rot: the references match the code, and every shell command shown in them runs."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from sitegen import __version__, docgen
from sitegen.cli import make_parser
from sitegen.config import OPTIONS, config_from_mapping
from sitegen.content import parse_paper

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
SKIP_MARK = re.compile(r"<!--\s*(network|no-run)\b:?\s*(.*?)\s*-->")
FENCE = re.compile(r"^(`{3,})(\S*)[^\n]*\n(.*?)^\1\s*$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    skip: str | None  # why it is not run: "network" or "no-run: reason"

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def code_blocks(page: Path) -> list[Block]:
    """Every fenced block of a page, with the skip marker on the last non-blank line before it."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1]
        mark = SKIP_MARK.fullmatch(before.strip())
        skip = None if mark is None else (mark.group(1) + (f": {mark.group(2)}" if mark.group(2) else ""))
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(page, line, match.group(2), match.group(3), skip))
    return blocks


def shell_blocks(page: Path) -> list[Block]:
    return [block for block in code_blocks(page) if block.lang == "sh"]


def heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lowercase, punctuation dropped, spaces to hyphens."""
    anchors = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


# --- the generated references -------------------------------------------------------------------

def test_configuration_reference_is_what_the_generator_writes() -> None:
    assert (DOCS / "configuration.md").read_text(encoding="utf-8") == docgen.render_config_reference(), \
        "docs/configuration.md is out of date: run `python -m sitegen.docgen`"


def test_cli_reference_is_what_the_generator_writes() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == docgen.render_cli_reference(), \
        "docs/cli.md is out of date: run `python -m sitegen.docgen`"


def test_configuration_reference_lists_every_option() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [option.key for option in OPTIONS if f"| `{option.key}` |" not in text]
    assert not missing, f"options missing from docs/configuration.md: {missing}"


def _commands(parser, path: str = "sitegen"):
    yield path, parser
    for name, _, sub in docgen._subparsers(parser):
        yield from _commands(sub, f"{path} {name}")


def test_cli_reference_lists_every_verb_and_flag() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = []
    for path, parser in _commands(make_parser()):
        if path != "sitegen" and f"`{path}`" not in text:
            missing.append(path)
        section = text.split(f"`{path}`\n", 1)[-1]
        for action in parser._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help") and flag not in section:
                    missing.append(f"{path} {flag}")
    assert not missing, f"missing from docs/cli.md: {missing}"


def test_docgen_check_passes_on_the_committed_files() -> None:
    assert docgen.main(["--docs", str(DOCS), "--check"]) == 0


def test_configuration_example_is_valid(tmp_path: Path) -> None:
    import yaml

    block = next(b for b in code_blocks(DOCS / "configuration.md") if b.lang == "yaml")
    config_from_mapping(yaml.safe_load(block.code), tmp_path)


def test_content_file_examples_are_valid() -> None:
    for page in (DOCS / "content.md", ROOT / "README.md"):
        for block in code_blocks(page):
            if block.lang == "yaml" and block.code.startswith("---\n"):
                paper, problems = parse_paper(block.code, str(block), "example")
                assert not problems, [str(p) for p in problems]


# --- version and changelog ----------------------------------------------------------------------

def test_the_installed_version_is_the_one_the_package_declares() -> None:
    """pyproject.toml takes the version from sitegen.__version__; the installed metadata says the same."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sitegen.__version__"}
    result = subprocess.run([sys.executable, "-m", "sitegen", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"sitegen {__version__}" == f"sitegen {metadata.version('sitegen')}"


def test_changelog_has_a_section_for_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d\d-\d\d$", text, re.M)


# --- links ----------------------------------------------------------------------------------------

def test_links_between_docs_resolve() -> None:
    broken = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            path = (page.parent / file).resolve() if file else page
            if not path.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and path.suffix == ".md" and anchor not in heading_anchors(path):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken


def test_troubleshooting_covers_the_messages_users_meet() -> None:
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    for message in ["no such file (run `sitegen new DIR` to start a site)", "unknown setting; did you mean",
                    "not valid YAML", "required, and missing", "write the id in quotes", "is not a slug",
                    "not UTF-8 text", "no date: pass --date", "no importer recognises this file",
                    "template error", "no such folder: put papers in content/papers/",
                    "refusing to build into this folder", "a site already exists here", "is in use"]:
        assert message in text, message


def test_error_summary_points_at_troubleshooting(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "sitegen", "build"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and "docs/troubleshooting.md" in result.stderr.splitlines()[-1]


# --- every shell command shown runs ---------------------------------------------------------------

def test_no_unmarked_block_needs_the_network_or_starts_a_server() -> None:
    risky = re.compile(r"^\s*(sitegen (fetch|enrich|serve)\b(?!.*--offline)|git (push|clone)|pip install|curl )", re.M)
    unmarked = [str(b) for page in PAGES for b in shell_blocks(page) if b.skip is None and risky.search(b.code)]
    assert not unmarked, f"mark these <!-- network --> or <!-- no-run: why -->: {unmarked}"


def _sample_site(folder: Path) -> None:
    """What a reader has after cloning: the bundled sample site's settings and content."""
    shutil.copy(ROOT / "sitegen.yaml", folder / "sitegen.yaml")
    shutil.copytree(ROOT / "content", folder / "content")


RUNNABLE = [page for page in PAGES if any(b.skip is None for b in shell_blocks(page))]


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_shell_blocks_run(page: Path, tmp_path: Path) -> None:
    """The page's blocks run in order in one folder, as a reader would type them (a `cd` carries on)."""
    home = tmp_path / "reader"
    home.mkdir()
    _sample_site(home)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "HOME": str(tmp_path), "NO_COLOR": "1"}
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[proxy] = "http://127.0.0.1:9"  # nothing listens there: a command that goes online fails at once
    cwd_file = tmp_path / "cwd"
    cwd_file.write_text(str(home))
    for block in shell_blocks(page):
        if block.skip:
            continue
        script = f'cd "$(cat {cwd_file})"\nset -euo pipefail\n{block.code}\npwd > {cwd_file}\n'
        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=600)
        assert result.returncode == 0, (
            f"{block} failed with status {result.returncode}:\n{block.code}\n--- stdout\n{result.stdout[-3000:]}"
            f"\n--- stderr\n{result.stderr[-3000:]}")
