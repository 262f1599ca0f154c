"""Which entry of docs/troubleshooting.md explains a problem, so the CLI can print a link under it.

Problems are made in many modules as plain `path:line: message` values; rather than have each of
them name its entry, one table here maps message patterns to the page's headings (their GitHub
anchors). tests/test_troubleshooting.py keeps the table and the page in step: every anchor is a
heading, every example message on the page maps to the entry it stands under, and every problem
the hostile-input corpus produces gets a link.

Links are written as the page's path in the repository, `docs/troubleshooting.md#anchor`, as the
error summary line already was: the docs are Markdown files in docs/, the project has no docs site
and its repository address is not fixed, and a repository-relative path stays right in a clone,
on GitHub and offline. Publishing the docs somewhere means changing DOCS_PAGE only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Problem

DOCS_PAGE = "docs/troubleshooting.md"

# What the CLI prints before a problem, and the entry a problem of that kind falls back to when no
# pattern knows its message (importers and services word their own reasons).
PREFIXES = ("error", "rejected", "failed", "not found", "warning")
FALLBACKS = {"rejected": "a-record-cannot-be-read", "failed": "a-request-failed"}

_SETTINGS_FILE = r"(^|[/\\])(?!theme\.ya?ml$)[^/\\]*\.ya?ml$|^--base-url$"
_THEME_FILE = r"(^|[/\\])theme\.ya?ml$|^entry point "
_CONTENT_KEYS = "title|authors|date|arxiv|doi|tags|categories|links|venue|source"


@dataclass(frozen=True)
class Entry:
    """A heading of the troubleshooting page and the problems it explains: `message` is searched in
    the problem's message, `where` (when given) in its path. Both are regular expressions left to
    `re`'s own cache: compiling them all cost every command 6 ms, and most never explain a problem."""

    anchor: str
    message: str
    where: str | None = None

    def explains(self, problem: Problem) -> bool:
        return bool(re.search(self.message, problem.message)) and (self.where is None or bool(re.search(self.where, problem.path)))


