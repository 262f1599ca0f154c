"""`sitegen new`: the smallest site that builds, with folders ready for theme overrides."""
from __future__ import annotations

from pathlib import Path

from .model import Problem, ProblemsError

CONFIG_TEMPLATE = """\
# Settings of this site; `sitegen build` reads them. Every key is optional.
title: {title}
description: ""
# Where the site is published. For a GitHub Pages project site: https://USER.github.io/REPO/
base_url: /
per_page: 20
theme: default
# Tags derived from titles and abstracts: a tag and the phrases that imply it.
tags:
  large-language-models:
    title: Large language models
    match: [large language model, large language models, LLM, LLMs]
category_tags: true
"""


def create_site(directory: Path, title: str = "Paper archive") -> list[Path]:
    """Create the site's files; refuse to touch a folder that already holds a site."""
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
    return created
