"""`sitegen serve`: build, serve the preview, watch the sources, rebuild and reload the browser.

The preview is built into a temporary folder (public/ is left to `sitegen build`), served under
the base_url's path so that what you preview is what you deploy; after a `sitegen build` it
starts as a hard-linked copy of public/ (preview_start.py). A failed build never stops the
server: the error goes to the terminal and, as an overlay, to every open tab.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .build import build
from .buildstate import BuildState, load_state
from .collector import back_into_collections, keep_out_of_collections
from .config import Config, load_config, with_theme
from .devserver import LiveState, make_server
from .followup import FollowUp, adopt_full_build, page_urls
from .liveupdate import LiveSite, quick_update
from .model import ProblemsError
from .preview_start import PREFIX, preview_parent, start_from_output
from .render import compile_templates
from .theming import resolve_theme
from .troubleshooting import line_with_link
from .watch import Watcher


@dataclass
class ServeOptions:
    config_file: Path
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    poll: bool = False
    theme: str | None = None


class Preview:
    """Owns the configuration, the output folder and the live state; rebuilds on change.

    A save of paper files updates the pages that show them at once (liveupdate.py) and reloads
    the tabs showing those pages; a full build then brings the rest of the site (related papers,
    search index, feeds, citations) up to date in a forked process (FollowUp), so that neither
    the server nor the next save waits for it. Any other change runs a full build here.
    """

    def __init__(self, options: ServeOptions, out_dir: Path, say: Callable[[str], None]):
        self.options = options
        self.out_dir = out_dir
        self.say = say
        self.state = LiveState()
        # Kept between rebuilds: only what changed is re-rendered. The first build starts from the
        # cache of the site's last `sitegen build` (read, never written here): papers it parsed,
        # related papers and citation keys it derived are not computed again, and the pages it
        # wrote are linked, not rendered again (preview_start.py).
        self.build_state: BuildState | None = None
        self.config: Config | None = None
        self.live: LiveSite | None = None
        self.follow_up: FollowUp | None = None
        self._lock = threading.Lock()

    def load_config(self) -> Config:
        config = load_config(self.options.config_file)
        return with_theme(config, self.options.theme) if self.options.theme else config

    def rebuild(self, changed: set[Path] | None = None) -> bool:
        """Update or build once; tell the tabs to reload, or show the problems. True when it built."""
        with self._lock:
            started = time.perf_counter()
            self._stop_follow_up()
            try:
                if changed and self.live is not None and self._update(changed, started):
                    return True
                self.live = None
                back_into_collections()
                self.config = self.load_config()
                linked = False
                if self.build_state is None:
                    self.build_state = load_state(self.config.root)
                    linked = start_from_output(self.config, self.build_state, self.out_dir)
                result = build(self.config, self.out_dir, state=self.build_state, keep_site=True)
            except ProblemsError as err:
                self.live = None  # what was shown no longer matches what was read: the next change builds
                self._failed(err.problems)
                return False
            self.live = LiveSite.after(self.config, result, self.build_state)
            if self.live is not None:
                # the templates a save renders with, which a build that rendered no page here (a
                # start from `sitegen build`'s pages) left to the first save: 100 ms of it at 10,000 papers
                compile_templates(self.live.env)
            keep_out_of_collections()
            css_only = bool(changed) and all(p.suffix == ".css" for p in changed)
            self.state.rebuilt(css_only)
            what = f"{len(changed)} change(s)" if changed else "start, from the pages of the last build" if linked else "start"
            self.say(f"rendered {result.rendered} of {result.pages} pages in {time.perf_counter() - started:.2f} s ({what})")
            return True

    def _update(self, changed: set[Path], started: float) -> bool:
        """The provisional update of saved papers, then the full build in the background."""
        urls = quick_update(self.live, self.build_state, changed)
        if urls is None:
            return False
        self.state.rebuilt(False, self._served(urls))
        self.say(f"updated {len(urls)} page(s) in {(time.perf_counter() - started) * 1000:.0f} ms ({len(changed)} change(s)); "
                 "bringing the rest of the site up to date")
        self.follow_up = FollowUp(self)
        return True

    def finish_follow_up(self, follow_up: FollowUp, outcome: tuple[str, Any]) -> None:
        """Called by a FollowUp that ran to the end: adopt its build, or show its problems."""
        with self._lock:
            if self.follow_up is not follow_up:
                return  # stopped for a newer change
            self.follow_up = None
            kind, data = outcome
            if kind == "failed":
                self._failed(data)
                return
            adopt_full_build(self.live, self.build_state, data)
            self.say(f"site up to date: rendered {data['rendered']} of {data['pages_count']} pages in {data['seconds']:.2f} s")
            if data["changed"] is None or data["changed"]:
                self.state.rebuilt(False, None if data["changed"] is None else self._served(page_urls(data["changed"])), followup=True)

    def close(self) -> None:
        """Stop the full build of a save still running in the background (it writes into the
        preview's folder, which goes next)."""
        with self._lock:
            self._stop_follow_up()

    def _stop_follow_up(self) -> None:  # with the lock held
        if self.follow_up is not None:
            self.follow_up.stop()
            self.follow_up = None

    def watched(self) -> tuple[list[Path], list[Path]]:
        """Folders and files whose changes rebuild: content, the site's templates, static and extra
        files and themes, every theme folder in use (bundled ones included), and sitegen.yaml."""
        config_file = self.options.config_file.resolve()
        root = config_file.parent
        folders = [root / "content", root / "templates", root / "static", root / "extra", root / "themes"]
        if self.config is not None:
            folders.append(self.config.content_dir)
            try:
                chain = resolve_theme(root, self.config.theme, self.config.theme_options)
                folders += [theme.path for theme in chain.themes]
            except ProblemsError:
                pass
        return folders, [config_file]

    def _served(self, urls: list[str]) -> list[str]:
        prefix = self.config.base_path if self.config else ""
        return [prefix + url for url in urls]

    def _failed(self, problems: list) -> None:
        lines = [str(p) for p in problems]
        for line in lines:
            self.say(line_with_link(f"error: {line}"))  # and the troubleshooting entry explaining it
        self.say(f"build failed ({len(lines)} error(s)); still serving the last good build")
        self.state.failed(lines)

def run_preview(options: ServeOptions, say: Callable[[str], None], ready: Callable[[str], None] | None = None,
                stop: threading.Event | None = None) -> None:
    """Serve until interrupted (or until `stop` is set, for tests). Raises OSError if the port is taken."""
    parent = preview_parent(options.config_file)
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-" if parent else "sitegen-serve-", dir=parent) as tmp:
        preview = Preview(options, Path(tmp) / "site", say)
        preview.rebuild()
        prefix = preview.config.base_path if preview.config else ""
        server = make_server(options.host, options.port, preview.out_dir, prefix, preview.state)
        url = f"http://{options.host}:{server.server_address[1]}{prefix}/"
        folders, files = preview.watched()
        watcher = Watcher(folders, files, preview.rebuild, poll=options.poll)
        watcher.start()
        thread = threading.Thread(target=server.serve_forever, name="sitegen-http", daemon=True)
        thread.start()
        say(f"Serving {url} (watching with {watcher.mode} events; Ctrl-C stops)")
        if ready:
            ready(url)
        if options.open_browser:
            webbrowser.open(url)
        try:
            while not (stop and stop.is_set()):
                time.sleep(0.2)
        finally:
            watcher.stop()
            preview.close()
            server.shutdown()
            server.server_close()
