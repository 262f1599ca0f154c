"""`sitegen fetch`: Hugging Face days and arXiv queries and ids, fetched from a scripted server
that replays real API responses, cached, imported, and built without the network."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from fetch_support import (  # noqa: F401  (fixtures)
    ERROR_400, HF_DAY, ID_1111_2011, IDS_0808_1707, TESTING_S0_M10, TESTING_S0_M100, TESTING_S10_M10, Reply,
    api, corpus, local_network_only, ok, site,
)
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.content import read_folder
from sitegen.fetch import Fetcher, fetch_arxiv_query, fetch_hf_daily

DAY = "2024-06-03"


def papers(config: Path) -> dict[str, object]:
    found, problems = read_folder(config.parent / "content" / "papers")
    assert problems == []
    return {paper.slug: paper for paper in found}


def cached(config: Path, service: str) -> list[str]:
    folder = config.parent / ".sitegen-cache" / "fetch" / service
    return sorted(path.name for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []


def fetch(config: Path, *args: str) -> int:
    return main(["fetch", *args, "--config", str(config)])


# --- Hugging Face daily papers -------------------------------------------------------------

def test_a_day_is_fetched_kept_raw_and_imported(corpus, api, site, capsys):
    config = site()
    api.hf_day(DAY)
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert api.asked("/api/daily_papers") == [{"date": DAY}]
    raw = config.parent / ".sitegen-cache" / "fetch" / "hf-daily" / f"{DAY}.json"
    assert raw.read_bytes() == (HF_DAY / f"{DAY}.json").read_bytes()
    titles = {paper.title for paper in papers(config).values()}
    assert len(titles) == len(json.loads(raw.read_text())) and all(titles)
    assert "new, 0 enriched" in capsys.readouterr().out


def test_running_again_reads_the_cache_and_asks_nothing(corpus, api, site):
    config = site()
    api.hf_day(DAY)
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    before = {path.name: path.read_bytes() for path in (config.parent / "content" / "papers").iterdir()}
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert fetch(config, "hf-daily", "--date", DAY, "--refresh") == 0  # a past day is final
    assert len(api.requests) == 1
    assert {path.name: path.read_bytes() for path in (config.parent / "content" / "papers").iterdir()} == before


def test_a_range_asks_once_per_day_oldest_first(corpus, api, site, capsys):
    config = site()
    for day in ("2024-05-31", "2024-06-03"):
        api.hf_day(day)
    for weekend in ("2024-06-01", "2024-06-02"):
        api.hf_day(weekend, Reply(body=b"[]"))
    assert fetch(config, "hf-daily", "--since", "2024-05-31", "--until", "2024-06-03") == 0
    assert [p["date"] for p in api.asked("/api/daily_papers")] == ["2024-05-31", "2024-06-01", "2024-06-02", "2024-06-03"]
    assert cached(config, "hf-daily") == ["2024-05-31.json", "2024-06-01.json", "2024-06-02.json", "2024-06-03.json"]
    assert "hf-daily 2024-06-01: no papers that day" in capsys.readouterr().err


def test_rate_limit_waits_as_long_as_retry_after_says(corpus, api, site, capsys):
    config = site()
    api.hf_day(DAY, Reply(429, b'{"error": "slow down"}', {"Retry-After": "1"}), ok(HF_DAY / f"{DAY}.json"))
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert len(api.requests) == 2 and papers(config)
    err = capsys.readouterr().err
    assert "HTTP 429 Too Many Requests (rate limited): slow down; retrying in 1 s (attempt 2 of 3)" in err


def test_a_retry_after_longer_than_max_wait_gives_up_at_once(corpus, api, site, capsys):
    config = site()
    api.hf_day(DAY, Reply(503, headers={"Retry-After": "3600"}))
    assert fetch(config, "hf-daily", "--date", DAY) == 1
    assert len(api.requests) == 1 and cached(config, "hf-daily") == []
    err = capsys.readouterr().err
    assert "asks to wait 3600 s, longer than sources.max_wait (5 s): try again later" in err


def test_a_server_error_is_retried(corpus, api, site):
    config = site()
    api.hf_day(DAY, Reply(500, b"Internal Server Error"), ok(HF_DAY / f"{DAY}.json"))
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert len(api.requests) == 2 and papers(config)


def test_a_timeout_is_retried(corpus, api, site, capsys):
    config = site(timeout=0.3)
    api.hf_day(DAY, Reply(delay=1.0, body=b"[]"), ok(HF_DAY / f"{DAY}.json"))
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert papers(config) and "no answer within 0.3 s; retrying" in capsys.readouterr().err


def test_a_body_cut_short_of_its_length_is_retried_and_never_cached(corpus, api, site, capsys):
    config = site(retries=1)
    whole = (HF_DAY / f"{DAY}.json").read_bytes()
    api.hf_day(DAY, Reply(body=whole, cut_at=len(whole) // 2))
    assert fetch(config, "hf-daily", "--date", DAY) == 1
    assert len(api.requests) == 2 and cached(config, "hf-daily") == [] and papers(config) == {}
    assert f"the response was cut off after {len(whole) // 2} of {len(whole)} bytes (gave up after 2 attempts)" in capsys.readouterr().err


def test_a_truncated_body_without_length_is_malformed_and_retried(corpus, api, site, capsys):
    config = site()
    whole = (HF_DAY / f"{DAY}.json").read_bytes()
    api.hf_day(DAY, Reply(body=whole, cut_at=1000, length=False), ok(HF_DAY / f"{DAY}.json"))
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert "malformed response: not valid JSON" in capsys.readouterr().err
    assert (config.parent / ".sitegen-cache" / "fetch" / "hf-daily" / f"{DAY}.json").read_bytes() == whole


def test_a_failure_halfway_keeps_what_was_fetched_and_exits_1(corpus, api, site, capsys):
    config = site()
    api.hf_day("2024-06-03")
    api.hf_day("2024-06-04", Reply(500))
    api.hf_day("2024-06-05")
    assert fetch(config, "hf-daily", "--since", "2024-06-03", "--until", "2024-06-05") == 1
    featured = {paper.extra["featured"] for paper in papers(config).values()}
    assert {str(day) for day in featured} == {"2024-06-03", "2024-06-05"}
    err = capsys.readouterr().err
    assert "failed: hf-daily 2024-06-04 (" in err and "HTTP 500 Internal Server Error (gave up after 3 attempts)" in err
    api.hf_day("2024-06-04")  # the service recovers: the retry asks only for the missing day
    requests = len(api.requests)
    assert fetch(config, "hf-daily", "--since", "2024-06-03", "--until", "2024-06-05") == 0
    assert [p["date"] for p in api.asked("/api/daily_papers")[requests:]] == ["2024-06-04"]


def test_quiet_prints_only_errors_and_verbose_the_seconds_of_each_stage(corpus, api, site, capsys):
    config = site()
    api.hf_day(DAY)
    capsys.readouterr()
    assert fetch(config, "hf-daily", "--date", DAY, "--quiet") == 0
    assert capsys.readouterr() == ("", "") and len(papers(config)) == 6
    assert fetch(config, "hf-daily", "--date", DAY, "--verbose") == 0
    out = capsys.readouterr().out.splitlines()
    assert "0 new, 0 enriched, 6 unchanged, 0 rejected" in out
    assert [line.split(" s  ")[1] for line in out if " s  " in line] == ["fetch", "read the archive", "read and match the sources",
                                                                         "write pages"]
    assert fetch(config, "hf-daily", "--date", "2024-06-04", "--offline", "--quiet") == 1  # never fetched: an error, said
    assert capsys.readouterr().err.count("2024-06-04") >= 1


def test_offline_replays_the_cache_without_connecting(corpus, api, site):
    config = site()
    api.hf_day(DAY)
    assert fetch(config, "hf-daily", "--date", DAY, "--dry-run") == 0
    assert papers(config) == {}  # a dry run fetches and caches, and writes no page
    api.stop()
    assert fetch(config, "hf-daily", "--date", DAY, "--offline") == 0
    assert len(papers(config)) == 6 and len(api.requests) == 1


def test_offline_without_a_cached_answer_says_so(api, site, capsys):
    config = site()
    assert fetch(config, "hf-daily", "--date", DAY, "--offline") == 1
    assert api.requests == []
    assert "not in the cache" in capsys.readouterr().err


def test_a_day_still_under_way_is_reused_until_refresh_and_fetched_again_once_over(corpus, api, site):
    config = load_config(site())
    day = date(2024, 6, 3)
    api.hf_day(DAY, Reply(body=b"[]"), ok(HF_DAY / f"{DAY}.json"))
    during = lambda: datetime(2024, 6, 3, 15, tzinfo=timezone.utc)  # noqa: E731
    assert fetch_hf_daily(Fetcher(config, now=during), [day]).fetched == [f"{DAY}.json"]
    assert fetch_hf_daily(Fetcher(config, now=during), [day]).cached == [f"{DAY}.json"]
    assert fetch_hf_daily(Fetcher(config, now=during, refresh=True), [day]).fetched == [f"{DAY}.json"]
    after = lambda: datetime(2024, 6, 4, 12, tzinfo=timezone.utc)  # noqa: E731  (ended everywhere on Earth)
    assert fetch_hf_daily(Fetcher(config, now=after), [day]).fetched == [f"{DAY}.json"]
    assert fetch_hf_daily(Fetcher(config, now=after, refresh=True), [day]).cached == [f"{DAY}.json"]
    assert len(api.requests) == 3


def test_an_error_answer_from_hugging_face_is_quoted(api, site, capsys):
    config = site()
    api.hf_day(DAY, Reply(400, b'{"error": "Invalid date"}'))
    assert fetch(config, "hf-daily", "--date", DAY) == 1
    assert len(api.requests) == 1 and "HTTP 400 Bad Request: Invalid date" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--date", DAY, "--since", DAY], ["--until", DAY], ["--since", "2024-06-04", "--until", DAY]])
def test_contradictory_days_are_bad_usage(api, site, args):
    assert fetch(site(), "hf-daily", *args) == 2 and api.requests == []


def test_a_day_must_be_a_whole_day(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fetch", "hf-daily", "--date", "2024-06"])
    assert exit_.value.code == 2 and "expected YYYY-MM-DD, today or yesterday" in capsys.readouterr().err


# --- arXiv -----------------------------------------------------------------------------------

def test_a_query_pages_politely_and_stops_at_max(corpus, api, site):
    config = load_config(site())
    api.route("/api/query", ok(TESTING_S0_M10), start="0", max_results="10")
    api.route("/api/query", ok(TESTING_S10_M10), start="10", max_results="10")
    report = fetch_arxiv_query(Fetcher(config), "all:testing", 20, "relevance", page_size=10)
    assert report.failed == [] and len(report.files) == 2
    asked = api.asked("/api/query")
    assert [(p["search_query"], p["start"], p["max_results"], p["sortBy"]) for p in asked] == [
        ("all:testing", "0", "10", "relevance"), ("all:testing", "10", "10", "relevance")]


def test_a_query_is_imported_and_cached(corpus, api, site, capsys):
    config = site()
    api.route("/api/query", ok(TESTING_S0_M100), search_query="all:testing", start="0", max_results="100")
    assert fetch(config, "arxiv", "all:testing", "--max", "100") == 0
    assert api.asked("/api/query")[0]["sortBy"] == "submittedDate"
    assert len(papers(config)) == 100
    assert fetch(config, "arxiv", "all:testing", "--max", "100") == 0 and len(api.requests) == 1
    assert fetch(config, "arxiv", "all:testing", "--max", "100", "--refresh") == 0 and len(api.requests) == 2


def test_an_empty_page_the_total_contradicts_is_retried(corpus, api, site):
    config = load_config(site())
    page = TESTING_S10_M10.read_text(encoding="utf-8")
    start, end = page.index("<entry>"), page.rindex("</entry>") + len("</entry>")
    api.route("/api/query", Reply(body=(page[:start] + page[end:]).encode()), ok(TESTING_S10_M10), start="10")
    api.route("/api/query", ok(TESTING_S0_M10), start="0")
    report = fetch_arxiv_query(Fetcher(config), "all:testing", 20, "relevance", page_size=10)
    assert report.failed == [] and len(api.asked(start="10")) == 2


def test_ids_are_fetched_in_one_request_and_missing_ones_reported(corpus, api, site, capsys):
    config = site()
    api.route("/api/query", ok(IDS_0808_1707), id_list="0808.05394,1707.08567")
    assert fetch(config, "arxiv", "0808.05394", "arXiv:1707.08567") == 1
    assert [p["max_results"] for p in api.asked("/api/query")] == ["2"]
    assert [paper.arxiv for paper in papers(config).values()] == ["1707.08567"]
    assert "not found: arXiv returned no paper with the id 0808.05394" in capsys.readouterr().err


def test_an_old_layout_response_imports(corpus, api, site):
    config = site()
    api.route("/api/query", ok(ID_1111_2011), id_list="1111.2011v2")
    assert fetch(config, "arxiv", "1111.2011v2") == 0
    (paper,) = papers(config).values()
    assert paper.arxiv == "1111.2011" and paper.doi == "10.1103/PhysRevB.85.115117"


def test_the_apis_error_document_is_final_and_quoted(corpus, api, site, capsys):
    config = site()
    api.route("/api/query", Reply(400, ERROR_400.read_bytes()))
    assert fetch(config, "arxiv", "id:abc") == 1
    assert len(api.requests) == 1 and cached(config, "arxiv") == []
    assert "HTTP 400 Bad Request: incorrect id format for abc" in capsys.readouterr().err


def test_an_html_page_instead_of_a_feed_is_malformed(api, site, capsys):
    config = site(retries=1)
    api.route("/api/query", Reply(200, b"<html><body>Service unavailable</body></html>"))
    assert fetch(config, "arxiv", "all:testing") == 1
    assert len(api.requests) == 2 and "malformed response: not an Atom feed (gave up after 2 attempts)" in capsys.readouterr().err


# --- end to end ---------------------------------------------------------------------------------

def test_fetch_import_build_works_and_the_build_never_asks(corpus, api, site):
    config = site()
    api.hf_day(DAY)
    api.route("/api/query", ok(ID_1111_2011))
    assert fetch(config, "hf-daily", "--date", DAY) == 0
    assert fetch(config, "arxiv", "1111.2011") == 0
    requests = len(api.requests)
    assert main(["build", "--config", str(config)]) == 0
    assert len(api.requests) == requests
    public = config.parent / "public"
    slug = next(slug for slug, paper in papers(config).items() if paper.arxiv == "1111.2011")
    assert "Quantum Criticality for Extended Nodes" in (public / "papers" / slug / "index.html").read_text(encoding="utf-8")
    assert len(list((public / "papers").iterdir())) == 7


@pytest.mark.parametrize("verb", [["fetch"], ["fetch", "hf-daily"], ["fetch", "arxiv"], ["enrich"]])
def test_every_new_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*verb, "--help"])
    assert exit_.value.code == 0 and f"usage: sitegen {' '.join(verb)}" in capsys.readouterr().out
