"""The preview HTTP server of `sitegen serve`: the built site under its base path, live-reload
events, and nothing outside the output folder.

HTML responses get one <script> tag for live reload at serve time; the files on disk never do.
"""
from __future__ import annotations

import json
import mimetypes
import posixpath
import queue
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ASSETS = Path(__file__).parent / "devserver_assets"
EVENTS_PATH = "/__sitegen/events"
SCRIPT_PATH = "/__sitegen/livereload.js"
RELOAD_TAG = f'<script src="{SCRIPT_PATH}"></script>'.encode()
HEARTBEAT_SECONDS = 15.0
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".woff2": "font/woff2", ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon",
}


class LiveState:
    """What every connected tab must know: the current build number and the last build's errors."""

    def __init__(self) -> None:
        self.build = 0
        self.problems: list[str] = []
        self._clients: list[queue.Queue] = []
        self._lock = threading.Lock()

    def subscribe(self) -> queue.Queue:
        client: queue.Queue = queue.Queue()
        with self._lock:
            self._clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def hello(self) -> tuple[str, dict]:
        return "hello", {"build": self.build, "problems": self.problems}

    def rebuilt(self, css_only: bool, paths: list[str] | None = None, followup: bool = False) -> None:
        """A good build: every tab drops its error overlay and reloads (or swaps its stylesheets);
        given `paths`, only the tabs showing one of those pages reload. `followup` marks the full
        build that completes a provisional update."""
        self.build += 1
        self.problems = []
        self._broadcast("reload", {"build": self.build, "css_only": css_only, "paths": paths, "followup": followup})

    def failed(self, problems: list[str]) -> None:
        self.problems = problems
        self._broadcast("failed", {"problems": problems})

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def _broadcast(self, event: str, data: dict) -> None:
        with self._lock:
            for client in self._clients:
                client.put((event, data))


def resolve_request(out_dir: Path, prefix: str, raw_path: str) -> Path | None:
    """The file a request names inside out_dir, or None when it lies outside (traversal,
    encoded traversal, a symlink out) or outside the base path prefix."""
    path = unquote(urlsplit(raw_path).path)
    if "\0" in path or "\\" in path:
        return None
    if prefix:
        if path != prefix and not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix):] or "/"
    if any(part == ".." for part in path.split("/")):
        return None
    normal = posixpath.normpath(path)
    root = out_dir.resolve()
    target = (root / normal.lstrip("/")).resolve()
    if target != root and root not in target.parents:
        return None
    if target.is_dir():
        target = target / "index.html"
    return target


def make_server(host: str, port: int, out_dir: Path, prefix: str, state: LiveState) -> ThreadingHTTPServer:
    """An HTTP server for the preview; raises OSError when the address is taken."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "sitegen-serve"
        timeout = 60  # a client that connects and then says nothing (slowloris) lets go of its thread

        def handle(self) -> None:
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):  # the tab closed mid-response: nothing to say
                pass

        def log_message(self, format: str, *args) -> None:  # the terminal shows builds, not requests
            pass

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            path = urlsplit(self.path).path
            if path == EVENTS_PATH:
                return self._events()
            if path == SCRIPT_PATH:
                return self._send(HTTPStatus.OK, (ASSETS / "livereload.js").read_bytes(), CONTENT_TYPES[".js"], head)
            if prefix and path in ("", "/"):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", prefix + "/")
                self.end_headers()
                return
            target = resolve_request(out_dir, prefix, self.path)
            if target is None:
                return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", CONTENT_TYPES[".txt"], head)
            if target.is_file():
                if target.name == "index.html" and not path.endswith(("/", "index.html")):
                    self.send_response(HTTPStatus.MOVED_PERMANENTLY)  # a folder: links inside it need the slash
                    self.send_header("Location", path + "/")
                    self.end_headers()
                    return
                return self._send_file(target, HTTPStatus.OK, head)
            not_found = out_dir / "404.html"
            if not_found.is_file():
                return self._send_file(not_found, HTTPStatus.NOT_FOUND, head)
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", CONTENT_TYPES[".txt"], head)

        def _send_file(self, target: Path, status: HTTPStatus, head: bool) -> None:
            try:
                body = target.read_bytes()
            except OSError:  # swapped away by a rebuild between the check and the read
                return self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"rebuilding, reload\n", CONTENT_TYPES[".txt"], head)
            kind = CONTENT_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if target.suffix.lower() == ".html":
                body = inject_reload(body)
            self._send(status, body, kind, head)

        def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            client = state.subscribe()
            try:
                self._event(*state.hello())
                while True:
                    try:
                        self._event(*client.get(timeout=HEARTBEAT_SECONDS))
                    except queue.Empty:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass
            finally:
                state.unsubscribe(client)

        def _event(self, name: str, data: dict) -> None:
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

    return _Server((host, port), Handler)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A browser opens six connections at once and a rebuild's reload brings every tab back at the
    # same moment: with the default queue of 5, the rest wait a second for the kernel to retry.
    request_queue_size = 128


def inject_reload(html: bytes) -> bytes:
    """Add the live-reload script before </body> (or at the end when there is none)."""
    index = html.rfind(b"</body>")
    return html[:index] + RELOAD_TAG + html[index:] if index != -1 else html + RELOAD_TAG
