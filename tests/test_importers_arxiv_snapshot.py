"""The arXiv metadata snapshot importer (JSON lines), on the first 100 lines of the real snapshot."""
from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from pathlib import Path

import pytest

from sitegen.importers import Filters, Notice, Record, arxiv_snapshot
from sitegen.model import PaperDate, Problem


@pytest.fixture
def snapshot(shared_dir) -> Path:
    return shared_dir / "corpus" / "arxiv_oai_jsonl" / "arxiv-metadata-oai-snapshot.head100.jsonl"


@pytest.fixture
def records(snapshot) -> dict[int, Record]:
    items = list(arxiv_snapshot.read(snapshot))
    assert [i for i in items if not isinstance(i, Record)] == []
    return {r.line: r for r in items}


def test_every_line_is_a_paper(records):
    assert len(records) == 100 and sorted(records) == list(range(1, 101))


def test_authors_come_from_authors_parsed_in_unicode(records):
    assert records[1].paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert records[62].paper.authors == ("Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař")
    assert records[49].paper.authors == ("Mikkel Øbro",)


def test_the_suffix_follows_the_name(records):
    assert "Neal J. Evans II" in records[9].paper.authors


def test_date_is_the_day_of_the_first_version(records):
    paper = records[1].paper  # v1 "Mon, 2 Apr 2007 19:18:42 GMT", v2 in July, update_date 2008-11-26
    assert paper.date == PaperDate(2007, 4, 2)
    assert paper.extra["arxiv_version"] == 2 and paper.extra["updated"] == dt.date(2008, 11, 26)
    assert records[2].paper.date == PaperDate(2007, 3, 31)


def test_identifiers_venue_and_categories(records):
    paper = records[1].paper
    assert (paper.arxiv, paper.doi, paper.venue) == ("0704.0001", "10.1103/PhysRevD.76.013009", "Phys.Rev.D76:013009,2007")
    assert paper.categories == ("hep-ph",) and paper.extra["report_no"] == "ANL-HEP-PR-07-12"
    assert records[2].paper.categories == ("math.CO", "cs.CG") and records[2].paper.doi is None


def test_latex_accents_in_titles_become_unicode_and_math_stays(records):
    assert records[19].paper.title.endswith("the Gröbner basis")
    assert records[73].paper.title == "A transcendental approach to Kollár's injectivity theorem"
    assert records[5].paper.title == r"From dyadic $\Lambda_{\alpha}$ to $\Lambda_{\alpha}$"


def test_wrapped_journal_refs_and_abstracts_are_unwrapped(records):
    assert records[33].paper.venue == "J.Opt.Soc.Am.A 23, 2578-2591 (2006); Erratum: J.Opt.Soc.Am.A 32, 2407-2408 (2015)"
    body = records[1].paper.body
    assert body.startswith("A fully differential calculation in perturbative quantum chromodynamics is presented")
    assert body.count("\n") == 1


def test_category_and_since_filters_skip_records_and_say_how_many(snapshot):
    items = list(arxiv_snapshot.read(snapshot, Filters(categories=("math",), since=PaperDate(2007, 4, 2))))
    kept = [i for i in items if isinstance(i, Record)]
    assert len(kept) == 7
    assert all(any(c.startswith("math.") for c in r.paper.categories) for r in kept)
    assert all(r.paper.date >= PaperDate(2007, 4, 2) for r in kept)
    assert [str(i) for i in items if isinstance(i, Notice)] == [f"{snapshot}: 93 of 100 records skipped by --category/--since"]


def test_a_category_matches_itself_exactly(snapshot):
    kept = [i for i in arxiv_snapshot.read(snapshot, Filters(categories=("hep-ph",))) if isinstance(i, Record)]
    assert len(kept) == 10 and all("hep-ph" in r.paper.categories for r in kept)


def line(**fields) -> str:
    record = {"id": "0704.0001", "title": "A title", "authors_parsed": [["Last", "First", ""]], "abstract": "Text.",
              "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}], "categories": "hep-ph"}
    return json.dumps({**record, **fields}) + "\n"


def test_bad_lines_are_reported_with_their_number_and_the_rest_imports(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    path.write_text(line() + '{"id": "0704.0002", "title": \n' + "[1, 2]\n" + "\n" + line(id="0704.0003"), encoding="utf-8")
    items = list(arxiv_snapshot.read(path))
    assert [i.line for i in items if isinstance(i, Record)] == [1, 5]
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert problems == [f"{path}:2: not valid JSON: Expecting value (column 30)", f"{path}:3: expected a JSON object, found a list"]


def test_a_record_without_a_title_is_a_problem(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    path.write_text(line(title="  "), encoding="utf-8")
    assert [str(i) for i in arxiv_snapshot.read(path)] == [f"{path}:1: arXiv 0704.0001: no title"]


def test_reading_a_large_file_keeps_memory_flat(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(line(abstract="word " * 1000) * 3000, encoding="utf-8")  # about 15 MB
    tracemalloc.start()
    try:
        skipped = list(arxiv_snapshot.read(path, Filters(categories=("cs.LG",))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [i.message for i in skipped] == ["3000 of 3000 records skipped by --category/--since"]
    assert peak < 1_000_000


def test_detect_recognises_the_snapshot_by_its_first_line(snapshot, tmp_path):
    assert arxiv_snapshot.detect(snapshot, snapshot.read_bytes()[:8192])
    assert not arxiv_snapshot.detect(snapshot, b'{"id": 1, "name": "something else"}\n')


def test_a_repeated_key_rejects_its_line_and_the_rest_imports(snapshot, tmp_path):
    lines = snapshot.read_text(encoding="utf-8").splitlines(keepends=True)
    arxiv = json.loads(lines[4])["id"]
    lines[4] = lines[4].replace(f'"id":"{arxiv}",', f'"id":"{arxiv}","title":"Another title",', 1)
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    items = list(arxiv_snapshot.read(path))
    first, again = (lines[4].index('"title"') + 1, lines[4].index('"title"', lines[4].index('"title"') + 1) + 1)
    assert [i for i in items if not isinstance(i, Record)] == [
        Problem(str(path), 5, f'duplicate key "title" (first at column {first}, again at column {again}) in the record (arXiv {arxiv})')]
    assert sorted(r.line for r in items if isinstance(r, Record)) == [n for n in range(1, 101) if n != 5]


def test_a_repeated_key_is_reported_even_in_a_record_a_filter_would_skip(snapshot, tmp_path):
    lines = snapshot.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace('"id":', '"id":"x","id":', 1)
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    problems = [i for i in arxiv_snapshot.read(path, Filters(categories=("no-such",))) if isinstance(i, Problem)]
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [(1, 'duplicate key "id"')]
