"""`sitegen new`: the smallest site that builds, with folders ready for theme overrides, and
the GitHub Pages workflow that publishes it on the first push (plus, with `--digest`, the
workflow that fetches, commits and publishes new papers every day)."""
from __future__ import annotations

import json
from pathlib import Path

from . import __version__
from .model import Problem, ProblemsError

# The one copy of the Pages workflow: new sites get it, and the sitegen repository's own
# .github/workflows/pages.yml is kept identical to it (a test compares them).
PAGES_WORKFLOW = Path(__file__).parent / "deploy" / "github-pages.yml"
# The one copy of the daily digest workflow, likewise: `sitegen new --digest hf-daily` writes it as
# .github/workflows/daily-digest.yml, and the sitegen repository ships it, disabled, as
# .github/workflows/daily-digest.yml.example (a test compares them).
DIGEST_WORKFLOWS = {"hf-daily": Path(__file__).parent / "deploy" / "daily-digest.yml"}

CONFIG_TEMPLATE = """\
# Settings of this site; `sitegen build` reads them. Every key is optional.
title: {title}
description: ""
# Where the site is published. For a GitHub Pages project site: https://USER.github.io/REPO/
# (the workflow in .github/workflows/pages.yml passes the right one itself). Feeds and the
# sitemap need a full URL here, so with a bare path they are left out of local builds.
base_url: /
per_page: 20
# How many of the newest papers each feed lists.
feed_limit: 20
theme: default
# Tags derived from titles and abstracts: a tag and the phrases that imply it.
tags:
  large-language-models:
    title: Large language models
    match: [large language model, large language models, LLM, LLMs]
category_tags: true
# Where `sitegen fetch` and `sitegen enrich` ask for papers, and how politely (the defaults; the
# build never uses the network). Delays and timeouts are in seconds.
# sources:
#   hf_api: https://huggingface.co/api
#   arxiv_api: https://export.arxiv.org/api
#   request_delay: 3
#   timeout: 30
#   retries: 3
#   backoff: 5
#   max_wait: 120
"""

REQUIREMENTS_TEMPLATE = """\
# What the GitHub Pages workflow (.github/workflows/pages.yml) installs to build this site.
# Name the sitegen you build with, for instance the repository you installed it from:
#   sitegen @ git+https://github.com/OWNER/sitegen@v{version}
# Do not write a bare `sitegen`: on PyPI that name belongs to an unrelated project.
{requirement}
"""

GITIGNORE = "/public/\n/.public.*\n/_site/\n/.sitegen-cache/\n"  # .public.*: the output's mirror and a build's temporary folders


def create_site(directory: Path, title: str = "Paper archive", digest: str | None = None) -> list[Path]:
    """Create the site's files; refuse to touch a folder that already holds a site. `digest` names
    a source (`hf-daily`) to publish a daily digest of, with a scheduled workflow."""
    config = directory / "sitegen.yaml"
    if config.exists():
        raise ProblemsError([Problem(str(config), None, "a site already exists here; nothing was changed")])
    created = []
    for folder in (directory / "content" / "papers", directory / "templates", directory / "static"):
        folder.mkdir(parents=True, exist_ok=True)
        created.append(folder)
    quoted_title = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    config.write_text(CONFIG_TEMPLATE.format(title=quoted_title), encoding="utf-8")
    created.append(config)
    requirement = sitegen_requirement() or "# sitegen @ git+https://github.com/OWNER/sitegen@v" + __version__
    extra_files = {
        directory / ".github" / "workflows" / "pages.yml": PAGES_WORKFLOW.read_text(encoding="utf-8"),
        directory / "requirements.txt": REQUIREMENTS_TEMPLATE.format(version=__version__, requirement=requirement),
        directory / ".gitignore": GITIGNORE,
    }
    if digest is not None:
        workflow = DIGEST_WORKFLOWS[digest].read_text(encoding="utf-8")
        extra_files[directory / ".github" / "workflows" / "daily-digest.yml"] = workflow
    for path, text in extra_files.items():
        if path.exists():  # a folder that is already a repository keeps its own files
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        created.append(path)
    return created


def sitegen_requirement() -> str | None:
    """How a CI machine can install the sitegen running now: the version-control or archive URL
    it was installed from (PEP 610), or None when that was a local folder or an index."""
    from importlib.metadata import PackageNotFoundError, distribution  # 10 ms: only `sitegen new` needs it

    try:
        raw = distribution("sitegen").read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    try:
        info = json.loads(raw or "{}")
    except ValueError:
        return None
    url = info.get("url", "")
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id") and not url.startswith("file:"):
        return f"sitegen @ {vcs['vcs']}+{url}@{vcs['commit_id']}"
    if "archive_info" in info and url.startswith(("https://", "http://")):
        return f"sitegen @ {url}"
    return None
