"""Files a site publishes at the root of its output as they are: the site's `extra/` folder.

Hosts and search engines look for some files at fixed addresses: `/CNAME` (a custom domain on a
GitHub Pages site published from a branch), Netlify's `/_headers` and `/_redirects`, a search
console's `/google….html`, `/.well-known/security.txt`, a paper's PDF in its page's folder
(where Google Scholar wants it). Static files go to /static/ (themes link them from there), so
these have a folder of their own, copied to the root unchanged (dot-folders such as
`.well-known/` included). An extra file may not take the place of a file the build writes (a
page, robots.txt, a feed, a static file, the search index): the build reports it.
"""
from __future__ import annotations

import os
from pathlib import Path

from .buildstate import Signature, signature
from .model import Problem

FOLDER = "extra"
_IGNORED = frozenset({".DS_Store", "Thumbs.db"})  # what file managers leave behind, never meant to be published
_VERSION_CONTROL = frozenset({".git", ".hg", ".svn"})  # a repository's history is never meant to be published either


def extra_files(site_root: Path) -> dict[str, Path]:
    """Every file of the site's extra/ folder by its path in the output (POSIX, relative)."""
    folder = site_root / FOLDER
    if not folder.is_dir():
        return {}
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in _IGNORED and _VERSION_CONTROL.isdisjoint(path.relative_to(folder).parts)}


def extra_signatures(files: dict[str, Path]) -> dict[str, Signature | None]:
    """Each extra file's signature (see buildstate.signature): a build copies again only the files
    whose signature changed since the last one (an archive may keep large PDFs here)."""
    return {name: signature(path) for name, path in files.items()}


def clashes(files: dict[str, Path], generated: set[str], target: Path) -> list[Problem]:
    """The extra files that would replace what the build writes: a file of `generated` (relative
    paths, the output's files this build keeps), anything the build has written to `target`, or
    a folder of either (and the other way round: a generated file where an extra needs a folder)."""
    folders = {parent for name in generated for parent in _parents(name)}
    problems = []
    for name, path in files.items():
        taken = name in generated or name in folders or os.path.lexists(target / name) \
            or any(parent in generated or os.path.isfile(target / parent) for parent in _parents(name))
        if taken:
            problems.append(Problem(str(path), None, f"the build writes /{name} itself; an extra file may not replace it (rename or remove it)"))
    return problems


def _parents(name: str) -> list[str]:
    """'a/b/c.txt' -> ['a', 'a/b']."""
    parts = name.split("/")[:-1]
    return ["/".join(parts[: end + 1]) for end in range(len(parts))]
