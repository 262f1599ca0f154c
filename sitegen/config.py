"""sitegen.yaml -> a typed, validated Config. Defaults live here; every error names its key."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import yaml

from .model import Problem, ProblemsError
from .slugs import is_slug
from .textfiles import DuplicateKeyError, UniqueKeyLoader

CONFIG_FILE = "sitegen.yaml"


@dataclass(frozen=True)
class TagRule:
    """A tag derived at build time: its display title and the phrases that imply it."""

    slug: str
    title: str
    phrases: tuple[str, ...]


SEARCH_FIELDS = ("title", "authors", "tags", "abstract", "ids")
DEFAULT_SEARCH_BOOSTS = {"title": 10, "authors": 5, "tags": 3, "abstract": 1, "ids": 1}


@dataclass(frozen=True)
class SearchSettings:
    """`search:` in sitegen.yaml: whether the site has search, and each field's lunr boost."""

    enabled: bool = True
    boosts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SEARCH_BOOSTS))


@dataclass(frozen=True)
class SourcesSettings:
    """`sources:` in sitegen.yaml: where `sitegen fetch` and `sitegen enrich` ask, and how politely.

    Only those two commands use the network; `build`, `serve` and `check` never read these.
    """

    hf_api: str = "https://huggingface.co/api"
    arxiv_api: str = "https://export.arxiv.org/api"
    request_delay: float = 3.0  # seconds between two requests to one host (arXiv asks for 3)
    timeout: float = 30.0  # seconds without an answer before a request counts as failed
    retries: int = 3  # further attempts after a failed one (timeouts, 429, 5xx, cut-off bodies)
    backoff: float = 5.0  # seconds before the first retry, doubled for each further one
    max_wait: float = 120.0  # the longest Retry-After honoured; a longer one gives up


@dataclass(frozen=True)
class Config:
    """A site's settings; paths are absolute, resolved against the config file's folder."""

    root: Path
    title: str = "Paper archive"
    description: str = ""
    base_url: str = "/"
    language: str = "en"
    per_page: int = 20
    feed_limit: int = 20
    theme: str = "default"
    theme_options: dict[str, Any] = field(default_factory=dict)
    content_dir: Path = Path("content")
    output_dir: Path = Path("public")
    tags: tuple[TagRule, ...] = ()
    category_tags: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    search: SearchSettings = field(default_factory=SearchSettings)
    sources: SourcesSettings = field(default_factory=SourcesSettings)

    @property
    def papers_dir(self) -> Path:
        return self.content_dir / "papers"

    @property
    def base_path(self) -> str:
        """The path prefix of every URL: '' for a root site, '/repo' for a project site."""
        return urlsplit(self.base_url).path.rstrip("/")


@dataclass(frozen=True)
class Option:
    """One documented key of sitegen.yaml; `parse` raises ValueError with what was expected."""

    key: str
    help: str
    parse: Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {value!r}")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number of at least 1, found {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, found {value!r}")
    return value


def _base_url(value: Any) -> str:
    value = _text(value).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("", "http", "https") or (parts.scheme and not parts.netloc):
        raise ValueError(f"expected a URL such as https://user.github.io/repo/ or a path such as /repo/, found {value!r}")
    if not parts.scheme and not value.startswith("/"):
        raise ValueError(f"a base_url without a scheme must start with '/', found {value!r}")
    return value if value.endswith("/") else value + "/"


