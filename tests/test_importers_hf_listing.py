"""The Hugging Face Daily Papers listing importer, on the real seed listing and on small samples."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.importers import Record, hf_listing
from sitegen.model import Problem

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"


@pytest.fixture(scope="module")
def listing() -> Path:
    if not SEED.is_dir():
        pytest.skip("the shared seed corpus (../shared/seed beside the checkout) is not present")
    return SEED / "daily-papers.txt"


@pytest.fixture(scope="module")
def records(listing) -> list[Record]:
    items = list(hf_listing.read(listing))
    assert [item for item in items if isinstance(item, Problem)] == []
    return items


def paper(records, title_start: str):
    return next(r.paper for r in records if r.paper.title.startswith(title_start))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "listing.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_listing_gives_all_82_papers(records):
    assert len(records) == 82


def test_seed_titles_are_verbatim(records):
    titles = [r.paper.title for r in records]
    assert titles[0] == "ClinLinker: Medical Entity Linking of Clinical Concept Mentions in Spanish"
    assert (
        "ChAda-ViT : Channel Adaptive Attention for Joint Representation Learning of Heterogeneous Microscopy Images"
        in titles
    )
    assert "Collaborative Decoding Makes Visual Auto-Regressive Modeling Efficient" in titles
    assert titles[-1].startswith("Beyond the Imitation Game: Quantifying and extrapolating")


def test_page_chrome_is_not_a_paper(records):
    chrome = {"New", "Subscribe", "Daily Papers", "by AK and the research community"}
    assert not chrome & {r.paper.title for r in records}


def test_record_line_is_the_title_line(records, listing):
    lines = listing.read_text(encoding="utf-8").splitlines()
    assert records[0].line == 11
    for record in records:
        assert lines[record.line - 1] == record.paper.title


def test_listing_has_no_dates_authors_or_ids(records):
    for record in records:
        assert (record.paper.date, record.paper.authors, record.paper.arxiv, record.paper.doi) == (None, (), None, None)
        assert record.paper.slug == ""


def test_source_names_the_format_and_file(records):
    assert records[0].paper.source == {"format": "hf-listing", "file": "daily-papers.txt"}


def test_plain_abstract_is_the_body_unchanged(records, listing):
    lines = listing.read_text(encoding="utf-8").splitlines()
    assert records[0].paper.body == lines[12] + "\n"


def test_every_body_ends_with_exactly_one_newline(records):
    for record in records:
        assert record.paper.body.endswith("\n") and not record.paper.body.endswith("\n\n")


def test_latex_is_cleaned_in_the_mathscale_abstract(records):
    body = paper(records, "MathScale").body
    assert "(e.g., GPT-3.5)" in body and "{\\tt" not in body
    assert "we construct MwpBench, a benchmark" in body
    assert "by 42.9% in micro average accuracy" in body


def test_escaped_percent_is_cleaned(records):
    assert "merely 0.07% away" in paper(records, "Predictable Scale").body


def test_unknown_macro_keeps_its_name_in_the_body(records):
    body = paper(records, "Selection Function of Clusters").body
    assert "with the rdmpr, algorithm" in body and "augment the rdmpr,catalog" in body


def test_collaborative_decoding_code_link_is_extracted(records):
    found = paper(records, "Collaborative Decoding")
    assert found.links == {"code": "https://github.com/czg1225/CoDe"}
    assert found.body.endswith("FID of 2.27. The code is available on GitHub.\n")
    assert "https://" not in found.body


def test_dollar_math_is_kept_in_title_and_body(tmp_path):
    path = write(tmp_path, "Bounds for $\\ell_p$ norms\n\nWe show $u_L^{'} \\leq 50\\%$ for *all* inputs.\n")
    [record] = hf_listing.read(path)
    assert record.paper.title == "Bounds for $\\ell_p$ norms"
    assert record.paper.body == "We show $u_L^{'} \\leq 50\\%$ for \\*all\\* inputs.\n"


def test_markdown_in_a_title_is_not_escaped(tmp_path):
    [record] = hf_listing.read(write(tmp_path, "*Not* [a] link\n\nAbstract.\n"))
    assert record.paper.title == "*Not* [a] link"


def test_a_title_without_abstract_is_a_problem_at_its_line(tmp_path):
    items = list(hf_listing.read(write(tmp_path, "Daily Papers\n\nA title\n\nAn abstract.\n\nLonely title\n")))
    assert isinstance(items[0], Record) and items[0].line == 3
    assert items[1] == Problem(str(tmp_path / "listing.txt"), 7, items[1].message)
    assert "without an abstract" in items[1].message


def test_a_two_line_title_is_a_problem_and_the_rest_is_still_read(tmp_path):
    text = "Broken\ntitle\n\nAbstract one.\n\nGood title\n\nAbstract two.\n"
    items = list(hf_listing.read(write(tmp_path, text)))
    assert isinstance(items[0], Problem) and items[0].line == 1
    assert isinstance(items[1], Record) and items[1].paper.title == "Good title" and items[1].line == 6


def test_a_wrapped_abstract_is_joined(tmp_path):
    [record] = hf_listing.read(write(tmp_path, "Title\n\nFirst half\nsecond half.\n"))
    assert record.paper.body == "First half second half.\n"


def test_windows_line_endings_and_bom_are_read(tmp_path):
    path = tmp_path / "listing.txt"
    path.write_bytes("\ufeffTitle\r\n\r\nAbstract.\r\n".encode("utf-8"))
    [record] = hf_listing.read(path)
    assert (record.paper.title, record.paper.body, record.line) == ("Title", "Abstract.\n", 1)


def test_non_utf8_file_is_a_problem(tmp_path):
    path = tmp_path / "listing.txt"
    path.write_bytes(b"Caf\xe9\n\nAbstract.\n")
    [problem] = hf_listing.read(path)
    assert isinstance(problem, Problem) and "not UTF-8" in problem.message


def test_detect_accepts_the_seed_listing(listing):
    assert hf_listing.detect(listing, listing.read_bytes()[:8192])


def test_detect_declines_json(tmp_path):
    assert not hf_listing.detect(tmp_path / "a.txt", b'[{"title": "x"}]')
