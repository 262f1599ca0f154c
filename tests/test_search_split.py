"""The split index answers every query exactly as one unsplit lunr index does, and its files are
laid out, named and reused as docs/search.md says."""
from __future__ import annotations

import bisect
import json
from pathlib import Path

import pytest

from conftest import REPO, paper_text
from search_support import BOOSTS, corpus_rows, node_or_skip, queries_for, run_node
from sitecheck import soup
from sitegen import search as search_module
from sitegen.build import build
from sitegen.pipeline import load_site
from sitegen.config import SEARCH_FIELDS, load_config
from sitegen.model import ProblemsError
from sitegen.search import index_documents, search_document
from sitegen.search_index import build_index, lunr_json
from sitegen.search_shards import listed_files, search_files

EXTRA_QUERIES = ["-model", "-the", "", "*", "a*b*", "modle~2", "+model +langu*", "title:diffusion^10 model", "+-", "z", "-scaling -laws"]


def write_split(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def compare_split_with_unsplit(rows, files: dict[str, bytes], queries: list[str], work: Path) -> tuple[list, list]:
    (work / "full.json").write_text(lunr_json(build_index(rows, SEARCH_FIELDS, BOOSTS)), encoding="utf-8")
    folder = write_split(files, work / "split")
    return tuple(run_node(node_or_skip(), [{"fill": str(work / "full.json"), "queries": queries}, {"split": str(folder), "queries": queries}], work))


def test_split_sample_index_answers_like_the_unsplit_index(tmp_path: Path) -> None:
    site = load_site(load_config(REPO / "sitegen.yaml"))
    documents = [search_document(view) for view in site.papers]
    rows = [doc.fields for doc in documents]
    files = search_files(index_documents(documents, site.config.search.boosts), [doc.card for doc in documents], "v1")
    queries = queries_for(rows) + EXTRA_QUERIES
    unsplit, split = compare_split_with_unsplit(rows, files, queries, tmp_path)
    assert sum(1 for answer in unsplit if answer.get("results")) > len(queries) // 2
    assert [q for q, a, b in zip(queries, unsplit, split) if a != b] == []


def test_many_small_shards_still_answer_like_the_unsplit_index(tmp_path: Path) -> None:
    rows = corpus_rows()
    cards = [[row[0], f"/papers/{n}/", [], "", "", [], row[3]] for n, row in enumerate(rows)]
    files = search_files(build_index(rows, SEARCH_FIELDS, BOOSTS), cards, "v1", shard_bytes=1500, docs_per_chunk=3)
    assert sum(name.startswith("t/") for name in files) > 300
    queries = queries_for(rows, count=90, seed=11) + EXTRA_QUERIES
    unsplit, split = compare_split_with_unsplit(rows, files, queries, tmp_path)
    differences = [(q, a, b) for q, a, b in zip(queries, unsplit, split) if a != b]
    assert differences == []
    # scores are not merely close: they are the same doubles, in the same order
    assert all(a == b for a, b in zip(unsplit, split))


def test_every_term_lives_in_the_shard_its_first_term_range_names() -> None:
    rows = corpus_rows()
    index = build_index(rows, SEARCH_FIELDS, BOOSTS)
    files = search_files(index, [[""] * 7] * len(rows), "v1", shard_bytes=4000)
    meta = json.loads(files["meta.json"])
    keys = [first.encode("utf-16-be") for first in meta["shards"]]
    assert keys == sorted(keys) and len(set(keys)) == len(keys) and meta["version"] == "v1"
    for n, digest in enumerate(meta["shardFiles"]):
        for entry in json.loads(files[f"t/{n}.{digest}.json"]):
            assert bisect.bisect_right(keys, entry[0].encode("utf-16-be")) - 1 == n
    assert json.loads(files[f"terms.{meta['terms']}.json"]) == [index.terms[t] for t in index.sorted_term_ids()]


def test_document_store_chunks_hold_each_card_at_its_number() -> None:
    cards = [[f"Paper {n}", f"/papers/p{n}/", [], "", "", [], ""] for n in range(23)]
    rows = [(card[0], "", "", "", "") for card in cards]
    files = search_files(build_index(rows, SEARCH_FIELDS, BOOSTS), cards, "v1", docs_per_chunk=8)
    chunks = json.loads(files["meta.json"])["chunkFiles"]
    assert sorted(name for name in files if name.startswith("d/")) == [f"d/{n}.{chunks[n]}.json" for n in range(3)]
    assert json.loads(files[f"d/2.{chunks[2]}.json"])[23 % 8 - 1][0] == "Paper 22"


def test_every_file_is_named_by_its_bytes_and_listed_in_meta_json() -> None:
    cards = [[f"Paper {n}", f"/papers/p{n}/", [], "", "", [], ""] for n in range(40)]
    rows = [(card[0], "", "", f"words of paper {n}", "") for n, card in enumerate(cards)]
    files = search_files(build_index(rows, SEARCH_FIELDS, BOOSTS), cards, "v1", shard_bytes=200, docs_per_chunk=8)
    meta = json.loads(files["meta.json"])
    assert sorted(listed_files(meta)) == sorted(set(files) - {"meta.json"})
    cards[17][0] = "Paper seventeen"  # one card changes: only its chunk is renamed
    again = search_files(build_index(rows, SEARCH_FIELDS, BOOSTS), cards, "v2", shard_bytes=200, docs_per_chunk=8)
    renamed = json.loads(again["meta.json"])["chunkFiles"][2]
    assert set(files) ^ set(again) == {f"d/2.{meta['chunkFiles'][2]}.json", f"d/2.{renamed}.json"}
    assert all(files[name] == again[name] for name in set(files) & set(again) if name != "meta.json")


SETTINGS = "title: Search test\nbase_url: https://example.org/repo/\n"


def small_site(make_site, settings: str = SETTINGS) -> Path:
    return make_site({
        "scaling": paper_text("Scaling Laws for Autoregressive Generative Modeling", date="2020-10-28",
                              authors="[Tom Henighan, Jared Kaplan]", arxiv="'2010.14701'", body="We study scaling laws.\n"),
        "diffusion": paper_text("Diffusion beats GANs", date="2021-05-11", authors="[Prafulla Dhariwal]", body="Image synthesis.\n"),
    }, settings)


def test_every_page_has_the_header_box_pointing_at_this_builds_index_under_the_base_path(make_site) -> None:
    root = small_site(make_site)
    build(load_config(root / "sitegen.yaml"))
    out = root / "public"
    meta = json.loads((out / "search" / "meta.json").read_text(encoding="utf-8"))
    assert all((out / "search" / name).is_file() for name in listed_files(meta))
    for path in ("/", "/papers/scaling/", "/tags/", "/search/", "/404.html"):
        form = soup(out, path).select_one("form.site-search")
        assert form["action"] == "/repo/search/"
        assert form["data-search-index"] == "/repo/search/"  # the same whatever the papers: an edit changes no other page
        assert form["data-search-base"] == "/repo/"
        scripts = form["data-search-scripts"].split()
        assert [s.rsplit("/", 1)[1].split(".")[0] for s in scripts] == ["lunr", "search-engine", "search-ui"]
        assert all((out / s.removeprefix("/repo/")).is_file() for s in scripts)
    page = soup(out, "/search/")
    assert "needs JavaScript" in page.find("noscript").get_text()
    assert not page.select("script:not([src])") and not page.select("[onclick], [onload], [oninput]")


def test_search_false_leaves_out_the_box_the_page_and_the_index(make_site) -> None:
    root = small_site(make_site, SETTINGS + "search: false\n")
    build(load_config(root / "sitegen.yaml"))
    out = root / "public"
    assert not (out / "search").exists()
    assert soup(out, "/").select_one("form.site-search") is None


@pytest.mark.parametrize("setting, message", [
    ("search: {boosts: {titel: 3}}", "search: boosts.titel: no such field; the fields are title, authors, tags, abstract, ids"),
    ("search: {boosts: {title: 0}}", "search: boosts.title: expected a number greater than 0, found 0"),
    ("search: {boosts: {title: high}}", "search: boosts.title: expected a number greater than 0, found 'high'"),
    ("search: {enabled: yes please}", "search: expected true or false"),
    ("search: [title]", "search: expected true, false or a mapping with enabled and boosts"),
])
def test_bad_search_settings_name_the_key(make_site, setting: str, message: str) -> None:
    root = small_site(make_site, SETTINGS + setting + "\n")
    with pytest.raises(ProblemsError) as caught:
        load_config(root / "sitegen.yaml")
    assert message in str(caught.value)


def test_boosts_from_the_settings_weigh_the_fields(make_site) -> None:
    root = small_site(make_site, SETTINGS + "search: {boosts: {title: 2, abstract: 7}}\n")
    config = load_config(root / "sitegen.yaml")
    assert config.search.boosts == {"title": 2, "authors": 5, "tags": 3, "abstract": 7, "ids": 1}
    site = load_site(config)
    index = index_documents([search_document(view) for view in site.papers], config.search.boosts)
    assert index.boosts == (2, 5, 3, 7, 1)


def test_search_files_are_deterministic_and_named_by_what_they_index(make_site, tmp_path: Path) -> None:
    root = small_site(make_site)
    config = load_config(root / "sitegen.yaml")
    first = build(config, tmp_path / "one").out_dir
    second = build(config, tmp_path / "two").out_dir
    files = lambda out: {p.relative_to(out / "search").as_posix(): p.read_bytes() for p in (out / "search").rglob("*.json")}
    assert files(first) == files(second) and len(files(first)) >= 4
    (root / "content" / "papers" / "diffusion.md").write_text(paper_text("Diffusion beats GANs again", date="2021-05-11"), encoding="utf-8")
    third = build(config, tmp_path / "three").out_dir
    meta = lambda out: json.loads((out / "search" / "meta.json").read_text(encoding="utf-8"))
    assert meta(third)["version"] != meta(first)["version"]
    assert set(files(third)) == {"meta.json", *listed_files(meta(third))}  # nothing else, nothing missing


def test_an_edit_rewrites_only_the_search_files_whose_bytes_change(make_site) -> None:
    papers = {f"p{n:02}": paper_text(f"Paper number {n}", date=f"2021-05-{n + 1:02}", body=f"Words of paper {n}.\n") for n in range(20)}
    root = make_site(papers, SETTINGS)
    config = load_config(root / "sitegen.yaml")
    search = root / "public" / "search"
    build(config)
    inodes = lambda: {p.relative_to(search).as_posix(): p.stat().st_ino for p in search.rglob("*.json")}
    before = inodes()
    (root / "content" / "papers" / "p00.md").write_text(papers["p00"].replace("Paper number 0", "Paper number zero"), encoding="utf-8")
    build(config)
    after = inodes()
    meta = json.loads((search / "meta.json").read_text(encoding="utf-8"))
    assert set(after) == {"meta.json", *listed_files(meta)}
    # p00 is the oldest paper: the last of 20 documents, in chunk 2; chunks 0 and 1 are the same files
    kept = [name for name in after if name in before and after[name] == before[name]]
    assert {f"d/0.{meta['chunkFiles'][0]}.json", f"d/1.{meta['chunkFiles'][1]}.json"} <= set(kept)
    assert f"d/2.{meta['chunkFiles'][2]}.json" not in before


def test_an_unchanged_index_is_reused_from_the_previous_build(make_site, monkeypatch) -> None:
    root = small_site(make_site)
    config = load_config(root / "sitegen.yaml")
    build(config)
    index_files = lambda: {p.relative_to(root / "public"): p.read_bytes() for p in (root / "public" / "search").rglob("*.json")}
    before = index_files()

    def no_indexing(*args, **kwargs):
        raise AssertionError("the index was rebuilt although nothing it depends on changed")

    monkeypatch.setattr(search_module, "search_files", no_indexing)
    (root / "sitegen.yaml").write_text(SETTINGS.replace("Search test", "Renamed archive"), encoding="utf-8")
    config = load_config(root / "sitegen.yaml")
    build(config)  # every page changes (the title is in the header), the index does not
    assert "Renamed archive" in (root / "public" / "index.html").read_text(encoding="utf-8")
    assert index_files() == before and len(before) >= 4


def test_an_edit_puts_only_the_changed_search_files_into_the_builds_overlay(make_site, tmp_path: Path) -> None:
    """A warm build changes the output through an overlay: unchanged search files stay where they
    are instead of being linked into it (and compared again by the merge), but are kept."""
    papers = {f"p{n:02}": paper_text(f"Paper number {n}", date=f"2021-05-{n + 1:02}", body=f"Words of paper {n}.\n") for n in range(20)}
    root = make_site(papers, SETTINGS)
    config = load_config(root / "sitegen.yaml")
    build(config)
    public = root / "public"
    (root / "content" / "papers" / "p00.md").write_text(papers["p00"].replace("Paper number 0", "Paper number zero"), encoding="utf-8")
    overlay = tmp_path / "overlay"
    search_module.write_search_index(load_site(config), overlay, previous=public, overlay=True)
    written = {p.relative_to(overlay).as_posix() for p in overlay.rglob("*") if p.is_file()}
    listed = search_module.index_files(overlay)
    assert "search/meta.json" in written and written < listed
    assert all((public / name).is_file() for name in listed - written)  # what the overlay leaves out is there already
    assert not any((public / name).exists() for name in written - {"search/meta.json"})
    build(config)
    assert {p.relative_to(public).as_posix() for p in (public / "search").rglob("*.json")} == listed
