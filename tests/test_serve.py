"""`sitegen serve`: the real server on a free port, its events, rebuilds, errors and safety."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, paper_text, tree

SETTINGS = "title: Preview test\nper_page: 5\n"


def _ctrl_c_stops() -> None:
    """In the server process: Ctrl-C stops it even when the tests run as a background job or under
    nohup (the shell then makes every process it starts ignore SIGINT, and Python keeps that), and
    a closed terminal does too: under nohup SIGHUP is ignored as well, and `sitegen serve` rightly
    leaves an ignored signal ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class Server:
    """A `sitegen serve` subprocess on a free port, stopped (Ctrl-C) at the end of the test."""

    def __init__(self, root: Path, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--port", "0", "--config", str(root / "sitegen.yaml"), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_stops)
        self.lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            match = re.search(r"Serving (http://\S+)", line)
            if match:
                self.url = match.group(1)
                return
        raise AssertionError(f"serve did not start: {self.lines} {self.process.stderr.read()}")

    def get(self, path: str) -> tuple[int, dict, bytes]:
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def raw_status(self, raw_path: str) -> int:
        """Send a path exactly as written (no client-side normalisation)."""
        host, port = self.url.split("//")[1].split("/")[0].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.putrequest("GET", raw_path, skip_host=False, skip_accept_encoding=True)
        connection.endheaders()
        status = connection.getresponse().status
        connection.close()
        return status

    def stop(self) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=15)
        return self.process.returncode, "".join(self.lines) + out, err


