"""Jinja2 environment over the theme chain, and the helpers templates use (URLs, assets, dates)."""
from __future__ import annotations

import calendar
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from .config import Config
from .model import PaperDate, Problem, ProblemsError
from .scholar import ScholarGlobals
from .theming import ThemeChain, template_dirs


_MONTH_ABBR = tuple(calendar.month_abbr)  # read once: each lookup of calendar's would call strftime


def date_display(date: PaperDate | None) -> str:
    """A date at its own precision: "28 Oct 2020", "Oct 2020" or "2020"."""
    if date is None:
        return ""
    if date.month is None:
        return str(date.year)
    month = _MONTH_ABBR[date.month]
    return f"{date.day} {month} {date.year}" if date.day is not None else f"{month} {date.year}"


def date_iso(date: PaperDate | None) -> str:
    return "" if date is None else str(date)


def make_environment(config: Config, chain: ThemeChain, assets: Mapping[str, str]) -> jinja2.Environment:
    """Templates come from the site's templates/, then the theme, then its parents; a template
    can also name one theme's file explicitly (`{% extends "default/paper.html" %}`)."""
    by_theme = {theme.name: jinja2.FileSystemLoader(str(theme.templates)) for theme in chain.themes}
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(p) for p in template_dirs(config.root, chain)]),
        jinja2.PrefixLoader(by_theme, delimiter="/"),
    ])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # templates never change under an environment (a changed one means a new build)
    )
    prefix = config.base_path

    def url_for(path: str) -> str:
        """Site-absolute path -> URL with the base_url's path prefix (GitHub project sites)."""
        return prefix + path if path.startswith("/") else path

    def asset(name: str) -> str:
        """The fingerprinted URL of a static file, so a deploy never serves a stale copy."""
        try:
            return url_for("/assets/" + assets[name.lstrip("/")])
        except KeyError:
            raise jinja2.TemplateRuntimeError(f"asset('{name}'): no such static file in the site or its theme") from None

    items: dict[str, Markup] = {}

    def paper_item(paper: Any) -> Markup:
        """A paper's entry in lists, rendered once from paper_item.html and reused on every list
        page that shows it (a paper appears on a dozen lists: home, tags, authors, archives)."""
        html = items.get(paper.url)
        if html is None:
            html = items[paper.url] = Markup(env.get_template("paper_item.html").render(paper=paper))
        return html

    paper_item.memo = items  # type: ignore[attr-defined]  # `sitegen serve` forgets changed papers' entries

    env.globals.update(url_for=url_for, asset=asset, paper_item=paper_item, site=SiteGlobals(config), theme=ThemeGlobals(chain))
    env.filters.update(date_display=date_display, date_iso=date_iso)
    env.globals["scholar"] = ScholarGlobals(config)  # citation meta tags, JSON-LD, BibTeX (scholar.py)
    return env


class SiteGlobals:
    """What templates see as `site`: the public settings, nothing that touches the disk."""

    def __init__(self, config: Config):
        self.title = config.title
        self.description = config.description
        self.base_url = config.base_url
        self.language = config.language
        self.params = config.params


class ThemeGlobals:
    """What templates see as `theme`: its name and its options (defaults merged with the site's)."""

    def __init__(self, chain: ThemeChain):
        self.name = chain.name
        self.options = chain.options


def render_page(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    """Render one page; template errors become problems naming the template file and line."""
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateSyntaxError as err:
        raise ProblemsError([Problem(err.filename or template, err.lineno, f"template error: {err.message}")]) from None
    except jinja2.TemplateError as err:
        path, line = _template_location(err, template)
        raise ProblemsError([Problem(path, line, f"template error: {err}")]) from None


def _template_location(err: Exception, template: str) -> tuple[str, int | None]:
    """Find the innermost template frame of a rendering error, for a `path:line` report."""
    tb = err.__traceback__
    where: tuple[str, int | None] = (template, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".json", ".txt")):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where
