"""The preview server under load and abuse: many clients while files change, traversal in every
encoding, a huge request line and slowloris clients; none of it stops others being served."""
from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sitegen.devserver import LiveState, make_server

SECRET = b"the-secret-beside-the-output"


@pytest.fixture
def served(tmp_path: Path):
    """A small output folder served on 127.0.0.1; a secret file lies beside (outside) it."""
    out = tmp_path / "public"
    for i in range(20):
        (out / "papers" / f"p{i}").mkdir(parents=True)
        (out / "papers" / f"p{i}" / "index.html").write_text(f"<html><body>paper {i}</body></html>")
    (out / "index.html").write_text("<html><body>home</body></html>")
    (out / "404.html").write_text("<html><body>not here</body></html>")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (out / "link-out").symlink_to(tmp_path)
    server = make_server("127.0.0.1", 0, out, "", LiveState())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield out, server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def raw(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    """Send bytes as they are (no client-side normalising of the path); return the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_thousand_requests_while_files_change(served, capfd):
    out, port = served
    stop = threading.Event()

    def churn() -> None:  # a rebuild's writes: pages replaced, removed and put back
        n = 0
        while not stop.is_set():
            page = out / "papers" / f"p{n % 20}" / "index.html"
            tmp = page.with_name(".tmp")
            tmp.write_text(f"<html><body>paper {n % 20} v{n}</body></html>")
            os.replace(tmp, page)
            n += 1
            time.sleep(0.002)

    threads_before = threading.active_count()
    writer = threading.Thread(target=churn)
    writer.start()
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:  # bounded: at most 32 connections at once
            results = list(pool.map(lambda i: get(port, f"/papers/p{i % 20}/" if i % 5 else "/missing/"), range(1000)))
    finally:
        stop.set()
        writer.join()
    statuses = [status for status, _ in results]
    assert statuses.count(404) == 200
    assert statuses.count(200) + statuses.count(503) == 800 and statuses.count(503) <= 8
    assert all(b"<script" in body for status, body in results if status == 200)
    deadline = time.monotonic() + 5
    while threading.active_count() > threads_before + 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # handler threads finish after their last response
    assert threading.active_count() <= threads_before + 1  # + the server's own loop thread
    assert "Traceback" not in capfd.readouterr().err


TRAVERSALS = [
    "/../secret.txt",
    "/papers/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/.%2e/secret.txt",
    "/%252e%252e/secret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/secret.txt%00.html",
    "/%00/../secret.txt",
    "//../secret.txt",
    "/link-out/secret.txt",
    "/papers/p1/../../../secret.txt?x=1",
    "/papers/p1/%2e%2e/%2e%2e/%2e%2e/secret.txt#frag",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_in_any_encoding_is_refused(served, path):
    _, port = served
    reply = raw(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
    status = int(reply.split(b" ", 2)[1])
    assert status in (400, 403, 404), reply[:200]
    assert SECRET not in reply


def test_a_huge_request_line_is_refused_and_others_are_still_served(served):
    _, port = served
    reply = raw(port, b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply == b"" or int(reply.split(b" ", 2)[1]) in (400, 414)
    reply = raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Junk: " + b"b" * 100_000 + b"\r\n\r\n")
    assert reply == b"" or int(reply.split(b" ", 2)[1]) in (400, 431)
    assert get(port, "/")[0] == 200


def test_slowloris_clients_do_not_block_others(served, capfd):
    _, port = served
    idle = []
    try:
        for _ in range(50):  # each sends half a request, then nothing
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            idle.append(sock)
        started = time.monotonic()
        assert [get(port, f"/papers/p{i}/", timeout=2)[0] for i in range(10)] == [200] * 10
        assert time.monotonic() - started < 2
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)  # the server sees the half-requests end
    assert "Traceback" not in capfd.readouterr().err  # a client that left is not an error


@pytest.mark.parametrize("request_bytes", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(32) + b"\r\n\r\n",  # a TLS hello
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"\xff\xfe\x00\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
])
def test_garbage_requests_get_an_error_not_a_dead_server(served, request_bytes):
    _, port = served
    reply = raw(port, request_bytes, timeout=3)
    if reply.startswith(b"HTTP/"):
        assert int(reply.split(b" ", 2)[1]) >= 400
    else:  # an unparsable request line is answered as HTTP/0.9 would be: the error page alone
        assert reply == b"" or b"Error code: 4" in reply or b"Error code: 5" in reply, reply[:300]
    assert get(port, "/")[0] == 200
