"""Reading and writing the text files sitegen works with: UTF-8 in, YAML without repeated keys,
atomic writes out (and the clean-up after a writer that was killed mid-write); the walk over
every file of a folder (the output, which builds and `sitegen check` look over)."""
from __future__ import annotations

import os
import re
import socket
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml
from yaml.nodes import MappingNode

from .model import Problem

try:  # the C parser is several times faster on large archives; construction stays in Python
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


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
    prefix, suffix = _temp_affixes(path)  # named so a later run can tell a killed writer's file
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# --- YAML: a key given twice is an error -----------------------------------------------------------

class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice. Plain YAML loading keeps the last value and silently
    drops the first; here that is an error carrying both places, so the caller can name the lines."""

    def __init__(self, key: str, first: yaml.Mark, second: yaml.Mark):
        super().__init__(None, None, f'duplicate key "{key}"', second)
        self.key = key
        self.first_mark = first

    def describe(self, first_line: int = 1) -> tuple[int, str]:
        """(line of the repeat, message); `first_line` is the file line the YAML text starts on."""
        first = self.first_mark.line + first_line
        return self.problem_mark.line + first_line, f'duplicate key "{self.key}" (first on line {first})'


class UniqueKeyLoader(_SafeLoader):
    """PyYAML's safe loader (the C one when available), refusing a mapping that repeats a key.

    The check costs next to nothing on the common path: a mapping whose dict has as many entries
    as the mapping has pairs cannot repeat a key. Only otherwise (a repeat, or a `<<` merge key
    overridden, which is allowed) are the mapping's own keys compared one by one.
    """

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._own_pairs: dict[MappingNode, list] = {}

    def flatten_mapping(self, node: MappingNode) -> None:
        own = node.value  # PyYAML deletes `<<` keys from this list, then prepends the merged pairs
        super().flatten_mapping(node)
        if node.value is not own:  # merged: remember which pairs the mapping itself wrote
            self._own_pairs.setdefault(node, own)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        if isinstance(node, MappingNode) and len(mapping) < len(node.value):
            first: dict[Any, Any] = {}
            for key_node, _ in self._own_pairs.get(node, node.value):
                key = self.construct_object(key_node, deep=deep)  # already built: a cache lookup
                earlier = first.setdefault(key, key_node)
                if earlier is not key_node:
                    shown = key_node.value if isinstance(key_node.value, str) else str(key)
                    raise DuplicateKeyError(shown, earlier.start_mark, key_node.start_mark)
        return mapping


# --- stale temporary files -------------------------------------------------------------------------

def _host_tag() -> str:
    """This machine's name as it appears in temporary file names (letters and digits only): a
    folder shared between machines holds other hosts' files, whose process ids mean nothing here."""
    return re.sub(r"[^A-Za-z0-9]+", "", socket.gethostname())[:16] or "host"


_HOST = _host_tag()
# .<target>.sitegen-<host>-<pid>-<mkstemp's 8 random characters>.tmp
_TEMP_RE = re.compile(r"^\.(?P<target>.+)\.sitegen-(?P<host>[A-Za-z0-9]*)-(?P<pid>[0-9]{1,10})-[a-z0-9_]{8}\.tmp$")


def _temp_affixes(path: Path) -> tuple[str, str]:
    """mkstemp's prefix and suffix for a temporary file beside `path`, naming the writer."""
    return f".{path.name}.sitegen-{_HOST}-{os.getpid()}-", ".tmp"


def process_is_alive(pid: int) -> bool:
    """Whether `pid` may be running; anything short of proof that it is gone counts as alive."""
    if os.name != "posix" or pid <= 0:  # elsewhere os.kill(pid, 0) is not a harmless probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # not ours to signal (so it exists), or not a valid pid
        return True
    return True


def stale_temp_files(folder: Path) -> list[Path]:
    """Temporary files write_text_atomic left in `folder` when its process was killed mid-write:
    named by this machine and a process that no longer runs. Nothing else matches (not an
    older sitegen's unmarked temporary files, not an editor's swap files, not folders or links)."""
    found: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if match is None or match["host"] != _HOST:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        if not process_is_alive(int(match["pid"])):
            found.append(Path(entry.path))
    return sorted(found)


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete stale_temp_files(folder); return those removed (one already gone is skipped)."""
    removed: list[Path] = []
    for path in stale_temp_files(folder):
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def files_under(folder: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Every file under `folder` (not following links to folders), with its path relative to it."""
    folders = [("", str(folder))]
    while folders:
        relative, path = folders.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((relative + entry.name + "/", entry.path))
                else:
                    yield relative + entry.name, entry
