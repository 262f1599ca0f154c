"""`sources:` in sitegen.yaml: defaults aim at the real services, errors name the key and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import OPTIONS, SourcesSettings, load_config
from sitegen.model import ProblemsError


def load(tmp_path: Path, text: str):
    path = tmp_path / "sitegen.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_defaults_are_the_real_services_asked_politely(tmp_path):
    sources = load(tmp_path, "title: x\n").sources
    assert sources == SourcesSettings()
    assert (sources.hf_api, sources.arxiv_api) == ("https://huggingface.co/api", "https://export.arxiv.org/api")
    assert sources.request_delay == 3 and sources.timeout == 30 and sources.retries == 3


def test_given_keys_override_and_the_rest_keep_their_default(tmp_path):
    sources = load(tmp_path, "sources:\n  hf_api: http://127.0.0.1:8123/api/\n  request_delay: 0\n  timeout: 0.5\n").sources
    assert sources.hf_api == "http://127.0.0.1:8123/api"  # no trailing slash: paths are appended
    assert (sources.request_delay, sources.timeout, sources.arxiv_api) == (0.0, 0.5, SourcesSettings.arxiv_api)


@pytest.mark.parametrize("line, message", [
    ("timeout: 0", "sources: timeout: expected a number of seconds greater than 0 (and at most a day), found 0"),
    ("request_delay: -1", "sources: request_delay: expected a number of seconds at least 0"),
    ("retries: 2.5", "sources: retries: expected a whole number from 0 to 10, found 2.5"),
    ("arxiv_api: ftp://export.arxiv.org/api", "sources: arxiv_api: expected an http(s) URL"),
    ("hf_api: https://huggingface.co/api?x=1", "sources: hf_api: expected an http(s) URL"),
    ("time_out: 5", "sources: time_out: unknown key; did you mean 'timeout'?"),
    ("max_wait: yes", "sources: max_wait: expected a number of seconds, found True"),
])
def test_a_bad_value_names_the_key_and_the_line(tmp_path, line, message):
    with pytest.raises(ProblemsError) as caught:
        load(tmp_path, f"title: x\nsources:\n  {line}\n")
    (problem,) = caught.value.problems
    assert problem.line == 2 and problem.message.startswith(message)


def test_sources_must_be_a_mapping(tmp_path):
    with pytest.raises(ProblemsError, match="sources: expected a mapping"):
        load(tmp_path, "sources: https://huggingface.co/api\n")


def test_the_option_is_documented():
    option = next(option for option in OPTIONS if option.key == "sources")
    assert all(key in option.help for key in SourcesSettings.__dataclass_fields__)
