"""`sitegen import`: new papers, enrichment of known ones, and edits that always survive."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sitegen import textfiles
from sitegen.content import read_folder, read_paper
from sitegen.importing import import_files
from sitegen.model import PaperDate
from sitegen.textfiles import _HOST as HOST

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"
DAY = PaperDate(2024, 11, 26)
CODE_SLUG = "collaborative-decoding-makes-visual-auto-regressive-modeling-efficient"


@pytest.fixture
def seed() -> Path:
    if not SEED.is_dir():
        pytest.skip("the shared seed corpus (../shared/seed beside the checkout) is not present")
    return SEED


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return tmp_path / "content" / "papers"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(folder.iterdir())}


def write_json(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path


def write_listing(path: Path, *entries: tuple[str, str]) -> Path:
    path.write_text("".join(f"{title}\n\n{abstract}\n\n" for title, abstract in entries), encoding="utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_listing_import_writes_one_valid_file_per_paper(seed, content):
    report = import_files([seed / "daily-papers.txt"], content, date=DAY)
    assert (len(report.new), report.enriched, report.unchanged, report.rejected) == (82, [], [], [])
    papers, problems = read_folder(content)
    assert problems == [] and len(papers) == 82
    paper = next(p for p in papers if p.slug == CODE_SLUG)
    assert paper.date == DAY and paper.links == {"code": "https://github.com/czg1225/CoDe"}
    assert paper.source == {"format": "hf-listing", "file": "daily-papers.txt", "assumed_date": "2024-11-26"}


def test_new_paper_without_a_date_is_rejected_with_file_and_line(seed, content):
    report = import_files([seed / "daily-papers.txt"], content)
    assert report.new == [] and len(report.rejected) == 82
    first = report.rejected[0]
    assert (first.path, first.line) == (str(seed / "daily-papers.txt"), 11)
    assert str(first).startswith(f"{seed / 'daily-papers.txt'}:11: no date: pass --date")
    assert not content.exists() or list(content.iterdir()) == []


def test_listing_then_metadata_fills_authors_arxiv_and_dates(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    report = import_files([seed / "metadata.json"], content)
    assert len(report.enriched) == 82 and report.new == [] and report.rejected == []
    papers = {p.slug: p for p in read_folder(content)[0]}
    assert len(papers) == 82
    clin = papers["clinlinker-medical-entity-linking-of-clinical-concept-mentions-in-spanish"]
    assert clin.arxiv == "2404.06367" and clin.authors[0] == "Fernando Gallego"
    assert clin.date == PaperDate(2024, 4)  # the stated arXiv month replaces the assumed --date
    assert "assumed_date" not in clin.source and clin.source["format"] == "hf-listing"
    assert clin.body.startswith("Advances in natural language processing")
    assert papers[CODE_SLUG].date == PaperDate(2024, 11, 26)


def test_listing_and_metadata_in_one_import_take_dates_from_the_metadata(seed, content):
    report = import_files([seed / "daily-papers.txt", seed / "metadata.json"], content, date=DAY)
    assert len(report.new) == 82 and report.rejected == []
    papers = {p.slug: p for p in read_folder(content)[0]}
    extreme = papers["extreme-image-compression-using-fine-tuned-vqgans"]
    assert extreme.date == PaperDate(2023, 7) and extreme.categories == ("cs.CV",)
    assert all("assumed_date" not in p.source for p in papers.values())


def test_metadata_alone_needs_no_date_argument(seed, content):
    report = import_files([seed / "metadata.json"], content)
    assert len(report.new) == 82 and report.rejected == []


def test_reimport_changes_no_file(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    import_files([seed / "metadata.json"], content)
    before = snapshot(content)
    report = import_files([seed / "daily-papers.txt", seed / "metadata.json"], content, date=DAY)
    assert (report.new, report.enriched) == ([], [])
    assert len(report.unchanged) == 82
    assert snapshot(content) == before


def test_reimport_keeps_hand_edited_title(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    path = content / f"{CODE_SLUG}.md"
    edit(path, "title: Collaborative Decoding Makes", "title: CoDe Makes")
    before = snapshot(content)
    report = import_files([seed / "daily-papers.txt"], content, date=DAY)
    assert report.new == [] and CODE_SLUG in report.unchanged
    assert snapshot(content) == before


def test_reimport_keeps_hand_edited_body(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    path = content / f"{CODE_SLUG}.md"
    edit(path, "The code is available on GitHub.\n", "The code is available on GitHub.\n\nMy notes: read it.\n")
    import_files([seed / "daily-papers.txt", seed / "metadata.json"], content, date=DAY)
    paper, _ = read_paper(path)
    assert paper.body.endswith("My notes: read it.\n")
    assert paper.authors[0] == "Zigeng Chen"  # enriched all the same


def test_reimport_keeps_hand_edited_tags_and_date(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    path = content / f"{CODE_SLUG}.md"
    edit(path, "date: 2024-11-26\n", "date: 2024-12-01\ntags: [visual-generation]\n")
    import_files([seed / "metadata.json"], content)
    paper, _ = read_paper(path)
    assert paper.tags == ("visual-generation",)
    assert paper.date == PaperDate(2024, 12, 1)  # a person's date is not the assumed one any more


def test_enrichment_keeps_unknown_keys(content, tmp_path):
    content.mkdir(parents=True)
    (content / "a-paper.md").write_text("---\ntitle: A paper\ndate: 2020\nmy_rating: 5\n---\nNotes.\n", encoding="utf-8")
    import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "authors": ["Ann Author"]}])], content)
    paper, _ = read_paper(content / "a-paper.md")
    assert paper.extra == {"my_rating": 5} and paper.authors == ("Ann Author",) and paper.body == "Notes.\n"


def test_a_hand_formatted_file_with_nothing_to_fill_is_not_rewritten(content, tmp_path):
    content.mkdir(parents=True)
    text = "---\n# my comment\ntitle: 'A paper'\ndate: 2020-05\nauthors:\n  - Ann Author\n---\nNotes.\n"
    (content / "a-paper.md").write_text(text, encoding="utf-8")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "A PAPER", "date": "2020-05"}])], content)
    assert report.unchanged == ["a-paper"]
    assert (content / "a-paper.md").read_text(encoding="utf-8") == text


def test_date_is_refined_within_its_month(content, tmp_path):
    content.mkdir(parents=True)
    (content / "a-paper.md").write_text("---\ntitle: A paper\ndate: 2024-06\n---\n", encoding="utf-8")
    import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "date": "2024-06-14"}])], content)
    assert read_paper(content / "a-paper.md")[0].date == PaperDate(2024, 6, 14)


def test_a_date_outside_the_known_one_does_not_replace_it(content, tmp_path):
    content.mkdir(parents=True)
    (content / "a-paper.md").write_text("---\ntitle: A paper\ndate: 2024-06\n---\n", encoding="utf-8")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "date": "2024-07-01"}])], content)
    assert report.unchanged == ["a-paper"]


def test_dry_run_writes_nothing_and_shows_the_diffs(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    before = snapshot(content)
    report = import_files([seed / "metadata.json"], content, dry_run=True)
    assert snapshot(content) == before
    assert len(report.enriched) == 82
    diff = report.changes[CODE_SLUG]
    assert diff.startswith(f"--- a/{CODE_SLUG}.md\n+++ b/{CODE_SLUG}.md\n")
    assert "+authors: [Zigeng Chen, Xinyin Ma, Gongfan Fang, Xinchao Wang]\n" in diff


def test_a_real_import_reports_no_diffs(seed, content):
    report = import_files([seed / "daily-papers.txt"], content, date=DAY)
    assert report.changes == {}


def test_dry_run_of_new_papers_creates_no_folder(seed, content):
    report = import_files([seed / "daily-papers.txt"], content, date=DAY, dry_run=True)
    assert len(report.new) == 82 and not content.exists()
    assert report.changes[CODE_SLUG].startswith("--- /dev/null\n")


def test_the_same_paper_twice_in_one_source_is_one_paper(content, tmp_path):
    listing = write_listing(tmp_path / "l.txt", ("A Paper", "First."), ("Other", "Text."), ("A  paper!", "Again."))
    report = import_files([listing], content, date=DAY)
    assert report.new == ["a-paper", "other"]
    assert read_paper(content / "a-paper.md")[0].body == "First.\n"


def test_arxiv_versions_are_one_paper_stored_without_version(content, tmp_path):
    records = [{"title": "Scaling", "arxiv_id": "2010.14701v1"}, {"title": "Scaling laws", "arxiv_id": "2010.14701v2"}]
    report = import_files([write_json(tmp_path / "m.json", records)], content)
    assert report.new == ["scaling"]
    assert read_paper(content / "scaling.md")[0].arxiv == "2010.14701"


def test_doi_matches_regardless_of_case(content, tmp_path):
    first = write_json(tmp_path / "a.json", [{"title": "One title", "doi": "10.1145/ABC", "date": "2020"}])
    second = write_json(tmp_path / "b.json", [{"title": "Other title", "doi": "10.1145/abc", "venue": "KDD"}])
    import_files([first], content)
    report = import_files([second], content)
    assert report.enriched == ["one-title"] and read_paper(content / "one-title.md")[0].venue == "KDD"


def test_same_title_with_different_arxiv_ids_is_two_papers(content, tmp_path):
    records = [{"title": "Attention", "arxiv_id": "1706.03762"}, {"title": "Attention", "arxiv_id": "2101.00001"}]
    report = import_files([write_json(tmp_path / "m.json", records)], content)
    assert report.new == ["attention", "attention-2"]


def test_slug_collision_with_an_existing_paper_gets_a_number(content, tmp_path):
    content.mkdir(parents=True)
    (content / "attention.md").write_text("---\ntitle: Attention\ndate: 2017\narxiv: '1706.03762'\n---\n", encoding="utf-8")
    records = [{"title": "Attention", "arxiv_id": "2101.00001"}]
    assert import_files([write_json(tmp_path / "m.json", records)], content).new == ["attention-2"]


def test_long_titles_give_slugs_cut_at_a_word_boundary(seed, content):
    import_files([seed / "daily-papers.txt"], content, date=DAY)
    slugs = [path.stem for path in content.iterdir()]
    assert "chada-vit-channel-adaptive-attention-for-joint-representation-learning-of" in slugs
    assert max(len(slug) for slug in slugs) <= 80


def test_a_broken_content_file_is_reported_and_left_untouched(content, tmp_path):
    content.mkdir(parents=True)
    broken = "---\ntitle: A paper\ndate: someday\n---\nMine.\n"
    (content / "a-paper.md").write_text(broken, encoding="utf-8")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "date": "2020"}])], content)
    assert [(p.path, p.line) for p in report.broken] == [(str(content / "a-paper.md"), 3)]
    assert report.new == [] and "a-paper.md, which has errors" in report.rejected[0].message
    assert (content / "a-paper.md").read_text(encoding="utf-8") == broken


def test_an_unrecognised_file_is_rejected_not_raised(content, tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text("title,year\n", encoding="utf-8")
    report = import_files([path], content)
    assert [(p.path, p.line) for p in report.rejected] == [(str(path), None)]
    assert "no importer recognises this file" in report.rejected[0].message


def test_bad_records_are_rejected_and_good_ones_imported(content, tmp_path):
    path = write_json(tmp_path / "m.json", [{"title": "Good", "date": "2020"}, {"title": 5}])
    report = import_files([path], content)
    assert report.new == ["good"] and [(p.line, p.message[:6]) for p in report.rejected] == [(6, "title:")]


def test_format_argument_overrides_detection(content, tmp_path):
    listing = write_listing(tmp_path / "listing.md", ("A Paper", "Text."))
    report = import_files([listing], content, format="hf-listing", date=DAY)
    assert report.new == ["a-paper"]


def test_same_title_decades_apart_stays_two_works(content, tmp_path):
    source = write_json(tmp_path / "m.json", [
        {"title": "Dynamic Programming", "authors": ["Richard Bellman"], "date": "1957"},
        {"title": "Dynamic programming", "authors": ["Richard Bellman"], "date": "1966"},
        {"title": "Dynamic Programming", "doi": "10.1000/dp", "date": "1958"},
    ])
    report = import_files([source], content)
    assert len(report.new) == 2  # the third record is the 1957 one again, a year apart at most
    papers = {str(p.date): p for p in read_folder(content)[0]}
    assert sorted(papers) == ["1957", "1966"] and papers["1957"].doi == "10.1000/dp"  # a year apart: one paper


# --- content files whose names are not slugs ---------------------------------------------------------

def test_a_file_whose_name_is_not_a_slug_is_reported_and_left_untouched(content, tmp_path):
    content.mkdir(parents=True)
    text = "---\ntitle: My Paper\ndate: 2020\n---\nMine.\n"
    (content / "My Paper.md").write_text(text, encoding="utf-8")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "Another paper", "date": "2021"}])], content)
    assert [(Path(p.path).name, p.line) for p in report.broken] == [("My Paper.md", 1)]
    assert report.broken[0].message.endswith("rename it to my-paper.md")
    assert report.new == ["another-paper"] and (content / "My Paper.md").read_text(encoding="utf-8") == text


def test_import_does_not_take_the_name_a_misnamed_file_is_told_to_take(content, tmp_path):
    """Otherwise `My Paper.md` could never be renamed as the build asks: my-paper.md would exist."""
    content.mkdir(parents=True)
    (content / "My Paper.md").write_text("---\ntitle: My Paper\ndate: 2020\n---\n", encoding="utf-8")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "My paper", "date": "2020"}])], content)
    assert report.new == [] and not (content / "my-paper.md").exists()
    assert [p.message for p in report.rejected] == [
        "would be written as my-paper.md, but My Paper.md has errors: fix it, then import again"]


def test_hidden_files_are_not_pages_to_import_into(content, tmp_path):
    """As in the build: `.draft.md` is nobody's page, so neither read nor reported."""
    content.mkdir(parents=True)
    (content / ".draft.md").write_text("half a thought", encoding="utf-8")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "Draft", "date": "2020"}])], content)
    assert report.broken == [] and report.new == ["draft"]
    assert (content / ".draft.md").read_text(encoding="utf-8") == "half a thought"


