"""The full build that follows a provisional update in `sitegen serve`, in a forked process.

At 10,000 papers a full build takes seconds; in its own process it neither holds up the server
nor the next save, and it can be stopped at any moment before it starts writing the output:
the build takes a file lock before it commits (build.py's `committing`), and `stop()` takes the
same lock before killing it, so a build is either never started writing or has finished.
"""
from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .build import build
from .pipeline import forget_unused
from .buildstate import BuildState
from .liveupdate import LiveSite
from .model import ProblemsError

if TYPE_CHECKING:
    from .serve import Preview


class FollowUp:
    """One full build of the preview in a child process; reports to `preview.finish_follow_up`."""

    def __init__(self, preview: Preview):
        self.preview = preview
        self.out_dir = preview.out_dir
        self.lock_path = preview.out_dir.parent / "commit.lock"
        reader, writer = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(reader)
            _run_child(preview, self.lock_path, writer)  # never returns
        os.close(writer)
        try:
            os.setpgid(self.pid, self.pid)  # as the child does: whichever runs first, stop() finds the group
        except OSError:
            pass
        self._reader = reader
        threading.Thread(target=self._wait, name="sitegen-follow-up", daemon=True).start()

    def stop(self) -> None:
        """Stop the build; if it is writing the output already, let it finish that first."""
        with open(self.lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                os.killpg(self.pid, signal.SIGKILL)  # its render workers too
            except ProcessLookupError:
                pass

    def _wait(self) -> None:
        chunks = []
        while chunk := os.read(self._reader, 1 << 20):
            chunks.append(chunk)
        os.close(self._reader)
        os.waitpid(self.pid, 0)
        for kind in ("overlay", "building"):  # what a stopped build leaves beside the output
            shutil.rmtree(self.out_dir.parent / f".{self.out_dir.name}.{kind}-{self.pid}", ignore_errors=True)
        try:
            outcome = pickle.loads(b"".join(chunks))
        except (pickle.UnpicklingError, EOFError, ValueError):
            return  # stopped, or died: the next change builds again
        self.preview.finish_follow_up(self, outcome)


def _run_child(preview: Preview, lock_path: Path, writer: int) -> None:
    code = 1
    try:
        os.setpgid(0, 0)
        handle = open(lock_path, "a+b")  # opened here: a lock shared with the parent's file would not exclude it
        state = preview.build_state
        try:
            result = build(preview.config, preview.out_dir, state=state,
                           committing=lambda: fcntl.flock(handle, fcntl.LOCK_EX))
            outcome: tuple[str, Any] = ("built", _summary(result, state))
        except ProblemsError as err:
            outcome = ("failed", [str(problem) for problem in err.problems])
        with os.fdopen(writer, "wb") as pipe:
            pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)


def _summary(result, state: BuildState) -> dict[str, Any]:
    """What the parent needs of the build: the state it left, and what only a full build knows."""
    views = result.site.papers if result.site is not None else []
    return {
        "pages": state.pages, "outputs": state.outputs, "global_digest": state.global_digest, "out_dir": state.out_dir,
        "extras": state.extras, "mirror": state.mirror,
        "related": {view.slug: [other.slug for other in view.related] for view in views},
        "cite_keys": {view.slug: view.cite_key for view in views},
        "changed": result.changed, "rendered": result.rendered, "pages_count": result.pages, "seconds": result.seconds,
    }


def adopt_full_build(live: LiveSite | None, state: BuildState, data: dict[str, Any]) -> None:
    """Take over what the child's full build computed: its record of pages and outputs, and the
    related papers and citation keys the provisional update left as they were."""
    state.pages, state.outputs, state.global_digest, state.out_dir = data["pages"], data["outputs"], data["global_digest"], data["out_dir"]
    state.extras, state.mirror = data["extras"], data["mirror"]
    state.stale = False
    if live is None:
        return
    by_slug = live.views
    for view in live.site.papers:
        view.related = [by_slug[slug] for slug in data["related"].get(view.slug, []) if slug in by_slug]
        view.cite_key = data["cite_keys"].get(view.slug, view.cite_key)
    live.index_related(data["related"])  # here, while the server waits for the next save, not on its way
    bodies = {view.paper.body for view in live.site.papers}
    forget_unused(state.markdown, bodies)
    forget_unused(state.texts, bodies)


def page_urls(files: tuple[str, ...]) -> list[str]:
    """Output files -> the URLs of the pages among them ('papers/x/index.html' -> '/papers/x/')."""
    urls = []
    for name in files:
        if name.endswith(".html"):
            urls.append("/" + name.removesuffix("index.html") if name.endswith("index.html") else "/" + name)
    return urls
