"""A scripted stand-in for the Hugging Face and arXiv APIs, for the fetch and enrich tests.

`ScriptedServer` listens on 127.0.0.1 (a free port) and answers each request from a script:
routes match a path and query parameters, and each route replays its replies in order (the last
one repeats). A reply can be late (a timeout), cut off (a truncated body) or an error with
Retry-After. Every request is recorded, so a test can say the cache answered instead. The
recorded bodies are real API responses from ../shared/corpus/.
"""
from __future__ import annotations

import http.server
import socket
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import SHARED

CORPUS = SHARED / "corpus"
HF_DAY = CORPUS / "hf_daily_api"
ATOM = CORPUS / "arxiv_atom"
TESTING_S0_M10 = ATOM / "arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9.xml"
TESTING_S10_M10 = ATOM / "arxivpy_2026_q_testing_s10_m10_34e56e15aaac.xml"
TESTING_S0_M100 = ATOM / "arxivpy_2026_q_testing_s0_m100_cfe7536492ca.xml"
IDS_0808_1707 = ATOM / "arxivpy_2026_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml"
ID_1111_2011 = ATOM / "arxivpy_2016_id_list_1111.2011v2.xml"
ERROR_400 = ATOM / "arxivpy_2026_ERROR400_id_abc.xml"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (longer than the client's timeout: a timeout)
    cut_at: int | None = None  # send only this many bytes of the body, then close (Content-Length stays whole)
    length: bool = True  # send Content-Length (False: the end of the body is the closed connection)


def ok(path: Path) -> Reply:
    return Reply(body=path.read_bytes())


@dataclass
class _Route:
    path: str
    params: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def matches(self, path: str, params: dict[str, str]) -> bool:
        return path == self.path and all(params.get(key) == value for key, value in self.params.items())

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class ScriptedServer:
    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        script = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
                script.requests.append((parts.path, params))
                route = next((r for r in script.routes if r.matches(parts.path, params)), None)
                reply = route.next() if route else Reply(404, b'{"error": "no such route in the test script"}')
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.length:
                        self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body if reply.cut_at is None else body[: reply.cut_at])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up first (a timeout)
                    pass
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, path: str, *replies: Reply, **params: str) -> None:
        self.routes.insert(0, _Route(path, params, list(replies)))  # later scripts win

    def hf_day(self, day: str, *replies: Reply) -> None:
        self.route("/api/daily_papers", *(replies or (ok(HF_DAY / f"{day}.json"),)), date=day)

    def asked(self, path: str = "", **params: str) -> list[dict[str, str]]:
        return [p for request_path, p in self.requests if (not path or request_path == path)
                and all(p.get(key) == value for key, value in params.items())]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def sources_yaml(base: str, **overrides: object) -> str:
    """sitegen.yaml `sources:` aimed at the scripted server, with no delays and a short timeout."""
    values: dict[str, object] = {"hf_api": f"{base}/api", "arxiv_api": f"{base}/api", "request_delay": 0,
                                 "timeout": 1, "retries": 2, "backoff": 0, "max_wait": 5, **overrides}
    return "title: Test archive\nsources:\n" + "".join(f"  {key}: {value}\n" for key, value in values.items())


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the recorded API responses (../shared/corpus/) are not present in this clone")
    return CORPUS


@pytest.fixture
def api():
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.fixture
def site(make_site, api):
    """A site whose `sources:` point at the scripted server; returns its sitegen.yaml."""

    def make(papers: dict[str, str] | None = None, **overrides: object) -> Path:
        root = make_site(papers or {}, textwrap.dedent(sources_yaml(api.base, **overrides)))
        return root / "sitegen.yaml"

    return make


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch):
    """No test of fetch or enrich may reach a real service: any other host fails the test."""
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"a test tried to connect to {host}: tests must use the scripted server")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
