"""The metadata-records (JSON) importer, on the real seed file and on small samples."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.importers import Record, metadata_json
from sitegen.model import PaperDate, Problem

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"


@pytest.fixture(scope="module")
def metadata() -> Path:
    if not SEED.is_dir():
        pytest.skip("the shared seed corpus (../shared/seed beside the checkout) is not present")
    return SEED / "metadata.json"


@pytest.fixture(scope="module")
def records(metadata) -> list[Record]:
    items = list(metadata_json.read(metadata))
    assert [item for item in items if isinstance(item, Problem)] == []
    return items


def by_arxiv(records, arxiv: str):
    return next(r.paper for r in records if r.paper.arxiv == arxiv)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "records.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_gives_all_82_records(records):
    assert len(records) == 82


def test_seed_fields_are_read(records):
    paper = by_arxiv(records, "2411.17787")
    assert paper.title == "Collaborative Decoding Makes Visual Auto-Regressive Modeling Efficient"
    assert paper.authors == ("Zigeng Chen", "Xinyin Ma", "Gongfan Fang", "Xinchao Wang")
    assert paper.date == PaperDate(2024, 11, 26)
    assert paper.body == ""


def test_date_comes_from_the_arxiv_month_when_the_record_has_none(records, metadata):
    raw = {r["arxiv_id"]: r for r in json.loads(metadata.read_text(encoding="utf-8"))}
    assert raw["2404.06367"]["date"] is None
    assert by_arxiv(records, "2404.06367").date == PaperDate(2024, 4)


def test_every_seed_record_has_a_date(records):
    assert all(r.paper.date is not None for r in records)


def test_primary_category_becomes_the_categories(records):
    assert by_arxiv(records, "2307.08265").categories == ("cs.CV",)
    assert by_arxiv(records, "2404.06367").categories == ()


def test_source_names_this_file_not_the_records_own_source_text(records):
    assert by_arxiv(records, "2306.03329").source == {"format": "metadata-json", "file": "metadata.json"}


def test_record_line_is_where_its_object_starts(records, metadata):
    lines = metadata.read_text(encoding="utf-8").splitlines()
    assert records[0].line == 2
    for record in records:
        assert lines[record.line - 1].strip() == "{"


def test_wrong_types_are_problems_at_the_records_line(tmp_path):
    path = write(
        tmp_path,
        '[\n  {"title": "Good", "date": "2020"},\n  "not a record",\n'
        '  {"title": "Bad authors", "authors": "A. Person", "date": "2021"},\n'
        '  {"title": "Bad date",\n   "date": "June 2021"},\n  {"authors": ["No Title"]}\n]\n',
    )
    items = list(metadata_json.read(path))
    assert isinstance(items[0], Record) and items[0].paper.title == "Good" and items[0].line == 2
    problems = [(p.path, p.line) for p in items[1:]]
    assert problems == [(str(path), 3), (str(path), 4), (str(path), 5), (str(path), 7)]
    messages = [p.message for p in items[1:]]
    assert "expected a record" in messages[0]
    assert messages[1].startswith("authors: expected a list")
    assert messages[2].startswith("date: 'June 2021' is not a date")
    assert messages[3] == "title: required, and missing"


def test_invalid_json_is_one_problem_with_its_line(tmp_path):
    items = list(metadata_json.read(write(tmp_path, '[\n {"title": "A"},\n {"title": }\n]\n')))
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert items[0].line == 3 and "not valid JSON" in items[0].message


def test_a_top_level_object_is_a_problem(tmp_path):
    [problem] = metadata_json.read(write(tmp_path, '{"title": "A"}'))
    assert isinstance(problem, Problem) and "expected a JSON list" in problem.message


def test_identifiers_are_normalised(tmp_path):
    path = write(
        tmp_path,
        json.dumps([{"title": "A", "arxiv": "arXiv:2010.14701v3", "doi": "https://doi.org/10.1145/3292500.3330701"}]),
    )
    [record] = metadata_json.read(path)
    assert (record.paper.arxiv, record.paper.doi) == ("2010.14701", "10.1145/3292500.3330701")
    assert record.paper.date == PaperDate(2020, 10)


def test_old_style_arxiv_id_gives_no_date(tmp_path):
    [record] = metadata_json.read(write(tmp_path, json.dumps([{"title": "A", "arxiv_id": "hep-th/9901001"}])))
    assert record.paper.arxiv == "hep-th/9901001" and record.paper.date is None


def test_a_bad_arxiv_id_is_a_problem(tmp_path):
    [problem] = metadata_json.read(write(tmp_path, json.dumps([{"title": "A", "arxiv_id": "12345"}])))
    assert isinstance(problem, Problem) and problem.message.startswith("arxiv_id:")


def test_tags_links_venue_and_abstract_are_read(tmp_path):
    record_json = {
        "title": "A",
        "tags": ["Scaling Laws", "LLM"],
        "links": {"pdf": "https://arxiv.org/pdf/2010.14701"},
        "venue": "NeurIPS 2020",
        "abstract": "We show *this*. Code: https://github.com/a/b",
    }
    [record] = metadata_json.read(write(tmp_path, json.dumps([record_json])))
    assert record.paper.tags == ("scaling-laws", "llm")
    assert record.paper.links == {"code": "https://github.com/a/b", "pdf": "https://arxiv.org/pdf/2010.14701"}
    assert record.paper.venue == "NeurIPS 2020"
    assert record.paper.body == "We show \\*this\\*.\n"


def test_detect_needs_a_list_of_objects(tmp_path):
    assert metadata_json.detect(tmp_path / "x", b'\xef\xbb\xbf [\n {"title": 1}]')
    assert metadata_json.detect(tmp_path / "x", b"[]")
    assert not metadata_json.detect(tmp_path / "x", b'{"title": 1}')
    assert not metadata_json.detect(tmp_path / "x", b"[1, 2]")


def test_a_repeated_key_rejects_its_record_at_the_line_and_the_rest_imports(metadata, tmp_path):
    original = metadata.read_text(encoding="utf-8")
    data = json.loads(original)
    third = data[2]
    lines = original.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if f'"arxiv_id": "{third["arxiv_id"]}"' in line) + 1
    lines.insert(first, '  "arxiv_id": "2401.00001",\n')
    start = max(i for i in range(first) if lines[i] == " {\n") + 1
    path = write(tmp_path, "".join(lines))
    items = list(metadata_json.read(path))
    title = repr(third["title"] if len(third["title"]) <= 60 else third["title"][:57] + "...")
    assert [i for i in items if isinstance(i, Problem)] == [Problem(
        str(path), first + 1, f'duplicate key "arxiv_id" (first on line {first}) in the record starting on line {start} ({title})')]
    assert [r.paper.arxiv for r in items if isinstance(r, Record)] == [r["arxiv_id"] for r in data if r is not third]
