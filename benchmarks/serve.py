"""`sitegen serve` responsiveness: start-up time, and save-to-reload time for one edited paper.

Usage: python benchmarks/serve.py --papers 10000 [--edits 10] [--built]
With --built, `sitegen build` runs first, as after the quick start: serve starts from its cache
and from the pages it wrote (see sitegen/preview_start.py).
Starts the real server on 127.0.0.1 (a free port), listens to its live-reload events like a
browser tab, edits one paper's abstract at a time and times each save until the reload event
(the pages that show the paper are updated), and until the follow-up event (the whole site,
search index, related papers and feeds included, is what `sitegen build` would make).
"""
from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import compile_sitegen, make_corpus  # noqa: E402


def next_event(sock: socket.socket, buffer: bytearray, name: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while b"\n\n" in buffer:
            block, _, rest = bytes(buffer).partition(b"\n\n")
            buffer[:] = rest
            fields = dict(line.split(": ", 1) for line in block.decode().splitlines() if ": " in line)
            if fields.get("event") == name:
                return json.loads(fields["data"])
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        buffer += sock.recv(65536)
    raise TimeoutError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--built", action="store_true", help="run `sitegen build` first: serve starts from its cache and output")
    args = parser.parse_args()
    compile_sitegen()
    with tempfile.TemporaryDirectory() as tmp:
        config = make_corpus(Path(tmp) / "site", args.papers)
        if args.built:
            subprocess.run([sys.executable, "-m", "sitegen", "build", "--quiet", "--config", str(config)], check=True)
        started = time.perf_counter()
        # SIGINT back to its default first: started from a non-interactive shell's background job,
        # the server would inherit it ignored and never stop at the end.
        server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--port", "0", "--config", str(config)],
                                  stdout=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            url = None
            while url is None:
                line = server.stdout.readline()
                if not line:
                    raise RuntimeError("serve exited")
                match = re.search(r"Serving http://([\d.]+):(\d+)", line)
                url = (match.group(1), int(match.group(2))) if match else None
            startup = time.perf_counter() - started
            sock = socket.create_connection(url)
            sock.sendall(b"GET /__sitegen/events HTTP/1.1\r\nHost: x\r\n\r\n")
            buffer = bytearray()
            next_event(sock, buffer, "hello")
            papers = sorted((config.parent / "content" / "papers").glob("*.md"))
            times, whole = [], []
            for n in range(args.edits):
                path = papers[(n * 7919) % len(papers)]
                text = path.read_text(encoding="utf-8")
                saved = time.perf_counter()
                path.write_text(text + f"\nEdit {n}.\n", encoding="utf-8")
                event = next_event(sock, buffer, "reload")
                times.append(time.perf_counter() - saved)
                while not event.get("followup"):
                    event = next_event(sock, buffer, "reload")
                whole.append(time.perf_counter() - saved)
                time.sleep(0.3)
            print(f"{args.papers} papers: start-up to serving {startup:.2f} s" + (" (after `sitegen build`)" if args.built else " (no cache)"))
            for name, seconds in (("save -> reload event", times), ("save -> whole site up to date", whole)):
                print(f"{name}: median {statistics.median(seconds) * 1000:.0f} ms over {len(seconds)} edits "
                      f"[{', '.join(f'{t * 1000:.0f}' for t in seconds)}]")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=300)  # it deletes its preview folder: 20,000 files at 10k papers


if __name__ == "__main__":
    main()
