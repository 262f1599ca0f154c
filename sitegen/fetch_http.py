"""GET with a retry policy: polite spacing, bounded retries with backoff, Retry-After honoured.

One request at a time, and at least `request_delay` seconds between two requests to one host
(retries included), because arXiv asks for three seconds and a single connection. What is worth
another attempt: timeouts, refused or reset connections, 408, 429, 5xx, a body cut off before its
Content-Length, and a body the caller's `check` finds malformed (a proxy's HTML page, truncated
JSON). A 429 or 503 with Retry-After (seconds or an HTTP date) waits that long, unless it asks
for more than `max_wait`: then the request gives up at once rather than hammer the service
sooner than it asked. Other answers (404, a 400 naming a bad query) are final at once.
"""
from __future__ import annotations

import email.utils
import http.client
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from . import __version__
from .config import SourcesSettings

__all__ = ["Client", "FetchError", "Malformed", "Refused", "retry_after_seconds"]

USER_AGENT = f"sitegen/{__version__} (static site generator for paper archives; one request at a time)"
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
_SNIPPET = 200


class FetchError(Exception):
    """A request that failed for good: says what, where, and after how many attempts."""

    def __init__(self, url: str, message: str, attempts: int = 1):
        self.url, self.message, self.attempts = url, message, attempts
        tried = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
        super().__init__(f"{message}{tried}")


class Malformed(ValueError):
    """Raised by a `check`: the body is not what the service sends (worth another attempt)."""


class Refused(ValueError):
    """Raised by a `check` or `describe`: the service answered, and the answer is final (a bad query)."""


Check = Callable[[bytes], object]
Describe = Callable[[int, bytes], str]


def _no_check(body: bytes) -> None:
    return None


def _describe_status(status: int, body: bytes) -> str:
    return ""


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: `120` or `Wed, 21 Oct 2025 07:28:00 GMT`; None if absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass
class _Attempt:
    """What one failed attempt tells the policy: why, whether to try again, and how long to wait."""

    message: str
    retry: bool
    wait: float | None = None  # the server's Retry-After, in seconds


@dataclass
class Client:
    """Sequential GETs to the services named in `sources:`; `sleep` and `clock` can be replaced in tests."""

    settings: SourcesSettings
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    user_agent: str = USER_AGENT
    requests: int = 0  # requests sent (retries included), for reports
    _last: dict[str, float] = field(default_factory=dict)  # host -> clock() when its last request started

    def get(self, url: str, *, accept: str = "*/*", check: Check = _no_check, describe: Describe = _describe_status,
            log: Callable[[str], None] = lambda line: None) -> bytes:
        """The body of a 200 answer that `check` accepts; FetchError once the policy gives up."""
        settings = self.settings
        attempts = 1 + settings.retries
        for attempt in range(1, attempts + 1):
            self._space(url)
            failure = self._attempt(url, accept, check, describe)
            if isinstance(failure, bytes):
                return failure
            if not failure.retry or attempt == attempts:
                raise FetchError(url, failure.message, attempt)
            if failure.wait is not None and failure.wait > settings.max_wait:
                message = (f"{failure.message}; the server asks to wait {failure.wait:.0f} s, longer than "
                           f"sources.max_wait ({settings.max_wait:g} s): try again later")
                raise FetchError(url, message, attempt)
            wait = failure.wait if failure.wait is not None else min(settings.backoff * 2 ** (attempt - 1), settings.max_wait)
            wait = max(wait, settings.request_delay)
            log(f"{failure.message}; retrying in {wait:g} s (attempt {attempt + 1} of {attempts})")
            self.sleep(wait)
            self._last.pop(urlsplit(url).netloc, None)  # the wait above already spaced the next request
        raise AssertionError("unreachable")  # pragma: no cover

    def _space(self, url: str) -> None:
        host = urlsplit(url).netloc
        last = self._last.get(host)
        if last is not None:
            remaining = self.settings.request_delay - (self.clock() - last)
            if remaining > 0:
                self.sleep(remaining)
        self._last[host] = self.clock()

    def _attempt(self, url: str, accept: str, check: Check, describe: Describe) -> bytes | _Attempt:
        timeout = self.settings.timeout
        request = Request(url, headers={"User-Agent": self.user_agent, "Accept": accept})
        self.requests += 1
        try:
            with urlopen(request, timeout=timeout) as response:
                body = response.read()
        except HTTPError as err:
            return _http_error(err, describe)
        except URLError as err:
            reason = err.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                return _Attempt(f"no answer within {timeout:g} s", True)
            if isinstance(reason, socket.gaierror):
                host = urlsplit(url).hostname
                return _Attempt(f"cannot find the host {host} ({reason.strerror or reason}); are you offline? "
                                f"--offline replays responses already fetched", False)
            return _Attempt(f"cannot connect: {getattr(reason, 'strerror', None) or reason}", True)
        except (TimeoutError, socket.timeout):
            return _Attempt(f"no answer within {timeout:g} s", True)
        except http.client.IncompleteRead as err:
            expected = f" of {len(err.partial) + err.expected}" if err.expected is not None else ""
            return _Attempt(f"the response was cut off after {len(err.partial)}{expected} bytes", True)
        except (ConnectionError, http.client.HTTPException, OSError) as err:
            return _Attempt(f"the connection failed: {err.__class__.__name__}: {err}".rstrip(": "), True)
        try:
            check(body)
        except Malformed as err:
            return _Attempt(f"malformed response: {err}", True)
        except Refused as err:
            return _Attempt(str(err), False)
        return body


def _http_error(err: HTTPError, describe: Describe) -> _Attempt:
    try:
        body = err.read()
    except (OSError, http.client.HTTPException):
        body = b""
    status = err.code
    detail = ""
    try:
        detail = describe(status, body)
    except (Malformed, Refused, ValueError):
        detail = ""
    if not detail:
        text = " ".join(body[:_SNIPPET].decode("utf-8", "replace").split())
        detail = text if text and not text.lstrip().startswith("<") else ""
    reason = f"HTTP {status} {err.reason}".rstrip()
    if status == 429:
        reason += " (rate limited)"
    message = f"{reason}: {detail}" if detail else reason
    retry = status in RETRY_STATUSES
    wait = retry_after_seconds(err.headers.get("Retry-After")) if err.headers is not None and retry else None
    return _Attempt(message, retry, wait)
