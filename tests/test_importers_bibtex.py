"""The BibTeX / biblatex importer, on four real bibliographies and on small samples of each quirk."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.importers import Notice, Record, bibtex
from sitegen.model import PaperDate, Problem

BIB = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "bibtex"
# file -> (papers, problems, notices); papers = entries with a title, notices = biblatex @set entries.
COUNTS = {
    "ControlNet_annotated-bibliography__My_Library.bib": (232, 0, 0),
    "alshedivat_al-folio__papers.bib": (7, 0, 0),
    "d2l-ai_d2l-en__d2l.bib": (488, 0, 0),
    "plk_biblatex__biblatex-examples.bib": (90, 0, 2),
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, list]:
    if not BIB.is_dir():
        pytest.skip("the shared corpus (../shared/corpus beside the checkout) is not present")
    return {name: list(bibtex.read(BIB / name)) for name in COUNTS}


def entry(corpus, name: str, line: int):
    return next(item.paper for item in corpus[name] if isinstance(item, Record) and item.line == line)


def read_text(tmp_path: Path, text: str) -> list:
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    return list(bibtex.read(path))


def one(tmp_path: Path, text: str):
    [item] = read_text(tmp_path, text)
    assert isinstance(item, Record), item
    return item.paper


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_papers_problems_and_notices_per_file(corpus, name):
    items = corpus[name]
    counted = tuple(len([i for i in items if type(i) is kind]) for kind in (Record, Problem, Notice))
    assert counted == COUNTS[name]


def test_zotero_export_braces_month_macro_and_abstract(corpus):
    paper = entry(corpus, "ControlNet_annotated-bibliography__My_Library.bib", 16)
    assert paper.title == "Active Shape Models-Their Training and Application"
    assert paper.authors == ("T. F. Cootes", "C. J. Taylor", "D. H. Cooper", "J. Graham")
    assert paper.date == PaperDate(1995, 1)  # month = jan
    assert paper.venue == "Computer Vision and Image Understanding" and paper.doi == "10.1006/cviu.1995.1004"
    assert paper.links == {"web": "https://www.sciencedirect.com/science/article/pii/S1077314285710041"}
    assert paper.body.startswith("Model-based vision is firmly established as a robust approach")
    assert paper.extra["keywords"] == ["Viewed"]


def test_of_a_duplicated_field_the_first_usable_value_counts(corpus):
    paper = entry(corpus, "ControlNet_annotated-bibliography__My_Library.bib", 2)  # doi = {10.1007} and a full DOI
    assert paper.title == "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis"
    assert paper.doi == "10.1007/978-3-030-58452-8_24" and paper.date == PaperDate(2020)


def test_the_original_entry_is_kept_verbatim_for_citation_without_local_file_paths(corpus):
    raw = entry(corpus, "ControlNet_annotated-bibliography__My_Library.bib", 2).extra["bibtex"]
    source = (BIB / "ControlNet_annotated-bibliography__My_Library.bib").read_text(encoding="utf-8")
    assert raw.startswith("@inproceedings{mildenhall_nerf_2020,\n\taddress = {Springer, Cham},")
    kept = [line for line in source.splitlines() if line.startswith("\tfile = {Mildenhall")]
    assert kept and kept[0] not in raw and raw.endswith("\tpages = {405--421},\n}")
    assert raw in source.replace(kept[0] + "\n", "")


def test_no_entry_publishes_the_exporters_file_paths(corpus):
    for items in corpus.values():
        for item in items:
            if isinstance(item, Record):
                raw = item.paper.extra["bibtex"]
                assert "/Volumes/" not in raw and "Zotero/storage" not in raw and "file = {" not in raw


def test_arxiv_preprint_filed_as_a_journal_is_an_id_not_a_venue(corpus):
    paper = entry(corpus, "ControlNet_annotated-bibliography__My_Library.bib", 670)
    assert (paper.arxiv, paper.venue, paper.date) == ("1406.2661", None, PaperDate(2014, 6))


def test_hand_kept_file_accents_and_double_braces(corpus):
    paper = entry(corpus, "d2l-ai_d2l-en__d2l.bib", 1)
    assert paper.title == "TensorFlow: A system for large-scale machine learning"
    assert paper.authors[0] == "Martín Abadi" and paper.authors[-1] == "Michael Isard"  # "and et al." dropped
    assert paper.venue == "12th USENIX Symposium on Operating Systems Design and Implementation (OSDI 16)"


def test_mixed_case_field_names(corpus):
    paper = entry(corpus, "d2l-ai_d2l-en__d2l.bib", 1195)
    assert (paper.title, paper.authors, paper.date) == (
        "Density Estimation for Statistical and Data Analysis", ("B. W. Silverman",), PaperDate(1986))


def test_arxiv_id_in_the_journal_field_and_a_lettered_year(corpus):
    paper = entry(corpus, "d2l-ai_d2l-en__d2l.bib", 4479)
    assert (paper.title, paper.arxiv, paper.venue, paper.date) == (
        "LLaMA: Open and efficient foundation language models", "2302.13971", None, PaperDate(2023))
    assert paper.authors[5] == "Timothée Lacroix" and paper.authors[6] == "Baptiste Rozière"


def test_jekyll_front_matter_strings_and_trailing_commas(corpus):
    paper = entry(corpus, "alshedivat_al-folio__papers.bib", 28)
    assert paper.title == "Can Quantum-Mechanical Description of Physical Reality Be Considered Complete?"
    assert paper.authors == ("A. Einstein", "B. Podolsky", "N. Rosen")
    assert paper.date == PaperDate(1935, 5) and paper.venue == "Phys. Rev." and paper.doi == "10.1103/PhysRev.47.777"
    assert entry(corpus, "alshedivat_al-folio__papers.bib", 50).title.startswith("Über die von der molekularkinetischen Theorie der Wärme")


def test_biblatex_date_field_keeps_its_precision(corpus):
    name = "plk_biblatex__biblatex-examples.bib"
    assert entry(corpus, name, 37).date == PaperDate(2006)
    assert entry(corpus, name, 267).date == PaperDate(1991, 3)
    assert entry(corpus, name, 1420).date == PaperDate(1996, 3, 11)
    assert entry(corpus, name, 663).date == PaperDate(1984)  # date = 1984/1986, a range


def test_biblatex_accents_and_transliteration_commands(corpus):
    name = "plk_biblatex__biblatex-examples.bib"
    assert entry(corpus, name, 37).authors == (
        "Özge Aksın", "Hayati Türkmen", "Levent Artok", "Bekir Çetinkaya", "Chaoying Ni", "Orhan Büyükgüngör", "Erhan Özkal")
    assert entry(corpus, name, 52).title == "In Honore Salvatoris – Vom Sinn und Unsinn der Patrozinienkunde"
    assert entry(corpus, name, 316).title == "“Intention” und “Intentionalität” in der Scholastik, bei Brentano und Husserl"
    assert entry(corpus, name, 172).title.startswith("Computation of methodology-independent ionic solvation")


def test_biblatex_eprint_crossref_journaltitle_and_macros(corpus):
    name = "plk_biblatex__biblatex-examples.bib"
    assert entry(corpus, name, 1386).arxiv == "math/0307200"  # eprint + eprinttype = arxiv
    assert entry(corpus, name, 37).venue == "J. Organomet. Chem."  # journaltitle = jomch, an @string
    child = entry(corpus, name, 10)  # crossref = westfahl:frontier
    assert (child.date, child.venue) == (PaperDate(2000), "Space and Beyond")
    assert entry(corpus, name, 282).doi == "10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P"


def test_set_entries_are_skipped_with_a_notice(corpus):
    notices = [i for i in corpus["plk_biblatex__biblatex-examples.bib"] if isinstance(i, Notice)]
    assert [(n.line, n.message) for n in notices] == [
        (26, "@set{set} skipped: it groups other entries"),
        (31, "@set{stdmodel} skipped: it groups other entries"),
    ]


def test_an_entry_without_a_title_is_a_problem_at_its_line(tmp_path):
    items = read_text(tmp_path, "@article{good, title={A}, year=2020}\n\n@misc{untitled,\n  year = 2020\n}\n")
    assert [type(i) for i in items] == [Record, Problem]
    assert (items[1].line, items[1].message) == (3, "@misc{untitled}: no title")


def test_a_broken_entry_is_a_problem_and_the_next_one_still_imports(tmp_path):
    items = read_text(tmp_path, "@article{a,\n  title = {Unclosed,\n  year = 2020\n\n@article{b, title={B}, year=2021}\n")
    assert [type(i) for i in items] == [Problem, Record]
    assert items[0].line == 1 and items[0].message.startswith("cannot read this entry:")
    assert items[1].paper.title == "B"


def test_an_entry_without_any_date_has_none(tmp_path):
    assert one(tmp_path, "@book{a, title = {Undated}}").date is None


def test_dois_written_as_urls(tmp_path):
    assert one(tmp_path, "@article{a, title={A}, year=2020, doi={https://doi.org/10.1145/3292500.3330701}}").doi == "10.1145/3292500.3330701"
    paper = one(tmp_path, "@article{a, title={A}, year=2020, url={http://dx.doi.org/10.1000/XYZ}}")
    assert paper.doi == "10.1000/XYZ" and paper.links == {}


def test_arxiv_ids_from_eprint_and_archive_prefix(tmp_path):
    paper = one(tmp_path, "@misc{a, title={A}, year=2017, eprint={1706.03762v5}, archivePrefix={arXiv}, primaryClass={cs.CL}}")
    assert paper.arxiv == "1706.03762"
    paper = one(tmp_path, "@article{a, title={A}, year=2017, journal={arXiv preprint arXiv:1706.03762}}")
    assert (paper.arxiv, paper.venue) == ("1706.03762", None)


def test_string_concatenation_and_month_names(tmp_path):
    text = '@string{pre = "Proceedings of"}\n@inproceedings{a, title={A}, booktitle = pre # " the Test", year=2020, month = {September}}'
    paper = [i for i in read_text(tmp_path, text) if isinstance(i, Record)][0].paper
    assert (paper.venue, paper.date) == ("Proceedings of the Test", PaperDate(2020, 9))


def test_math_in_titles_stays_and_braces_go(tmp_path):
    paper = one(tmp_path, r"@article{a, title={The {$\alpha$}-{NeRF} costs \$5 {\em only}}, year=2020}")
    assert paper.title == r"The $\alpha$-NeRF costs $5 only"


def test_escaped_characters_of_a_zotero_export(tmp_path):
    paper = one(tmp_path, r"@article{a, title={A}, year=2020, abstract={clips of {\textless} 5 s, a {\textbackslash}emph\{x\} and 50\% more}}")
    assert paper.body == "clips of < 5 s, a \\\\emph{x} and 50% more\n"


def test_detect_looks_past_comments_and_front_matter():
    assert bibtex.detect(Path("a.bib"), b"---\n---\n\n@string{aps = {APS}}\n")
    assert bibtex.detect(Path("a.txt"), b"% my papers\n\n@Article{\tkey,\n")
    assert not bibtex.detect(Path("a.bib"), b"Title line\n\nAbstract @article{x}\n")


def test_dblp_corr_entries_give_the_arxiv_id(tmp_path):
    paper = one(tmp_path, "@article{a, title={A}, journal={CoRR}, volume={abs/1706.03762}, year={2017}}")
    assert (paper.arxiv, paper.venue) == ("1706.03762", None)


def test_biblatex_eprintclass_of_an_arxiv_eprint_is_the_category(corpus):
    wassenberg = entry(corpus, "plk_biblatex__biblatex-examples.bib", 1457)  # eprinttype arxiv, eprintclass cs.DS
    assert (wassenberg.arxiv, wassenberg.categories) == ("1008.2849", ("cs.DS",))
    with_categories = [item.paper.title for name in COUNTS for item in corpus[name] if isinstance(item, Record) and item.paper.categories]
    assert with_categories == [wassenberg.title]  # no other entry of the four names a class


ARXIV_EXPORT = """@misc{jiang2023mistral7b,
      title={Mistral 7B},
      author={Albert Q. Jiang and Alexandre Sablayrolles and Arthur Mensch},
      year={2023},
      eprint={2310.06825},
      archivePrefix={arXiv},
      primaryClass={cs.CL},
      url={https://arxiv.org/abs/2310.06825},
}"""


def test_primary_class_of_arxivs_own_export_is_the_category(tmp_path):
    paper = one(tmp_path, ARXIV_EXPORT)
    assert (paper.arxiv, paper.categories) == ("2310.06825", ("cs.CL",))


@pytest.mark.parametrize("fields, categories", [
    ("EPRINT = {2310.06825}, ArchivePrefix = {arXiv}, PRIMARYCLASS = {cs.cl}", ("cs.CL",)),  # any case, as arXiv spells it
    ("eprint = {2310.06825}, primaryclass = {cs.CL}, primaryclass = {stat.ml}, eprintclass = {cs.CL}", ("cs.CL", "stat.ML")),
    ("eprint = {2310.06825}, primaryClass = {Computation and Language (cs.CL)}", ("cs.CL",)),
    ("eprint = {hep-th/9901001}, archivePrefix = {arXiv}, primaryClass = {hep-th}", ("hep-th",)),
    ("eprint = {2310.06825}, archivePrefix = {arXiv}, primaryClass = {physics.Comp-Ph}", ("physics.comp-ph",)),
    ("journal = {arXiv preprint arXiv:2310.06825}, primaryClass = {cs.LG}", ("cs.LG",)),
    ("eprint = {2310.06825}, archivePrefix = {arXiv}, primaryClass = {Machine Learning}", ()),
    ("eprint = {12345}, eprinttype = {jstor}, eprintclass = {cs.CL}", ()),  # not an arXiv eprint
    ("primaryClass = {cs.CL}", ()),  # no arXiv id: nothing says which archive's class this is
])
def test_primary_class_spellings(tmp_path, fields: str, categories: tuple[str, ...]):
    assert one(tmp_path, f"@misc{{a, title = {{A}}, year = 2023, {fields}}}").categories == categories
