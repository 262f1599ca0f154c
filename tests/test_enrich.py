"""`sitegen enrich`: sparse pages are looked up on arXiv (by id, else by exact title) through the
scripted server replaying recorded responses; only missing fields are filled, edits survive,
ambiguous titles are reported and never applied, and no page is ever added."""
from __future__ import annotations

from pathlib import Path

from conftest import paper_text
from fetch_support import TESTING_S0_M10, Reply, api, corpus, local_network_only, ok, site  # noqa: F401  (fixtures)
from sitegen.cli import main
from sitegen.content import read_paper

TITLE = "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
TITLE_QUERY = 'ti:"testing deep learning models a first comparative study of multiple testing techniques"'
ARXIV = "2202.12139"


def enrich(config: Path, *args: str) -> int:
    return main(["enrich", *args, "--config", str(config)])


def page(config: Path, slug: str):
    paper, problems = read_paper(config.parent / "content" / "papers" / f"{slug}.md")
    assert problems == []
    return paper


def pages(config: Path) -> list[str]:
    return sorted(path.stem for path in (config.parent / "content" / "papers").glob("*.md"))


def with_second_entry(source: Path, arxiv: str, new_id: str) -> bytes:
    """The recorded response with its entry for `arxiv` repeated under another id: two arXiv
    papers of one title, as when a paper was submitted twice."""
    text = source.read_text(encoding="utf-8")
    start = text.index(f"<id>http://arxiv.org/abs/{arxiv}")
    start = text.rindex("<entry>", 0, start)
    end = text.index("</entry>", start) + len("</entry>")
    twin = text[start:end].replace(arxiv, new_id)
    return (text[:end] + "\n  " + twin + text[end:]).encode("utf-8")


def test_by_id_fills_what_is_missing_and_adds_no_page(corpus, api, site, capsys):
    config = site({"testing-dl": paper_text(TITLE, date="2022-02", arxiv=f"'{ARXIV}'", body="My notes.\n")})
    api.route("/api/query", ok(TESTING_S0_M10), id_list=ARXIV)  # answers with nine other papers too
    assert enrich(config) == 0
    assert [(p["id_list"], p["max_results"]) for p in api.asked("/api/query")] == [(ARXIV, "1")]
    paper = page(config, "testing-dl")
    assert paper.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert str(paper.date) == "2022-02-24" and paper.categories == ("cs.SE", "cs.LG")
    assert paper.doi == "10.1109/ICSTW55395.2022.00035" and paper.title == TITLE and paper.body == "My notes.\n"
    assert pages(config) == ["testing-dl"]
    out = capsys.readouterr().out
    assert f"matched: testing-dl -> arXiv {ARXIV} by id (fills date, authors, doi, categories, links, venue, arxiv_version, comment)" in out
    assert "1 looked up (0 complete, skipped): 1 matched, 1 enriched, 0 not found, 0 ambiguous, 0 failed" in out


def test_by_exact_title_fills_and_keeps_edited_fields(corpus, api, site):
    sparse = paper_text(TITLE.lower(), date="2024-11-26", authors="[M. K. Ahuja]",
                        source="{format: hf-listing, file: daily.txt, assumed_date: '2024-11-26'}")
    config = site({"testing": sparse})
    api.route("/api/query", ok(TESTING_S0_M10), search_query=TITLE_QUERY)
    assert enrich(config) == 0
    assert api.asked("/api/query")[0]["sortBy"] == "relevance"
    paper = page(config, "testing")
    assert paper.arxiv == ARXIV and paper.categories == ("cs.SE", "cs.LG")
    assert str(paper.date) == "2022-02-24"  # the date only --date supplied gives way to arXiv's
    assert paper.title == TITLE.lower() and paper.authors == ("M. K. Ahuja",)  # what a person wrote stays
    assert paper.body == "An abstract.\n" and "assumed_date" not in paper.source
    assert pages(config) == ["testing"]


def test_two_arxiv_papers_with_the_title_are_reported_and_not_applied(corpus, api, site, capsys):
    config = site({"testing": paper_text(TITLE, date="2022")})
    before = (config.parent / "content" / "papers" / "testing.md").read_bytes()
    api.route("/api/query", Reply(body=with_second_entry(TESTING_S0_M10, ARXIV, "2203.00001")), search_query=TITLE_QUERY)
    assert enrich(config) == 0
    assert (config.parent / "content" / "papers" / "testing.md").read_bytes() == before
    out = capsys.readouterr().out
    assert "ambiguous, not applied: testing: add `arxiv: ID` to the page to choose" in out
    assert f"    {ARXIV} (2022-02-24): {TITLE}" in out and f"    2203.00001 (2022-02-24): {TITLE}" in out
    assert "0 matched, 0 enriched, 0 not found, 1 ambiguous" in out


def test_choosing_an_id_settles_an_ambiguous_title(corpus, api, site):
    config = site({"testing": paper_text(TITLE, date="2022", arxiv=f"'{ARXIV}'")})
    api.route("/api/query", ok(TESTING_S0_M10), id_list=ARXIV)
    assert enrich(config) == 0 and page(config, "testing").doi == "10.1109/ICSTW55395.2022.00035"


