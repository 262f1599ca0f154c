"""The arXiv API (Atom) importer, on the recorded responses in ../shared/corpus/arxiv_atom/."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.importers import Filters, Notice, Record, arxiv_atom
from sitegen.model import PaperDate, Problem

# file -> (papers, problems, notices), counted from the <entry> elements of each file.
COUNTS = {
    "arxivpy_2016_au_del_maestro.xml": (10, 0, 0),
    "arxivpy_2016_au_del_maestro_ANDNOT.xml": (10, 0, 0),
    "arxivpy_2016_au_del_maestro_AND_ti_checkerboard.xml": (1, 0, 0),
    "arxivpy_2016_au_del_maestro_AND_ti_quantum_criticality.xml": (2, 0, 0),
    "arxivpy_2016_id_list_1111.2011v2.xml": (1, 0, 0),
    "arxivpy_2026_ERROR400_id_abc.xml": (0, 1, 0),
    "arxivpy_2026_id_0000.0000_s0_m100_8b51d9633a68.xml": (0, 0, 1),
    "arxivpy_2026_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml": (1, 0, 0),
    "arxivpy_2026_id_0808.05394_s0_m100_7b0c7d0a7cdd.xml": (0, 0, 1),
    "arxivpy_2026_q_testing_s0_m100_cfe7536492ca.xml": (100, 0, 0),
    "arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s0_m15_80c242b59d59.xml": (15, 0, 0),
    "arxivpy_2026_q_testing_s10_m10_34e56e15aaac.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s20_m10_348a237fecab.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s30_m10_f2e39f0143dc.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s40_m10_96dd32eb854c.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s50_m10_7f488ab8598c.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s5_m10_c0e94a259d4a.xml": (10, 0, 0),
    "arxivpy_2026_q_testing_s5_m15_bbcf6b23085b.xml": (15, 0, 0),
    "arxivpy_2026_q_testing_s9_m15_0b78d4b4d476.xml": (15, 0, 0),
}


@pytest.fixture
def atom(shared_dir) -> Path:
    return shared_dir / "corpus" / "arxiv_atom"


def read(path: Path, filters: Filters = Filters()) -> tuple[list[Record], list[Problem], list[Notice]]:
    items = list(arxiv_atom.read(path, filters))
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, Problem)],
        [i for i in items if isinstance(i, Notice)],
    )


def by_id(records: list[Record], arxiv: str):
    return next(r.paper for r in records if r.paper.arxiv == arxiv)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feed.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_corpus_lists_every_file(atom):
    assert sorted(p.name for p in atom.iterdir()) == sorted(COUNTS)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_papers_problems_and_notices_per_file(atom, name):
    records, problems, notices = read(atom / name)
    assert (len(records), len(problems), len(notices)) == COUNTS[name]


def test_old_layout_entry_is_converted_whole(atom):
    records, _, _ = read(atom / "arxivpy_2016_id_list_1111.2011v2.xml")
    paper, line = records[0].paper, records[0].line
    assert line == 10
    assert paper.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.arxiv == "1111.2011" and paper.extra["arxiv_version"] == 2
    assert paper.date == PaperDate(2011, 11, 8) and paper.extra["updated"] == dt.date(2012, 4, 2)
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.venue == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.extra["comment"] == "8 pages, 3 figures. Published version"
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert paper.links == {"pdf": "http://arxiv.org/pdf/1111.2011v2"}


def test_summary_is_unwrapped_into_one_paragraph(atom):
    records, _, _ = read(atom / "arxivpy_2016_id_list_1111.2011v2.xml")
    body = records[0].paper.body
    assert body.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in body.rstrip("\n") and body.endswith("describing a single node.\n")


def test_current_layout_keeps_affiliations_beside_the_author_names(atom):
    records, _, _ = read(atom / "arxivpy_2026_q_testing_s0_m100_cfe7536492ca.xml")
    paper = next(r.paper for r in records if "Marie-Claude Gaudel" in r.paper.authors)
    assert paper.authors == ("Marie-Claude Gaudel", "Pascale Le Gall")
    assert paper.extra["affiliations"] == {"Marie-Claude Gaudel": ["LRI"], "Pascale Le Gall": ["IBISC"]}
    assert paper.venue == "Formal Methods and Testing, Springer-Verlag (Ed.) (2008) 209-239"


def test_current_layout_doi_categories_and_unversioned_id(atom):
    records, _, _ = read(atom / "arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9.xml")
    paper = by_id(records, "2202.12139")
    assert paper.doi == "10.1109/ICSTW55395.2022.00035"
    assert paper.categories == ("cs.SE", "cs.LG")
    assert paper.date == PaperDate(2022, 2, 24) and "updated" not in paper.extra
    assert paper.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert paper.links == {"pdf": "https://arxiv.org/pdf/2202.12139v1"}


def test_title_keeps_tex_math(atom):
    records, _, _ = read(atom / "arxivpy_2026_q_testing_s0_m100_cfe7536492ca.xml")
    assert "$ω$Test: WebView-Oriented Testing for Android Applications" in [r.paper.title for r in records]


def test_the_api_error_document_is_a_problem_not_a_paper(atom):
    records, problems, _ = read(atom / "arxivpy_2026_ERROR400_id_abc.xml")
    assert records == []
    assert str(problems[0]) == (
        f"{atom / 'arxivpy_2026_ERROR400_id_abc.xml'}:9: "
        "the arXiv API answered with an error, not with papers: incorrect id format for abc"
    )


def test_an_empty_feed_says_there_is_nothing_to_import(atom):
    records, problems, notices = read(atom / "arxivpy_2026_id_0000.0000_s0_m100_8b51d9633a68.xml")
    assert (records, problems) == ([], [])
    assert notices[0].message == "the feed has no entries: nothing to import"


def test_a_document_with_entities_is_refused_unparsed(tmp_path):
    bomb = '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "aaaaaaaa">]>\n<feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>\n'
    records, problems, _ = read(write(tmp_path, bomb))
    assert records == [] and problems[0].line == 2 and "DOCTYPE and entity declarations" in problems[0].message


def test_xml_that_is_not_well_formed_is_one_problem(tmp_path):
    records, problems, _ = read(write(tmp_path, '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n</feed>\n'))
    assert records == [] and len(problems) == 1 and problems[0].message.startswith("not valid XML: mismatched tag")
    assert problems[0].line == 3


def test_filters_apply_to_categories_and_dates(atom):
    path = atom / "arxivpy_2026_q_testing_s0_m100_cfe7536492ca.xml"
    everything, _, _ = read(path)
    kept, _, notices = read(path, Filters(categories=("cs.LG",), since=PaperDate(2020)))
    assert 0 < len(kept) < len(everything)
    assert all("cs.LG" in r.paper.categories and r.paper.date >= PaperDate(2020, 1, 1) for r in kept)
    assert notices[0].message == f"{len(everything) - len(kept)} of 100 entries skipped by --category/--since"


def test_detect_needs_an_arxiv_atom_feed(atom, tmp_path):
    path = atom / "arxivpy_2016_au_del_maestro.xml"
    assert arxiv_atom.detect(path, path.read_bytes()[:8192])
    assert not arxiv_atom.detect(path, b'<feed xmlns="http://www.w3.org/2005/Atom"><title>My blog</title>')
