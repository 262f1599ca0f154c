"""Reading and writing the text files sitegen works with: UTF-8 in, atomic writes out."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .model import Problem


def read_utf8(path: Path) -> tuple[str | None, Problem | None]:
    """The file's text without a byte-order mark, or a Problem saying why it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        return None, Problem(str(path), None, f"not UTF-8 text (byte {err.start})")
    except OSError as err:
        return None, Problem(str(path), None, f"cannot read: {err.strerror}")


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
