"""The Hugging Face daily papers API importer, on 262 recorded days (2024-05-27 to 2025-06-30)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sitegen.importers import Record, hf_daily
from sitegen.model import PaperDate, Problem
DAYS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "hf_daily_api"


@pytest.fixture(scope="module")
def records() -> dict[str, Record]:
    """Every paper of every day, by arXiv id (read once: the corpus has 3,724 papers)."""
    if not DAYS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus beside the checkout) is not present")
    items = [item for path in sorted(DAYS.iterdir()) for item in hf_daily.read(path)]
    assert [item for item in items if not isinstance(item, Record)] == []
    found = {item.paper.arxiv: item for item in items}
    assert len(found) == len(items)
    return found


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def day_item(arxiv: str = "2406.00001", **paper) -> dict:
    return {"paper": {"id": arxiv, "title": "A paper", "summary": "Text.", "publishedAt": "2024-06-01T10:00:00.000Z",
                      "authors": [{"name": "Ann Author", "hidden": False}], **paper}}


def test_every_day_gives_its_papers_and_nothing_is_rejected(records):
    assert len(records) == 3724


@pytest.mark.parametrize("day, count", [("2024-05-27", 13), ("2025-01-27", 4), ("2025-02-18", 17), ("2025-06-30", 9)])
def test_papers_per_day(shared_dir, day, count):
    assert len([i for i in hf_daily.read(shared_dir / "corpus" / "hf_daily_api" / f"{day}.json") if isinstance(i, Record)]) == count


def test_early_schema_paper(records):
    record = records["2405.15738"]
    paper = record.paper
    assert record.line == 2
    assert paper.title == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    assert paper.date == PaperDate(2024, 5, 24) and paper.extra["featured"] == dt.date(2024, 5, 27)
    assert paper.authors[:2] == ("Chunjiang Ge", "Sijie Cheng") and len(paper.authors) == 9
    assert paper.links == {"code": "https://github.com/alibaba/conv-llava"}
    assert paper.extra["upvotes"] == 32 and paper.extra["num_comments"] == 3
    assert paper.source == {"format": "hf-daily-api", "file": "2024-05-27.json"}


def test_late_schema_paper_keeps_keywords_summary_and_project_page(records):
    paper = records["2506.17450"].paper
    assert paper.date == PaperDate(2025, 6, 20) and paper.extra["featured"] == dt.date(2025, 6, 30)
    assert paper.links == {"project": "https://blenderfusion.github.io/"}
    assert paper.extra["ai_keywords"] == ["diffusion model", "source masking", "simulated object jittering"]
    assert paper.extra["ai_summary"].startswith("A generative visual compositing framework")
    assert paper.tags == ()  # AI keywords are not tags


def test_titles_keep_tex_math_from_the_cleaned_top_level_title(records):
    assert records["2406.00153"].paper.title == "$μ$LO: Compute-Efficient Meta-Generalization of Learned Optimizers"
    assert records["2501.06252"].paper.title == r"$\text{Transformer}^2$: Self-adaptive LLMs"


def test_currency_dollars_stay_text(records):
    paper = records["2502.12115"].paper
    assert paper.title == "SWE-Lancer: Can Frontier LLMs Earn $1 Million from Real-World Freelance Software Engineering?"
    assert r"to \$32,000 feature implementations" in paper.body
    assert r"at a cost of only \$25 and without human labelers." in records["2406.11939"].paper.body


def test_hidden_authors_keep_their_names(records):
    assert records["2406.06263"].paper.authors == ("Amir Hossein Kargaran", "François Yvon", "Hinrich Schütze")


def test_a_paper_with_664_authors(records):
    paper = records["2501.14249"].paper
    assert paper.title == "Humanity's Last Exam" and len(paper.authors) == 664
    assert (paper.authors[0], paper.authors[-1]) == ("Long Phan", "Dan Hendrycks")


def test_summary_is_unwrapped(records):
    body = records["2506.17450"].paper.body
    assert body.startswith("We present BlenderFusion, a generative visual compositing framework that synthesizes new scenes")
    assert body.count("\n") == 1


def test_a_file_that_is_not_json_is_one_problem_with_its_name(tmp_path):
    path = write(tmp_path, "2024-06-03.json", '[\n  {"paper": {"id": "2406.00001"}},\n  {"paper": \n')
    assert [str(i) for i in hf_daily.read(path)] == [f"{path}:4: not valid JSON: Expecting value (column 1)"]


def test_items_that_are_not_objects_are_problems_and_the_rest_imports(tmp_path):
    text = json.dumps([day_item(), "oops", 7, day_item("2406.00002")], indent=1)
    items = list(hf_daily.read(write(tmp_path, "2024-06-03.json", text)))
    assert [i.paper.arxiv for i in items if isinstance(i, Record)] == ["2406.00001", "2406.00002"]
    assert [(i.line, i.message) for i in items if isinstance(i, Problem)] == [
        (line_of(text, '"oops"'), "expected a paper (a JSON object), found 'oops'"),
        (line_of(text, " 7,"), "expected a paper (a JSON object), found the number 7"),
    ]


def test_unknown_and_missing_fields_are_fine(tmp_path):
    item = day_item(mediaUrl="https://x.org/a.mp4", somethingNew={"a": 1}, githubRepo=None, upvotes=None)
    item["organization"] = {"name": "acme", "fullname": "ACME Research"}
    [record] = hf_daily.read(write(tmp_path, "list.json", json.dumps([item])))
    assert record.paper.extra == {"organization": "ACME Research"}  # no day in the name: no `featured`
    assert record.paper.links == {}


def test_a_list_of_days_is_read_whole(tmp_path):
    text = json.dumps([[day_item()], [day_item("2406.00002", submittedOnDailyAt="2024-06-04T08:00:00.000Z")]], indent=1)
    records = list(hf_daily.read(write(tmp_path, "several-days.json", text)))
    opening = [line_of(text, f'"id": "{arxiv}"') - 2 for arxiv in ("2406.00001", "2406.00002")]  # the item's `{`
    assert [(r.line, r.paper.arxiv) for r in records] == list(zip(opening, ["2406.00001", "2406.00002"]))
    assert records[1].paper.extra["featured"] == dt.date(2024, 6, 4)


def test_detect_wants_paper_objects(tmp_path):
    assert hf_daily.detect(Path("x.json"), b'[\n  {\n    "paper": {')
    assert hf_daily.detect(Path("x.json"), b'[{"numComments": 3, "paper": {"id": "2406.00001"')  # keys sorted
    assert not hf_daily.detect(Path("x.json"), b'[{"title": "A"}]')


def corpus_day(name: str = "2024-05-27.json") -> str:
    if not DAYS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus beside the checkout) is not present")
    return (DAYS / name).read_text(encoding="utf-8")


def test_a_repeated_key_rejects_its_paper_at_the_line_and_the_rest_imports(tmp_path):
    original = corpus_day()
    lines = original.splitlines(keepends=True)
    cleaned_titles = [i for i, line in enumerate(lines) if line.startswith('        "title": ')]  # the items' own
    first = cleaned_titles[1] + 1  # the second paper's, as a 1-based line number
    lines.insert(first, '        "title": "Not the title of this paper",\n')
    start = max(i for i in range(first) if lines[i] == "    {\n") + 1
    path = write(tmp_path, "2024-05-27.json", "".join(lines))
    items = list(hf_daily.read(path))
    papers = json.loads(original)
    assert [i for i in items if isinstance(i, Problem)] == [Problem(
        str(path), first + 1,
        f'duplicate key "title" (first on line {first}) in the record starting on line {start} (arXiv {papers[1]["paper"]["id"]})')]
    kept = [i.paper.arxiv for i in items if isinstance(i, Record)]
    assert kept == [item["paper"]["id"] for item in papers if item is not papers[1]]


def test_a_key_repeated_deep_inside_a_paper_is_found_too(tmp_path):
    text = corpus_day().replace('"name": "Chunjiang Ge",', '"name": "Chunjiang Ge", "name": "Someone Else",', 1)
    path = write(tmp_path, "2024-05-27.json", text)
    problems = [i for i in hf_daily.read(path) if isinstance(i, Problem)]
    line = line_of(text, '"name": "Someone Else"')
    assert [(p.line, p.message) for p in problems] == [
        (line, 'duplicate key "name" (first at column 21, again at column 45) in the record starting on line 2 (arXiv 2405.15738)')]


def test_a_repeated_key_inside_a_list_of_days_names_its_line(tmp_path):
    second = day_item("2406.00002")
    text = json.dumps([[day_item()], [second]], indent=1).replace('"id": "2406.00002",', '"id": "2406.00002", "id": "2406.00003",')
    path = write(tmp_path, "several-days.json", text)
    items = list(hf_daily.read(path))
    assert [i.paper.arxiv for i in items if isinstance(i, Record)] == ["2406.00001"]
    [problem] = [i for i in items if isinstance(i, Problem)]
    assert problem.line == line_of(text, '"id": "2406.00003"') and problem.message.startswith('duplicate key "id" (first at column')


def test_text_after_the_closing_bracket_is_one_problem_naming_its_line(tmp_path):
    """Two listings pasted one after the other: the second is not silently left out."""
    first = json.dumps([day_item()], indent=1)
    path = write(tmp_path, "2024-06-03.json", first + "\n" + json.dumps([day_item("2406.00002")], indent=1) + "\n")
    second_line = first.count("\n") + 2
    assert [str(i) for i in hf_daily.read(path)] == [f"{path}:{second_line}: not valid JSON: Extra data (column 1)"]
    path.write_text(json.dumps([day_item()]) + "\n \n\t", encoding="utf-8")  # blanks after it are fine
    assert [i.paper.arxiv for i in hf_daily.read(path)] == ["2406.00001"]
