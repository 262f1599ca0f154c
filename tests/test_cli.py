"""The command line behaves like the tools people know: help, version, exit codes, no tracebacks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import __version__
from sitegen.cli import main
from sitegen.config import load_config


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, cwd=cwd)


def test_version_is_printed() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"sitegen {__version__}"


@pytest.mark.parametrize("verb", ["new", "import", "build"])
def test_every_verb_has_help(verb: str) -> None:
    result = run(verb, "--help")
    assert result.returncode == 0 and f"usage: sitegen {verb}" in result.stdout


def test_bad_usage_exits_2() -> None:
    assert run("build", "--no-such-flag").returncode == 2
    assert run("frobnicate").returncode == 2
    bad_date = run("import", "x.txt", "--date", "2023-13-01")
    assert bad_date.returncode == 2 and "month 13" in bad_date.stderr


def test_config_error_exits_1_naming_the_key_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yaml").write_text("title: x\nper_page: 0\n")
    result = run("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "sitegen.yaml:2: per_page: expected a whole number of at least 1, found 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_settings_file_is_an_input_error(tmp_path: Path) -> None:
    result = run("build", cwd=tmp_path)
    assert result.returncode == 1 and "sitegen new" in result.stderr and "Traceback" not in result.stderr


def test_new_scaffolds_a_site_that_builds(tmp_path: Path) -> None:
    site = tmp_path / "lab"
    assert main(["new", str(site), "--title", 'Our "lab"']) == 0
    config = load_config(site / "sitegen.yaml")
    assert config.title == 'Our "lab"' and (site / "content" / "papers").is_dir()
    assert main(["build", "--config", str(site / "sitegen.yaml")]) == 0
    assert (site / "public" / "index.html").is_file()


def test_new_refuses_an_existing_site(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path)]) == 0
    before = (tmp_path / "sitegen.yaml").read_bytes()
    assert main(["new", str(tmp_path)]) == 1
    assert (tmp_path / "sitegen.yaml").read_bytes() == before


def test_build_refuses_to_replace_the_site_folder(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path)]) == 0
    assert main(["build", "--config", str(tmp_path / "sitegen.yaml"), "--out", str(tmp_path)]) == 1
    assert (tmp_path / "sitegen.yaml").is_file()


NUMPY_THREADS = """
import os, sitegen.cli as cli
def main():
    import numpy  # what a build's processes load for the search index and related papers
    print(len(os.listdir("/proc/self/task")), os.environ["OPENBLAS_NUM_THREADS"])
    return 0
cli.main = main
cli.run()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in Linux's /proc")
@pytest.mark.parametrize("given", [None, "3"])
def test_the_command_loads_numpy_without_blas_threads_unless_told(given: str | None) -> None:
    """OpenBLAS starts a spinning thread per core as NumPy loads (sitegen never calls BLAS): the
    `sitegen` command asks for none, unless OPENBLAS_NUM_THREADS says otherwise."""
    env = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    threads, setting = subprocess.run([sys.executable, "-c", NUMPY_THREADS], capture_output=True, text=True, env=env,
                                      check=True).stdout.split()
    assert setting == (given or "1")
    if given is None:
        assert threads == "1"
