"""sitegen against Hugo, Eleventy, Pelican, MkDocs and Jekyll on the same generated archive.

Usage: python benchmarks/compare.py --papers 1000 [--runs 3] [--tools hugo,eleventy,...] [--keep DIR]

The corpus is benchmarks/corpus.py's (make_corpus), so the sitegen figures are those of
benchmarks/build.py. Each other tool gets the same papers, with the same tags (sitegen's own
tagger computes them), converted into its own input with minimal templates that do the same work:
a page per paper (title, authors, date, tag links, the abstract rendered from Markdown), a
paginated home page, a tag index and paginated tag pages, an archive index and paginated year and
month pages (MkDocs: the paper pages and the home page only, it has no lists), and one feed of the
20 newest papers. sitegen does more than that (author pages, the search index, related papers,
citations); the page counts in the table show the difference.

Every build runs in a fresh process. A cold build starts without output and without caches; where
a tool has an incremental mode (sitegen's cache, Jekyll --incremental, Pelican's content cache,
MkDocs --dirty), a no-change rebuild follows each cold build, and the cold build is run with the
flags that rebuild needs (as sitegen always writes its cache). The tools take turns, one cold
build (and rebuild) each per round, so that other work on the machine slows them alike. The table
gives the medians of --runs rounds and each tool's time divided by sitegen's, measured in the
same run; the runs themselves and the load average before each round are listed below it. A tool that is not installed is reported as such, with how to
install it; nothing is ever made up.

Finding the tools (first match wins): a flag (--hugo PATH, --eleventy PATH, --pelican PATH,
--mkdocs PATH, --jekyll PATH), an environment variable (SITEGEN_BENCH_HUGO, SITEGEN_BENCH_ELEVENTY,
SITEGEN_BENCH_PELICAN, SITEGEN_BENCH_MKDOCS, SITEGEN_BENCH_JEKYLL), then PATH. None of them is a
dependency of sitegen: install them outside the repository, e.g.

    apt-get install -y hugo jekyll
    mkdir /tmp/eleventy && cd /tmp/eleventy && npm install @11ty/eleventy
    python3 -m venv /tmp/othertools && /tmp/othertools/bin/pip install pelican mkdocs

    python benchmarks/compare.py --papers 1000 --eleventy /tmp/eleventy/node_modules/.bin/eleventy \\
        --pelican /tmp/othertools/bin/pelican --mkdocs /tmp/othertools/bin/mkdocs
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

sys.path.insert(0, str(Path(__file__).parent))
from corpus import compile_sitegen, make_corpus, set_aside  # noqa: E402

PER_PAGE = 20
FEED_ITEMS = 20


# --- the papers, as every tool sees them ----------------------------------------------------------

@dataclass(frozen=True)
class BenchPaper:
    """One paper with what every tool's templates show; `month` is None for a year-only date."""

    slug: str
    title: str
    day: dt.date
    year: int
    month: int | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    arxiv: str | None
    body: str


def load_papers(config_file: Path) -> list[BenchPaper]:
    """The site's papers, newest first, with the tags sitegen itself gives them (rules, categories)."""
    from sitegen.config import load_config
    from sitegen.content import read_folder
    from sitegen.tagging import Tagger

    config = load_config(config_file)
    papers, problems = read_folder(config.papers_dir)
    if problems:
        raise SystemExit("the corpus has errors:\n" + "\n".join(str(p) for p in problems))
    tagger = Tagger(config.tags, config.category_tags)
    out = []
    for paper in papers:
        date = paper.date
        assert date is not None
        out.append(BenchPaper(paper.slug, paper.title, dt.date(date.year, date.month or 1, date.day or 1), date.year,
                              date.month, paper.authors, tagger.tags_for(paper), paper.arxiv, paper.body))
    return sorted(out, key=lambda p: (p.day, p.slug), reverse=True)


def _yaml(value: object) -> str:
    """A YAML value: JSON is YAML, and quoting every string keeps titles like `Yes: no` intact."""
    return json.dumps(value, ensure_ascii=False)


def _front_matter(fields: dict) -> str:
    return "---\n" + "".join(f"{key}: {_yaml(value)}\n" for key, value in fields.items()) + "---\n"


