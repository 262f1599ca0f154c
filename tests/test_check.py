"""`sitegen check`: settings, content, and every link, anchor and asset of the built site."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from conftest import paper_text
from sitegen.check import format_problems
from sitegen.cli import main
from sitegen.linkcheck import BrokenLink, check_external, check_output

SETTINGS = """\
title: Checked archive
base_url: https://user.github.io/repo/
tags:
  llm: {title: Language models, match: [language model]}
"""


def good_papers() -> dict[str, str]:
    return {
        "one": paper_text("One language model", date="2024-01-02", authors="[Ada Lovelace]"),
        "two": paper_text("Two", date="2023-07", body="See [the first](../one/) and [its abstract](../one/#abstract-heading).\n"),
    }


def check(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["check", "--config", str(root / "sitegen.yaml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def override(root: Path, name: str, text: str) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(text, encoding="utf-8")


def test_a_sound_site_passes(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    code, out, err = check(root, capsys)
    assert code == 0, out + err
    assert "no problems" in out and "pages" in out


def test_a_broken_link_planted_in_a_template_is_reported_on_each_page(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    override(root, "tags.html", '{% extends "base.html" %}{% block content %}'
                                '<a href="{{ url_for(\'/no-such-page/\') }}">gone</a>{% endblock %}')
    code, out, _ = check(root, capsys)
    assert code == 1
    assert "/tags/: broken link → /repo/no-such-page/" in out.splitlines()


def test_a_missing_anchor_is_reported(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    override(root, "tags.html", '{% extends "base.html" %}{% block content %}'
                                '<a href="{{ url_for(\'/papers/one/\') }}#no-such-id">here</a>'
                                '<a href="#also-missing">top</a><a href="#main">main</a>{% endblock %}')
    code, out, _ = check(root, capsys)
    assert code == 1
    lines = out.splitlines()
    assert "/tags/: missing anchor → /repo/papers/one/#no-such-id" in lines
    assert "/tags/: missing anchor → #also-missing" in lines
    assert not any("#main" in line for line in lines)  # the skip link's target exists


def test_anchors_that_exist_pass(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)  # paper "two" links ../one/#abstract-heading
    assert check(root, capsys)[0] == 0


def test_a_missing_asset_and_a_missing_stylesheet_url_are_reported(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    (root / "static").mkdir()
    (root / "static" / "extra.css").write_text("body { background: url(img/paper.png); }\n@import 'fonts.css';\n")
    override(root, "authors.html", '{% extends "base.html" %}{% block head %}'
                                   '<link rel="stylesheet" href="{{ asset(\'extra.css\') }}">{% endblock %}'
                                   '{% block content %}<img alt="" src="{{ url_for(\'/static/logo.png\') }}">{% endblock %}')
    code, out, _ = check(root, capsys)
    assert code == 1
    lines = out.splitlines()
    assert "/authors/: missing asset → /repo/static/logo.png" in lines
    assert "/static/extra.css: missing asset → img/paper.png" in lines
    assert "/static/extra.css: missing asset → fonts.css" in lines


def test_a_link_that_leaves_the_project_path_is_reported(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    override(root, "archive.html", '{% extends "base.html" %}{% block content %}<a href="/tags/">tags</a>{% endblock %}')
    code, out, _ = check(root, capsys)
    assert code == 1
    assert "/archive/: link outside the site → /tags/" in out.splitlines()  # GitHub Pages would serve another site there


def test_the_404_page_must_work_at_any_depth(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    override(root, "404.html", '{% extends "base.html" %}{% block content %}<a href="tags/">relative</a>{% endblock %}')
    code, out, _ = check(root, capsys)
    assert code == 1
    assert "/404.html: broken link → tags/" in out.splitlines()


def test_every_content_problem_is_reported_with_path_and_line(make_site, capsys) -> None:
    root = make_site({**good_papers(), "bad-date": paper_text("Bad", date="2023-02-30"),
                      "no-title": "---\ndate: 2023-01-01\n---\n"}, SETTINGS)
    code, _, err = check(root, capsys)
    assert code == 1
    assert "bad-date.md:3: date: day 30 does not exist in 2023-02" in err
    assert "no-title.md:2: title: required, and missing" in err
    assert "Traceback" not in err


def test_a_bad_setting_is_reported_with_its_key_and_line(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS + "per_page: none\n")
    code, _, err = check(root, capsys)
    assert code == 1 and "sitegen.yaml:5: per_page: expected a whole number" in err


def test_check_leaves_the_output_folder_alone(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    assert check(root, capsys)[0] == 0
    assert not (root / "public").exists()
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_a_base_url_without_host_is_warned_about_but_not_an_error(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS.replace("https://user.github.io/repo/", "/"))
    code, out, err = check(root, capsys)
    assert code == 0 and "warning: base_url '/' has no host" in err


def test_base_url_option_checks_the_site_as_published(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS.replace("https://user.github.io/repo/", "/"))
    override(root, "archive.html", '{% extends "base.html" %}{% block content %}<a href="/tags/">tags</a>{% endblock %}')
    assert check(root, capsys)[0] == 0  # at the root, /tags/ exists
    code, out, _ = check(root, capsys, "--base-url", "https://x.github.io/project/")
    assert code == 1 and "/archive/: link outside the site → /tags/" in out


def test_feeds_sitemap_and_robots_are_checked_too(make_site, tmp_path: Path) -> None:
    root = make_site(good_papers(), SETTINGS)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    out = root / "public"
    assert check_output(out, "https://user.github.io/repo/").broken == []
    (out / "papers" / "one" / "index.html").unlink()
    reported = {(p.page, p.reason) for p in check_output(out, "https://user.github.io/repo/").broken}
    assert {("/sitemap.xml", "broken link"), ("/feed.xml", "broken link"), ("/feed.json", "broken link"),
            ("/papers/two/", "broken link")} <= reported


def test_a_link_broken_on_many_pages_is_shown_a_few_times_then_counted() -> None:
    problems = [BrokenLink(f"/papers/p{n}/", "broken link", "/x/") for n in range(10)] + [BrokenLink("/", "missing anchor", "#y")]
    lines = format_problems(sorted(problems))
    assert lines == ["/: missing anchor → #y", "/papers/p0/: broken link → /x/", "/papers/p1/: broken link → /x/",
                     "/papers/p2/: broken link → /x/", "… and 7 more pages with the same broken link → /x/"]


class _Links(http.server.BaseHTTPRequestHandler):
    """A local stand-in for other people's servers (tests never reach the network)."""

    def do_HEAD(self) -> None:
        if self.path == "/no-head":
            self.send_response(405)
        elif self.path == "/busy":
            self.send_response(429)
        else:
            self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        status = 200 if self.path in ("/ok", "/no-head") else 429 if self.path == "/busy" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def link_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Links)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_are_asked_with_head_then_get(link_server: str) -> None:
    urls = [f"{link_server}/ok", f"{link_server}/no-head", f"{link_server}/gone", f"{link_server}/busy"]
    results = check_external(urls, timeout=5, delay=0)
    assert results[f"{link_server}/ok"].ok and results[f"{link_server}/no-head"].ok
    gone = results[f"{link_server}/gone"]
    assert not gone.ok and gone.certain and gone.message == "HTTP 404"
    busy = results[f"{link_server}/busy"]
    assert not busy.ok and not busy.certain  # rate limited: unknown, a warning rather than an error


