"""BibTeX on every paper page: original entries kept, generated ones parse back, keys unique, files beside."""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import bibtexparser
import pytest
from bibtexparser.middlewares.names import split_multiple_persons_names

from conftest import paper_text
from sitecheck import soup
import sitegen.citation as citation
from sitegen.citation import assign_cite_keys, base_key, bibtex, generated_entry
from sitegen.cli import main
from sitegen.importers import Record
from sitegen.importers import bibtex as bibtex_importer
from sitegen.model import Paper, PaperDate

TRICKY = Paper(
    title="Scaling {LoRA} & GPT-4: 50% of $x_1^2$ costs $1 for #tags_with_underscores ~ \\ back",
    date=PaperDate(2024, 5, 17),
    authors=("Jared Kaplan", "Ana María Müller-Şahin", "Research and Development Team", "Ludwig van Beethoven"),
    arxiv="2405.01234",
    doi="10.1234/ab_c%20",
    categories=("cs.LG", "stat.ML"),
    venue="Advances in Neural Information Processing Systems",
    slug="scaling-lora",
)


def view(paper: Paper, key: str = "") -> SimpleNamespace:
    return SimpleNamespace(paper=paper, slug=paper.slug, cite_key=key)


def parse_one(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and len(library.entries) == 1, text
    return library.entries[0]


def reimport(tmp_path: Path, text: str) -> Paper:
    path = tmp_path / "cite.bib"
    path.write_text(text, encoding="utf-8")
    [record] = list(bibtex_importer.read(path))
    assert isinstance(record, Record), record
    return record.paper


def test_a_generated_entry_parses_back_with_bibtexparser(tmp_path: Path) -> None:
    entry = parse_one(generated_entry(TRICKY, "kaplan2024scaling"))
    assert entry.entry_type == "inproceedings" and entry.key == "kaplan2024scaling"
    fields = {field.key: field.value for field in entry.fields}
    assert fields["year"] == "2024" and fields["month"] == "may" and fields["date"] == "2024-05-17"
    assert fields["eprint"] == "2405.01234" and fields["archiveprefix"] == "arXiv" and fields["primaryclass"] == "cs.LG"
    assert fields["doi"] == "10.1234/ab_c%20"  # verbatim, as styles print DOIs and URLs
    assert fields["booktitle"] == "Advances in Neural Information Processing Systems"
    assert split_multiple_persons_names(fields["author"]) == ["Jared Kaplan", "Ana María Müller-Şahin", "{Research and Development Team}", "Ludwig van Beethoven"]
    assert "{$x_1^2$}" in fields["title"] and r"\$1" in fields["title"] and r"\&" in fields["title"] and "{GPT-4:}" in fields["title"]


def test_every_latex_special_character_is_escaped() -> None:
    entry = generated_entry(replace(TRICKY, title="a^b & c"), "k")
    assert r"a\textasciicircum{}b \& c" in entry
    parse_one(entry)


def test_a_generated_entry_reimports_to_the_same_paper(tmp_path: Path) -> None:
    again = reimport(tmp_path, generated_entry(TRICKY, "kaplan2024scaling"))
    for name in ("title", "authors", "date", "arxiv", "venue", "doi"):
        assert getattr(again, name) == getattr(TRICKY, name), name


@pytest.mark.parametrize("paper", [
    Paper(title="Attention Is All You Need", date=PaperDate(2017), authors=("Ashish Vaswani",), venue="Journal of Machine Learning Research", slug="a"),
    Paper(title="Plain title", date=PaperDate(2020, 2), slug="b"),
    Paper(title="On $\\mathcal{O}(n)$ bounds", date=PaperDate(1999, 12, 31), authors=("Émile Borel",), doi="10.1000/xyz", slug="c"),
])
def test_entries_of_every_shape_round_trip(tmp_path: Path, paper: Paper) -> None:
    text = generated_entry(paper, base_key(paper))
    parse_one(text)
    again = reimport(tmp_path, text)
    assert (again.title, again.authors, again.date, again.venue, again.doi) == (paper.title, paper.authors, paper.date, paper.venue, paper.doi)


@pytest.mark.parametrize("paper, key", [
    (Paper(title="Scaling Laws for Neural Language Models", date=PaperDate(2020, 1, 23), authors=("Jared Kaplan", "Sam McCandlish")), "kaplan2020scaling"),
    (Paper(title="A Survey of Large Language Models", date=PaperDate(2023), authors=("Wayne Xin Zhao",)), "zhao2023survey"),
    (Paper(title="Über die Bewegung", date=PaperDate(1905), authors=("Albert Müller",)), "muller1905uber"),
    (Paper(title="The $\\nabla^2$DFT dataset", date=PaperDate(2024), authors=("Martin Luther King Jr.",)), "king2024dft"),
    (Paper(title="On the Origin", date=None, authors=()), "anonndorigin"),
])
def test_generated_keys_are_author_year_first_word(paper: Paper, key: str) -> None:
    assert base_key(paper) == key


def test_keys_are_unique_across_the_site_and_independent_of_order() -> None:
    same = Paper(title="Scaling laws", date=PaperDate(2020), authors=("Jared Kaplan",))
    papers = [replace(same, slug=slug) for slug in ("c-paper", "a-paper", "b-paper")]
    papers.append(replace(same, slug="z-original", extra={"bibtex": "@article{Kaplan2020Scaling,\n  title = {Scaling laws},\n  year = {2020}\n}"}))
    keys = []
    for _ in range(3):
        random.shuffle(papers)
        views = [view(paper) for paper in papers]
        assign_cite_keys(views)
        keys.append({v.slug: v.cite_key for v in views})
    assert keys[0] == keys[1] == keys[2]
    # The original entry keeps its key; generated ones avoid it, case-insensitively, in slug order.
    assert keys[0] == {"z-original": "Kaplan2020Scaling", "a-paper": "kaplan2020scalingb", "b-paper": "kaplan2020scalingc", "c-paper": "kaplan2020scalingd"}


def test_the_entry_settled_with_the_keys_follows_its_paper_and_key() -> None:
    views = [view(TRICKY), view(replace(TRICKY, slug="other", title="Other"))]
    assign_cite_keys(views)
    assert bibtex(views[0]) == generated_entry(TRICKY, views[0].cite_key)
    views[0].cite_key = "renamed2024"
    assert bibtex(views[0]) == generated_entry(TRICKY, "renamed2024")
    edited = view(replace(TRICKY, title="Edited"), "renamed2024")
    assert bibtex(edited) == generated_entry(edited.paper, "renamed2024")


def test_a_memo_kept_between_builds_lends_entries_to_unchanged_papers() -> None:
    memo: dict = {}
    first = [view(TRICKY), view(replace(TRICKY, slug="other", title="Other"))]
    assign_cite_keys(first, memo)
    again = [view(first[0].paper), view(replace(first[1].paper, title="Other, edited"))]
    assign_cite_keys(again, memo)
    assert memo["scaling-lora"][2] is bibtex(again[0]) and bibtex(again[0]) == generated_entry(TRICKY, again[0].cite_key)
    assert bibtex(again[1]) == generated_entry(again[1].paper, again[1].cite_key) and "edited" in memo["other"][2]


def test_the_memo_spares_unchanged_papers_their_base_key_and_an_edit_gets_a_new_one(monkeypatch) -> None:
    memo: dict = {}
    first = [view(TRICKY), view(replace(TRICKY, slug="other", title="Other"))]
    assign_cite_keys(first, memo)
    worked_out = []
    monkeypatch.setattr(citation, "base_key", lambda paper: worked_out.append(paper.slug) or base_key(paper))
    again = [view(first[0].paper), view(replace(first[1].paper, title="Renamed entirely"))]
    assign_cite_keys(again, memo)
    assert worked_out == ["other"]
    assert [v.cite_key for v in again] == [first[0].cite_key, first[1].cite_key.replace("other", "renamed")]


def test_an_original_entry_is_kept_as_written_under_its_key() -> None:
    raw = "@inproceedings{vaswani_attention_2017,\n\ttitle = {Attention is all you need},\n\tpages = {6000--6010},\n\tyear = {2017},\n}"
    paper = Paper(title="Attention is all you need", date=PaperDate(2017), extra={"bibtex": raw}, slug="attention")
    views = [view(paper)]
    assign_cite_keys(views)
    assert bibtex(views[0]) == raw + "\n"


def test_an_original_entry_that_leans_on_a_macro_or_crossref_is_completed() -> None:
    raw = "@article{PhysRev.47.777,\n  title={Can Description Be Complete?},\n  journal={Phys. Rev.},\n  volume={47},\n  publisher=aps,\n  crossref={parent}\n}"
    paper = Paper(title="Can Description Be Complete?", date=PaperDate(1935, 5), authors=("A. Einstein",), venue="Phys. Rev.", extra={"bibtex": raw}, slug="epr")
    views = [view(paper)]
    assign_cite_keys(views)
    entry = parse_one(bibtex(views[0]))
    fields = {field.key: field.value for field in entry.fields}
    assert entry.key == "PhysRev.47.777" and entry.entry_type == "article"
    assert "publisher" not in fields and "crossref" not in fields
    assert fields["volume"] == "47" and fields["author"] == "A. Einstein" and fields["year"] == "1935"


SETTINGS = "title: Cite archive\nbase_url: https://example.org/lab/\n"


@pytest.fixture
def cite_site(make_site) -> Path:
    root = make_site({
        "alpha": paper_text("Scaling Laws & {Things}", date="2020-10-28", authors="[Jared Kaplan, Tom Henighan]", arxiv="'2010.14701'"),
        "beta": paper_text("Scaling Laws Again", date="2020", authors="[Jared Kaplan]"),
        "gamma": paper_text("From BibTeX", date="2019", authors="[Ada Lovelace]",
                            bibtex="'@article{lovelace19, title = {From BibTeX}, year = {2019}}'"),
    }, SETTINGS)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    return root / "public"


def test_every_paper_page_has_its_entry_beside_it_as_cite_bib(cite_site: Path) -> None:
    for slug in ("alpha", "beta", "gamma"):
        page = soup(cite_site, f"/papers/{slug}/")
        shown = page.select_one("main pre.cite__entry").get_text()
        assert shown == (cite_site / "papers" / slug / "cite.bib").read_text(encoding="utf-8")
        parse_one(shown)
        download = page.select_one("main a[download]")
        assert download["href"] == f"/lab/papers/{slug}/cite.bib" and download["download"].endswith(".bib")
    assert soup(cite_site, "/papers/gamma/").select_one("pre.cite__entry").get_text().startswith("@article{lovelace19,")


def test_papers_bib_holds_every_entry_once(cite_site: Path) -> None:
    library = bibtexparser.parse_string((cite_site / "papers.bib").read_text(encoding="utf-8"))
    assert library.failed_blocks == []
    assert sorted(entry.key for entry in library.entries) == ["kaplan2020scaling", "kaplan2020scalingb", "lovelace19"]


def test_the_copy_button_needs_javascript_and_has_no_inline_handler(cite_site: Path) -> None:
    page = soup(cite_site, "/papers/alpha/")
    button = page.select_one("main button[data-copy-target]")
    assert button.has_attr("hidden") and button["type"] == "button"
    assert page.find(id=button["data-copy-target"]).name == "pre"
    status = page.find(id=button["data-copy-status"])
    assert status["role"] == "status" and status["aria-live"] == "polite"
    assert not [tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    assert any("/assets/cite." in (script.get("src") or "") for script in page.find_all("script"))


def test_the_copy_button_copies_with_the_keyboard_and_says_so(browser, static_server, cite_site: Path) -> None:
    base = static_server(cite_site, "/lab")
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(base + "papers/alpha/")
    button = page.locator("button[data-copy-target]")
    assert button.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    status = page.locator("#cite-status")
    status.filter(has_text="copied").wait_for(timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == (cite_site / "papers" / "alpha" / "cite.bib").read_text(encoding="utf-8")
    page.evaluate("navigator.clipboard.writeText('')")
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('cite-status').textContent.includes('copied')")
    assert page.evaluate("navigator.clipboard.readText()").startswith("@")
    assert errors == []
    context.close()


def test_without_javascript_the_copy_button_stays_hidden(browser, static_server, cite_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static_server(cite_site, "/lab") + "papers/alpha/")
    assert not page.locator("button[data-copy-target]").is_visible()
    assert page.locator("pre.cite__entry").is_visible() and page.locator("a[download]").is_visible()
    context.close()
