"""The shortcuts that make reading 10,000 papers cheap change nothing: plain_html is markdown-it's
HTML whenever it answers, and the front matter loads as yaml.load loads it, errors included."""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import yaml

from sitegen.content import _Loader, _load_front, split_front_matter
from sitegen.markdown import _MD, plain_html, render_markdown

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "hf_daily_api"


def _sample_files() -> list[tuple[str, str]]:
    """(front matter, body) of every bundled sample paper."""
    return [split_front_matter(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "content" / "papers").glob("*.md"))]


def _real_abstracts() -> list[str]:
    """Abstracts as importers meet them: hard-wrapped, with TeX, currency and odd spacing."""
    texts = [body for _, body in _sample_files()]
    for path in sorted(CORPUS.glob("*.json"))[:15]:
        for entry in json.loads(path.read_text(encoding="utf-8")):
            paper = entry.get("paper", {})
            texts += [value for value in (paper.get("summary"), paper.get("title"), entry.get("title")) if isinstance(value, str)]
    return texts


def _random_texts(count: int, seed: int) -> list[str]:
    """Mostly harmless text with, now and then, everything that is Markdown or trips it."""
    rng = random.Random(seed)
    plain = list("abcXYZ019 ,.;:?!'()/%+=@^|{}-#~\">&") + ["é", "∑", "😀", "word", "x y", "& b", "2.", "\n", "\n\n"]
    risky = list("\\`*_[]<$\t\r\x00\x0b\x0c\x1c\x7f\x85\xa0\u2028\u200b\ufeff") + [
        "&amp;", "&#38;", "&copy", "1. ", "1) ", "12.", "- ", "+ ", "> ", "# ", "===", "---", "~~~", "```",
        "    ", "  \n", " \n", "\n ", "\n\n\n", "a  b", "$x$", "\\(x\\)", "<http://a.b>", "[a](b)", "*a*", "_a_"]
    texts = []
    for _ in range(count):
        parts = [rng.choice(plain) if rng.random() < 0.85 else rng.choice(risky) for _ in range(rng.randint(0, 14))]
        texts.append("".join(parts))
    return texts


def test_plain_html_is_markdown_its_html_for_real_abstracts() -> None:
    texts = _real_abstracts()
    answered = [text for text in texts if plain_html(text) is not None]
    assert len(answered) > len(texts) / 2  # most abstracts are plain paragraphs
    for text in answered:
        assert plain_html(text) == _MD.render(text), text


def test_plain_html_is_markdown_its_html_for_random_texts() -> None:
    texts = _random_texts(20_000, seed=7)
    answered = 0
    for text in texts:
        html = plain_html(text)
        if html is not None:
            answered += 1
            assert html == _MD.render(text), repr(text)
    assert answered > 2_500


@pytest.mark.parametrize("text", [
    "a *b*", "a_b_", "x \\* y", "`c`", "[a](b)", "![i](s)", "<b>", "<http://x.y>", "$x$", "\\(x\\)", "&amp;", "&#38;",
    "&copy;", "a\tb", "a\x00b", "a\u00a0", "a\u2028b", "- a", "+ a", "1. a", "3) a", "# a", "> a", "~~~", "a\n===",
    "a\n---", "    code", "a  \nb", "a \nb", " a", "a\n \nb",
])
def test_plain_html_leaves_syntax_to_markdown_it(text: str) -> None:
    assert plain_html(text) is None
    assert render_markdown(text) == _MD.render(text)


def test_plain_html_escapes_and_splits_paragraphs() -> None:
    text = '\nA & B > "C"\nstill A.\n\n\nNext, 3.5 and 2 + 2.\n'
    assert plain_html(text) == '<p>A &amp; B &gt; &quot;C&quot;\nstill A.</p>\n<p>Next, 3.5 and 2 + 2.</p>\n' == _MD.render(text)
    assert plain_html("") == "" == _MD.render("")


def _outcome(text: str, load) -> tuple:
    try:
        return ("ok", load(text))
    except Exception as err:  # noqa: BLE001 - the error is part of what must match
        return ("error", type(err).__name__, str(err))


def _same(a, b, seen: set | None = None) -> bool:
    """Equal, with the same types (True is not 1), NaN equal to NaN, recursive values allowed."""
    seen = set() if seen is None else seen
    if isinstance(a, (list, dict)):
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[key], b[key], seen) for key in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y, seen) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _yaml_load(text: str):
    return yaml.load(text, Loader=_Loader)


def test_front_matter_loads_as_yaml_load_for_the_sample_papers() -> None:
    for front, _ in _sample_files():
        assert _same(_outcome(front, _load_front), _outcome(front, _yaml_load)), front


def _random_documents(count: int, seed: int) -> list[str]:
    """Front matters with YAML's corners: every scalar type, tags, anchors, aliases, merge keys,
    repeated and unhashable keys, recursion, and values that fail to construct."""
    rng = random.Random(seed)
    atoms = ["a", "x y", "1", "1.0", "0x1f", "0o7", "017", "1_000", "-2", "1:30", ".nan", "-.inf", "true", "No", "on",
             "~", "null", "''", '"e\\x41"', "2024-01-02", "2024-01-02 10:00:00", "!!str 5", "!!int '7'",
             "!!bool maybe", "!!int x", "!!float 1", "!!binary aGk=", "!foo bar", "!!timestamp 2020", "=", "<<",
             "*a", "&a v", "!!null ''", "[]", "{}", "|\n  block\n", ">\n  folded\n"]
    keys = ["k", "t", "1", "1.0", "true", "yes", "~", "<<", "=", "[1]", "{a: 1}", "!!str 1", "&b kk", "*b", "2024-01-01"]

    def value(depth: int) -> str:
        roll = rng.random()
        if depth > 2 or roll < 0.5:
            return rng.choice(atoms)
        if roll < 0.75:
            return rng.choice(["", "&a "]) + "[" + ", ".join(value(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        pairs = ", ".join(f"{rng.choice(keys)}: {value(depth + 1)}" for _ in range(rng.randint(0, 3)))
        return rng.choice(["", "", "&a ", "!!map ", "!!set ", "!!omap "]) + "{" + pairs + "}"

    return ["\n".join(f"{rng.choice(keys)}: {value(0)}" for _ in range(rng.randint(0, 5))) + "\n" for _ in range(count)]


def test_front_matter_loads_as_yaml_load_for_random_documents() -> None:
    for text in _random_documents(3_000, seed=11):
        assert _same(_outcome(text, _load_front), _outcome(text, _yaml_load)), text


def test_an_alias_is_the_same_object_and_a_recursive_one_still_loads() -> None:
    data = _load_front("a: &x [1, 2]\nb: *x\n")
    assert data["a"] is data["b"]
    looped = _load_front("a: &x [*x]\n")
    assert looped["a"][0] is looped["a"]


def test_deep_nesting_is_left_to_pyyaml() -> None:
    text = "a: " + "[" * 200 + "]" * 200 + "\n"
    assert _same(_load_front(text), _yaml_load(text))