def test_a_title_arxiv_does_not_have_is_reported(corpus, api, site, capsys):
    config = site({"unknown": paper_text("Testing Nothing in Particular", date="2022")})
    api.route("/api/query", ok(TESTING_S0_M10))
    assert enrich(config) == 0
    assert "not found: unknown: no arXiv paper is titled exactly 'Testing Nothing in Particular'" in capsys.readouterr().out


def test_the_same_title_years_apart_is_another_work(corpus, api, site, capsys):
    config = site({"older": paper_text(TITLE, date="2010-05-01")})
    before = (config.parent / "content" / "papers" / "older.md").read_bytes()
    api.route("/api/query", ok(TESTING_S0_M10), search_query=TITLE_QUERY)
    assert enrich(config) == 0
    assert (config.parent / "content" / "papers" / "older.md").read_bytes() == before
    assert "arXiv's papers of this title are other works" in capsys.readouterr().out


def test_a_match_another_page_already_holds_is_a_duplicate_not_a_merge(corpus, api, site, capsys):
    holder = paper_text(TITLE, date="2022-02-24", arxiv=f"'{ARXIV}'", authors="[A]", doi="10.1234/example", categories="[cs.SE]")
    config = site({"holder": holder, "copy": paper_text(TITLE.upper(), date="2022")})
    api.route("/api/query", ok(TESTING_S0_M10), search_query=TITLE_QUERY)
    assert enrich(config) == 0
    assert page(config, "copy").arxiv is None and page(config, "holder").authors == ("A",)
    assert "is already in the archive as holder: a duplicate page?" in capsys.readouterr().out


def test_dry_run_shows_the_change_and_writes_nothing_then_the_cache_answers(corpus, api, site, capsys):
    config = site({"web": paper_text("A Survey on Web Testing: On the Rise of AI and Applications in Industry",
                                     date="2025-03", arxiv="'2503.05378'")})
    before = (config.parent / "content" / "papers" / "web.md").read_bytes()
    api.route("/api/query", ok(TESTING_S0_M10))
    assert enrich(config, "--dry-run") == 0
    assert (config.parent / "content" / "papers" / "web.md").read_bytes() == before
    out = capsys.readouterr().out
    assert "+++ b/web.md" in out and "+date: 2025-03-07" in out and out.rstrip().splitlines()[-1].startswith("dry run, nothing written")
    assert enrich(config) == 0 and str(page(config, "web").date) == "2025-03-07"
    assert enrich(config) == 0  # still lacks a DOI (arXiv has none): looked up again, from the cache
    assert len(api.requests) == 1
    assert "matched: web -> arXiv 2503.05378 by id (nothing to add)" in capsys.readouterr().out


def test_complete_pages_are_not_looked_up(api, site, capsys):
    full = paper_text(TITLE, date="2022-02-24", arxiv=f"'{ARXIV}'", authors="[A]", doi="10.1234/example", categories="[cs.SE]")
    config = site({"full": full})
    assert enrich(config) == 0 and api.requests == []
    assert "0 looked up (1 complete, skipped)" in capsys.readouterr().out


def test_only_the_named_pages_are_looked_up(corpus, api, site, capsys):
    config = site({"a": paper_text(TITLE, date="2022"), "b": paper_text("Another Title", date="2022")})
    api.route("/api/query", ok(TESTING_S0_M10))
    assert enrich(config, "a", "missing") == 0
    assert [p["search_query"] for p in api.asked("/api/query")] == [TITLE_QUERY]
    assert "not found: missing: no page" in capsys.readouterr().out


def test_a_failed_lookup_changes_nothing_and_exits_1(api, site, capsys):
    config = site({"testing": paper_text(TITLE, date="2022", arxiv=f"'{ARXIV}'")}, retries=1)
    before = (config.parent / "content" / "papers" / "testing.md").read_bytes()
    api.route("/api/query", Reply(503, b"busy"))
    assert enrich(config) == 1
    assert (config.parent / "content" / "papers" / "testing.md").read_bytes() == before
    assert "failed: arxiv 2202.12139" in capsys.readouterr().err and len(api.requests) == 2


def test_a_failed_title_lookup_is_a_failure_not_a_missing_paper(api, site, capsys):
    config = site({"testing": paper_text(TITLE, date="2022")}, retries=0)
    api.route("/api/query", Reply(500))
    assert enrich(config) == 1
    captured = capsys.readouterr()
    assert "not found:" not in captured.out and "0 not found" in captured.out
    assert "failed: arxiv query 'ti:" in captured.err and "HTTP 500 Internal Server Error" in captured.err


def test_offline_enrich_uses_only_the_cache(corpus, api, site, capsys):
    config = site({"testing": paper_text(TITLE, date="2022", arxiv=f"'{ARXIV}'")})
    assert enrich(config, "--offline") == 1 and api.requests == []
    assert "not in the cache" in capsys.readouterr().err
    api.route("/api/query", ok(TESTING_S0_M10))
    assert enrich(config, "--dry-run") == 0 and len(api.requests) == 1
    assert enrich(config, "--offline") == 0 and len(api.requests) == 1
    assert page(config, "testing").authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
