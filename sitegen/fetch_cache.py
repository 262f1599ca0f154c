"""The raw responses `sitegen fetch` and `sitegen enrich` received, kept so nothing is asked twice.

Layout, beside sitegen.yaml (`sitegen new` puts `/.sitegen-cache/` in .gitignore):

    .sitegen-cache/fetch/<service>/<name>          the body exactly as received
    .sitegen-cache/fetch/<service>/.meta/<name>    {"url": …, "fetched": "2025-06-02T08:00:00Z"}

A response is stored only after its service's check accepted it, so a cached file always
imports; the record beside it says where and when it was fetched (which decides whether a
Hugging Face day was complete). Importing `.sitegen-cache/fetch/hf-daily/` by hand works too:
the hidden `.meta` folder is skipped like any hidden file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .textfiles import write_text_atomic

__all__ = ["CACHE_DIR", "Cached", "ResponseCache"]

CACHE_DIR = ".sitegen-cache"  # shared with the build state (buildstate.py), one folder to ignore
FETCH_DIR = "fetch"
_META = ".meta"


@dataclass(frozen=True)
class Cached:
    """A stored response: its file, and where and when it was fetched (None when unrecorded)."""

    path: Path
    url: str | None
    fetched: datetime | None


class ResponseCache:
    """The fetch cache of the site whose sitegen.yaml is in `root`."""

    def __init__(self, root: Path):
        self.folder = root / CACHE_DIR / FETCH_DIR

    def path(self, service: str, name: str) -> Path:
        return self.folder / service / name

    def get(self, service: str, name: str) -> Cached | None:
        path = self.path(service, name)
        if not path.is_file():
            return None
        url, fetched = None, None
        try:
            record = json.loads((path.parent / _META / name).read_text(encoding="utf-8"))
            url = record.get("url") if isinstance(record.get("url"), str) else None
            fetched = datetime.fromisoformat(str(record["fetched"]).replace("Z", "+00:00"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # a response put there by hand, or a damaged record: the body still counts
        return Cached(path, url, fetched)

    def put(self, service: str, name: str, body: bytes, url: str, fetched: datetime | None = None) -> Cached:
        """Store `body` (UTF-8, checked by the caller) and its record, each written atomically."""
        fetched = (fetched or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        path = self.path(service, name)
        write_text_atomic(path, body.decode("utf-8"))
        record = {"url": url, "fetched": fetched.isoformat().replace("+00:00", "Z")}
        write_text_atomic(path.parent / _META / name, json.dumps(record, indent=1) + "\n")
        return Cached(path, url, fetched)