def _pages(count: int) -> int:
    return max(1, -(-count // PER_PAGE))


def _groups(papers: Sequence[BenchPaper]) -> tuple[dict[str, list[BenchPaper]], dict[str, list[BenchPaper]]]:
    """Papers by tag and by archive period ('2020', '2020/10'), newest first."""
    by_tag: dict[str, list[BenchPaper]] = defaultdict(list)
    by_period: dict[str, list[BenchPaper]] = defaultdict(list)
    for paper in papers:
        for tag in paper.tags:
            by_tag[tag].append(paper)
        by_period[str(paper.year)].append(paper)
        if paper.month is not None:
            by_period[f"{paper.year}/{paper.month:02d}"].append(paper)
    return dict(sorted(by_tag.items())), dict(sorted(by_period.items()))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- Hugo -----------------------------------------------------------------------------------------

_HUGO_ITEM = """<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> · {{ .Date.Format "2006-01-02" }} · {{ delimit .Params.authors ", " }}
{{- range .Params.tags }} <a href="{{ printf "/tags/%s/" . | relURL }}">{{ . }}</a>{{ end }}</li>"""
_HUGO_LIST = """<ul>{{ range .Pages }}""" + _HUGO_ITEM + """{{ end }}</ul>
<nav>{{ if .HasPrev }}<a href="{{ .Prev.URL }}">newer</a>{{ end }} page {{ .PageNumber }} of {{ .TotalPages }}
{{- if .HasNext }} <a href="{{ .Next.URL }}">older</a>{{ end }}</nav>"""
_HUGO_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}"></head><body>
"""
HUGO_LAYOUTS = {
    "index.html": _HUGO_HEAD + """<h1>{{ .Site.Title }}</h1>
{{ partial "list.html" (.Paginate .Site.RegularPages) }}
</body></html>
""",
    "_default/single.html": _HUGO_HEAD + """<main><h1>{{ .Title }}</h1>
<p>{{ delimit .Params.authors ", " }} · {{ .Date.Format "2006-01-02" }}{{ with .Params.arxiv }} · arXiv {{ . }}{{ end }}</p>
<ul>{{ range .Params.tags }}<li><a href="{{ printf "/tags/%s/" . | relURL }}">{{ . }}</a></li>{{ end }}</ul>
{{ .Content }}</main>
</body></html>
""",
    "_default/term.html": _HUGO_HEAD + """<h1>{{ .Title }}</h1><p>{{ len .Pages }} papers</p>
{{ partial "list.html" (.Paginate .Pages) }}
</body></html>
""",
    "_default/terms.html": _HUGO_HEAD + """<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>
</body></html>
""",
    "partials/list.html": _HUGO_LIST + "\n",
}


def hugo_version_tuple(version_text: str) -> tuple[int, ...]:
    """(0, 111, 3) from `hugo v0.111.3+extended linux/amd64 …`; () when it cannot tell."""
    match = re.search(r"v(\d+)\.(\d+)\.(\d+)", version_text)
    return tuple(int(part) for part in match.groups()) if match else ()


def to_hugo(papers: Sequence[BenchPaper], folder: Path, version: tuple[int, ...] = ()) -> None:
    """Hugo input: papers as content/papers/*.md, tags and archive periods as taxonomies (Hugo makes
    their term pages and indexes), a paginated home page and RSS for the home page only."""
    pagination = "[pagination]\n  pagerSize = 20\n" if version >= (0, 128) else "paginate = 20\n"
    _write(folder / "hugo.toml", f"""baseURL = "http://localhost/"
title = "Benchmark archive"
languageCode = "en"
disableKinds = ["section", "sitemap", "robotsTXT"]
rssLimit = {FEED_ITEMS}
{pagination}[services.rss]
  limit = {FEED_ITEMS}
[taxonomies]
  tag = "tags"
  year = "years"
  month = "months"
[outputs]
  home = ["HTML", "RSS"]
  taxonomy = ["HTML"]
  term = ["HTML"]
""")
    for name, text in HUGO_LAYOUTS.items():
        _write(folder / "layouts" / name, text)
    for paper in papers:
        fields: dict = {"title": paper.title, "date": paper.day.isoformat(), "authors": list(paper.authors),
                        "tags": list(paper.tags), "years": [str(paper.year)]}
        if paper.month is not None:
            fields["months"] = [f"{paper.year}-{paper.month:02d}"]
        if paper.arxiv:
            fields["arxiv"] = paper.arxiv
        _write(folder / "content" / "papers" / f"{paper.slug}.md", _front_matter(fields) + paper.body)


# --- Eleventy -------------------------------------------------------------------------------------

ELEVENTY_CONFIG = r"""// Generated by sitegen's benchmarks/compare.py: papers, tag and archive pages (paginated), a feed.
const PER_PAGE = 20;

function chunks(key, title, urlBase, items) {
  const pages = [];
  const total = Math.max(1, Math.ceil(items.length / PER_PAGE));
  for (let n = 0; n < total; n++) {
    const url = n === 0 ? urlBase : `${urlBase}page/${n + 1}/`;
    pages.push({ key, title, url, number: n + 1, total, count: items.length, items: items.slice(n * PER_PAGE, (n + 1) * PER_PAGE) });
  }
  for (let n = 0; n < pages.length; n++) {
    pages[n].prev = n > 0 ? pages[n - 1].url : null;
    pages[n].next = n + 1 < pages.length ? pages[n + 1].url : null;
  }
  return pages;
}

function byKey(papers, keys) {
  const groups = new Map();
  for (const paper of papers) {
    for (const key of keys(paper)) {
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(paper);
    }
  }
  return [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function periods(paper) {
  const keys = [String(paper.data.year)];
  if (paper.data.month) keys.push(`${paper.data.year}/${String(paper.data.month).padStart(2, "0")}`);
  return keys;
}

module.exports = function (eleventyConfig) {
  const papers = (api) => api.getFilteredByGlob("src/papers/*.md").sort((a, b) => b.date - a.date || (a.fileSlug < b.fileSlug ? 1 : -1));
  eleventyConfig.addCollection("papers", papers);
  eleventyConfig.addCollection("feed", (api) => papers(api).slice(0, 20));
  eleventyConfig.addCollection("tagList", (api) => byKey(papers(api), (p) => p.data.tags || []).map(([key, items]) => ({ key, count: items.length })));
  eleventyConfig.addCollection("tagPages", (api) =>
    byKey(papers(api), (p) => p.data.tags || []).flatMap(([key, items]) => chunks(key, `Papers tagged ${key}`, `/tags/${key}/`, items)));
  eleventyConfig.addCollection("periodList", (api) => byKey(papers(api), periods).map(([key, items]) => ({ key, count: items.length })));
  eleventyConfig.addCollection("periodPages", (api) =>
    byKey(papers(api), periods).flatMap(([key, items]) => chunks(key, `Papers of ${key}`, `/archive/${key}/`, items)));
  eleventyConfig.addFilter("day", (date) => date.toISOString().slice(0, 10));
  return {
    dir: { input: "src", output: "_site", includes: "_includes" },
    markdownTemplateEngine: false,
    htmlTemplateEngine: "njk",
  };
};
"""
_NJK_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }} · Benchmark archive</title>
<link rel="alternate" type="application/atom+xml" href="/feed.xml"></head><body>
"""
_NJK_ITEM = """<li><a href="{{ p.url }}">{{ p.data.title }}</a> · {{ p.date | day }} · {{ p.data.authors | join(", ") }}
{%- for tag in p.data.tags %} <a href="/tags/{{ tag }}/">{{ tag }}</a>{% endfor %}</li>"""
_NJK_GROUP_PAGE = """---
pagination:
  data: collections.COLLECTION
  size: 1
  alias: entry
permalink: "{{ entry.url }}"
eleventyComputed:
  title: "{{ entry.title }}"
---
""" + _NJK_HEAD + """<h1>{{ entry.title }}</h1><p>{{ entry.count }} papers</p>
<ul>{% for p in entry.items %}""" + _NJK_ITEM + """{% endfor %}</ul>
<nav>{% if entry.prev %}<a href="{{ entry.prev }}">newer</a>{% endif %} page {{ entry.number }} of {{ entry.total }}
{%- if entry.next %} <a href="{{ entry.next }}">older</a>{% endif %}</nav>
</body></html>
"""
ELEVENTY_TEMPLATES = {
    "_includes/paper.njk": _NJK_HEAD + """<main><h1>{{ title }}</h1>
<p>{{ authors | join(", ") }} · {{ page.date | day }}{% if arxiv %} · arXiv {{ arxiv }}{% endif %}</p>
<ul>{% for tag in tags %}<li><a href="/tags/{{ tag }}/">{{ tag }}</a></li>{% endfor %}</ul>
{{ content | safe }}</main>
</body></html>
""",
    "papers/papers.json": json.dumps({"layout": "paper.njk"}) + "\n",
    "index.njk": """---
pagination:
  data: collections.papers
  size: 20
  alias: items
permalink: "/{% if pagination.pageNumber > 0 %}page/{{ pagination.pageNumber + 1 }}/{% endif %}"
title: Benchmark archive
---
""" + _NJK_HEAD + """<h1>Benchmark archive</h1>
<ul>{% for p in items %}""" + _NJK_ITEM + """{% endfor %}</ul>
<nav>{% if pagination.href.previous %}<a href="{{ pagination.href.previous }}">newer</a>{% endif %} page {{ pagination.pageNumber + 1 }} of {{ pagination.pages.length }}
{%- if pagination.href.next %} <a href="{{ pagination.href.next }}">older</a>{% endif %}</nav>
</body></html>
""",
    "tag-pages.njk": _NJK_GROUP_PAGE.replace("COLLECTION", "tagPages"),
    "archive-pages.njk": _NJK_GROUP_PAGE.replace("COLLECTION", "periodPages"),
    "tags.njk": """---
permalink: /tags/
title: Tags
---
""" + _NJK_HEAD + """<h1>Tags</h1><ul>{% for t in collections.tagList %}<li><a href="/tags/{{ t.key }}/">{{ t.key }}</a> {{ t.count }}</li>{% endfor %}</ul>
</body></html>
""",
    "archive.njk": """---
permalink: /archive/
title: Archive
---
""" + _NJK_HEAD + """<h1>Archive</h1><ul>{% for t in collections.periodList %}<li><a href="/archive/{{ t.key }}/">{{ t.key }}</a> {{ t.count }}</li>{% endfor %}</ul>
</body></html>
""",
    "feed.njk": """---
permalink: /feed.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Benchmark archive</title><id>http://localhost/</id>
{%- for p in collections.feed %}
<entry><title>{{ p.data.title }}</title><link href="http://localhost{{ p.url }}"/><id>http://localhost{{ p.url }}</id><updated>{{ p.date | day }}T00:00:00Z</updated><content type="html">{{ p.content }}</content></entry>
{%- endfor %}
</feed>
""",
}


def to_eleventy(papers: Sequence[BenchPaper], folder: Path) -> None:
    """Eleventy input: src/papers/*.md with a paper layout; tag and archive pages paginated from
    collections the config builds; a paginated home page; an Atom feed."""
    _write(folder / "eleventy.config.js", ELEVENTY_CONFIG)
    for name, text in ELEVENTY_TEMPLATES.items():
        _write(folder / "src" / name, text)
    for paper in papers:
        fields: dict = {"title": paper.title, "date": paper.day.isoformat(), "authors": list(paper.authors),
                        "tags": list(paper.tags), "year": paper.year}
        if paper.month is not None:
            fields["month"] = paper.month
        if paper.arxiv:
            fields["arxiv"] = paper.arxiv
        _write(folder / "src" / "papers" / f"{paper.slug}.md", _front_matter(fields) + paper.body)


# --- Pelican --------------------------------------------------------------------------------------

PELICAN_CONFIG = f"""# Generated by sitegen's benchmarks/compare.py
SITENAME = "Benchmark archive"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = "theme"
DEFAULT_PAGINATION = {PER_PAGE}
PAGINATED_TEMPLATES = {{"index": None, "tag": None, "period_archives": None}}
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
DIRECT_TEMPLATES = ["index", "tags", "archives"]
ARTICLE_URL = "papers/{{slug}}/"
ARTICLE_SAVE_AS = "papers/{{slug}}/index.html"
TAG_URL = "tags/{{slug}}/"
TAG_SAVE_AS = "tags/{{slug}}/index.html"
TAGS_SAVE_AS = "tags/index.html"
ARCHIVES_SAVE_AS = "archive/index.html"
YEAR_ARCHIVE_URL = "archive/{{date:%Y}}/"
YEAR_ARCHIVE_SAVE_AS = "archive/{{date:%Y}}/index.html"
MONTH_ARCHIVE_URL = "archive/{{date:%Y}}/{{date:%m}}/"
MONTH_ARCHIVE_SAVE_AS = "archive/{{date:%Y}}/{{date:%m}}/index.html"
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = ""
PAGE_SAVE_AS = ""
FEED_ALL_ATOM = "feed.xml"
FEED_MAX_ITEMS = {FEED_ITEMS}
CATEGORY_FEED_ATOM = AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = TRANSLATION_FEED_ATOM = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""
_PELICAN_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ SITENAME }}{% endblock %}</title>
<link rel="alternate" type="application/atom+xml" href="{{ SITEURL }}/feed.xml"></head><body>
"""
_PELICAN_LIST = """<ul>{% for a in articles_page.object_list %}<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> · {{ a.date.strftime("%Y-%m-%d") }} · {{ a.authors | join(", ") }}
{%- for tag in a.tags %} <a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a>{% endfor %}</li>{% endfor %}</ul>
<nav>{% if articles_previous_page %}<a href="{{ SITEURL }}/{{ articles_previous_page.url }}">newer</a>{% endif %} page {{ articles_page.number }} of {{ articles_paginator.num_pages }}
{%- if articles_next_page %} <a href="{{ SITEURL }}/{{ articles_next_page.url }}">older</a>{% endif %}</nav>
</body></html>
"""
PELICAN_TEMPLATES = {
    "article.html": _PELICAN_HEAD + """<main><h1>{{ article.title }}</h1>
<p>{{ article.authors | join(", ") }} · {{ article.date.strftime("%Y-%m-%d") }}{% if article.arxiv %} · arXiv {{ article.arxiv }}{% endif %}</p>
<ul>{% for tag in article.tags %}<li><a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a></li>{% endfor %}</ul>
{{ article.content }}</main>
</body></html>
""",
    "page.html": _PELICAN_HEAD + "<main><h1>{{ page.title }}</h1>{{ page.content }}</main></body></html>\n",
    "index.html": _PELICAN_HEAD + "<h1>{{ SITENAME }}</h1>\n" + _PELICAN_LIST,
    "tag.html": _PELICAN_HEAD + "<h1>Papers tagged {{ tag }}</h1><p>{{ articles | length }} papers</p>\n" + _PELICAN_LIST,
    "period_archives.html": _PELICAN_HEAD + "<h1>Papers of {{ period | join(' ') }}</h1><p>{{ articles | length }} papers</p>\n"
                            + _PELICAN_LIST,
    "tags.html": _PELICAN_HEAD + """<h1>Tags</h1><ul>{% for tag, articles in tags | sort %}<li><a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a> {{ articles | length }}</li>{% endfor %}</ul>
</body></html>
""",
    "archives.html": _PELICAN_HEAD + """<h1>Archive</h1><ul>{% for granularity in ["year", "month"] %}{% for a in period_archives[granularity] %}<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.period | join(' ') }}</a> {{ a.articles | length }}</li>{% endfor %}{% endfor %}</ul>
</body></html>
""",
}


def to_pelican(papers: Sequence[BenchPaper], folder: Path) -> None:
    """Pelican input: papers as Markdown articles; its own tag pages, year and month archives,
    paginated index and Atom feed, with a minimal theme and no author or category pages."""
    _write(folder / "pelicanconf.py", PELICAN_CONFIG)
    for name, text in PELICAN_TEMPLATES.items():
        _write(folder / "theme" / "templates" / name, text)
    for paper in papers:
        # Pelican's archives need a day; a year-only date files under January, as Hugo's does.
        lines = [f"Title: {paper.title}", f"Date: {paper.day.isoformat()}", f"Slug: {paper.slug}",
                 f"Authors: {', '.join(paper.authors)}", f"Tags: {', '.join(paper.tags)}"]
        if paper.arxiv:
            lines.append(f"Arxiv: {paper.arxiv}")
        _write(folder / "content" / "papers" / f"{paper.slug}.md", "\n".join(lines) + "\n\n" + paper.body)


# --- MkDocs ---------------------------------------------------------------------------------------

MKDOCS_MAIN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ page.title }} · {{ config.site_name }}</title></head><body>
<main>{% if page.meta.authors %}<p>{{ page.meta.authors | join(", ") }} · {{ page.meta.date }}</p>
<ul>{% for tag in page.meta.tags %}<li>{{ tag }}</li>{% endfor %}</ul>{% endif %}
{{ page.content }}</main>
</body></html>
"""


def to_mkdocs(papers: Sequence[BenchPaper], folder: Path) -> None:
    """MkDocs input: one page per paper and a home page listing them (MkDocs has no tag, archive
    or paginated list pages and no feed, so this is pages only), a minimal theme, no search."""
    _write(folder / "mkdocs.yml", "site_name: Benchmark archive\ndocs_dir: docs\nsite_dir: site\n"
                                  "theme:\n  name: null\n  custom_dir: theme\nplugins: []\n")
    _write(folder / "theme" / "main.html", MKDOCS_MAIN)
    home = ["# Benchmark archive", ""] + [f"- [{paper.title}](papers/{paper.slug}.md) · {paper.day}" for paper in papers]
    _write(folder / "docs" / "index.md", "\n".join(home) + "\n")
    for paper in papers:
        fields = {"title": paper.title, "date": paper.day.isoformat(), "authors": list(paper.authors),
                  "tags": list(paper.tags)}
        _write(folder / "docs" / "papers" / f"{paper.slug}.md",
               _front_matter(fields) + f"# {paper.title}\n\n" + paper.body)


# --- Jekyll ---------------------------------------------------------------------------------------

_LIQUID_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ page.title }} · {{ site.title }}</title>
<link rel="alternate" type="application/atom+xml" href="{{ '/feed.xml' | relative_url }}"></head><body>
"""
JEKYLL_LAYOUTS = {
    "paper.html": _LIQUID_HEAD + """<main><h1>{{ page.title }}</h1>
<p>{{ page.authors | join: ", " }} · {{ page.date | date: "%Y-%m-%d" }}{% if page.arxiv %} · arXiv {{ page.arxiv }}{% endif %}</p>
<ul>{% for tag in page.tags %}<li><a href="{{ '/tags/' | append: tag | append: '/' | relative_url }}">{{ tag }}</a></li>{% endfor %}</ul>
{{ content }}</main>
</body></html>
""",
    "list.html": _LIQUID_HEAD + """<h1>{{ page.heading }}</h1><p>{{ page.count }} papers</p>
{% if page.kind == "tag" %}{% assign items = site.tags[page.group] %}{% elsif page.kind == "period" %}{% assign items = site.categories[page.group] %}{% else %}{% assign items = site.posts %}{% endif -%}
<ul>{% for p in items limit: 20 offset: page.offset %}<li><a href="{{ p.url | relative_url }}">{{ p.title }}</a> · {{ p.date | date: "%Y-%m-%d" }} · {{ p.authors | join: ", " }}
{%- for tag in p.tags %} <a href="{{ '/tags/' | append: tag | append: '/' | relative_url }}">{{ tag }}</a>{% endfor %}</li>{% endfor %}</ul>
<nav>{% if page.newer %}<a href="{{ page.newer | relative_url }}">newer</a>{% endif %} page {{ page.number }} of {{ page.total }}
{%- if page.older %} <a href="{{ page.older | relative_url }}">older</a>{% endif %}</nav>
</body></html>
""",
}
JEKYLL_FEED = """---
layout: null
permalink: /feed.xml
---
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{{ site.title | xml_escape }}</title><id>{{ '/' | absolute_url }}</id>
{%- for p in site.posts limit: 20 %}
<entry><title>{{ p.title | xml_escape }}</title><link href="{{ p.url | absolute_url }}"/><id>{{ p.url | absolute_url }}</id><updated>{{ p.date | date_to_xmlschema }}</updated><content type="html">{{ p.content | xml_escape }}</content></entry>
{%- endfor %}
</feed>
"""


def _period_category(period: str) -> str:
    return "y" + period if "/" not in period else "m" + period.replace("/", "-")


def to_jekyll(papers: Sequence[BenchPaper], folder: Path) -> None:
    """Jekyll input: papers as posts (tags, and their year and month as categories, so an archive
    page looks its papers up like a tag page), stub pages for each paginated list page (Jekyll
    paginates only the home page, and only with a plugin), an Atom feed written in Liquid."""
    _write(folder / "_config.yml", "title: Benchmark archive\nurl: http://localhost\npermalink: /papers/:title/\n"
                                   "markdown: kramdown\nplugins: []\n"
                                   "defaults:\n  - scope: {path: '', type: posts}\n    values: {layout: paper, render_with_liquid: false}\n")
    for name, text in JEKYLL_LAYOUTS.items():
        _write(folder / "_layouts" / name, text)
    _write(folder / "feed.xml", JEKYLL_FEED)
    by_tag, by_period = _groups(papers)
    for paper in papers:
        periods = [str(paper.year)] + ([f"{paper.year}/{paper.month:02d}"] if paper.month is not None else [])
        fields: dict = {"title": paper.title, "authors": list(paper.authors), "tags": list(paper.tags),
                        "categories": [_period_category(p) for p in periods]}
        if paper.arxiv:
            fields["arxiv"] = paper.arxiv
        _write(folder / "_posts" / f"{paper.day.isoformat()}-{paper.slug}.md", _front_matter(fields) + paper.body)
    lists = [("home", "", "Benchmark archive", "/", len(papers))]
    lists += [("tag", tag, f"Papers tagged {tag}", f"/tags/{tag}/", len(items)) for tag, items in by_tag.items()]
    lists += [("period", _period_category(period), f"Papers of {period}", f"/archive/{period}/", len(items))
              for period, items in by_period.items()]
    for kind, group, heading, base, count in lists:
        total = _pages(count)
        urls = [base] + [f"{base}page/{n}/" for n in range(2, total + 1)]
        for n, url in enumerate(urls):
            fields = {"layout": "list", "title": heading, "heading": heading, "kind": kind, "group": group,
                      "count": count, "offset": n * PER_PAGE, "number": n + 1, "total": total, "permalink": url,
                      "newer": urls[n - 1] if n else None, "older": urls[n + 1] if n + 1 < total else None}
            _write(folder / "lists" / (url.strip("/") or "home") / "index.html", _front_matter(fields))
    index = ["---", "layout: null", "permalink: /tags/", "---", _LIQUID_HEAD + "<h1>Tags</h1><ul>"
             "{% for tag in site.tags %}<li><a href=\"{{ '/tags/' | append: tag[0] | append: '/' | relative_url }}\">"
             "{{ tag[0] }}</a> {{ tag[1].size }}</li>{% endfor %}</ul></body></html>"]
    _write(folder / "lists" / "tags-index.html", "\n".join(index) + "\n")
    archive = ["---", "layout: null", "permalink: /archive/", "---", _LIQUID_HEAD + "<h1>Archive</h1><ul>"
               + "".join(f'<li><a href="{{{{ \'/archive/{period}/\' | relative_url }}}}">{period}</a> '
                         f'{{{{ site.categories["{_period_category(period)}"].size }}}}</li>' for period in by_period)
               + "</ul></body></html>"]
    _write(folder / "lists" / "archive-index.html", "\n".join(archive) + "\n")


# --- running the tools ------------------------------------------------------------------------------

@dataclass
class Tool:
    """How to convert the corpus for a tool, build it cold, rebuild it unchanged, and install it."""

    key: str
    name: str
    install: str
    convert: Callable[[Sequence[BenchPaper], Path, str], None]  # papers, folder, the tool's version line
    build: Callable[[str], list[str]]  # executable -> argv of a cold build, run in the site folder
    rebuild: Callable[[str], list[str]] | None  # argv of a no-change rebuild, when the tool has one
    output: str  # the output folder, relative to the site folder
    caches: tuple[str, ...] = ()  # removed before each cold build
    version: Callable[[str], list[str]] = lambda exe: [exe, "--version"]
    note: str = ""


TOOLS = [
    Tool("hugo", "Hugo", "apt-get install hugo, or a release from https://gohugo.io/installation/",
         lambda papers, folder, version: to_hugo(papers, folder, hugo_version_tuple(version)),
         lambda exe: [exe, "--quiet"], None, "public", ("resources", ".hugo_build.lock"),
         version=lambda exe: [exe, "version"], note="no incremental build outside `hugo server`"),
    Tool("eleventy", "Eleventy", "npm install @11ty/eleventy (in a folder outside the repository; "
         "pass --eleventy FOLDER/node_modules/.bin/eleventy)", lambda papers, folder, _: to_eleventy(papers, folder),
         lambda exe: [exe, "--quiet"], None, "_site", (".cache",),
         note="--incremental only applies while watching"),
    Tool("pelican", "Pelican", "pip install pelican (in a separate venv; pass --pelican VENV/bin/pelican)",
         lambda papers, folder, _: to_pelican(papers, folder),
         lambda exe: [exe, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
         lambda exe: [exe, "content", "-s", "pelicanconf.py", "-o", "output", "-q"], "output", ("cache", "__pycache__"),
         note="rebuild: with its content cache (CACHE_CONTENT, LOAD_CONTENT_CACHE)"),
    Tool("mkdocs", "MkDocs", "pip install mkdocs (in a separate venv; pass --mkdocs VENV/bin/mkdocs)",
         lambda papers, folder, _: to_mkdocs(papers, folder),
         lambda exe: [exe, "build", "--quiet"], lambda exe: [exe, "build", "--dirty", "--quiet"], "site",
         note="pages only: no tag, archive or paginated pages, no feed; rebuild: build --dirty"),
    Tool("jekyll", "Jekyll", "apt-get install jekyll, or gem install jekyll", lambda papers, folder, _: to_jekyll(papers, folder),
         lambda exe: [exe, "build", "--quiet", "--incremental"], lambda exe: [exe, "build", "--quiet", "--incremental"],
         "_site", (".jekyll-cache", ".jekyll-metadata"), note="cold and rebuild with --incremental"),
]


def find_tool(key: str, given: str | None = None) -> str | None:
    """A tool's executable: the flag's value, else $SITEGEN_BENCH_<KEY>, else PATH; None if none."""
    for candidate in (given, os.environ.get(f"SITEGEN_BENCH_{key.upper()}"), key):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def _version_of(key: str, exe: str) -> str:
    """The first line the tool prints about its version (the table names the version measured)."""
    tool = next(t for t in TOOLS if t.key == key)
    try:
        done = subprocess.run(tool.version(exe), capture_output=True, text=True, timeout=60)
    except OSError as err:
        return f"unknown ({err})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def short_version(text: str) -> str:
    """'0.111.3' from Hugo's long version line, '1.6.1' from MkDocs', …; the text itself otherwise."""
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else text


@dataclass
class Measured:
    """One tool's row of the table: its times, or why it has none."""

    name: str
    version: str = ""
    cold: list[float] = field(default_factory=list)
    rebuild: list[float] = field(default_factory=list)
    pages: int = 0
    failure: str = ""  # why there are no figures (not installed, a failed build)
    note: str = ""


class BuildFailed(Exception):
    """A build exited non-zero: reported in the table instead of a time."""


def _timed(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildFailed(f"`{' '.join(argv)}` exited with {done.returncode}: {' / '.join(tail)}")
    return seconds


def _clean(folder: Path, names: Iterable[str]) -> None:
    for name in names:
        set_aside(folder / name)


def count_pages(folder: Path) -> int:
    """HTML pages written, the same measure for every tool; redirects (Hugo's /page/1/ aliases) are
    not pages."""
    count = 0
    for path in folder.rglob("*.html"):
        with path.open("rb") as handle:
            count += b'http-equiv="refresh"' not in handle.read(1024)
    return count


@dataclass
class Contender:
    """A tool ready to be timed: its input converted, the commands to run in `folder`."""

    result: Measured
    folder: Path
    cold: list[str]
    rebuild: list[str] | None
    output: str
    caches: Sequence[str]

    def run_once(self) -> None:
        """One cold build (output and caches removed first), then a no-change rebuild if there is one.
        Files written before (the converted inputs, the last tool's output) are flushed to disk
        first, untimed: their write-back would otherwise slow whichever tool runs next."""
        _clean(self.folder, [self.output, *self.caches])
        os.sync()
        self.result.cold.append(_timed(self.cold, self.folder))
        if self.rebuild is not None:
            self.result.rebuild.append(_timed(self.rebuild, self.folder))
        self.result.pages = count_pages(self.folder / self.output)


def measure(argv_cold: list[str], argv_rebuild: list[str] | None, folder: Path, output: str,
            caches: Sequence[str], runs: int) -> tuple[list[float], list[float], int]:
    """`runs` cold builds, each followed by a no-change rebuild when there is one; returns the cold
    times, the rebuild times and the pages of the last build."""
    contender = Contender(Measured(""), folder, argv_cold, argv_rebuild, output, caches)
    for _ in range(runs):
        contender.run_once()
    return contender.result.cold, contender.result.rebuild, contender.result.pages


def prepare_sitegen(config_file: Path) -> Contender:
    """sitegen as a user runs it: `python -m sitegen build` in a fresh process."""
    from sitegen import __version__

    argv = [sys.executable, "-m", "sitegen", "build", "--quiet", "--config", str(config_file)]
    result = Measured("sitegen", __version__, note="cache in .sitegen-cache/")
    return Contender(result, config_file.parent, argv, argv, "public", [".sitegen-cache"])


def prepare_tool(tool: Tool, exe: str | None, papers: Sequence[BenchPaper], folder: Path) -> Contender | Measured:
    """Convert the papers for `tool`; a tool that is not installed is a result already, never timed."""
    result = Measured(tool.name, note=tool.note)
    if exe is None:
        result.failure = f"not installed ({tool.install})"
        return result
    version = _version_of(tool.key, exe)
    result.version = short_version(version)
    tool.convert(papers, folder, version)
    return Contender(result, folder, tool.build(exe), tool.rebuild(exe) if tool.rebuild else None, tool.output, tool.caches)


def run_rounds(contenders: Sequence[Contender], runs: int) -> list[float]:
    """Every contender once per round, `runs` rounds: load from other work on the machine then
    falls on all of them alike, which keeps the ratios honest. A build that fails is reported and
    not run again. Returns the 1-minute load average before each round."""
    loads = []
    for number in range(runs):
        loads.append(os.getloadavg()[0])
        for contender in contenders:
            if contender.result.failure:
                continue
            print(f"  round {number + 1}: {contender.result.name}", file=sys.stderr, flush=True)
            try:
                contender.run_once()
            except BuildFailed as err:
                contender.result.failure = f"build failed: {err}"
    return loads


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×"


def table(results: Sequence[Measured], papers: int, runs: int) -> str:
    """The Markdown table: medians, and each tool's time divided by sitegen's (below 1: faster)."""
    base = results[0]
    cold_base = statistics.median(base.cold) if base.cold and not base.failure else None
    rebuild_base = statistics.median(base.rebuild) if base.rebuild and not base.failure else None
    lines = [f"| tool | pages | cold build, {papers:,} papers (median of {runs}) | ÷ sitegen | no-change rebuild | ÷ sitegen |",
             "|---|---|---|---|---|---|"]
    for result in results:
        name = f"{result.name} {result.version}".strip()
        if result is base:
            name = f"**{name}**"
        if result.failure:
            lines.append(f"| {name} | | {result.failure} | | | |")
            continue
        cold = statistics.median(result.cold)
        row = [name, f"{result.pages:,}", _seconds(cold), _ratio(cold, cold_base) if cold_base else ""]
        if result.rebuild:
            rebuild = statistics.median(result.rebuild)
            row += [_seconds(rebuild), _ratio(rebuild, rebuild_base) if rebuild_base else ""]
        else:
            row += ["—", ""]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def details(results: Sequence[Measured]) -> str:
    """Every run, and what each tool's figures mean."""
    lines = []
    for result in results:
        if result.failure:
            continue
        runs = f"cold [{', '.join(f'{t:.2f}' for t in result.cold)}]"
        if result.rebuild:
            runs += f", rebuild [{', '.join(f'{t:.2f}' for t in result.rebuild)}]"
        lines.append(f"- {result.name}: {runs}" + (f"; {result.note}" if result.note else ""))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--papers", type=int, default=1000, help="papers in the generated archive (default: 1000)")
    parser.add_argument("--runs", type=int, default=3, help="cold builds per tool; the table gives the median (default: 3)")
    parser.add_argument("--tools", default=",".join(t.key for t in TOOLS),
                        help="which tools to compare, comma-separated (default: all)")
    parser.add_argument("--keep", type=Path, help="convert into this folder and keep it (default: a temporary folder)")
    for tool in TOOLS:
        parser.add_argument(f"--{tool.key}", metavar="PATH",
                            help=f"the {tool.name} executable (default: $SITEGEN_BENCH_{tool.key.upper()}, then PATH)")
    args = parser.parse_args(argv)
    chosen = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(chosen) - {t.key for t in TOOLS})
    if unknown:
        parser.error(f"unknown tools: {', '.join(unknown)}")
    compile_sitegen()
    with tempfile.TemporaryDirectory(prefix="sitegen-compare-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        config_file = make_corpus(work / "sitegen", args.papers)
        papers = load_papers(config_file)
        print(f"{len(papers):,} papers; converting…", file=sys.stderr, flush=True)
        prepared: list[Contender | Measured] = [prepare_sitegen(config_file)]
        prepared += [prepare_tool(tool, find_tool(tool.key, getattr(args, tool.key)), papers, work / tool.key)
                     for tool in TOOLS if tool.key in chosen]
        loads = run_rounds([c for c in prepared if isinstance(c, Contender)], args.runs)
        shutil.rmtree(work / ".set-aside", ignore_errors=True)  # the outputs of earlier rounds
    results = [c.result if isinstance(c, Contender) else c for c in prepared]
    print(table(results, len(papers), args.runs))
    print()
    print(details(results))
    print(f"- load average (1 min) before each round: {', '.join(f'{load:.1f}' for load in loads)} on {os.cpu_count()} cores")
    return 0


# --- for benchmarks/build.py ------------------------------------------------------------------------

def hugo_comparison(config_file: Path, sitegen_cold: Sequence[float], runs: int, exe: str | None = None) -> str:
    """One line for build.py: Hugo's median cold build of the same site and sitegen's time as a
    multiple of it, or why there is none. The site's folder is read, never written."""
    hugo = find_tool("hugo", exe)
    if hugo is None:
        return f"  Hugo: not installed ({TOOLS[0].install}); no ratio"
    version = _version_of("hugo", hugo)
    with tempfile.TemporaryDirectory(prefix="sitegen-hugo-") as tmp:
        folder = Path(tmp) / "hugo"  # beside it, set_aside's folder is removed with tmp
        to_hugo(load_papers(config_file), folder, hugo_version_tuple(version))
        try:
            cold, _, pages = measure([hugo, "--quiet"], None, folder, "public", TOOLS[0].caches, runs)
        except BuildFailed as err:
            return f"  Hugo {short_version(version)}: build failed ({err}); no ratio"
    hugo_median, ours = statistics.median(cold), statistics.median(sitegen_cold)
    return (f"  Hugo {short_version(version)} cold build {hugo_median:7.2f} s   "
            f"[{', '.join(f'{t:.2f}' for t in cold)}], {pages} pages; sitegen takes {ours / hugo_median:.1f}× as long")


if __name__ == "__main__":
    sys.exit(main())