def _tag_rules(value: Any) -> tuple[TagRule, ...]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of tag slugs to lists of phrases")
    rules = []
    for slug, spec in value.items():
        if not isinstance(slug, str) or not is_slug(slug):
            raise ValueError(f"tag '{slug}' is not a slug (lowercase letters, digits and single hyphens)")
        title = ""
        phrases = spec
        if isinstance(spec, dict):
            unknown = set(spec) - {"title", "match"}
            if unknown:
                raise ValueError(f"tag '{slug}' has unknown keys {sorted(unknown)}; expected title and match")
            title = _text(spec.get("title", title))
            phrases = spec.get("match", [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ValueError(f"tag '{slug}': expected a list of phrases that imply it")
        rules.append(TagRule(slug, title, tuple(p.strip() for p in phrases)))
    return tuple(rules)


def _theme(value: Any) -> dict[str, Any]:
    """`theme: name` or `theme: {name: …, options: {…}}` (options are checked against the theme)."""
    if isinstance(value, str):
        return {"theme": value}
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or set(value) - {"name", "options"}:
        raise ValueError("expected a theme name, or a mapping with name and options")
    options = value.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("options: expected a mapping of option names to values")
    return {"theme": value["name"], "theme_options": options}


def _params(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of names to values")
    return value


def _search(value: Any) -> SearchSettings:
    """`search: false`, or `search: {enabled: …, boosts: {field: number, …}}` (unnamed fields keep their default)."""
    if isinstance(value, bool):
        return SearchSettings(enabled=value)
    if not isinstance(value, dict) or set(value) - {"enabled", "boosts"}:
        raise ValueError("expected true, false or a mapping with enabled and boosts")
    boosts = value.get("boosts") or {}
    if not isinstance(boosts, dict):
        raise ValueError(f"boosts: expected a mapping of fields ({', '.join(SEARCH_FIELDS)}) to numbers")
    for name, boost in boosts.items():
        if name not in SEARCH_FIELDS:
            raise ValueError(f"boosts.{name}: no such field; the fields are {', '.join(SEARCH_FIELDS)}")
        if isinstance(boost, bool) or not isinstance(boost, (int, float)) or not 0 < boost < 1e6:
            raise ValueError(f"boosts.{name}: expected a number greater than 0, found {boost!r}")
    return SearchSettings(enabled=_boolean(value.get("enabled", True)), boosts={**DEFAULT_SEARCH_BOOSTS, **boosts})


_SOURCE_URLS = ("hf_api", "arxiv_api")
_SOURCE_SECONDS = {"request_delay": 0.0, "timeout": None, "backoff": 0.0, "max_wait": 0.0}  # key -> least allowed (None: > 0)


def _service_url(value: Any) -> str:
    text = _text(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"expected an http(s) URL such as https://huggingface.co/api, found {value!r}")
    return text.rstrip("/")


def _seconds(value: Any, least: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"expected a number of seconds, found {value!r}")
    if (least is None and value <= 0) or (least is not None and value < least) or value > 86400:
        bound = "greater than 0" if least is None else f"at least {least:g}"
        raise ValueError(f"expected a number of seconds {bound} (and at most a day), found {value!r}")
    return float(value)


def _sources(value: Any) -> SourcesSettings:
    """`sources: {hf_api: URL, arxiv_api: URL, request_delay: s, timeout: s, retries: n, backoff: s, max_wait: s}`."""
    if not isinstance(value, dict):
        raise ValueError("expected a mapping with hf_api, arxiv_api, request_delay, timeout, retries, backoff and max_wait")
    known = list(SourcesSettings.__dataclass_fields__)
    settings: dict[str, Any] = {}
    for key, raw in value.items():
        try:
            if key in _SOURCE_URLS:
                settings[key] = _service_url(raw)
            elif key in _SOURCE_SECONDS:
                settings[key] = _seconds(raw, _SOURCE_SECONDS[key])
            elif key == "retries":
                if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 10:
                    raise ValueError(f"expected a whole number from 0 to 10, found {raw!r}")
                settings[key] = raw
            else:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
                raise ValueError(f"unknown key; {hint}")
        except ValueError as err:
            raise ValueError(f"{key}: {err}") from None
    return SourcesSettings(**settings)


OPTIONS: tuple[Option, ...] = (
    Option("title", "The site's name, shown in every page header and in feeds.", _text),
    Option("description", "One sentence about the archive, for the home page and search engines.", _text),
    Option("base_url", "Where the site is published, e.g. https://user.github.io/repo/; its path prefixes every link.", _base_url),
    Option("language", "The pages' language code (the html lang attribute).", _text),
    Option("per_page", "Papers per page on the home, tag, author and archive lists.", _positive_int),
    Option("feed_limit", "How many of the newest papers each feed (feed.xml, feed.json, per tag) lists.", _positive_int),
    Option("theme", "The theme: a name, or {name: …, options: {…}} with options the theme declares.", _theme),
    Option("content_dir", "The folder that holds papers/ (relative to sitegen.yaml).", _text),
    Option("output_dir", "Where `sitegen build` writes the site (relative to sitegen.yaml).", _text),
    Option("tags", "Tags derived from title and abstract: tag-slug: [phrases] or tag-slug: {title, match}.", _tag_rules),
    Option("category_tags", "Also derive readable tags from arXiv categories (cs.LG -> machine-learning).", _boolean),
    Option("params", "Free-form values passed to templates as site.params.", _params),
    Option("search", "Site search: false to leave it out, or {boosts: {title: 10, authors: 5, tags: 3, abstract: 1, ids: 1}} to weigh fields.", _search),
    Option("sources", "Where `sitegen fetch` and `sitegen enrich` ask, and how politely: {hf_api: https://huggingface.co/api, "
                      "arxiv_api: https://export.arxiv.org/api, request_delay: 3, timeout: 30, retries: 3, backoff: 5, max_wait: 120} "
                      "(seconds; build never uses the network).", _sources),
)
_BY_KEY = {option.key: option for option in OPTIONS}


def load_config(path: Path) -> Config:
    """Read and validate sitegen.yaml; raise ProblemsError listing every bad key with its line."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProblemsError([Problem(where, None, "no such file (run `sitegen new DIR` to start a site)")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProblemsError([Problem(where, None, f"cannot read: {err}")]) from None
    loader = UniqueKeyLoader(text)  # one parse, in C where PyYAML has it: the nodes give each key's line
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except DuplicateKeyError as err:  # `title:` twice: YAML would keep the last and drop the first
        line, message = err.describe()
        raise ProblemsError([Problem(where, line, message)]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProblemsError([Problem(where, line, f"not valid YAML: {getattr(err, 'problem', err)}")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ProblemsError([Problem(where, 1, "expected a mapping of settings")])
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value} if node is not None else {}
    return config_from_mapping(data, path.parent.resolve(), where, lines)


def config_from_mapping(data: dict, root: Path, where: str = CONFIG_FILE, lines: dict[str, int] | None = None) -> Config:
    """Validate settings already parsed from YAML."""
    lines = lines or {}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, raw in data.items():
        option = _BY_KEY.get(str(key))
        if option is None:
            close = difflib.get_close_matches(str(key), list(_BY_KEY), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(_BY_KEY)}"
            problems.append(Problem(where, lines.get(str(key)), f"{key}: unknown setting{hint}"))
            continue
        try:
            parsed = option.parse(raw)
            if key == "theme":
                values.update(parsed)
            else:
                values[key] = parsed
        except ValueError as err:
            problems.append(Problem(where, lines.get(str(key)), f"{key}: {err}"))
    if problems:
        raise ProblemsError(problems)
    for key in ("content_dir", "output_dir"):
        values[key] = root / values.get(key, Config.__dataclass_fields__[key].default)
    return Config(root=root, **values)


def with_theme(config: Config, name: str) -> Config:
    """The same settings with another theme (`--theme`); its options are checked when it loads."""
    return replace(config, theme=name)


def with_base_url(config: Config, base_url: str) -> Config:
    """The same settings published elsewhere (`sitegen build --base-url`)."""
    try:
        return replace(config, base_url=_base_url(base_url))
    except ValueError as err:
        raise ProblemsError([Problem("--base-url", None, str(err))]) from None
