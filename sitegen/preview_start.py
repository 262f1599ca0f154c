"""Where `sitegen serve` builds its preview, and how it starts from the output of the last build.

The preview has a folder of its own (public/ is left to `sitegen build`), but its first build
need not render every page again. When the cache says which build wrote public/, and that build
had this one's settings, theme and sitegen, the preview starts as a hard-linked copy of public/
and its first build is an incremental one: it renders only the pages whose inputs changed since,
and any file of public/ changed by hand. At 10,000 papers that is some 30,000 links and no
pages rendered, instead of 19,205 pages.

This is safe because no build or update writes into an output file in place: each is replaced
by a rename, or deleted (the output's mirror relies on the same), so public/ never sees what
happens to the preview.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .build import build_lock, global_digest
from .buildstate import BuildState, cache_folder
from .config import Config
from .model import ProblemsError
from .pipeline import link_tree
from .textfiles import process_is_alive
from .theming import resolve_theme, static_files

PREFIX = "serve-"  # a preview folder in the cache folder: serve-<pid>-<random>


def preview_parent(config_file: Path) -> Path | None:
    """The folder for the preview's temporary folder: the cache folder of the site of
    `config_file`, on the file system of public/ (so the preview can be linked from it) in the
    usual layout, with the folders of previews whose `sitegen serve` was killed removed. None (the
    system's temporary folder) when there is no site there (nothing is made in a folder that
    only lacks its sitegen.yaml) or it cannot be written."""
    if not config_file.is_file():
        return None
    root = config_file.resolve().parent
    try:
        folder = cache_folder(root)
    except OSError:
        return None
    for left in folder.glob(f"{PREFIX}*-*"):
        pid = left.name.removeprefix(PREFIX).partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_is_alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
    return folder


def start_from_output(config: Config, state: BuildState, preview: Path) -> bool:
    """Make `preview` (not there yet) a hard-linked copy of the output that `state`, loaded from
    the cache, describes, and point `state` at it, when that output was built with this `config`,
    theme and sitegen: the build into `preview` then renders only what changed since. False, and
    nothing made, otherwise, or where hard links cannot be made (another file system)."""
    out_dir = config.output_dir.resolve()
    if state.out_dir != str(out_dir) or state.stale or not state.outputs or not out_dir.is_dir() or preview.exists():
        return False
    try:
        chain = resolve_theme(config.root, config.theme, config.theme_options, str(config.root / "sitegen.yaml"))
        if state.global_digest != global_digest(config, chain, static_files(config.root, chain)):
            return False  # every page would render again: linking would only add to that
        with build_lock(config.root):  # not while a `sitegen build` replaces public/
            link_tree(out_dir, preview)
    except (OSError, ProblemsError):  # the build that follows reports the problems
        shutil.rmtree(preview, ignore_errors=True)
        return False
    state.out_dir = str(preview.resolve())
    state.mirror = ""  # the mirror trusted is public/'s: the preview's is made by its first build
    return True