# First match wins: specific messages first, then problems told apart by the file they are in
# (a settings file and a content file share key names such as `title` and `tags`), then the rest.
ENTRIES: tuple[Entry, ...] = (
    # anywhere
    Entry("no-settings-file", r"^no such file \(run `sitegen new DIR`"),
    Entry("cannot-read", r"^cannot read: "),
    Entry("not-utf-8-text", r"^not UTF-8 text"),
    Entry("duplicate-key", r'^duplicate key "'),
    Entry("template-error", r"^template error"),
    Entry("no-theme", r"^(theme|extends): no theme '|^theme '[^']*' cannot be loaded"),
    Entry("theme-has-no-such-option", r"^theme\.options\.[^:]*: (theme '[^']*' has no such option|expected a value like)"),
    Entry("no-papers-folder", r"^no such folder: put papers in "),
    Entry("refusing-to-build-into-this-folder", r"^refusing to build into this folder"),
    Entry("another-build-is-running", r"^another sitegen build of this site is running"),
    Entry("an-extra-file-clashes-with-the-builds-own", r"^the build writes /.* itself; an extra file may not replace it"),
    Entry("a-site-already-exists-here", r"^a site already exists here"),
    Entry("no-feeds-no-sitemap", r"^base_url '[^']*' has no host, so the build writes no feeds"),
    Entry("port-in-use", r"^port \d+ on \S+ is in use"),
    # sitegen check
    Entry("broken-link", r"^(broken link|broken external link) → "),
    Entry("missing-anchor", r"^missing anchor → "),
    Entry("missing-asset", r"^missing asset → "),
    Entry("link-outside-the-site", r"^(link|asset) outside the site → "),
    # a theme's theme.yaml
    Entry("bad-themeyaml", r"", _THEME_FILE),
    # the settings file
    Entry("sitegenyaml-is-not-valid-yaml", r"^(not valid YAML|expected a mapping of settings)", _SETTINGS_FILE),
    Entry("unknown-setting-or-bad-value-in-sitegenyaml", r"", _SETTINGS_FILE),
    # content files, and records an import reads (same fields, same checks)
    Entry("no-front-matter", r"^the file must start with a '---' line"),
    Entry("front-matter-never-closed", r"^the front matter opened on line \d+ is never closed"),
    Entry("front-matter-is-not-valid-yaml", r"^front matter is not valid YAML"),
    Entry("front-matter-must-be-a-mapping", r"^front matter must be a mapping"),
    Entry("control-character-in-a-value", r"^[^:\s]+: contains the control character U\+[0-9A-F]{4}"),
    Entry("file-name-is-not-a-slug", r"^file name: '.*' is not a slug"),
    Entry("required-and-missing", r"^\w+: required, and missing"),
    Entry("two-files-for-one-paper", r"^(arxiv: the same arXiv id as|doi: the same DOI as|slug: its file name differs only in case from) "),
    Entry("bad-date", r"^date: "),
    Entry("write-the-arxiv-id-in-quotes", r"^arxiv: write the id in quotes"),
    Entry("not-an-arxiv-id-or-doi", r"^(arxiv: '.*' is not an arXiv id|doi: '.*' is not a DOI)"),
    Entry("too-many-tags", r"^tags: \d+ tags; a paper may have at most"),
    Entry("not-a-slug", r"^tags: '.*' is not a slug"),
    Entry("link-is-not-a-web-address", r"^links: link '.*' must be an http\(s\) URL"),
    Entry("wrong-kind-of-value", rf"^({_CONTENT_KEYS}): (expected |must not be empty|every entry must be non-empty text)"),
    # importing
    Entry("no-date", r"^no date: pass --date"),
    Entry("no-importer-recognises-this-file", r"^no importer recognises this file"),
    Entry("would-be-written-as-a-page-which-has-errors", r"^would be written as \S+, (which|but \S+) has errors"),
    Entry("cannot-be-written-as-a-page", r"^cannot be written as \S+: "),
    # fetching and enriching
    Entry("not-in-the-cache", r"^not in the cache \("),
    Entry("not-found-on-arxiv", r"^arXiv returned no paper with the id "),
    Entry("nothing-applied", r"^nothing applied: importing the matches would also touch "),
    # a file or folder the command could not write (the CLI names it after `sitegen VERB:`)
    Entry("cannot-write", r"", r"^sitegen [a-z]+$"),
)


def anchor_for(problem: Problem, prefix: str = "error") -> str | None:
    """The anchor of the entry that explains `problem`, printed after `prefix` ('error',
    'rejected', …); None when the page has no entry for it."""
    for entry in ENTRIES:
        if entry.explains(problem):
            return entry.anchor
    return FALLBACKS.get(prefix)


def link(anchor: str) -> str:
    """Where an entry is: DOCS_PAGE#anchor."""
    return f"{DOCS_PAGE}#{anchor}"


def with_link(line: str, problem: Problem, prefix: str = "error") -> str:
    """`line` (the problem as printed, unchanged) and, on the next line, the entry explaining it."""
    anchor = anchor_for(problem, prefix)
    return line if anchor is None else f"{line}\n  see {link(anchor)}"


_LOCATED = re.compile(r"^(?P<where>[^:\s][^:]*?)(?::(?P<line>\d+))?: (?P<message>.+)$")


def parse_line(line: str) -> tuple[str, Problem]:
    """A printed line as (prefix, problem): `rejected: refs.bib:12: no date: …` gives ('rejected',
    Problem('refs.bib', 12, 'no date: …')). For lines the CLI prints from text rather than from a
    Problem (sitegen check's findings), and for the examples on the troubleshooting page."""
    prefix = ""
    for candidate in PREFIXES:
        if line.startswith(candidate + ": "):
            prefix, line = candidate, line[len(candidate) + 2 :]
            break
    line = line.removesuffix(" (left untouched)")
    match = _LOCATED.match(line)
    if match is None:
        return prefix, Problem("", None, line)
    number = match.group("line")
    return prefix, Problem(match.group("where"), int(number) if number else None, match.group("message"))


def line_with_link(line: str) -> str:
    """`line` followed by its entry, the problem read back from the printed text (see parse_line)."""
    prefix, problem = parse_line(line)
    return with_link(line, problem, prefix or "error")
