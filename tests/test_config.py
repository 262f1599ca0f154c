"""sitegen.yaml: defaults, validation errors that name the key and its line."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sitegen.config import load_config, with_base_url
from sitegen.model import ProblemsError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sitegen.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_to_an_empty_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.per_page == 20 and config.theme == "default" and config.base_path == ""
    assert config.papers_dir == tmp_path.resolve() / "content" / "papers"


def test_base_url_path_becomes_the_link_prefix(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "base_url: https://user.github.io/repo\n"))
    assert config.base_url == "https://user.github.io/repo/" and config.base_path == "/repo"


def test_errors_name_the_key_the_line_and_what_was_expected(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError) as caught:
        load_config(write(tmp_path, "title: X\nper_page: ten\nbase_url: ftp://x\n"))
    messages = [str(p) for p in caught.value.problems]
    assert any(m.endswith(":2: per_page: expected a whole number of at least 1, found 'ten'") for m in messages)
    assert any(":3: base_url:" in m for m in messages)


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError) as caught:
        load_config(write(tmp_path, "per_pgae: 5\n"))
    assert "did you mean 'per_page'?" in str(caught.value)


def test_tag_rules_accept_list_and_mapping_forms(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "tags:\n  llm: [large language model]\n  time-series: {title: Time series, match: [forecasting]}\n"))
    assert [(r.slug, r.title, r.phrases) for r in config.tags] == [
        ("llm", "", ("large language model",)),
        ("time-series", "Time series", ("forecasting",)),
    ]


def test_tag_rule_with_a_bad_slug_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError, match="'Big Models' is not a slug"):
        load_config(write(tmp_path, "tags:\n  Big Models: [x]\n"))


def test_missing_config_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError, match="sitegen new"):
        load_config(tmp_path / "sitegen.yaml")


def test_base_url_override_is_validated(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert with_base_url(config, "/repo").base_path == "/repo"
    with pytest.raises(ProblemsError):
        with_base_url(config, "repo")


# --- a key given twice ----------------------------------------------------------------------------

def test_a_setting_given_twice_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    """Plain YAML keeps the last `title:` and silently drops the first; sitegen refuses instead."""
    path = write(tmp_path, "title: First\nper_page: 5\ntitle: Second\n")
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    assert [str(p) for p in caught.value.problems] == [f'{path}:3: duplicate key "title" (first on line 1)']


def test_a_key_given_twice_inside_a_setting_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\ntags:\n  llm: [language model]\n  vision: [image]\n  llm: [LLM]\n")
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    assert [str(p) for p in caught.value.problems] == [f'{path}:5: duplicate key "llm" (first on line 3)']


def test_a_merge_key_may_still_be_overridden_in_settings(tmp_path: Path) -> None:
    """`<<: *defaults` then a key of its own is YAML's way to override, not a repeat."""
    config = load_config(write(tmp_path, "params:\n  base: &base {a: 1, b: 2}\n  site: {<<: *base, b: 3}\n"))
    assert config.params["site"] == {"a": 1, "b": 3}


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="this PyYAML was built without libyaml: settings parse in Python")
def test_settings_are_parsed_once_by_libyaml_with_their_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command reads sitegen.yaml first: parsing it again with PyYAML's Python parser, for
    the keys' lines, cost more than the C parse that builds the settings."""
    def python_parser(*args, **kwargs):
        raise AssertionError("sitegen.yaml went through PyYAML's Python parser")

    monkeypatch.setattr(yaml.parser.Parser, "parse_document_start", python_parser)
    path = write(tmp_path, "title: X\ntags:\n  scaling: [scaling laws]\nper_page: ten\n")
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    assert [str(problem) for problem in caught.value.problems] == [f"{path}:4: per_page: expected a whole number of at least 1, found 'ten'"]
    assert load_config(write(tmp_path, "title: X\ntags:\n  scaling: [scaling laws]\n")).tags[0].slug == "scaling"
