"""The daily digest workflow: one source of truth that `sitegen new --digest hf-daily` writes and
this repository ships disabled; valid, least-privilege, and its fetch and commit steps work."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from fetch_support import HF_DAY, api, corpus, local_network_only, ok, sources_yaml  # noqa: F401  (fixtures)
from sitegen.cli import main
from sitegen.fetch import today_utc
from sitegen.scaffold import DIGEST_WORKFLOWS, PAGES_WORKFLOW

DIGEST = DIGEST_WORKFLOWS["hf-daily"]
EXAMPLE = REPO / ".github" / "workflows" / "daily-digest.yml.example"
BIN = str(Path(sys.executable).parent)


def workflow(path: Path = DIGEST) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(flow: dict) -> dict:
    return flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true


def step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_the_repository_ships_the_workflow_disabled_and_identical():
    assert EXAMPLE.read_text(encoding="utf-8") == DIGEST.read_text(encoding="utf-8")
    assert not (REPO / ".github" / "workflows" / "daily-digest.yml").exists()  # GitHub runs only .yml/.yaml files


def test_new_with_digest_writes_the_workflow_and_ignores_the_cache(tmp_path):
    assert main(["new", str(tmp_path / "plain")]) == 0
    assert not (tmp_path / "plain" / ".github" / "workflows" / "daily-digest.yml").exists()
    assert main(["new", str(tmp_path / "digest"), "--digest", "hf-daily"]) == 0
    written = tmp_path / "digest" / ".github" / "workflows" / "daily-digest.yml"
    assert written.read_text(encoding="utf-8") == DIGEST.read_text(encoding="utf-8")
    assert "/.sitegen-cache/" in (tmp_path / "digest" / ".gitignore").read_text().splitlines()


def test_it_runs_daily_and_by_hand():
    on = triggers(workflow())
    (schedule,) = on["schedule"]
    minute, hour, *every_day = schedule["cron"].split()
    assert every_day == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()
    assert "since" in on["workflow_dispatch"]["inputs"]


def test_each_job_gets_only_the_rights_it_needs():
    flow = workflow()
    assert flow["permissions"] == {"contents": "read"}
    assert flow["jobs"]["update"]["permissions"] == {"contents": "write", "pages": "read"}
    deploy = flow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "update" and deploy["environment"]["name"] == "github-pages"
    assert flow["concurrency"] == workflow(PAGES_WORKFLOW)["concurrency"]  # never two deployments at once


def test_it_uses_the_same_actions_and_install_step_as_the_pages_workflow():
    def uses(flow: dict) -> set[str]:
        return {s["uses"] for job in flow["jobs"].values() for s in job["steps"] if "uses" in s}

    pages, digest = workflow(PAGES_WORKFLOW), workflow()
    assert uses(digest) == uses(pages)
    assert step(digest["jobs"]["update"], "Install sitegen") == step(pages["jobs"]["build"], "Install sitegen")
    for name in ("Build",):
        assert step(digest["jobs"]["update"], name) == step(pages["jobs"]["build"], name)


def test_a_failed_fetch_still_commits_and_publishes_then_fails_the_run():
    flow = workflow()
    fetch = step(flow["jobs"]["update"], "Fetch the daily papers")
    assert fetch["continue-on-error"] is True and flow["jobs"]["update"]["outputs"]["fetch"] == "${{ steps.fetch.outcome }}"
    report = step(flow["jobs"]["deploy"], "Report days that could not be fetched")
    assert report["if"] == "needs.update.outputs.fetch == 'failure'" and "exit 1" in report["run"]


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_fetch_and_commit_steps_push_the_days_papers(tmp_path, corpus, api):
    """The steps' own shell, as the schedule runs them (yesterday and today, UTC), against the
    scripted API (answering with two recorded days) and a local bare repository as `origin`."""
    today = today_utc()
    yesterday = today - timedelta(days=1)
    api.hf_day(str(yesterday), ok(HF_DAY / "2024-06-03.json"))
    api.hf_day(str(today), ok(HF_DAY / "2024-06-04.json"))
    origin, site = tmp_path / "origin.git", tmp_path / "site"
    git = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(origin)], check=True)
    assert main(["new", str(site), "--digest", "hf-daily"]) == 0
    (site / "sitegen.yaml").write_text(sources_yaml(api.base), encoding="utf-8")
    (site / "content" / "papers" / ".gitkeep").write_text("")
    setup = "git init --quiet --initial-branch=main && git add -A && git commit --quiet -m init && " \
            "git remote add origin ../origin.git && git push --quiet -u origin main"
    assert run_step(setup, site, git).returncode == 0
    update = workflow(site / ".github" / "workflows" / "daily-digest.yml")["jobs"]["update"]
    fetched = run_step(step(update, "Fetch the daily papers")["run"], site, {**git, "SINCE": ""})
    assert fetched.returncode == 0, fetched.stderr
    assert [p["date"] for p in api.asked("/api/daily_papers")] == [str(yesterday), str(today)]
    committed = run_step(step(update, "Commit the new pages")["run"], site, git)
    assert committed.returncode == 0, committed.stderr
    pushed = subprocess.run(["git", "--git-dir", str(origin), "show", "--name-only", "--format=%s", "main"],
                            capture_output=True, text=True, env={**os.environ, **git}).stdout
    assert pushed.startswith("Daily digest: Hugging Face papers up to") and pushed.count("content/papers/") == 12
    assert ".sitegen-cache" not in pushed
    again = run_step(step(update, "Commit the new pages")["run"], site, git)
    assert again.returncode == 0 and "No new or changed pages." in again.stdout
