"""File watching for `sitegen serve`: watchdog events, debounced into one batch per burst of saves.

Native events (inotify and friends) are used where they work; `--poll`, or a failure to start
them (too many watches, a network drive), falls back to polling, so watching never goes silent.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

QUIET_SECONDS = 0.1  # saves closer together than this are one change (a truncate, then a write)
MAX_WAIT_SECONDS = 1.0  # but a steady stream of saves still rebuilds at least this often
IGNORED_SUFFIXES = (".swp", ".swx", ".tmp", "~", ".part")


def is_noise(path: str) -> bool:
    """Editor swap files, our own atomic-write temporaries, hidden files."""
    name = Path(path).name
    return name.startswith((".", "#")) or name.endswith(IGNORED_SUFFIXES) or "/.git/" in path


class _Collector(FileSystemEventHandler):
    def __init__(self, accept: Callable[[Path], bool], sink: Callable[[set[Path]], None]):
        self.accept = accept
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = {event.src_path, getattr(event, "dest_path", "") or ""}
        found = {Path(p) for p in paths if p and not is_noise(str(p)) and self.accept(Path(p))}
        if found and not (event.is_directory and event.event_type == "modified"):
            self.sink(found)


class Watcher:
    """Watches folders (recursively) and single files; calls `on_change(paths)` once per burst.

    A folder that does not exist yet (a site's first `static/`) is watched for by its parent and
    watched itself from the moment it appears.
    """

    def __init__(self, folders: Iterable[Path], files: Iterable[Path], on_change: Callable[[set[Path]], None], poll: bool = False):
        self.folders = sorted({f.resolve() for f in folders})
        self.files = {f.resolve() for f in files}
        self.on_change = on_change
        self.poll = poll
        self.mode = "polling" if poll else "native"
        self._pending: set[Path] = set()
        self._first = 0.0
        self._last = 0.0
        self._lock = threading.Condition()
        self._stopped = False
        self._observer = None
        self._handler = _Collector(self._accept, self._collect)
        self._scheduled: set[tuple[Path, bool]] = set()
        self._thread = threading.Thread(target=self._deliver, name="sitegen-watch", daemon=True)

    def _accept(self, path: Path) -> bool:
        return path in self.files or any(folder == path or folder in path.parents for folder in self.folders)

    def _collect(self, paths: set[Path]) -> None:
        with self._lock:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending |= paths
            self._last = now
            self._lock.notify()

    def start(self) -> None:
        try:
            self._observer = PollingObserver(timeout=0.5) if self.poll else Observer()
            self._schedule_all()
            self._observer.start()
        except OSError:  # inotify limits, unsupported file systems: never go silent, poll instead
            self.mode = "polling (native events unavailable)"
            self._scheduled.clear()
            self._observer = PollingObserver(timeout=0.5)
            self._schedule_all()
            self._observer.start()
        self._thread.start()

    def _schedule_all(self) -> None:
        """Watch every existing folder; for a missing one, its nearest existing parent."""
        wanted: set[tuple[Path, bool]] = {(f.parent, False) for f in self.files}
        for folder in self.folders:
            if folder.is_dir():
                wanted.add((folder, True))
            else:
                parent = folder.parent
                while not parent.is_dir() and parent != parent.parent:
                    parent = parent.parent
                wanted.add((parent, False))
        for path, recursive in sorted(wanted - self._scheduled):
            if recursive or (path, True) not in wanted:
                self._observer.schedule(self._handler, str(path), recursive=recursive)
                self._scheduled.add((path, recursive))

    def _deliver(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                now = time.monotonic()
                quiet = now - self._last >= QUIET_SECONDS
                overdue = now - self._first >= MAX_WAIT_SECONDS
                if not (quiet or overdue):
                    self._lock.wait(QUIET_SECONDS)
                    continue
                batch, self._pending = self._pending, set()
            if any(path in self.folders for path in batch):
                self._schedule_all()  # a watched folder appeared: watch inside it from now on
            self.on_change(batch)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
