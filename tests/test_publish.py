"""Publishing the sample archive: served under a project path it is crawlable end to end, the
GitHub Pages workflow and netlify.toml are valid and build it, and the Content-Security-Policy
they send admits the site's own pages in a real browser."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import pytest
import yaml

from conftest import REPO, paper_text
from sitegen.linkcheck import scan_html
from sitegen.scaffold import PAGES_WORKFLOW

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PUBLISHED = "https://example.github.io/archive/"
PREFIX = "/archive"
BIN = str(Path(sys.executable).parent)  # where the installed `sitegen` command lives


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample archive built for a GitHub Pages project site."""
    out = tmp_path_factory.mktemp("published") / "public"
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--out", str(out), "--base-url", PUBLISHED],
                   cwd=REPO, check=True, capture_output=True)
    return out


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


# --- the site as a crawler sees it -----------------------------------------------------------

def test_crawl_from_the_home_page_resolves_every_link_within_the_prefix(sample: Path, static_server) -> None:
    base = static_server(sample, PREFIX)  # http://127.0.0.1:PORT/archive/
    origin = base[: -len(PREFIX) - 1]

    def local(url: str) -> str | None:
        """The served address of an internal URL; None for other sites."""
        if url.startswith(PUBLISHED):  # canonical links name the published host
            url = base + url[len(PUBLISHED):]
        return url if url.startswith(origin + "/") else None

    depth = {base: 0}
    queue = deque([base])
    fetched: dict[str, tuple[int, str]] = {}
    ids: dict[str, set[str]] = {}
    wanted_fragments: list[tuple[str, str, str]] = []
    while queue:
        page = queue.popleft()
        status, kind, body = fetch(page)
        fetched[page] = (status, kind)
        assert status == 200, page
        if kind != "text/html":
            continue
        text = body.decode("utf-8")
        scan = scan_html(text)
        ids[page] = scan.ids
        anchors = _Anchors()
        anchors.feed(text)
        clicks = {urldefrag(urljoin(page, href))[0] for href in anchors.hrefs}
        for _, written in scan.refs:
            url, fragment = urldefrag(urljoin(page, written))
            target = local(url)
            if target is None:
                continue  # another site: never requested
            assert urlsplit(target).path.startswith(PREFIX + "/"), f"{page} links {written}, outside {PREFIX}/"
            if fragment:
                wanted_fragments.append((page, target, fragment))
            if target not in depth:
                depth[target] = depth[page] + 1 if url in clicks else depth[page]
                queue.append(target)
    assert all(urlsplit(url).path.startswith(PREFIX + "/") for url in fetched)
    for page, target, fragment in wanted_fragments:
        assert fragment in ids.get(target, set()), f"{page}: missing anchor {target}#{fragment}"
    papers = {url: d for url, d in depth.items() if re.fullmatch(re.escape(base) + r"papers/[^/]+/", url)}
    assert len(papers) == 82
    assert max(papers.values()) <= 10, sorted(papers.items(), key=lambda item: -item[1])[:3]
    assert base + "feed.xml" in fetched and base + "feed.json" in fetched  # discovered from the pages' heads
    sitemap = ET.fromstring(fetch(base + "sitemap.xml")[2])
    listed = {local(loc.text) for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert listed == {url for url, (_, kind) in fetched.items() if kind == "text/html"}  # the sitemap lists what a crawl finds


def test_the_404_page_works_at_any_depth(sample: Path, static_server) -> None:
    base = static_server(sample, PREFIX)
    missing = base + "no/such/page/at/depth/"
    status, kind, body = fetch(missing)
    assert status == 404 and kind == "text/html"
    scan = scan_html(body.decode("utf-8"))
    assets = [written for kind_, written in scan.refs if kind_ == "asset"]
    assert assets and all(written.startswith(PREFIX + "/") for written in assets)  # absolute paths
    for written in assets + [w for k, w in scan.refs if k == "link" and not w.startswith(("http", "#"))]:
        assert fetch(urljoin(missing, written))[0] == 200, written


def test_the_sample_feeds_parse_and_robots_names_the_sitemap(sample: Path) -> None:
    for path in [sample / "feed.xml", *sorted(sample.glob("tags/*/feed.xml"))]:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo and parsed.entries, path
    assert f"Sitemap: {PUBLISHED}sitemap.xml" in (sample / "robots.txt").read_text()
    assert (sample / ".nojekyll").is_file()


def test_the_sample_passes_sitegen_check_as_published() -> None:
    result = subprocess.run([sys.executable, "-m", "sitegen", "check", "--base-url", PUBLISHED], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- GitHub Pages --------------------------------------------------------------------------

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
OFFICIAL = {"actions/checkout", "actions/cache", "actions/setup-python", "actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"}


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_pages_workflow_is_valid_yaml_using_the_official_actions() -> None:
    flow = workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "workflow_dispatch" in triggers
    uses = [step["uses"] for job in flow["jobs"].values() for step in steps(job) if "uses" in step]
    assert {u.split("@")[0] for u in uses} == OFFICIAL
    assert all(re.fullmatch(r"v\d+", u.split("@")[1]) for u in uses)  # major-version tags
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "write" not in str(flow["permissions"])  # building gets no right to publish


def test_pages_workflow_builds_with_the_base_url_of_the_repository() -> None:
    build = workflow()["jobs"]["build"]
    by_id = {step.get("id"): step for step in steps(build)}
    assert by_id["pages"]["uses"].startswith("actions/configure-pages@")
    build_step = next(step for step in steps(build) if step.get("name") == "Build")
    assert build_step["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert '--base-url "$BASE_URL/"' in build_step["run"] and "--out _site" in build_step["run"]
    upload = next(step for step in steps(build) if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_site" and upload["with"]["include-hidden-files"] is True


def test_the_repository_workflow_is_the_one_sitegen_new_writes(tmp_path: Path) -> None:
    assert WORKFLOW.read_text(encoding="utf-8") == PAGES_WORKFLOW.read_text(encoding="utf-8")
    subprocess.run([sys.executable, "-m", "sitegen", "new", str(tmp_path / "site")], check=True, capture_output=True)
    assert (tmp_path / "site" / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8") == WORKFLOW.read_text(encoding="utf-8")
    requirements = (tmp_path / "site" / "requirements.txt").read_text()
    assert not re.search(r"^sitegen\s*$", requirements, re.M)  # never the unrelated PyPI package
    assert {"/public/", "/.public.*"} <= set((tmp_path / "site" / ".gitignore").read_text().splitlines())


def _run_step(step: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", step["run"]], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env, **step.get("env", {})})


def test_the_workflow_install_step_picks_the_right_source(tmp_path: Path) -> None:
    """With a stand-in `python` that records what it is asked, nothing is downloaded."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\necho "$@" >> "$LOG"\n')
    (fake / "sitegen").write_text("#!/bin/sh\n")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    install = next(step for step in steps(workflow()["jobs"]["build"]) if step.get("name") == "Install sitegen")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "sitegen", "new", str(site)], check=True, capture_output=True)
    for cwd, expected in ((REPO, "-m pip install ."), (site, "-m pip install -r requirements.txt")):
        log = tmp_path / f"{cwd.name}.log"
        result = _run_step(install, cwd, {"PATH": f"{fake}:{os.environ['PATH']}", "LOG": str(log)})
        assert result.returncode == 0, result.stderr
        assert log.read_text().strip() == expected


def test_the_workflow_build_and_check_steps_publish_a_new_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "sitegen", "new", str(site)], check=True, capture_output=True)
    (site / "content" / "papers" / "a-paper.md").write_text(paper_text("A large language model", authors="[Ada Lovelace]"))
    env = {"PATH": f"{BIN}:{os.environ['PATH']}", "BASE_URL": "https://someone.github.io/papers"}
    for name in ("Build",):
        step = next(s for s in steps(workflow()["jobs"]["build"]) if s.get("name") == name)
        step = {**step, "env": {key: env["BASE_URL"] for key in step.get("env", {})}}
        result = _run_step(step, site, env)
        assert result.returncode == 0, result.stdout + result.stderr
    feed = feedparser.parse((site / "_site" / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries[0].link == "https://someone.github.io/papers/papers/a-paper/"


# --- Netlify -------------------------------------------------------------------------------

NETLIFY = REPO / "netlify.toml"


def netlify() -> dict:
    return tomllib.loads(NETLIFY.read_text(encoding="utf-8"))


def netlify_pattern(rule: str) -> re.Pattern:
    """How Netlify matches a header rule's `for` path: `*` is a wildcard (a whole `/*` segment
    also matches nothing), `:name` one segment, a trailing slash optional, any case."""
    parts = []
    for part in filter(None, rule.split("/")):
        if part.startswith(":"):
            parts.append("[^/]+")
        elif part == "*":
            parts.append("?.*")
        else:
            parts.append(".*".join(re.escape(piece) for piece in part.split("*")))
    return re.compile("^/" + "/".join(parts) + "/?$", re.I)


def headers_for(path: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rule in netlify()["headers"]:
        if netlify_pattern(rule["for"]).match(path):
            for name, value in rule["values"].items():
                found.setdefault(name, []).append(value)
    return found


def served_paths(out: Path) -> list[str]:
    paths = []
    for file in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = file.relative_to(out).as_posix()
        paths.append("/" + relative[: -len("index.html")] if relative.endswith("index.html") else "/" + relative)
    return paths


def test_netlify_toml_parses_and_builds_the_sample_into_public() -> None:
    config = netlify()
    assert config["build"]["publish"] == "public"
    assert config["build"]["command"].startswith("pip install . && sitegen build")
    assert re.fullmatch(r"3\.\d+", config["build"]["environment"]["PYTHON_VERSION"])
    for rule in config["headers"]:
        assert rule["for"].startswith("/") and rule["values"]
        assert all(isinstance(value, str) and value.strip() and "\n" not in value for value in rule["values"].values())


def test_netlify_build_command_gives_absolute_feed_urls(tmp_path: Path) -> None:
    for item in ("sitegen.yaml", "content"):
        (shutil.copytree if (REPO / item).is_dir() else shutil.copy)(REPO / item, tmp_path / item)
    command = netlify()["build"]["command"].split(" && ", 1)[1]  # what runs after `pip install .`
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "URL": "https://papers.netlify.app"}
    subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, check=True, capture_output=True)
    feed = feedparser.parse((tmp_path / "public" / "feed.xml").read_bytes())
    assert feed.feed.link == "https://papers.netlify.app/" and not feed.bozo
    env.pop("URL")  # a build without Netlify's variables still works, at the root
    subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, check=True, capture_output=True)
    assert (tmp_path / "public" / "index.html").is_file()


def test_security_headers_apply_to_every_address(sample: Path) -> None:
    for path in ["/", "/papers/x/", "/static/style.css", "/feed.xml", "/no/such/page"]:
        headers = headers_for(path)
        assert headers["X-Content-Type-Options"] == ["nosniff"]
        assert headers["Referrer-Policy"] == ["strict-origin-when-cross-origin"]
        csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"][0].split(";"))
        assert csp["script-src"] == "'self'" and "unsafe" not in headers["Content-Security-Policy"][0]


def max_age(value: str) -> int:
    return int(re.search(r"max-age=(\d+)", value).group(1))


def test_each_address_gets_one_cache_lifetime_short_for_pages(sample: Path) -> None:
    fingerprinted = re.compile(r"\.[0-9a-f]{10}\.[a-z0-9]+$|\.[0-9a-f]{10}$")
    for path in served_paths(sample):
        lifetimes = headers_for(path).get("Cache-Control", [])
        assert len(lifetimes) <= 1, (path, lifetimes)  # two matching rules would send the header twice
        lifetime = lifetimes[0] if lifetimes else "public, max-age=0, must-revalidate"  # Netlify's default
        if path.startswith(("/static/", "/assets/")):
            assert lifetimes, path
            if "immutable" in lifetime or max_age(lifetime) >= 86400:  # long: only for names that change with content
                assert fingerprinted.search(path), f"{path} is cached for long but its name never changes"
        elif path.endswith(("/", ".html", ".xml", ".json", ".txt")):
            assert max_age(lifetime) <= 300, (path, lifetime)


def _violations(browser, url: str, requests: list[str] | None = None) -> list[str]:
    page = browser.new_page()
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    page.add_init_script("""
        window.__csp = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
    """)
    console = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(url)
    page.wait_for_load_state("load")
    found = page.evaluate("window.__csp") + console
    page.close()
    return found


def test_the_csp_admits_the_sites_own_pages_in_chromium(sample: Path, static_server, browser) -> None:
    headers = {name: values[0] for name, values in headers_for("/").items()}
    base = static_server(sample, PREFIX, headers)
    pages = ["", "papers/scaling-laws-for-autoregressive-generative-modeling/", "tags/", "tags/scaling-laws/",
             "authors/", "archive/", "page/2/", "no/such/page/"]
    requests: list[str] = []
    for page in pages:
        assert _violations(browser, base + page, requests) == [], page
    assert requests and all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]


def test_the_csp_check_does_catch_an_inline_script(make_site, static_server, browser) -> None:
    """The browser test above can fail: an inline script in a template is reported."""
    root = make_site({"x": paper_text("X")}, "title: T\nbase_url: https://example.github.io/archive/\n")
    (root / "templates").mkdir()
    (root / "templates" / "tags.html").write_text('{% extends "base.html" %}{% block content %}'
                                                  "<script>document.title = 'inline';</script>{% endblock %}")
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--config", str(root / "sitegen.yaml")], check=True, capture_output=True)
    headers = {name: values[0] for name, values in headers_for("/").items()}
    base = static_server(root / "public", PREFIX, headers)
    assert any("script-src" in v for v in _violations(browser, base + "tags/"))


# --- CI --------------------------------------------------------------------------------------

def test_ci_checks_the_sample_after_building_it_and_runs_the_readme_tests() -> None:
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    build = lines.index('pip install -e ".[test]" && sitegen build')
    assert lines[build + 1].startswith("sitegen check")
    assert lines[-1] == "python -m pytest"


@pytest.mark.parametrize("path", [WORKFLOW, REPO / "sitegen" / "deploy" / "daily-digest.yml"])
def test_workflows_restore_the_build_cache_before_building(path: Path) -> None:
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))
    job = next(job for job in flow["jobs"].values() if any(step.get("name") == "Build" for step in steps(job)))
    names = [step.get("uses", "").split("@")[0] or step.get("name") for step in steps(job)]
    cache = steps(job)[names.index("actions/cache")]
    assert names.index("actions/cache") < names.index("Build")
    assert cache["with"]["path"] == ".sitegen-cache" and cache["with"]["restore-keys"] == "sitegen-"
