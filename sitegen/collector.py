"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles."""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Indexing the search, loading the build cache: each makes hundreds of thousands of small
    objects and no cycles, and the collector, started again and again by them, re-scans them all
    (a third of the time or more) to free nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