def test_a_record_with_a_control_character_is_rejected_not_written(content, tmp_path):
    report = import_files([write_json(tmp_path / "m.json", [{"title": "Bell\u0007 title", "date": "2020"}])], content)
    assert report.new == [] and (not content.exists() or list(content.iterdir()) == [])
    assert [p.message for p in report.rejected] == [
        "cannot be written as bell-title.md: title: contains the control character U+0007, "
        "which pages and feeds cannot hold; remove it"]


# --- temporary files left by a killed import -----------------------------------------------------

DEAD_PID = 4_999_999  # above Linux's largest pid_max: never a running process


def leftover(folder: Path, pid: int, host: str = HOST, target: str = "a-paper.md", tail: str = "k3x_9q2z") -> Path:
    """A temporary file as write_text_atomic names it, as if its writer died before the rename."""
    path = folder / f".{target}.sitegen-{host}-{pid}-{tail}.tmp"
    path.write_text("---\ntitle: A paper\n", encoding="utf-8")
    return path


def test_an_import_removes_temporary_files_of_dead_writers_on_this_host(content, tmp_path):
    content.mkdir(parents=True)
    stale = [leftover(content, DEAD_PID), leftover(content, DEAD_PID, target="other.md", tail="aaaaaaaa")]
    report = import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "date": "2020"}])], content)
    assert not any(path.exists() for path in stale)
    assert sorted(str(n) for n in report.notices) == sorted(
        f"{path}: removed: a temporary file of a sitegen that was killed while writing" for path in stale)
    assert sorted(p.name for p in content.iterdir()) == ["a-paper.md"]


