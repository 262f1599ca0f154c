"""The Zotero CSV importer, on two real library exports and on small samples of each quirk."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sitegen.importers import Record, zotero_csv
from sitegen.model import PaperDate, Problem

CSV_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "zotero_csv"
CONTROLNET = "ControlNet_annotated-bibliography__My_Library.csv"
GABRIEL = "Gabriel-p_arXiv__zotero.csv"
HEADER = ["Key", "Item Type", "Publication Year", "Author", "Title", "Publication Title", "DOI", "Url",
          "Abstract Note", "Date", "Extra", "Notes", "Manual Tags", "Automatic Tags", "Editor"]


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[int, Record]]:
    if not CSV_DIR.is_dir():
        pytest.skip("the shared corpus (../shared/corpus beside the checkout) is not present")
    found = {}
    for name in (CONTROLNET, GABRIEL):
        items = list(zotero_csv.read(CSV_DIR / name))
        assert [i for i in items if not isinstance(i, Record)] == []
        found[name] = {item.line: item for item in items}
    return found


def write(tmp_path: Path, *records: dict[str, str]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(records)
    path = tmp_path / "export.csv"
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8", newline="")
    return path


def test_every_row_is_a_paper(rows):
    assert (len(rows[CONTROLNET]), len(rows[GABRIEL])) == (217, 68)
    assert min(rows[CONTROLNET]) == 2 and max(rows[CONTROLNET]) == 218  # lines of the records, after the header


def test_conference_paper_with_editors_and_html_notes(rows):
    paper = rows[CONTROLNET][2].paper
    assert paper.title == "StyleGAN2 Distillation for Feed-Forward Image Manipulation"
    assert paper.authors == ("Yuri Viazovetskyi", "Vladimir Ivashkin", "Evgeny Kashin")
    assert (paper.date, paper.venue, paper.doi) == (PaperDate(2020), "Computer Vision – ECCV 2020", "10.1007/978-3-030-58542-6_11")
    assert paper.extra["editors"] == ["Andrea Vedaldi", "Horst Bischof", "Thomas Brox", "Jan-Michael Frahm"]
    assert paper.extra["notes"] == "Annotation\nUsing StyleGAN to generate pairs for pix2pixHD to be trained as image translation task."
    assert paper.body.startswith("StyleGAN2 is a state-of-the-art network") and "<" not in paper.body


def test_arxiv_preprint_filed_as_journal_article(rows):
    paper = rows[CONTROLNET][3].paper  # Publication Title: arXiv:2003.07441 [cs]
    assert (paper.arxiv, paper.venue, paper.date) == ("2003.07441", None, PaperDate(2020, 7, 15))
    assert paper.authors[0] == "Gustav Grund Pihlgren"
    assert paper.links == {"code": "https://github.com/guspih/Perceptual-Autoencoders"}


def test_dates_keep_their_precision(rows):
    assert rows[CONTROLNET][9].paper.date == PaperDate(2019, 6)
    assert rows[GABRIEL][3].paper.date == PaperDate(2012, 6, 1)


def test_ads_rows_give_the_arxiv_id_from_the_bibcode(rows):
    paper = rows[GABRIEL][2].paper  # Publication Title: ArXiv e-prints, Url: …/abs/2017arXiv170802025M
    assert (paper.arxiv, paper.venue) == ("1708.02025", None)
    assert paper.authors == ("F. Marin", "A. Rohatgi", "S. Charlot")


def test_not_available_abstract_is_empty(rows):
    assert rows[GABRIEL][5].paper.body == ""


def test_doi_loses_the_stray_semicolon(rows):
    assert rows[GABRIEL][7].paper.doi == "10.1086/666502"


def test_html_entities_in_abstracts_become_characters(rows):
    body = rows[GABRIEL][6].paper.body
    assert "&nbsp;" not in body and "openly available here: http://hdl.handle.net" not in body
    assert rows[GABRIEL][6].paper.links["project"] == "http://hdl.handle.net/11660/2382"


def test_a_row_without_year_or_author_has_neither(rows):
    paper = rows[GABRIEL][60].paper
    assert paper.title == "Starlink Tables Infrastructure Library Tool Set (STILTS)"
    assert (paper.date, paper.authors) == (None, ())


def test_a_row_without_title_is_a_problem_at_its_line_and_the_rest_imports(tmp_path):
    path = write(tmp_path, {"Key": "A1", "Item Type": "book", "Title": "", "Date": "2020"},
                 {"Key": "B2", "Item Type": "book", "Title": "Fine", "Abstract Note": "Two\nlines.", "Date": "2020"},
                 {"Key": "C3", "Item Type": "book", "Title": "After", "Date": "2021"})
    items = list(zotero_csv.read(path))
    assert [str(i) for i in items if isinstance(i, Problem)] == [f"{path}:2: book A1: no title"]
    assert [(i.line, i.paper.title) for i in items if isinstance(i, Record)] == [(3, "Fine"), (5, "After")]


def test_doi_from_extra_and_url_and_names_without_comma(tmp_path):
    path = write(tmp_path, {"Title": "T", "Item Type": "report", "Author": "Astropy Collaboration; Price-Whelan, A. M.",
                            "Extra": "DOI: 10.1000/abc.", "Url": "https://example.org/report", "Date": "2018"})
    [record] = zotero_csv.read(path)
    assert record.paper.doi == "10.1000/abc" and record.paper.links == {"web": "https://example.org/report"}
    assert record.paper.authors == ("Astropy Collaboration", "A. M. Price-Whelan")


def test_detect_wants_zotero_columns(tmp_path):
    assert zotero_csv.detect(Path("x.csv"), ('\ufeff"Key","Item Type","Publication Year","Author","Title"\n').encode())
    assert not zotero_csv.detect(Path("x.csv"), b"title,year\nA,2020\n")


def test_very_long_notes_do_not_stop_the_export(tmp_path):
    path = write(tmp_path, {"Title": "Long", "Item Type": "book", "Date": "2020", "Notes": "<p>" + "x" * 300_000 + "</p>"},
                 {"Title": "Next", "Item Type": "book", "Date": "2021"})
    assert [r.paper.title for r in zotero_csv.read(path)] == ["Long", "Next"]
