"""Escaped text renders, with markdown-it-py + dollarmath, as exactly the text it was."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from sitegen.importers import hf_listing
from sitegen.importers.links import extract_links
from sitegen.importers.markdown_escape import escape_markdown
from sitegen.latex_text import latex_to_text, split_math

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"
MD = MarkdownIt("commonmark", {"html": False}).use(dollarmath_plugin)


class _TextOfHtml(HTMLParser):
    """Paragraph text with math spans written back as `$…$`; any other element is recorded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.unexpected: list[str] = []
        self._delimiter: str | None = None  # set while inside a math element
        self._math = ""

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "")
        if tag == "p":
            self.paragraphs.append("")
        elif (tag, classes) in (("span", "math inline"), ("div", "math block")):
            if tag == "div":
                self.paragraphs.append("")
            self._delimiter, self._math = ("$" if tag == "span" else "$$"), ""
        else:
            self.unexpected.append(tag)

    def handle_endtag(self, tag):
        if self._delimiter is not None and tag in ("span", "div"):
            self.paragraphs[-1] += self._delimiter + self._math.strip() + self._delimiter
            self._delimiter = None

    def handle_data(self, data):
        if self._delimiter is not None:
            self._math += data
        elif self.paragraphs:
            self.paragraphs[-1] += data


def rendered(markdown: str) -> list[str]:
    parser = _TextOfHtml()
    parser.feed(MD.render(markdown))
    assert parser.unexpected == [], f"markup appeared: {parser.unexpected} in {MD.render(markdown)!r}"
    return [" ".join(p.split()) for p in parser.paragraphs]


def as_written(text: str) -> list[str]:
    """What a reader should see: `\\$` is a dollar, math shows as its (trimmed) source."""
    paragraphs = []
    for block in text.split("\n\n"):
        block = " ".join(block.split())
        if not block:
            continue
        if block.startswith("$$") and block.endswith("$$") and block.count("$$") == 2:
            paragraphs.append("$$" + block[2:-2].strip() + "$$")
            continue
        runs = [f"${run[1:-1].strip()}$" if math else run.replace("\\$", "$") for run, math in split_math(block)]
        paragraphs.append(" ".join("".join(runs).split()))
    return paragraphs


TRICKY = [
    "u_L^{'} and u^{'}_L and *two-stage* and **bold** and _under_ and __strong__",
    "a*b*c and snake_case_name and _leading and trailing_",
    "[x](y) and ![img](z.png) and [ref] and [ref]: http://example.com",
    "<x> and <projektor> and <http://a.example> and <a@b.example> and <4.3% and >35%",
    "&amp; and &#35; and &#x41; and &copy and code & models",
    "`code` and ``emergent abilities'' and ```fence",
    "a \\ b and a\\*b and a trailing backslash \\",
    "~~strike~~ and 1M~60M and ~~~",
    "html <b>bold</b> and <!-- comment --> and <br/>",
    "https://example.com/a_b_(c)*d and www.example.com",
    "math $x_1 * y_2 = [a](b)$ and *not math*",
    "costs $5 only",
    "display $$x$$ inline",
    r"\$5 and \$10 are literal dollars",
    "$$ \\sum_i x_i $$",
    "a  b\n  c   d",
    "first paragraph\n\nsecond *one*",
]
BLOCK_STARTS = [
    "# heading",
    "###### small heading",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "2) item",
    "> quote",
    "---",
    "***",
    "___",
    "=== and more",
    "    indented code",
    "```python",
    "~~~",
    "<div>block</div>",
    "| a | b |",
    "[^1]: footnote",
]


@pytest.mark.parametrize("text", TRICKY + BLOCK_STARTS)
def test_escaped_text_renders_as_written(text):
    assert rendered(escape_markdown(text)) == as_written(text)


def test_math_spans_are_copied_untouched():
    assert escape_markdown(r"with $a_1*b^{'} <c> [d]$ here") == r"with $a_1*b^{'} <c> [d]$ here"


def test_readable_text_is_left_alone():
    text = "Scaling laws (e.g. u_L, 50% more, 2.4B) hold: a, b; c! 5 > 3 - 2 = 1 ~ 0 | x"
    assert escape_markdown(text) == text


def test_emphasis_characters_are_escaped():
    assert escape_markdown("a *two-stage* _b_ process") == r"a \*two-stage\* \_b\_ process"


def test_a_lone_dollar_is_escaped():
    assert escape_markdown("costs $5") == r"costs \$5"


def test_a_leading_list_number_is_escaped():
    assert escape_markdown("2024. A year") == r"2024\. A year"


def test_paragraph_lines_are_joined():
    assert escape_markdown("one\n  two\n\n\nthree") == "one two\n\nthree"


@pytest.fixture
def seed_listing() -> Path:
    if not SEED.is_dir():
        pytest.skip("the shared seed corpus (../shared/seed beside the checkout) is not present")
    return SEED / "daily-papers.txt"


def test_seed_abstracts_render_as_the_cleaned_abstract(seed_listing):
    """Every body of the real listing renders to the abstract after LaTeX cleaning and link extraction."""
    lines = seed_listing.read_text(encoding="utf-8").splitlines()
    records = list(hf_listing.read(seed_listing))
    assert len(records) == 82
    for record in records:
        abstract = lines[record.line + 1]  # title line, blank line, abstract
        cleaned, _ = extract_links(latex_to_text(abstract))
        assert rendered(record.paper.body) == as_written(cleaned), record.paper.title
