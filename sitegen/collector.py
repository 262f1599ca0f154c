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


def keep_out_of_collections() -> None:
    """Collect once, then leave every object alive out of later collections (gc.freeze).

    For `sitegen serve` after a full build: the site, the build state and the templates it keeps
    until the next one are some 300,000 objects at 10,000 papers, which the collector otherwise
    scans again every few saves (a pause of 150 to 230 ms before the browser reloads)."""
    gc.collect()
    gc.freeze()


def back_into_collections() -> None:
    """Undo keep_out_of_collections before a build replaces what it kept, so that cycles among
    the old objects can be freed."""
    gc.unfreeze()
