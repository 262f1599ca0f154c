"""The importer registry: lookup by name, detection from a file's name and first bytes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import importers

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"


@pytest.fixture
def seed() -> Path:
    if not SEED.is_dir():
        pytest.skip("the shared seed corpus (../shared/seed beside the checkout) is not present")
    return SEED


def test_names_lists_every_registered_format_in_detection_order():
    assert importers.names() == [
        "arxiv-atom", "hf-daily-api", "arxiv-snapshot", "metadata-json", "bibtex", "zotero-csv", "hf-listing",
    ]


def test_only_the_arxiv_formats_take_filters():
    takes = [name for name in importers.names() if importers.supports_filters(importers.get(name))]
    assert takes == importers.filtering() == ["arxiv-atom", "arxiv-snapshot"]  # the table says what the modules do


def test_a_command_loads_no_importer_until_it_imports():
    """Every command builds `sitegen import`'s help from the registry's table; the importer
    modules (XML, BibTeX and LaTeX parsers) load only when a file is imported."""
    code = ("import sys, sitegen.cli; sitegen.cli.make_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith('sitegen.importers.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "['sitegen.importers.base']"


@pytest.mark.parametrize("name", importers.names())
def test_every_importer_has_the_importer_interface(name):
    importer = importers.get(name)
    assert importer.NAME == name
    assert isinstance(importer.DESCRIPTION, str) and importer.DESCRIPTION
    assert callable(importer.detect) and callable(importer.read)


def test_get_unknown_format_names_the_known_formats():
    with pytest.raises(importers.UnknownFormatError, match="unknown format 'ris'.*bibtex.*hf-listing"):
        importers.get("ris")


def test_detect_format_recognises_the_seed_listing(seed):
    assert importers.detect_format(seed / "daily-papers.txt") == "hf-listing"


def test_detect_format_recognises_the_seed_metadata(seed):
    assert importers.detect_format(seed / "metadata.json") == "metadata-json"


def test_detect_format_goes_by_content_not_by_name(tmp_path):
    path = tmp_path / "records.txt"
    path.write_text('[\n {"title": "A"}\n]\n', encoding="utf-8")
    assert importers.detect_format(path) == "metadata-json"


def test_detect_format_error_names_the_file(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text("title,year\nA,2020\n", encoding="utf-8")  # a CSV, but not Zotero's
    with pytest.raises(importers.UnknownFormatError, match=r"papers\.csv: no importer recognises this file"):
        importers.detect_format(path)


def test_detect_format_rejects_binary_files(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(importers.UnknownFormatError, match="paper.txt"):
        importers.detect_format(path)


def test_detect_format_of_a_missing_file_says_it_cannot_read(tmp_path):
    with pytest.raises(importers.UnknownFormatError, match="cannot read"):
        importers.detect_format(tmp_path / "nowhere.txt")


CORPUS_FORMATS = {
    "arxiv_atom": "arxiv-atom",
    "hf_daily_api": "hf-daily-api",
    "arxiv_oai_jsonl": "arxiv-snapshot",
    "bibtex": "bibtex",
    "zotero_csv": "zotero-csv",
}


@pytest.mark.parametrize("folder", sorted(CORPUS_FORMATS))
def test_detect_format_recognises_every_corpus_file(shared_dir, folder):
    formats = {importers.detect_format(path) for path in (shared_dir / "corpus" / folder).iterdir()}
    assert formats == {CORPUS_FORMATS[folder]}