def test_an_unreachable_host_is_a_problem() -> None:
    results = check_external(["http://127.0.0.1:9/nothing-listens-here"], timeout=2, delay=0)
    outcome = next(iter(results.values()))
    assert not outcome.ok and "cannot connect" in outcome.message


def test_check_has_help(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--help"])
    assert exit_.value.code == 0 and "usage: sitegen check" in capsys.readouterr().out


def page(out: Path, relative: str, body: str, head: str = "") -> None:
    path = out / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>", encoding="utf-8")


@pytest.fixture
def hand_made(tmp_path: Path) -> Path:
    """An output folder whose pages write the same references to different ends: a reference is
    resolved once per distinct meaning, never once per spelling."""
    out = tmp_path / "out"
    page(out, "index.html", '<a href="papers/one/#abstract">ok</a><a href="papers/one/#nowhere">no</a><a href="/repo/papers/one/">ok</a>')
    page(out, "papers/one/index.html", '<h2 id="abstract">Abstract</h2><a href="../two/">ok</a><a href="/repo/gone/">gone</a>')
    page(out, "papers/two/index.html", '<a href="../one/#abstract">ok</a><img src="/repo/static/x.png" alt="">')
    page(out, "tags/x/index.html", '<a href="../two/">broken here</a><a href="/repo/gone/">gone</a><a href="mailto:a@b.c">mail</a>'
                                   '<a href="https://arxiv.org/abs/1#v">arXiv</a>')
    page(out, "elsewhere/index.html", '<a href="/repo/gone/">another site</a><a href="https://arxiv.org/abs/1">arXiv</a>',
         head='<base href="https://mirror.example/">')
    return out


EXPECTED = {
    ("/", "missing anchor", "papers/one/#nowhere"),
    ("/papers/one/", "broken link", "/repo/gone/"),
    ("/papers/two/", "missing asset", "/repo/static/x.png"),
    ("/tags/x/", "broken link", "../two/"),
    ("/tags/x/", "broken link", "/repo/gone/"),
}


def test_references_are_resolved_from_the_page_that_writes_them(hand_made: Path) -> None:
    report = check_output(hand_made, "https://user.github.io/repo/")
    assert {(p.page, p.reason, p.target) for p in report.broken} == EXPECTED
    assert report.pages == 5 and report.references == 9
    assert report.external == {"https://arxiv.org/abs/1": {"/tags/x/", "/elsewhere/"}, "https://mirror.example/repo/gone/": {"/elsewhere/"}}


def test_pages_scanned_on_every_core_give_the_same_report(hand_made: Path, monkeypatch) -> None:
    from sitegen import linkcheck

    alone = check_output(hand_made, "https://user.github.io/repo/")
    monkeypatch.setattr(linkcheck, "PARALLEL_FROM", 1)
    monkeypatch.setattr(linkcheck, "CHUNK", 2)  # three chunks over the two cores
    forked = []
    real = linkcheck.map_forked
    monkeypatch.setattr(linkcheck, "map_forked", lambda *args, **kwargs: forked.append(1) or real(*args, **kwargs))
    heard: list[tuple[int, int]] = []
    assert check_output(hand_made, "https://user.github.io/repo/", lambda done, total: heard.append((done, total))) == alone
    assert forked == [1] and heard == [(2, 5), (4, 5), (5, 5)]  # pages scanned, chunk by chunk


def test_progress_hears_of_the_pages_checked(hand_made: Path, monkeypatch) -> None:
    from sitegen import linkcheck

    monkeypatch.setattr(linkcheck, "CHUNK", 2)
    heard: list[tuple[int, int]] = []
    check_output(hand_made, "https://user.github.io/repo/", lambda done, total: heard.append((done, total)))
    assert heard == [(2, 5), (4, 5), (5, 5)]


def build_and_check(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["build", "--check", "--config", str(root / "sitegen.yaml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_build_check_checks_what_it_built_as_check_does(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    code, out, _ = build_and_check(root, capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Built 2 papers") and lines[-1].endswith("internal links: no problems")
    assert lines[-1] == check(root, capsys)[1].splitlines()[-1]  # the same pages and links as a fresh build's
    override(root, "tags.html", '{% extends "base.html" %}{% block content %}'
                                '<a href="{{ url_for(\'/no-such-page/\') }}">gone</a>{% endblock %}')
    code, out, err = build_and_check(root, capsys)
    assert code == 1 and "/tags/: broken link → /repo/no-such-page/" in out.splitlines() and "1 problem(s)" in err
    assert "no-such-page" in (root / "public" / "tags" / "index.html").read_text(encoding="utf-8")  # built all the same
    assert check(root, capsys)[:2] == (1, out.split("\n", 1)[1])  # sitegen check says the same


def test_build_check_quiet_prints_only_problems_and_verbose_the_time_it_took(make_site, capsys) -> None:
    root = make_site(good_papers(), SETTINGS)
    assert build_and_check(root, capsys, "--quiet") == (0, "", "")
    code, out, _ = build_and_check(root, capsys, "--verbose")
    assert code == 0 and any(line.endswith(" s  check every link") for line in out.splitlines())
    override(root, "tags.html", '{% extends "base.html" %}{% block content %}<a href="#gone">gone</a>{% endblock %}')
    code, out, err = build_and_check(root, capsys, "--quiet")
    assert code == 1 and out.splitlines() == ["/tags/: missing anchor → #gone", "  see docs/troubleshooting.md#missing-anchor"]
    assert "1 problem(s)" in err and "warning" not in err


def test_check_site_reports_the_build_then_the_pages_checked(make_site) -> None:
    from sitegen.check import check_site
    from sitegen.config import load_config

    root = make_site(good_papers(), SETTINGS)
    heard: list[tuple[str, int, int]] = []
    report = check_site(load_config(root / "sitegen.yaml"), progress=lambda stage, done, total: heard.append((stage, done, total)))
    stages = [stage for stage, _, _ in heard]
    assert "read content" in stages and stages[-1] == "check links"
    assert heard[-1] == ("check links", report.pages, report.pages)
