"""Paper <-> Markdown with YAML front matter: read, validate, write, with a stable key order.

Validation reports every problem of a file as `path:line: message`; line numbers are looked up
only when something is wrong, so that reading a valid archive stays a single fast YAML parse.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .model import Paper, PaperDate, Problem, describe_value
from .slugs import is_slug, slugify
from .textfiles import DuplicateKeyError, UniqueKeyLoader, read_utf8, write_text_atomic

try:  # the C dumper is several times faster on large archives
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


class _Loader(UniqueKeyLoader):
    """Safe loading (a repeated key is an error), but dates stay text: PaperDate validates them
    and can say what is wrong."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
_SCALARS = {f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float", "timestamp")}
_MAX_DEPTH = 50  # deeper (hostile) documents go to PyYAML, which builds nested values without recursing

KNOWN_KEYS = ("title", "authors", "date", "arxiv", "doi", "tags", "categories", "links", "venue", "source")
ARXIV_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s]*$|^https?://localhost[^\s]*$")
FENCE = "---"
# A tag is a page and a feed of its own: a paper with thousands is a broken source, not an archive
# (100,000 of them filled a disk before this limit).
MAX_TAGS = 1000
# What YAML refuses to hold raw in a file (control characters, U+FFFE, U+FFFF). A double-quoted
# escape ("\0", "\x01") still puts one in a value, and from there into pages and into feed.xml,
# which no XML reader then accepts: such a value is an error too.
_UNPRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


class _FrontMatterError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def split_front_matter(text: str) -> tuple[str, str]:
    """Split a content file into its YAML text and its Markdown body."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith(FENCE + "\n"):
        raise _FrontMatterError(1, "the file must start with a '---' line that opens the front matter")
    end = text.find("\n" + FENCE + "\n", len(FENCE))
    if end == -1:
        if text.endswith("\n" + FENCE):
            end = len(text) - len(FENCE) - 1
        else:
            raise _FrontMatterError(1, "the front matter opened on line 1 is never closed with a '---' line")
    return text[len(FENCE) + 1 : end + 1], text[end + len(FENCE) + 2 :]


def read_paper(path: Path) -> tuple[Paper | None, list[Problem]]:
    """Read and validate one content file; the slug is the file's name."""
    text, problem = read_utf8(path)
    if text is None:
        return None, [problem]
    return parse_paper(text, str(path), path.stem)


def parse_paper(text: str, where: str, slug: str) -> tuple[Paper | None, list[Problem]]:
    """Parse the text of a content file; `where` names it in problems, `slug` is its file name
    without `.md` (a name that is not a slug is a problem too: it would be the page's URL)."""
    named = file_name_problems(where, slug)
    paper, problems = _parse_text(text, where, slug)
    if named:
        return None, named + problems
    return paper, problems


def file_name_problems(where: str, slug: str) -> list[Problem]:
    """A content file's name is its page's URL (/papers/<slug>/) and never changes once
    published, so a name that is not a slug (`My Paper.md`, `Über.md`) is refused with the name
    to rename it to, rather than published under an encoded, case-sensitive URL."""
    if not slug or is_slug(slug):
        return []
    better = slugify(slug)
    advice = f"rename it to {better}.md" if better else "rename it to a slug"
    message = (f"file name: '{slug}' is not a slug (lowercase letters, digits and single hyphens), "
               f"and the file name is the page's URL; {advice}")
    return [Problem(where, 1, message)]


def _parse_text(text: str, where: str, slug: str) -> tuple[Paper | None, list[Problem]]:
    try:
        front, body = split_front_matter(text)
    except _FrontMatterError as err:
        return None, [Problem(where, err.line, str(err))]
    try:
        data = _load_front(front)
    except DuplicateKeyError as err:
        line, message = err.describe(first_line=2)  # line 1 of the file is the opening '---'
        return None, [Problem(where, line, message)]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        if mark is None and isinstance(getattr(err, "position", None), int):  # a character YAML refuses (NUL, …)
            line = front[: err.position].count("\n") + 2
        reason = getattr(err, "problem", None) or str(err).split("\n")[0]
        context, start = getattr(err, "context", None), getattr(err, "context_mark", None)
        if context and start is not None and start.line + 2 != line:
            reason += f" ({context} that starts on line {start.line + 2})"
        return None, [Problem(where, line, f"front matter is not valid YAML: {reason}")]
    except ValueError as err:
        return None, [Problem(where, 2, f"front matter is not valid YAML: {err}")]
    if not isinstance(data, dict):
        return None, [Problem(where, 2, "front matter must be a mapping of keys to values")]
    # only an escape in a double-quoted scalar can put an unprintable character in a value, so a
    # front matter without both a '"' and a backslash (LaTeX alone is common) needs no check
    escapes = '"' in front and "\\" in front
    paper, errors = paper_from_mapping(data, body, slug, check_characters=escapes)
    if not errors:
        return paper, []
    lines = _key_lines(front)
    return None, [Problem(where, lines.get(key, 2), message) for key, message in errors]


class _Unusual(Exception):
    """A node that _construct leaves to PyYAML's own constructor."""


