"""Jinja2 environment, theme lookup and the URL helpers templates use."""
from __future__ import annotations

import calendar
from pathlib import Path
from typing import Any

import jinja2

from .config import Config
from .model import PaperDate, Problem, ProblemsError

BUILTIN_THEMES = Path(__file__).parent / "themes"


def theme_dir(config: Config) -> Path:
    """A theme in the site's own themes/ folder wins over a bundled theme of the same name."""
    for base in (config.root / "themes", BUILTIN_THEMES):
        candidate = base / config.theme
        if (candidate / "templates").is_dir():
            return candidate
    bundled = sorted(p.name for p in BUILTIN_THEMES.iterdir() if p.is_dir())
    raise ProblemsError(
        [Problem(str(config.root / "sitegen.yaml"), None, f"theme: no theme '{config.theme}' (bundled: {', '.join(bundled)})")]
    )


def static_dirs(config: Config) -> list[Path]:
    """Static folders, lowest priority first: the theme's, then the site's own."""
    return [theme_dir(config) / "static", config.root / "static"]


def date_display(date: PaperDate | None) -> str:
    """A date at its own precision: "28 Oct 2020", "Oct 2020" or "2020"."""
    if date is None:
        return ""
    if date.month is None:
        return str(date.year)
    month = calendar.month_abbr[date.month]
    return f"{date.day} {month} {date.year}" if date.day is not None else f"{month} {date.year}"


def date_iso(date: PaperDate | None) -> str:
    return "" if date is None else str(date)


def make_environment(config: Config) -> jinja2.Environment:
    """The site's own templates/ folder wins over the theme's."""
    search_path = [config.root / "templates", theme_dir(config) / "templates"]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path if p.is_dir()]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    prefix = config.base_path

    def url_for(path: str) -> str:
        """Site-absolute path -> URL with the base_url's path prefix (GitHub project sites)."""
        return prefix + path if path.startswith("/") else path

    env.globals.update(url_for=url_for, site=SiteGlobals(config))
    env.filters.update(date_display=date_display, date_iso=date_iso)
    return env


class SiteGlobals:
    """What templates see as `site`: the public settings, nothing that touches the disk."""

    def __init__(self, config: Config):
        self.title = config.title
        self.description = config.description
        self.base_url = config.base_url
        self.language = config.language
        self.params = config.params


def render_page(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    """Render one page; template errors become problems naming the template file and line."""
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateSyntaxError as err:
        raise ProblemsError([Problem(err.filename or template, err.lineno, f"template error: {err.message}")]) from None
    except jinja2.TemplateError as err:
        raise ProblemsError([Problem(_template_location(err, template)[0], _template_location(err, template)[1], f"template error: {err}")]) from None


def _template_location(err: Exception, template: str) -> tuple[str, int | None]:
    """Find the innermost template frame of a rendering error, for a `path:line` report."""
    tb = err.__traceback__
    where: tuple[str, int | None] = (template, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") or filename.endswith(".xml"):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where