def test_an_import_keeps_every_hidden_file_it_cannot_prove_stale(content, tmp_path):
    content.mkdir(parents=True)
    kept = [
        leftover(content, os.getpid()),  # its writer is running (this test)
        leftover(content, DEAD_PID, host=HOST + "x"),  # another machine's pid says nothing here
        content / ".a-paper.md.k3x_9q2z",  # an older sitegen's temporary file: no pid to check
        content / ".a-paper.md.swp",  # an editor's
        content / f".a-paper.md.sitegen-{HOST}-{DEAD_PID}-short.tmp",  # not mkstemp's 8 characters
    ]
    for path in kept[2:]:
        path.write_text("x", encoding="utf-8")
    folder = content / f".b.md.sitegen-{HOST}-{DEAD_PID}-abcdefgh.tmp"
    folder.mkdir()
    link = content / f".c.md.sitegen-{HOST}-{DEAD_PID}-abcdefgh.tmp"
    link.symlink_to(tmp_path / "m.json")
    report = import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "date": "2020"}])], content)
    assert all(path.exists() for path in kept) and folder.is_dir() and link.is_symlink()
    assert report.notices == [] and report.new == ["a-paper"]


def test_a_dry_run_removes_nothing(content, tmp_path):
    content.mkdir(parents=True)
    stale = leftover(content, DEAD_PID)
    report = import_files([write_json(tmp_path / "m.json", [{"title": "A paper", "date": "2020"}])], content, dry_run=True)
    assert stale.exists() and report.notices == []


def test_write_text_atomic_names_its_temporary_file_for_the_cleanup(tmp_path, monkeypatch):
    """The name a writer gives its temporary file is the one the clean-up recognises."""
    seen = []

    def fail(source, target):
        seen.append(Path(source))
        raise OSError("disk full")

    monkeypatch.setattr(textfiles.os, "replace", fail)
    with pytest.raises(OSError):
        textfiles.write_text_atomic(tmp_path / "a-paper.md", "text")
    monkeypatch.undo()
    assert [p.name for p in seen] and seen[0].name.startswith(f".a-paper.md.sitegen-{HOST}-{os.getpid()}-")
    assert list(tmp_path.iterdir()) == []  # an ordinary failure cleans up after itself
    seen[0].write_text("as if killed", encoding="utf-8")
    assert textfiles.stale_temp_files(tmp_path) == []  # its writer (this process) still runs