def _load_front(front: str) -> Any:
    """yaml.load(front, Loader=_Loader), but the usual document (plain mappings, lists and
    scalars) is built without PyYAML's per-node bookkeeping, a third faster; anything else (a
    merge key, a custom tag, a repeated key, a recursive alias, any error) goes to PyYAML."""
    loader = _Loader(front)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _construct(loader, node, {}, 0)
        except Exception:  # noqa: BLE001 - _Unusual, or an error PyYAML may report otherwise (or first)
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _construct(loader: _Loader, node: yaml.Node, built: dict[int, Any], depth: int) -> Any:
    """What SafeConstructor makes of `node` for the tags it handles; _Unusual otherwise. `built` holds
    each collection once made (an alias gets the same object) and None while it is being made."""
    kind, tag = type(node), node.tag
    if kind is ScalarNode:
        if tag == _STR:
            return node.value
        if tag in _SCALARS:
            return loader.yaml_constructors[tag](loader, node)
        raise _Unusual
    if depth > _MAX_DEPTH:
        raise _Unusual
    if id(node) in built:
        if built[id(node)] is None:
            raise _Unusual
        return built[id(node)]
    built[id(node)] = None
    value: Any
    if kind is SequenceNode and tag == _SEQ:
        value = [_construct(loader, item, built, depth + 1) for item in node.value]
    elif kind is MappingNode and tag == _MAP:
        value = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:  # unhashable: PyYAML says so
                raise _Unusual
            value[_construct(loader, key_node, built, depth + 1)] = _construct(loader, value_node, built, depth + 1)
        if len(value) < len(node.value):  # a repeated key (1 and 1.0 are one): PyYAML names it
            raise _Unusual
    else:
        raise _Unusual
    built[id(node)] = value
    return value


def _key_lines(front: str) -> dict[str, int]:
    """Map each top-level key to its line in the file (line 1 is the opening '---')."""
    node = yaml.compose(front, Loader=_Loader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 2 for k, _ in node.value}


