"""`sitegen import` on the real corpus: folders, several formats at once, merging, re-import, broken files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.content import read_folder, read_paper
from sitegen.importers import Filters
from sitegen.importing import expand_paths, import_files, title_key
from sitegen.importers import bibtex, zotero_csv
from sitegen.model import PaperDate


@pytest.fixture
def corpus(shared_dir) -> Path:
    return shared_dir / "corpus"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return tmp_path / "site" / "content" / "papers"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(folder.iterdir())}


def counts(report) -> tuple[int, int, int, int]:
    return len(report.new), len(report.enriched), len(report.unchanged), len(report.rejected)


# source (a file or folder of the corpus) -> pages written into an empty site, and records rejected.
IMPORTS = {
    "arxiv_atom": (113, 1),  # 240 entries on 18 partly overlapping pages are 113 papers; the error document
    "arxiv_oai_jsonl": (100, 0),
    "bibtex/ControlNet_annotated-bibliography__My_Library.bib": (232, 0),  # two "Generative adversarial networks", 2014 and 2020
    "bibtex/alshedivat_al-folio__papers.bib": (7, 0),
    "bibtex/d2l-ai_d2l-en__d2l.bib": (477, 0),  # 1957 and 1966 "Dynamic programming" stay two; 12 titles appear twice (Ba.Kiros.Hinton.2016 and ba2016layer, …)
    "bibtex/plk_biblatex__biblatex-examples.bib": (85, 0),  # editions decades apart stay apart; twins sharing an id merge
    "zotero_csv/ControlNet_annotated-bibliography__My_Library.csv": (217, 0),
    "zotero_csv/Gabriel-p_arXiv__zotero.csv": (67, 1),  # STILTS has no date
}


@pytest.mark.parametrize("source", sorted(IMPORTS))
def test_pages_written_and_records_rejected_per_source(corpus, content, source):
    report = import_files([corpus / source], content)
    assert (len(report.new), len(report.rejected)) == IMPORTS[source]
    papers, problems = read_folder(content)
    assert problems == [] and len(papers) == IMPORTS[source][0]


def test_overlapping_result_pages_give_each_paper_once(corpus, content):
    pages = sorted((corpus / "arxiv_atom").glob("arxivpy_2026_q_testing_*.xml"))
    report = import_files(pages, content)  # 215 entries; every later page repeats entries of s0_m100
    ids = [paper.arxiv for paper in read_folder(content)[0]]
    assert len(ids) == len(set(ids)) == len(report.new) == 100


def test_the_api_error_and_empty_feeds_are_reported(corpus, content):
    report = import_files([corpus / "arxiv_atom"], content)
    assert [p.path.rsplit("/", 1)[1] for p in report.rejected] == ["arxivpy_2026_ERROR400_id_abc.xml"]
    assert sorted(str(n).rsplit("/", 1)[1] for n in report.notices) == [
        "arxivpy_2026_id_0000.0000_s0_m100_8b51d9633a68.xml: the feed has no entries: nothing to import",
        "arxivpy_2026_id_0808.05394_s0_m100_7b0c7d0a7cdd.xml: the feed has no entries: nothing to import",
    ]


def test_an_undated_row_is_rejected_with_file_and_line_unless_date_is_given(corpus, content):
    source = corpus / "zotero_csv" / "Gabriel-p_arXiv__zotero.csv"
    [problem] = import_files([source], content).rejected
    assert str(problem) == f"{source}:60: no date: pass --date or add one to the source ('Starlink Tables Infrastructure Library Tool Set (STILTS)')"
    report = import_files([source], content, date=PaperDate(2017))
    assert counts(report) == (1, 0, 67, 0)
    assert read_paper(content / "starlink-tables-infrastructure-library-tool-set-stilts.md")[0].date == PaperDate(2017)


def identity(paper) -> str:
    return f"arxiv:{paper.arxiv}" if paper.arxiv else f"doi:{paper.doi.casefold()}" if paper.doi else title_key(paper.title)


def test_the_two_exports_of_one_library_hold_the_same_papers(corpus):
    bib = [i.paper for i in bibtex.read(corpus / "bibtex" / "ControlNet_annotated-bibliography__My_Library.bib")]
    rows = [i.paper for i in zotero_csv.read(corpus / "zotero_csv" / "ControlNet_annotated-bibliography__My_Library.csv")]
    assert {identity(p) for p in rows} <= {identity(p) for p in bib}
    assert {title_key(p.title) for p in rows} <= {title_key(p.title) for p in bib}
    only_in_bib = {title_key(p.title) for p in bib} - {title_key(p.title) for p in rows}
    assert len(only_in_bib) == 15 and "pytorch an imperative style high performance deep learning library" in only_in_bib


def test_importing_both_exports_gives_one_enriched_page_per_paper(corpus, content):
    bib = corpus / "bibtex" / "ControlNet_annotated-bibliography__My_Library.bib"
    rows = corpus / "zotero_csv" / "ControlNet_annotated-bibliography__My_Library.csv"
    assert counts(import_files([bib], content)) == (232, 0, 0, 0)
    report = import_files([rows], content)
    assert report.new == [] and len(report.enriched) + len(report.unchanged) == 217
    paper = read_paper(content / "pretraining-image-encoders-without-reconstruction-via-feature-prediction-loss.md")[0]
    assert paper.arxiv == "2003.07441" and paper.date == PaperDate(2020, 7, 15)  # the .bib's 2020-07, refined
    assert paper.extra["bibtex"].startswith("@article{pihlgren_pretraining_2020,")
    assert paper.extra["notes"].startswith("Annotation\nAnother way to train the Autoencoder")
    assert paper.source["format"] == "bibtex"


def test_either_order_of_the_two_exports_gives_the_same_pages(corpus, tmp_path):
    bib = corpus / "bibtex" / "ControlNet_annotated-bibliography__My_Library.bib"
    rows = corpus / "zotero_csv" / "ControlNet_annotated-bibliography__My_Library.csv"
    import_files([bib, rows], tmp_path / "a")
    import_files([rows, bib], tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in (tmp_path / "b").iterdir())


def test_reimporting_every_format_changes_no_byte(corpus, content):
    sources = [corpus / "arxiv_atom", corpus / "arxiv_oai_jsonl", corpus / "bibtex", corpus / "zotero_csv"]
    first = import_files(sources, content)
    assert len(first.new) == 1058
    before = snapshot(content)
    again = import_files(sources, content)
    assert counts(again) == (0, 0, 1058, 2)
    assert snapshot(content) == before


def test_reimporting_the_daily_papers_changes_no_byte(corpus, content):
    days = sorted((corpus / "hf_daily_api").iterdir())[::10]  # every tenth day: all the schema's eras
    assert counts(import_files(days, content)) == (387, 0, 0, 0)
    before = snapshot(content)
    assert counts(import_files(days, content)) == (0, 0, 387, 0)
    assert snapshot(content) == before


def test_the_same_paper_on_two_days_is_one_page(corpus, tmp_path, content):
    day = json.loads((corpus / "hf_daily_api" / "2024-05-27.json").read_text(encoding="utf-8"))
    (tmp_path / "2024-05-28.json").write_text(json.dumps(day[:2]), encoding="utf-8")
    report = import_files([corpus / "hf_daily_api" / "2024-05-27.json", tmp_path / "2024-05-28.json"], content)
    assert len(report.new) == 13 and len(list(content.iterdir())) == 13
    paper = read_paper(content / "convllava-hierarchical-backbones-as-visual-encoder-for-large-multimodal-models.md")[0]
    assert str(paper.extra["featured"]) == "2024-05-27"  # the first day it was featured


def test_broken_files_are_reported_and_the_rest_imports(corpus, tmp_path, content):
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(corpus / "hf_daily_api" / "2024-05-27.json", folder)
    (folder / "2024-05-28.json").write_text('[{"paper": {"id": "2405.1"', encoding="utf-8")
    (folder / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "2024-05-29.json").write_text('[{"paper": {"id": "2405.17000"}}, "x"]', encoding="utf-8")
    report = import_files([folder], content)
    assert len(report.new) == 13
    assert sorted(f"{p.path.rsplit('/', 1)[1]}:{p.line}: {p.message}" for p in report.rejected) == [
        "2024-05-28.json:1: not valid JSON: Expecting ',' delimiter (column 27)",
        "2024-05-29.json:1: expected a paper (a JSON object), found 'x'",
        "2024-05-29.json:1: no title (neither 'title' nor 'paper.title')",
        "garbage.bin:None: no importer recognises this file; name its format with --format (known formats: "
        "arxiv-atom, hf-daily-api, arxiv-snapshot, metadata-json, bibtex, zotero-csv, hf-listing)",
    ]


def test_binary_garbage_with_a_named_format_is_reported(tmp_path, content):
    (tmp_path / "papers.bib").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 10)
    [problem] = import_files([tmp_path / "papers.bib"], content, format="bibtex").rejected
    assert problem.message.startswith("not UTF-8 text")


def test_a_folder_means_its_visible_files_in_name_order(tmp_path):
    for name in ("b.bib", "a.csv", ".hidden.bib"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert expand_paths([tmp_path, tmp_path / "b.bib"]) == [tmp_path / "a.csv", tmp_path / "b.bib", tmp_path / "b.bib"]


def test_the_format_of_each_file_is_reported(corpus, content):
    sources = [corpus / "bibtex" / "alshedivat_al-folio__papers.bib", corpus / "arxiv_oai_jsonl"]
    report = import_files(sources, content)
    assert [(Path(path).name, name) for path, name in report.formats] == [
        ("alshedivat_al-folio__papers.bib", "bibtex"),
        ("arxiv-metadata-oai-snapshot.head100.jsonl", "arxiv-snapshot"),
    ]


def test_filters_apply_where_they_can_and_say_where_they_cannot(corpus, content):
    sources = [corpus / "arxiv_oai_jsonl", corpus / "bibtex" / "alshedivat_al-folio__papers.bib"]
    report = import_files(sources, content, filters=Filters(categories=("hep-ph",)))
    assert len(report.new) == 10 + 7
    assert sorted(n.message for n in report.notices) == [
        "--category and --since do not apply to bibtex: every paper is read",
        "90 of 100 records skipped by --category/--since",
    ]


def test_progress_wraps_reading_and_writing(corpus, content):
    seen = []

    def progress(items, desc, unit):
        seen.append(desc)
        return items

    import_files([corpus / "bibtex" / "alshedivat_al-folio__papers.bib"], content, progress=progress)
    assert seen == ["reading", "writing"]


def test_command_prints_formats_notes_and_exit_status(corpus, tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["new", str(site)]) == 0
    capsys.readouterr()
    status = main(["import", str(corpus / "arxiv_atom"), "--config", str(site / "sitegen.yaml")])
    out, err = capsys.readouterr()
    assert status == 1  # the API error document
    assert f"{corpus / 'arxiv_atom' / 'arxivpy_2016_au_del_maestro.xml'}: read as arxiv-atom\n" in out
    assert out.endswith("113 new, 0 enriched, 0 unchanged, 1 rejected\n")
    assert "note: " in err and "the feed has no entries: nothing to import" in err
    assert "rejected: " in err and "\r" not in err  # no progress bar when not on a terminal


def test_command_filters_the_snapshot(corpus, tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["new", str(site)]) == 0
    status = main(["import", str(corpus / "arxiv_oai_jsonl"), "--category", "math", "--since", "2007-04-02",
                   "--config", str(site / "sitegen.yaml")])
    assert status == 0 and len(list((site / "content" / "papers").iterdir())) == 7
    assert "93 of 100 records skipped by --category/--since" in capsys.readouterr().err