class Events:
    """A live-reload event stream: read named events with a timeout."""

    def __init__(self, url: str):
        host, port = url.split("//")[1].split("/")[0].split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.sendall(b"GET /__sitegen/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        self.buffer = b""

    def next(self, name: str, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n\n" in self.buffer:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.decode().splitlines() if ": " in line)
                if fields.get("event") == name:
                    return json.loads(fields["data"])
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buffer += chunk
        raise AssertionError(f"no '{name}' event within {timeout} s; got {self.buffer[-500:]!r}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def site(make_site) -> Path:
    papers = {f"paper-{n}": paper_text(f"Paper {n}", date=f"2024-05-0{n}") for n in range(1, 4)}
    return make_site(papers, SETTINGS)


@pytest.fixture
def server(site: Path):
    running = Server(site)
    yield running
    running.stop()


def save(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def retitled_and_reloaded(running: Server, site: Path, slug: str, title: str, date: str) -> bytes:
    """Save a paper under a new title, wait for the reload event, and return its page as served."""
    events = Events(running.url)
    try:
        events.next("hello")
        save(site / "content" / "papers" / f"{slug}.md", paper_text(title, date=date))
        events.next("reload")
        return running.get(f"/papers/{slug}/")[2]
    finally:
        events.close()


def test_serves_the_site_with_the_reload_script_and_builds_nothing_into_public(server: Server, site: Path) -> None:
    status, headers, body = server.get("/papers/paper-1/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1" in body and body.count(b"/__sitegen/livereload.js") == 1
    status, headers, css = server.get(re.search(rb'href="(/assets/style\.[0-9a-f]+\.css)"', body).group(1).decode())
    assert status == 200 and headers["Content-Type"].startswith("text/css") and b"/__sitegen/" not in css
    assert not (site / "public").exists()


def test_an_edit_rebuilds_and_sends_a_reload_event(server: Server, site: Path) -> None:
    events = Events(server.url)
    build = events.next("hello")["build"]
    save(site / "content" / "papers" / "paper-2.md", paper_text("Paper two, revised", date="2024-05-02"))
    change = events.next("reload")
    assert change["build"] == build + 1 and change["css_only"] is False
    assert b"Paper two, revised" in server.get("/papers/paper-2/")[2]
    events.close()


def test_after_a_build_serve_starts_from_public_and_leaves_it_alone(site: Path) -> None:
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--quiet", "--config", str(site / "sitegen.yaml")], check=True)
    public = tree(site / "public")
    running = Server(site)
    try:
        assert re.search(r"rendered 0 of \d+ pages", "".join(running.lines))  # linked from public/, not rendered
        previews = list((site / ".sitegen-cache").glob("serve-*/site"))
        assert len(previews) == 1 and tree(previews[0]) == public
        assert b"Paper two, revised" in retitled_and_reloaded(running, site, "paper-2", "Paper two, revised", "2024-05-02")
    finally:
        code, _, err = running.stop()
    assert code == 0 and "Traceback" not in err
    assert tree(site / "public") == public
    assert not list((site / ".sitegen-cache").glob("serve-*"))


def test_saves_arriving_together_make_one_rebuild(server: Server, site: Path) -> None:
    events = Events(server.url)
    build = events.next("hello")["build"]
    for n in (1, 2, 3):
        save(site / "content" / "papers" / f"paper-{n}.md", paper_text(f"Batch {n}", date=f"2024-05-0{n}"))
    assert events.next("reload")["build"] == build + 1
    with pytest.raises(AssertionError):  # at most the full build that completes the update follows
        while True:
            assert events.next("reload", timeout=1.5)["followup"] is True
    events.close()


def test_a_stylesheet_change_is_a_css_only_reload(server: Server, site: Path) -> None:
    events = Events(server.url)
    events.next("hello")
    save(site / "static" / "extra.css", "body { color: red; }\n")  # a new folder: watched from now on
    events.next("reload")
    save(site / "static" / "extra.css", "body { color: blue; }\n")
    assert events.next("reload")["css_only"] is True
    events.close()


def test_an_extra_file_is_served_at_the_root_and_follows_its_saves(server: Server, site: Path) -> None:
    events = Events(server.url)
    events.next("hello")
    save(site / "extra" / "CNAME", "papers.example.org\n")  # a new folder: watched from now on
    events.next("reload")
    assert server.get("/CNAME")[2] == b"papers.example.org\n"
    save(site / "extra" / "CNAME", "archive.example.org\n")
    events.next("reload")
    assert server.get("/CNAME")[2] == b"archive.example.org\n"
    events.close()


def test_a_deleted_paper_disappears_and_an_added_one_appears(server: Server, site: Path) -> None:
    events = Events(server.url)
    events.next("hello")
    (site / "content" / "papers" / "paper-3.md").unlink()
    save(site / "content" / "papers" / "fresh.md", paper_text("Fresh paper", date="2024-06-01"))
    events.next("reload")
    assert server.get("/papers/paper-3/")[0] == 404
    assert server.get("/papers/fresh/")[0] == 200
    events.close()


def test_build_error_is_reported_and_the_next_good_save_clears_it(server: Server, site: Path) -> None:
    events = Events(server.url)
    events.next("hello")
    template = site / "templates" / "tags.html"
    save(template, '{% extends "base.html" %}\n{% block content %}\n{{ missing_value }}\n{% endblock %}\n')
    failed = events.next("failed")
    assert any(re.search(r"templates/tags\.html:3: template error: 'missing_value' is undefined", p) for p in failed["problems"])
    assert server.get("/papers/paper-1/")[0] == 200  # still serving the last good build
    late = Events(server.url)
    assert late.next("hello")["problems"] == failed["problems"]  # a tab opened now sees the error too
    late.close()
    template.unlink()
    assert events.next("reload")
    events.close()
    code, out, err = server.stop()
    assert "templates/tags.html:3" in out and "Traceback" not in err
    assert "  see docs/troubleshooting.md#template-error" in out


def test_bad_front_matter_is_reported_with_path_and_line(server: Server, site: Path) -> None:
    events = Events(server.url)
    events.next("hello")
    save(site / "content" / "papers" / "paper-1.md", "---\ntitle: Broken\ndate: 2024-02-30\n---\n")
    problems = events.next("failed")["problems"]
    assert any(p.endswith("paper-1.md:3: date: day 30 does not exist in 2024-02") for p in problems)
    events.close()


def test_nothing_outside_the_output_folder_is_served(server: Server, site: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    save(secret, "top secret")
    assert server.raw_status("/../sitegen.yaml") in (403, 404)
    assert server.raw_status("/%2e%2e/%2e%2e/sitegen.yaml") in (403, 404)
    assert server.raw_status("/papers/..%2f..%2f..%2fsitegen.yaml") in (403, 404)
    assert server.raw_status("/%00") in (403, 404)
    status, _, body = server.get("/no/such/page/")
    assert status == 404 and b"Page not found" in body  # the site's own 404 page


def test_symlink_out_of_the_output_is_refused(tmp_path: Path) -> None:
    from sitegen.devserver import resolve_request

    out = tmp_path / "out"
    (out / "papers").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    os.symlink(tmp_path / "secret.txt", out / "papers" / "leak.txt")
    assert resolve_request(out, "", "/papers/leak.txt") is None
    assert resolve_request(out, "/repo", "/papers/") is None  # outside the base path
    assert resolve_request(out, "/repo", "/repo/papers/") == (out / "papers" / "index.html").resolve()


def test_base_path_is_honoured(make_site) -> None:
    root = make_site({"a": paper_text("A", date="2024-01-01")}, SETTINGS + "base_url: https://u.github.io/lab/\n")
    running = Server(root)
    try:
        assert running.url.endswith("/lab/")
        status, _, body = running.get("/papers/a/")
        assert status == 200 and b'href="/lab/assets/style.' in body
    finally:
        running.stop()


def test_port_in_use_gives_a_clear_message(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--port", str(port), "--config", str(site / "sitegen.yaml")],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr and "--port 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_exits_cleanly(site: Path) -> None:
    running = Server(site)
    code, out, err = running.stop()
    assert code == 0 and "stopped" in out and "Traceback" not in err


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_kill_or_a_closed_terminal_stop_serve_as_ctrl_c_does(site: Path, stop: signal.Signals) -> None:
    """The preview's folder (in the cache folder once the site was built) goes too."""
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--quiet", "--config", str(site / "sitegen.yaml")], check=True)
    running = Server(site)
    assert list((site / ".sitegen-cache").glob("serve-*"))
    running.process.send_signal(stop)
    out, err = running.process.communicate(timeout=15)  # no second signal: one that came during the clean-up would cut it short
    assert running.process.returncode == 0 and "stopped" in out and "Traceback" not in err
    assert not list((site / ".sitegen-cache").glob("serve-*"))


STOPPED_CHILD = """
import multiprocessing, time
from sitegen.cli import _stop_on_terminate
_stop_on_terminate()
child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
child.start()
time.sleep(0.5)
child.terminate()  # as multiprocessing.Pool stops its workers (the render's, the related papers')
child.join()
print(child.exitcode)
"""


def test_processes_serve_forks_stop_quietly_on_sigterm() -> None:
    """The builds serve runs stop their pools' workers with SIGTERM: the handler that makes
    SIGTERM stop serve as Ctrl-C does must not make each worker print a KeyboardInterrupt."""
    result = subprocess.run([sys.executable, "-c", STOPPED_CHILD], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.stdout.strip() == str(-signal.SIGTERM) and "Traceback" not in result.stderr, result.stderr


def test_poll_mode_sees_changes(site: Path) -> None:
    running = Server(site, "--poll")
    try:
        assert "polling" in "".join(running.lines)
        assert b"Polled" in retitled_and_reloaded(running, site, "paper-1", "Polled", "2024-05-01")
    finally:
        running.stop()


def evaluate_settled(page, expression: str):
    """page.evaluate, after any reload under way has finished."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(10):
        try:
            return page.evaluate(expression)
        except PlaywrightError as err:
            if "context was destroyed" not in str(err):
                raise
            page.wait_for_load_state()
    raise AssertionError("the page kept reloading")


def test_an_open_page_reloads_itself_after_an_edit(browser, server: Server, site: Path) -> None:
    page = browser.new_page()
    page.goto(server.url + "papers/paper-1/")
    page.wait_for_function("window.EventSource !== undefined")
    page.evaluate("window.__marker = 'before'")
    events = Events(server.url)
    events.next("hello")
    time.sleep(0.5)  # let the page's event stream connect too
    save(site / "content" / "papers" / "paper-1.md", paper_text("Edited in place", date="2024-05-01"))
    while not events.next("reload")["followup"]:  # the quick update, then the full build behind it: two reloads
        pass
    events.close()
    page.wait_for_function("document.querySelector('h1')?.textContent.includes('Edited in place')", timeout=15000)
    assert evaluate_settled(page, "window.__marker") is None  # it was a real reload
    save(site / "static" / "style.css", "h1 { color: rgb(1, 2, 3); }\n")
    page.wait_for_function("getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, 3)'", timeout=15000)
    page.evaluate("window.__marker = 'kept'")
    save(site / "static" / "style.css", "h1 { color: rgb(4, 5, 6); }\n")
    page.wait_for_function("getComputedStyle(document.querySelector('h1')).color === 'rgb(4, 5, 6)'", timeout=15000)
    assert page.evaluate("window.__marker") == "kept"  # the stylesheet changed without a reload
    save(site / "content" / "papers" / "paper-2.md", "---\ntitle: [broken\n---\n")
    page.wait_for_selector("#sitegen-error-overlay", timeout=15000)
    assert "paper-2.md:" in page.locator("#sitegen-error-overlay").inner_text()
    save(site / "content" / "papers" / "paper-2.md", paper_text("Fixed", date="2024-05-02"))
    page.wait_for_selector("#sitegen-error-overlay", state="detached", timeout=15000)
    page.close()


def test_a_page_the_edit_does_not_touch_is_left_alone(browser, server: Server, site: Path) -> None:
    shown, other = browser.new_page(), browser.new_page()
    shown.goto(server.url + "papers/paper-1/")
    other.goto(server.url + "search/")
    for page in (shown, other):
        page.wait_for_function("window.EventSource !== undefined")
        page.evaluate("window.__marker = 'before'")
    events = Events(server.url)
    events.next("hello")
    target = site / "content" / "papers" / "paper-1.md"
    save(target.with_name("paper-1.md.tmp"), paper_text("Edited quietly", date="2024-05-01"))
    target.with_name("paper-1.md.tmp").replace(target)  # as editors save: never half a file
    change = events.next("reload")
    assert "/papers/paper-1/" in change["paths"] and "/search/" not in change["paths"]
    shown.wait_for_function("document.querySelector('h1')?.textContent.includes('Edited quietly')", timeout=15000)
    while not change["followup"]:  # the full build that completes the update
        change = events.next("reload", timeout=60)
    assert other.evaluate("window.__marker") == "before"  # the search page never reloaded
    events.close()
    shown.close()
    other.close()