def paper_from_mapping(
    data: dict, body: str, slug: str = "", *, check_characters: bool = True
) -> tuple[Paper | None, list[tuple[str, str]]]:
    """Validate front-matter values; return the Paper or (key, message) pairs for each problem.

    `check_characters=False` skips looking for unprintable characters in the values, for a
    caller that knows there can be none (YAML read from a file without any escapes)."""
    errors: list[tuple[str, str]] = []
    if check_characters:
        errors += _unprintable_errors(data)

    def check(key: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        if key not in data or data[key] is None:
            return default
        try:
            return parse(data[key])
        except ValueError as err:
            errors.append((key, f"{key}: {err}"))
            return default

    title = check("title", _parse_title)
    if title is None and not any(k == "title" for k, _ in errors):
        errors.append(("title", "title: required, and missing"))
    date = check("date", _parse_date)
    if date is None and not any(k == "date" for k, _ in errors):
        errors.append(("date", "date: required, and missing (YYYY, YYYY-MM or YYYY-MM-DD)"))
    fields = dict(
        authors=check("authors", _string_list, ()),
        arxiv=check("arxiv", _parse_arxiv),
        doi=check("doi", _parse_doi),
        tags=check("tags", _parse_tags, ()),
        categories=check("categories", _string_list, ()),
        links=check("links", _parse_links, {}),
        venue=check("venue", _plain_string),
        source=check("source", _parse_mapping, {}),
    )
    if errors:
        return None, errors
    extra = {k: v for k, v in data.items() if k not in KNOWN_KEYS}
    return Paper(title=title, date=date, body=body, slug=slug, extra=extra, **fields), []


def _unprintable_errors(data: dict) -> list[tuple[str, str]]:
    """(key, message) for each top-level key whose value (or a key or value inside it) holds a
    character YAML would refuse raw; aliases are visited once, so an alias bomb stays cheap."""
    seen: set[int] = set()

    def first_bad(value: Any) -> str | None:
        if isinstance(value, str):
            match = _UNPRINTABLE.search(value)
            return match.group() if match else None
        if isinstance(value, (list, dict)):
            if id(value) in seen:
                return None
            seen.add(id(value))
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            for item in items:
                found = first_bad(item)
                if found is not None:
                    return found
        return None

    errors = []
    for key, value in data.items():
        char = first_bad(key) or first_bad(value)
        if char is not None:
            message = f"{key}: contains the control character U+{ord(char):04X}, which pages and feeds cannot hold; remove it"
            errors.append((str(key), message))
    return errors


def _plain_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {describe_value(value)}")
    return value


def _parse_title(value: Any) -> str:
    value = _plain_string(value).strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _parse_date(value: Any) -> PaperDate:
    if isinstance(value, int) and not isinstance(value, bool):
        return PaperDate(value)
    if isinstance(value, str):
        return PaperDate.parse(value)
    raise ValueError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, found {describe_value(value)}")


def _string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, found {describe_value(value)}")
    try:  # the usual list, in one pass; str.strip refuses anything but text
        stripped = tuple(map(str.strip, value))
    except TypeError:
        stripped = ()
    if len(stripped) == len(value) and all(stripped):
        return stripped
    bad = next(item for item in value if not isinstance(item, str) or not item.strip())
    raise ValueError(f"every entry must be non-empty text, found {describe_value(bad)}")


def _parse_tags(value: Any) -> tuple[str, ...]:
    tags = _string_list(value)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags; a paper may have at most {MAX_TAGS}")
    for tag in tags:
        if not is_slug(tag):
            raise ValueError(f"'{tag}' is not a slug (lowercase letters, digits and single hyphens)")
    return tags


def _parse_arxiv(value: Any) -> str:
    if isinstance(value, float):
        raise ValueError(f"write the id in quotes (\"{value}\"): unquoted it is read as a number")
    value = _plain_string(value).strip()
    if not ARXIV_RE.match(value):
        raise ValueError(f"'{value}' is not an arXiv id such as 2010.14701 or hep-ex/0406020")
    return value


def _parse_doi(value: Any) -> str:
    value = _plain_string(value).strip()
    if not DOI_RE.match(value):
        raise ValueError(f"'{value}' is not a DOI such as 10.1145/3292500.3330701")
    return value


def _parse_links(value: Any) -> dict[str, str]:
    mapping = _parse_mapping(value)
    for name, url in mapping.items():
        if not isinstance(url, str) or not URL_RE.match(url):
            raise ValueError(f"link '{name}' must be an http(s) URL, found {describe_value(url)}")
    return {str(k): v for k, v in mapping.items()}


def _parse_mapping(value: Any) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of keys to values, found {describe_value(value)}")
    return value


def paper_to_mapping(paper: Paper) -> dict[str, Any]:
    """Front-matter values in the stable order of the schema; empty optional fields are left out."""
    date = paper.date
    date_value: Any = None
    if date is not None:
        if date.precision == "day":
            date_value = dt.date(date.year, date.month or 1, date.day or 1)
        elif date.precision == "month":
            date_value = str(date)
        else:
            date_value = date.year
    values: dict[str, Any] = {
        "title": paper.title,
        "authors": list(paper.authors),
        "date": date_value,
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "tags": list(paper.tags),
        "categories": list(paper.categories),
        "links": dict(paper.links),
        "venue": paper.venue,
        "source": dict(paper.source),
    }
    ordered = {k: v for k, v in values.items() if v not in (None, [], {})}
    ordered.update(paper.extra)
    return ordered


def dump_paper(paper: Paper) -> str:
    """The full text of a content file for `paper`."""
    front = yaml.dump(
        paper_to_mapping(paper),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
    return f"{FENCE}\n{front}{FENCE}\n{paper.body}"


def write_paper(paper: Paper, folder: Path) -> Path:
    """Write `paper` as `folder/<slug>.md`."""
    if not is_slug(paper.slug):
        raise ValueError(f"cannot write a paper whose slug '{paper.slug}' is not a slug")
    path = folder / f"{paper.slug}.md"
    write_text_atomic(path, dump_paper(paper))
    return path


def read_folder(folder: Path) -> tuple[list[Paper], list[Problem]]:
    """Read every visible `*.md` file in `folder`, as the build does (sorted by name, so results
    are deterministic; hidden files such as `.draft.md` are not pages)."""
    papers: list[Paper] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith("."):
            continue
        paper, found = read_paper(path)
        problems.extend(found)
        if paper is not None:
            papers.append(paper)
    return papers, problems


def identity_keys(paper: Paper) -> list[tuple[str, str]]:
    """What no two content files may share: the slug (but for case), the arXiv id (but for
    version) and the DOI (but for case)."""
    arxiv = re.sub(r"v\d+$", "", paper.arxiv or "")  # 2010.14701v2 is 2010.14701
    keys = [("slug", paper.slug.casefold())]
    return keys + [(kind, value.casefold()) for kind, value in (("arxiv", arxiv), ("doi", paper.doi)) if value]


def duplicate_problems(papers: Iterable[Paper], folder: Path) -> list[Problem]:
    """Two files that are one paper (the same arXiv id or DOI), or whose slugs differ only in case
    (one URL on a case-insensitive host): each later file is reported, naming the first."""
    problems: list[Problem] = []
    first: dict[tuple[str, str], str] = {}
    for paper in sorted(papers, key=lambda p: p.slug):
        for kind, value in identity_keys(paper):
            other = first.setdefault((kind, value), paper.slug)
            if other == paper.slug:
                continue
            path = folder / f"{paper.slug}.md"
            what = "its file name differs only in case from" if kind == "slug" else f"the same {'arXiv id' if kind == 'arxiv' else 'DOI'} as"
            problems.append(Problem(str(path), _line_of(path, kind), f"{kind}: {what} {other}.md; keep one of them"))
    return problems


def _line_of(path: Path, key: str) -> int:
    """The line of a top-level key in a content file already known to parse (1 if not found)."""
    text, _ = read_utf8(path)
    try:
        return _key_lines(split_front_matter(text or "")[0]).get(key, 1)
    except (ValueError, yaml.YAMLError):
        return 1
