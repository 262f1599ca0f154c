"""The retry policy of fetch_http.Client: which failures are retried, how long it waits, when it
gives up, and that requests to one host are spaced by request_delay. Sleeps are recorded, not slept."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fetch_support import Reply, api, local_network_only  # noqa: F401  (fixtures)
from sitegen.config import SourcesSettings
from sitegen.fetch_http import Client, FetchError, Malformed, retry_after_seconds

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)


class Clock:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def client(clock: Clock, **settings) -> Client:
    values = {"request_delay": 0.0, "timeout": 1.0, "retries": 3, "backoff": 2.0, "max_wait": 60.0, **settings}
    return Client(SourcesSettings(**values), sleep=clock.sleep, clock=clock)


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0),
    ("Mon, 02 Jun 2025 12:01:30 GMT", 90.0),
    ("Mon, 02 Jun 2025 11:00:00 GMT", 0.0),  # already past: no wait
    ("soon", None),
    ("", None),
    (None, None),
])
def test_retry_after_is_seconds_or_an_http_date(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


def test_backoff_doubles_between_attempts_then_gives_up(api):
    clock = Clock()
    api.route("/x", Reply(500))
    with pytest.raises(FetchError) as failure:
        client(clock).get(f"{api.base}/x")
    assert clock.sleeps == [2.0, 4.0, 8.0] and len(api.requests) == 4
    assert str(failure.value) == "HTTP 500 Internal Server Error (gave up after 4 attempts)"


def test_backoff_never_waits_longer_than_max_wait(api):
    clock = Clock()
    api.route("/x", Reply(502))
    with pytest.raises(FetchError):
        client(clock, backoff=10.0, max_wait=15.0).get(f"{api.base}/x")
    assert clock.sleeps == [10.0, 15.0, 15.0]


def test_retry_after_replaces_the_backoff(api):
    clock = Clock()
    api.route("/x", Reply(503, headers={"Retry-After": "7"}), Reply(429, headers={"Retry-After": "1"}), Reply(body=b"done"))
    assert client(clock).get(f"{api.base}/x") == b"done"
    assert clock.sleeps == [7.0, 1.0]


def test_a_final_answer_is_not_retried(api):
    clock = Clock()
    api.route("/x", Reply(404, b"no such thing"))
    with pytest.raises(FetchError, match=r"^HTTP 404 Not Found: no such thing$"):
        client(clock).get(f"{api.base}/x")
    assert clock.sleeps == [] and len(api.requests) == 1


def test_requests_to_one_host_are_spaced_by_request_delay(api):
    clock = Clock()
    api.route("/x", Reply(body=b"ok"))
    polite = client(clock, request_delay=3.0)
    for _ in range(3):
        polite.get(f"{api.base}/x")
    assert clock.sleeps == [3.0, 3.0]


def test_a_retry_waits_at_least_request_delay(api):
    clock = Clock()
    api.route("/x", Reply(500), Reply(body=b"ok"))
    assert client(clock, request_delay=3.0, backoff=1.0).get(f"{api.base}/x") == b"ok"
    assert clock.sleeps == [3.0]


def test_a_malformed_body_is_retried_and_named(api):
    clock = Clock()
    api.route("/x", Reply(body=b"{"), Reply(body=b"[]"))

    def check(body: bytes) -> None:
        if body != b"[]":
            raise Malformed("not a list")

    assert client(clock).get(f"{api.base}/x", check=check) == b"[]"
    with pytest.raises(FetchError, match="malformed response: not a list"):
        api.route("/y", Reply(body=b"{"))
        client(clock, retries=0).get(f"{api.base}/y", check=check)


def test_a_refused_connection_is_retried_then_reported():
    clock = Clock()
    with pytest.raises(FetchError, match=r"cannot connect: .*\(gave up after 2 attempts\)"):
        client(clock, retries=1).get("http://127.0.0.1:9/nothing-listens-here")
