"""Themes: overrides of one template, one block or one file; child themes; options; fingerprints."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import jinja2
import pytest

from conftest import REPO, paper_text
from sitecheck import broken_links, soup
from sitegen import theming
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.render import make_environment
from sitegen.theming import resolve_theme

PAPERS = {
    "alpha": paper_text("Alpha", date="2024-05-02", authors="[Ada Lovelace]", arxiv="'2405.00001'"),
    "beta": paper_text("Beta", date="2024-05-01", authors="[Alan Turing]"),
}


def build(root: Path, *extra: str) -> Path:
    assert main(["build", "--config", str(root / "sitegen.yaml"), *extra]) == 0
    return root / "public"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_site_template_overrides_one_template_and_inherits_the_rest(make_site) -> None:
    root = make_site(PAPERS)
    write(root / "templates" / "404.html", '{% extends "base.html" %}{% block content %}<h1>Lost in the stacks</h1>{% endblock %}')
    out = build(root)
    assert soup(out, "/404.html").find("h1").get_text() == "Lost in the stacks"
    assert soup(out, "/404.html").find("nav", attrs={"aria-label": "Main"}) is not None  # base.html inherited
    assert soup(out, "/papers/alpha/").find("h1").get_text(strip=True) == "Alpha"


def test_site_overrides_one_block_of_the_theme_template(make_site) -> None:
    root = make_site(PAPERS)
    write(root / "templates" / "paper.html", """\
        {% extends "default/paper.html" %}
        {% block paper_sidebar %}<aside class="my-sidebar">Reading group: {{ paper.title }}</aside>{% endblock %}
        """)
    page = soup(build(root), "/papers/alpha/")
    assert page.select_one("aside.my-sidebar").get_text() == "Reading group: Alpha"
    assert page.find("h1").get_text(strip=True) == "Alpha"  # the other blocks are the theme's
    assert "An abstract." in page.find("main").get_text()


def test_site_static_file_replaces_the_theme_file(make_site) -> None:
    root = make_site(PAPERS)
    write(root / "static" / "style.css", "body { color: rebeccapurple; }\n")
    out = build(root)
    href = soup(out, "/").find("link", rel="stylesheet")["href"]
    assert (out / href.lstrip("/")).read_text() == "body { color: rebeccapurple; }\n"
    assert (out / "static" / "theme.js").is_file()  # the rest of the theme's files are still there


def test_fingerprint_changes_with_the_file_and_references_resolve(make_site) -> None:
    root = make_site(PAPERS)
    first = soup(build(root), "/").find("link", rel="stylesheet")["href"]
    assert re.fullmatch(r"/assets/style\.[0-9a-f]{10}\.css", first)
    write(root / "static" / "style.css", "body { margin: 0; }\n")
    out = build(root)
    second = soup(out, "/").find("link", rel="stylesheet")["href"]
    assert second != first and (out / second.lstrip("/")).is_file()
    assert broken_links(out) == []


def test_local_child_theme_with_options(make_site) -> None:
    root = make_site(PAPERS, "title: T\ntheme: {name: lab, options: {motto: Read more papers}}\n")
    write(root / "themes" / "lab" / "theme.yaml", "extends: default\noptions:\n  motto: ''\n")
    write(root / "themes" / "lab" / "templates" / "base.html", """\
        {% extends "default/base.html" %}
        {% block footer %}<footer><p class="motto">{{ theme.options.motto }}</p></footer>{% endblock %}
        """)
    out = build(root)
    assert soup(out, "/papers/beta/").select_one(".motto").get_text() == "Read more papers"
    assert soup(out, "/").select_one(".motto").get_text() == "Read more papers"


def test_theme_from_an_installed_package_entry_point(make_site, monkeypatch, tmp_path: Path) -> None:
    package = tmp_path / "pkgs" / "fancy_theme"
    write(package / "__init__.py", "")
    write(package / "theme.yaml", "extends: default\n")
    write(package / "templates" / "404.html", '{% extends "base.html" %}{% block content %}<h1>Fancy 404</h1>{% endblock %}')
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    points = [EntryPoint("fancy", "fancy_theme", theming.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(theming, "entry_points", lambda group: points if group == theming.ENTRY_POINT_GROUP else [])
    root = make_site(PAPERS, "theme: fancy\n")
    assert soup(build(root), "/404.html").find("h1").get_text() == "Fancy 404"


def test_unknown_theme_is_a_clear_error(make_site, capsys) -> None:
    root = make_site(PAPERS, "theme: nosuch\n")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 1
    err = capsys.readouterr().err
    assert "theme: no theme 'nosuch' (available: default, digest)" in err and "Traceback" not in err


def test_unknown_or_mistyped_theme_option_is_a_clear_error(make_site, capsys) -> None:
    root = make_site(PAPERS, "theme: {name: default, options: {colour: red, authors_shown: many}}\n")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 1
    err = capsys.readouterr().err
    assert "theme.options.colour: theme 'default' has no such option (its options: authors_in_lists, authors_shown)" in err
    assert "theme.options.authors_shown: expected a value like 20, found 'many'" in err


def test_theme_loop_is_reported(make_site, capsys) -> None:
    root = make_site(PAPERS, "theme: a\n")
    write(root / "themes" / "a" / "theme.yaml", "extends: b\n")
    write(root / "themes" / "a" / "templates" / "x.html", "")
    write(root / "themes" / "b" / "theme.yaml", "extends: a\n")
    write(root / "themes" / "b" / "templates" / "x.html", "")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 1
    assert "makes a loop of themes" in capsys.readouterr().err


def test_an_option_given_twice_in_theme_yaml_is_an_error(make_site, capsys) -> None:
    root = make_site(PAPERS, "theme: lab\n")
    write(root / "themes" / "lab" / "theme.yaml", "extends: default\noptions:\n  motto: one\n  motto: two\n")
    write(root / "themes" / "lab" / "templates" / "x.html", "")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 1
    assert re.search(r"themes/lab/theme\.yaml:4: duplicate key \"motto\" \(first on line 3\)", capsys.readouterr().err)


def test_template_error_names_the_template_and_line(make_site, capsys) -> None:
    root = make_site(PAPERS)
    write(root / "templates" / "tags.html", '{% extends "base.html" %}\n{% block content %}\n{{ no_such_variable }}\n{% endblock %}\n')
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 1
    err = capsys.readouterr().err
    assert re.search(r"templates/tags\.html:3: template error: 'no_such_variable' is undefined", err)


def test_template_values_are_escaped_as_markupsafe_escapes_them(make_site) -> None:
    root = make_site(PAPERS, "title: T\nparams: {text: 'a&b<c>d\"e''f', number: 42}\n")
    write(root / "templates" / "404.html", """\
        {% extends "base.html" %}
        {% block content %}<p id="text">{{ site.params.text }}</p><p id="other">{{ site.params.number }} {{ -1.5 }} {{ none }} {{ true }} {{ [1, "<"] }}</p>{% endblock %}
        """)
    raw = (build(root) / "404.html").read_text(encoding="utf-8")
    assert '<p id="text">a&amp;b&lt;c&gt;d&#34;e&#39;f</p>' in raw
    assert '<p id="other">42 -1.5 None True [1, &#39;&lt;&#39;]</p>' in raw


def test_templates_call_helpers_macros_and_blocks_as_jinja_does(make_site) -> None:
    root = make_site(PAPERS)
    config = load_config(root / "sitegen.yaml")
    env = make_environment(config, resolve_theme(config.root, config.theme, config.theme_options), {})
    env.globals["title_with"] = jinja2.pass_context(lambda context, suffix: context["page_title"] + suffix)  # asks for the context
    template = env.from_string(
        '{% macro twice(x) %}{{ x }}{{ x }}{% endmacro %}'
        '{{ title_with("!") }} {{ twice("a&") }} {% for n in [1] %}{{ title_with(n|string) }}{% endfor %} {{ url_for("/x/") }}')
    assert template.render(page_title="T<") == "T&lt;! a&amp;a&amp; T&lt;1 /x/"


@pytest.mark.parametrize("theme", ["default", "digest"])
def test_both_bundled_themes_build_the_sample_site(theme: str, tmp_path: Path) -> None:
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--theme", theme, "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    assert len(list((out / "papers").glob("*/index.html"))) == 82
    assert broken_links(out) == []
    classes = soup(out, "/").select("main ol.paper-list article")[0]["class"]
    assert classes == (["digest-item"] if theme == "digest" else ["paper-item"])


def test_digest_numbers_entries_across_pages(tmp_path: Path) -> None:
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--theme", "digest", "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    assert soup(out, "/page/2/").select_one("main ol.paper-list")["start"] == "21"


def test_the_documented_sidebar_override_works(make_site) -> None:
    docs = (REPO / "docs" / "themes.md").read_text(encoding="utf-8")
    example = re.search(r"```jinja\n(.*?)```", docs, re.S).group(1)
    root = make_site({"alpha": paper_text("Alpha", date="2024-05-02", arxiv="'2405.00001'", discussed_on="'3 June'")})
    write(root / "templates" / "paper.html", example)
    sidebar = soup(build(root), "/papers/alpha/").select_one("aside.paper__sidebar")
    assert sidebar.find("h2").get_text() == "Discussed"
    assert "Reading group, 3 June" in sidebar.get_text()
    assert "2405.00001" in sidebar.get_text()  # super() kept the theme's identifiers


@pytest.mark.parametrize("theme", ["default", "digest"])
def test_the_faster_environment_renders_the_sample_site_as_jinja_does(theme: str, tmp_path: Path, monkeypatch) -> None:
    """render.py's Environment takes out some of Jinja's per-value and per-call costs by leaning
    on Jinja internals; the sample site, with math, odd characters and both themes, must come
    out byte for byte as Jinja's own classes write it."""
    from sitegen import render
    from sitegen.build import build as build_site
    from sitegen.buildstate import BuildState

    def tree(folder: Path) -> dict[str, bytes]:
        return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}

    from sitegen.config import with_base_url, with_theme

    config = with_theme(with_base_url(load_config(REPO / "sitegen.yaml"), "https://example.org/lab/"), theme)
    assert render.environment_class() is not jinja2.Environment  # the Jinja the tests run with is the one it was made for
    build_site(config, tmp_path / "fast", state=BuildState())
    monkeypatch.setattr(render, "environment_class", lambda: jinja2.Environment)
    build_site(config, tmp_path / "jinja", state=BuildState())
    fast, stock = tree(tmp_path / "fast"), tree(tmp_path / "jinja")
    assert fast.keys() == stock.keys() and len(fast) > 200
    assert [name for name in fast if fast[name] != stock[name]] == []
