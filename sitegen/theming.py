"""Theme lookup: a theme, the themes it extends, and the site's own overrides, in priority order.

A theme is a folder with `theme.yaml`, `templates/` and `static/`. It is found in the site's
`themes/` folder, then among installed packages (entry point group `sitegen.themes`), then among
the bundled themes. `extends: <name>` in theme.yaml makes a child theme that inherits every
template, static file and option it does not redefine.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from .model import Problem, ProblemsError, describe_value
from .textfiles import DuplicateKeyError, UniqueKeyLoader

BUNDLED_THEMES = Path(__file__).parent / "themes"
ENTRY_POINT_GROUP = "sitegen.themes"
THEME_FILE = "theme.yaml"


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path
    parent: str | None
    options: dict[str, Any]
    description: str = ""

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"


@dataclass(frozen=True)
class ThemeChain:
    """The theme in use first, then its parents; `options` are the validated, merged values."""

    themes: tuple[Theme, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.themes[0].name


def installed_themes() -> dict[str, Path]:
    """Themes that Python packages provide: entry point name -> the package's folder."""
    found = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            module = point.load()
        except Exception as err:  # a broken plug-in must not hide the others
            raise ProblemsError([Problem(f"entry point {point.value}", None, f"theme '{point.name}' cannot be loaded: {err}")]) from None
        found[point.name] = Path(module.__file__).parent
    return found


def available_themes(site_root: Path) -> dict[str, Path]:
    """Every theme this site can use, by name; the site's own folder wins, bundled themes last."""
    themes = {p.name: p for p in sorted(BUNDLED_THEMES.iterdir()) if (p / "templates").is_dir()}
    themes.update(installed_themes())
    local = site_root / "themes"
    if local.is_dir():
        themes.update({p.name: p for p in sorted(local.iterdir()) if (p / "templates").is_dir()})
    return themes


def load_theme(name: str, path: Path) -> Theme:
    """Read theme.yaml (optional: a folder with only templates/ is a theme without options)."""
    meta_file = path / THEME_FILE
    meta: Any = {}
    if meta_file.is_file():
        try:
            meta = yaml.load(meta_file.read_text(encoding="utf-8"), Loader=UniqueKeyLoader) or {}
        except DuplicateKeyError as err:  # an option given twice: YAML would silently keep the last
            line, message = err.describe()
            raise ProblemsError([Problem(str(meta_file), line, message)]) from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            raise ProblemsError([Problem(str(meta_file), mark.line + 1 if mark else None, f"not valid YAML: {err}")]) from None
    if not isinstance(meta, dict):
        raise ProblemsError([Problem(str(meta_file), 1, "expected a mapping with extends, options, description")])
    options = meta.get("options") or {}
    if not isinstance(options, dict):
        raise ProblemsError([Problem(str(meta_file), None, "options: expected a mapping of option names to default values")])
    parent = meta.get("extends")
    if parent is not None and not isinstance(parent, str):
        raise ProblemsError([Problem(str(meta_file), None, "extends: expected the name of a theme")])
    return Theme(name, path, parent, dict(options), str(meta.get("description", "")))


def resolve_theme(site_root: Path, name: str, options: dict[str, Any], config_file: str = "sitegen.yaml") -> ThemeChain:
    """The chain for `name` with options checked against every default the chain declares."""
    available = available_themes(site_root)
    chain: list[Theme] = []
    current: str | None = name
    while current is not None:
        if current in (theme.name for theme in chain):
            raise ProblemsError([Problem(str(chain[-1].path / THEME_FILE), None, f"extends: '{current}' makes a loop of themes")])
        if current not in available:
            where = config_file if not chain else str(chain[-1].path / THEME_FILE)
            key = "theme" if not chain else "extends"
            raise ProblemsError([Problem(where, None, f"{key}: no theme '{current}' (available: {', '.join(sorted(available))})")])
        theme = load_theme(current, available[current])
        chain.append(theme)
        current = theme.parent
    return ThemeChain(tuple(chain), _merge_options(chain, options, config_file))


def _merge_options(chain: list[Theme], given: dict[str, Any], config_file: str) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for theme in reversed(chain):
        defaults.update(theme.options)
    problems = []
    for key, value in given.items():
        if key not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            problems.append(Problem(config_file, None, f"theme.options.{key}: theme '{chain[0].name}' has no such option (its options: {known})"))
        elif defaults[key] is not None and not _same_kind(defaults[key], value):
            problems.append(Problem(config_file, None, f"theme.options.{key}: expected a value like {defaults[key]!r}, found {describe_value(value)}"))
    if problems:
        raise ProblemsError(problems)
    return {**defaults, **given}


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def template_dirs(site_root: Path, chain: ThemeChain) -> list[Path]:
    """Where templates are looked up, first match wins: the site, then the theme, then parents."""
    return [p for p in [site_root / "templates", *(t.templates for t in chain.themes)] if p.is_dir()]


def static_files(site_root: Path, chain: ThemeChain) -> dict[str, Path]:
    """Every static file by its path under /static/; the site's file wins, then the child theme's."""
    files: dict[str, Path] = {}
    for folder in [*(t.static for t in reversed(chain.themes)), site_root / "static"]:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
                    files[path.relative_to(folder).as_posix()] = path
    return files


def fingerprinted_name(relative: str, content: bytes) -> str:
    """`css/style.css` -> `css/style.3f2a1c9d.css`: the name changes whenever the bytes do."""
    digest = hashlib.sha256(content).hexdigest()[:10]
    folder, _, filename = relative.rpartition("/")
    stem, dot, suffix = filename.rpartition(".")
    named = f"{stem}.{digest}.{suffix}" if dot and stem else f"{filename}.{digest}"
    return f"{folder}/{named}" if folder else named
