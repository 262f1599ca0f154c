"""Jinja2 environment over the theme chain, and the helpers templates use (URLs, assets, dates)."""
from __future__ import annotations

import calendar
from collections import ChainMap
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, Mapping

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.runtime import BlockReference, Context, Macro, new_context
from jinja2.utils import internalcode
from markupsafe import Markup, escape

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


def make_environment(config: Config, chain: ThemeChain, assets: Mapping[str, str], compiled: Path | None = None) -> jinja2.Environment:
    """Templates come from the site's templates/, then the theme, then its parents; a template
    can also name one theme's file explicitly (`{% extends "default/paper.html" %}`). `assets`
    (static file -> fingerprinted name) is read only when a template asks. With
    `compiled`, templates compiled by an earlier build are loaded from that folder (Jinja checks
    each against its source) instead of compiled again: a fifth of a second per process."""
    by_theme = {theme.name: jinja2.FileSystemLoader(str(theme.templates)) for theme in chain.themes}
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(p) for p in template_dirs(config.root, chain)]),
        jinja2.PrefixLoader(by_theme, delimiter="/"),
    ])
    env = environment_class()(
        loader=loader,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # templates never change under an environment (a changed one means a new build)
        cache_size=-1,  # a plain dict: the default LRU cache reorders a deque on every get_template
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
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


# Jinja's own machinery costs a page more than its templates do. The classes below take out three
# of its per-value and per-call costs; the text they produce is Jinja's, byte for byte.


def escape_output(value: Any) -> str:
    """What `{{ value }}` writes under autoescape: markupsafe.escape's text, without wrapping
    each piece in a new Markup (Jinja joins the pieces as strings; most are plain URLs and names)."""
    kind = type(value)
    if kind is str:
        if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:
            return escape(value)
        return value
    if kind is Markup:
        return value
    if kind is int:
        return str(value)
    return escape(value)


class _CodeGenerator(CodeGenerator):
    """Compiles `{{ … }}` under autoescape to `escape_output(…)` instead of `escape(…)`."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)


def _only_environment_globals(environment: jinja2.Environment, globals: Any) -> bool:  # noqa: A002
    """A template's globals are the environment's and nothing more (true of every template here:
    none is loaded with globals of its own)."""
    return isinstance(globals, ChainMap) and len(globals.maps) == 2 and not globals.maps[0] and globals.maps[1] is environment.globals


_DIRECT = frozenset({FunctionType, MethodType, BuiltinFunctionType, Macro, BlockReference})


class _PageContext(Context):
    """Jinja's Context with a cheaper `call` and `{% import %}`.

    `call` (every `url_for(…)`, macro and `super()`) asks a callable three times whether it wants
    the context; a plain function, method, macro or block reference is simply called. With the
    environment's globals, `globals_keys` is left empty: `{% import %}` subtracts it from the
    imported template's globals, which hold them all, to decide that the cached module will do.
    """

    def __init__(self, environment, parent, name, blocks, globals=None):  # noqa: A002 - Jinja's signature
        if globals is environment.globals or _only_environment_globals(environment, globals):
            globals = None
        super().__init__(environment, parent, name, blocks, globals)

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names, free for template keywords
        if type(__obj) not in _DIRECT or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


class _Template(jinja2.Template):
    """Copies the environment's globals into each context from the dict itself, not through the
    ChainMap Jinja lays over it (a Python-level lookup per global, per render)."""

    def new_context(self, vars=None, shared=False, locals=None):  # noqa: A002 - Jinja's signature
        globals = self.environment.globals if _only_environment_globals(self.environment, self.globals) else self.globals
        return new_context(self.environment, self.name, self.blocks, vars, shared, globals, locals)


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    context_class = _PageContext
    template_class = _Template
    escape_output = staticmethod(escape_output)


def environment_class() -> type[jinja2.Environment]:
    """The classes above lean on Jinja internals that 3.1 has kept stable; under any other Jinja
    the pages are rendered by Jinja's own classes (slower, same bytes)."""
    return _Environment if jinja2.__version__.startswith("3.1.") else jinja2.Environment


def compile_templates(env: jinja2.Environment) -> None:
    """Compile every template of the site and its theme chain now, so that the forked workers
    that render the pages inherit them instead of each compiling its own (a fifth of a second
    per worker, per round). Only a speed-up: a file that does not compile (a syntax error, or
    no template at all, such as an image or a .DS_Store beside the templates) is left alone,
    for the first page that uses it, if any, to report with its file and line."""
    for name in env.loader.loaders[0].list_templates():  # type: ignore[union-attr]  # make_environment's loader
        if any(part.startswith(".") for part in name.split("/")):
            continue
        try:
            env.get_template(name)
        except (jinja2.TemplateError, OSError, ValueError):  # ValueError: not UTF-8 text
            continue


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
