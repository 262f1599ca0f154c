"""LaTeX text-mode markup is converted; everything that is not LaTeX is left exactly as written."""
from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from sitegen.latex_text import latex_to_text, split_math

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"


@pytest.fixture
def abstracts() -> list[str]:
    """The abstracts of the seed listing (every second paragraph after the page chrome)."""
    if not SEED.is_dir():
        pytest.skip("the shared seed corpus (../shared/seed beside the checkout) is not present")
    blocks = [line for line in (SEED / "daily-papers.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    return blocks[5:][1::2]


def test_escaped_percent_becomes_percent():
    assert latex_to_text(r"by 42.9\% in micro average") == "by 42.9% in micro average"


def test_tt_group_becomes_its_text():
    assert latex_to_text(r"frontier LLMs (e.g., {\tt GPT-3.5})") == "frontier LLMs (e.g., GPT-3.5)"


def test_sc_group_becomes_its_text():
    assert latex_to_text(r"we construct {\sc MwpBench}, a benchmark") == "we construct MwpBench, a benchmark"


def test_accents_become_unicode_letters():
    assert latex_to_text(r"G\"odel, Erd\H{o}s, {\'e}cole, Fran\c{c}ois") == "Gödel, Erdős, école, François"


def test_text_commands_keep_their_argument():
    assert latex_to_text(r"\textbf{bold}, \emph{new}, \texttt{x\_y}") == "bold, new, x_y"


def test_bare_percent_is_not_a_comment():
    assert latex_to_text(r"50% more and \textbf{25% less}") == "50% more and 25% less"


def test_characters_latex_would_reinterpret_stay_as_written():
    text = r"1M~60M, code & data, #1, 0.05--0.1, ``quoted'' \% done"
    assert latex_to_text(text) == "1M~60M, code & data, #1, 0.05--0.1, ``quoted'' % done"


def test_dollar_math_is_kept_exactly():
    text = r"a loss $\mathcal{L} = 50\% \cdot \alpha_{i}^{'}$ with {\bf care}"
    assert latex_to_text(text) == r"a loss $\mathcal{L} = 50\% \cdot \alpha_{i}^{'}$ with care"


def test_paren_math_becomes_dollar_math():
    assert latex_to_text(r"where \(x^2 \leq 1\) holds") == r"where $x^2 \leq 1$ holds"


def test_unknown_macro_keeps_its_name():
    """`\\rdmpr` (the redMaPPer cluster finder, in one seed abstract) must not vanish silently."""
    assert latex_to_text(r"data with the \rdmpr, algorithm") == "data with the rdmpr, algorithm"


def test_latex_logo_macros_keep_their_name():
    assert latex_to_text(r"written in \LaTeX and \TeX") == "written in LaTeX and TeX"


def test_escaped_dollar_stays_escaped_for_markdown():
    assert latex_to_text(r"costs \$5 per run") == r"costs \$5 per run"


def test_escaped_dollar_becomes_a_dollar_in_plain_text():
    assert latex_to_text(r"costs \$5 per run", dollar="$") == "costs $5 per run"


def test_malformed_latex_is_kept_visible():
    assert latex_to_text(r"see \href{x}") == r"see \href{x}"


def test_seed_abstracts_without_backslash_are_unchanged(abstracts):
    plain = [text for text in abstracts if "\\" not in text]
    assert len(plain) >= 70
    for text in plain:
        assert latex_to_text(text) == text


def test_seed_abstracts_lose_every_backslash(abstracts):
    for text in abstracts:
        assert "\\" not in latex_to_text(text)


def test_seed_latex_changes_only_the_latex(abstracts):
    """Removing the converted constructs by hand gives the same text as the converter."""
    mathscale = next(text for text in abstracts if "MwpBench" in text)
    expected = mathscale.replace(r"{\tt GPT-3.5}", "GPT-3.5").replace(r"{\sc MwpBench}", "MwpBench")
    assert latex_to_text(mathscale) == expected.replace(r"\%", "%")


@pytest.mark.parametrize(
    "text",
    [
        "a $x$ b",
        "$$x$$ inline",
        r"a \$ b $c$ d",
        r"a \\$x$ b",
        "costs $5 and $10",
        "$ spaced $ and $$ empty",
        r"$a \$ b$ c",
        "one $ only",
    ],
)
def test_split_math_finds_the_spans_dollarmath_finds(text):
    md = MarkdownIt("commonmark", {"html": False}).use(dollarmath_plugin)
    tokens = md.parseInline(text)[0].children
    plugin = [token.content for token in tokens if token.type == "math_inline"]
    ours = [run[1:-1] for run, is_math in split_math(text) if is_math]
    assert ours == plugin
    assert "".join(run for run, _ in split_math(text)) == text
