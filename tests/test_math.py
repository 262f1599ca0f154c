"""TeX math becomes MathML at build time; currency stays text; broken formulas show their source."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import paper_text
from sitecheck import soup
from sitegen.cli import main
from sitegen.importers.abstract import clean_title
from sitegen.markdown import render_markdown
from sitegen.mathml import html_text, math_as_text, render_math, split_math, tex_to_mathml, tex_to_text, title_html, title_text

MATHML_ELEMENTS = set(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot "
    "mstyle mpadded mphantom menclose mfenced mtable mtr mtd mlabeledtr mmultiscripts mprescripts none semantics merror".split()
)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def corpus_math_titles(shared: Path) -> list[str]:
    """Distinct titles with a `$` from the Hugging Face daily papers responses, as imported."""
    titles: dict[str, None] = {}
    for path in sorted((shared / "corpus" / "hf_daily_api").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            title = clean_title(item.get("title") or item["paper"]["title"])
            if "$" in title:
                titles[title] = None
    return list(titles)


def test_real_titles_with_formulas_render_as_mathml(shared_dir: Path) -> None:
    titles = corpus_math_titles(shared_dir)
    with_math = [t for t in titles if any(is_math for _, is_math, _ in split_math(t))]
    assert len(with_math) >= 15
    for title in with_math:
        html = str(title_html(title))
        found = elements(html)
        assert "math" in found.tags, title
        assert set(found.tags) <= MATHML_ELEMENTS, title
        assert "$" not in re.sub(r"<math.*?</math>", "", html), title  # every formula converted
        assert "$" not in title_text(title) and "\\" not in title_text(title), title


@pytest.mark.parametrize("title, plain", [
    (r"$\nabla^2$DFT: A Universal Quantum Chemistry Dataset", "∇²DFT: A Universal Quantum Chemistry Dataset"),
    ("$VILA^2$: VILA Augmented VILA", "VILA²: VILA Augmented VILA"),
    ("A Simple and Effective $L_2$ Norm-Based Strategy", "A Simple and Effective L₂ Norm-Based Strategy"),
    (r"LLM$\times$MapReduce: Simplified Long-Sequence Processing", "LLM×MapReduce: Simplified Long-Sequence Processing"),
    (r"$\textit{Trans-LoRA}$: towards data-free Finetuning", "Trans-LoRA: towards data-free Finetuning"),
    ("$γ-$MoD: Exploring Mixture-of-Depth", "γ-MoD: Exploring Mixture-of-Depth"),
    (r"Attention \(x^{ab}\) in $$\mathcal{O}(n \log n)$$", "Attention x^(ab) in 𝒪(n log n)"),
])
def test_titles_have_a_plain_text_form_for_title_feeds_and_search(title: str, plain: str) -> None:
    assert title_text(title) == plain


@pytest.mark.parametrize("title", [
    "SWE-Lancer: Can Frontier LLMs Earn $1 Million from Real-World Freelance Software Engineering?",
    "Open-Sora 2.0: Training a Commercial-Level Video Generation Model in $200k",
    "Fixing 7,400 Bugs for 1$: Cheap Crash-Site Program Repair",
    "From $5 to $10: pricing",
    r"An escaped \$ sign and $x$",
])
def test_currency_dollars_stay_text(title: str) -> None:
    html = str(title_html(title))
    text_outside_math = re.sub(r"<math.*?</math>", "", html)
    assert "$" in text_outside_math
    if "$x$" not in title:
        assert "<math" not in html and title_text(title) == title


def test_currency_in_an_abstract_stays_text() -> None:
    html = render_markdown("Agents earn $1 Million and save $200k, or \\$5.\n")
    assert "<math" not in html and "$1 Million" in html and "$200k" in html and "$5" in html


def test_a_formula_the_converter_cannot_handle_falls_back_to_its_source() -> None:
    for broken in (r"\frac{a}{", r"\begin{matrix}a", r"\unknowncommand{x}", r"\left("):
        assert tex_to_mathml(broken) is None
        assert render_math(broken) == "$" + broken.replace("&", "&amp;").replace("<", "&lt;") + "$"
        assert tex_to_text(broken) == broken
    html = render_markdown("Before $\\frac{a}{$ after $x^2$.\n")
    assert "$\\frac{a}{$" in html and html.count("<math") == 1


def test_text_inside_formulas_cannot_become_markup() -> None:
    for tex in (r"\text{<script>alert(1)</script>}", r"a < b > c", r"\text{&amp; <b>x</b>}", r"\href{javascript:alert(1)}{x}"):
        html = render_math(tex)
        found = elements(html)
        assert set(found.tags) <= MATHML_ELEMENTS, tex
        assert "href" not in found.attributes and "<script" not in html and "<b>" not in html


def test_math_in_an_abstract_is_mathml_inline_display_and_parenthesised() -> None:
    html = render_markdown("Energy $E=mc^2$, the sum $$\\sum_i x_i$$ and \\(a^2\\).\n\n$$\n\\int_0^1 f\n$$\n")
    assert html.count("<math") == 4
    assert '<span class="math display"><math' in html and 'display="block"' in html  # $$…$$ inside a paragraph
    assert '<div class="math block">' in html
    assert "<p>" in html and "<div" not in html.split("</p>")[0]  # no block element inside the paragraph
    assert "$" not in re.sub(r"<math.*?</math>", "", html)


def test_literal_backslash_parenthesis_is_not_math() -> None:
    assert "<math" not in render_markdown("a \\\\(b\\\\) c\n")


def test_summaries_and_search_text_read_math_as_plain_text() -> None:
    html = render_markdown("We bound the error by $O(n^2)$ exactly.\n")
    assert html_text(html) == "We bound the error by O(n²) exactly."  # what summaries, search and JSON-LD read
    assert "<math" not in math_as_text(html)


def test_conversions_are_cached_by_formula() -> None:
    tex = r"\alpha_{cached} + \beta^{2}"
    first = tex_to_mathml(tex)
    from sitegen import mathml

    hits = mathml._mathml.cache_info().hits
    assert tex_to_mathml(tex) == first
    assert mathml._mathml.cache_info().hits == hits + 1


def test_paper_pages_show_math_as_mathml_and_name_it_in_plain_text_elsewhere(make_site) -> None:
    settings = "title: Math archive\nbase_url: https://example.org/\n"
    title = "$VILA^2$: VILA Augmented VILA"
    root = make_site({"vila": paper_text(title, body="Abstract with $\\alpha$ and $$\\frac{1}{2}$$.\n", authors="[Ada Lovelace]")}, settings)
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    out = root / "public"
    page = soup(out, "/papers/vila/")
    assert page.find("h1").find("math") is not None
    assert page.title.get_text() == "VILA²: VILA Augmented VILA · Math archive"
    assert page.find("meta", attrs={"name": "citation_title"})["content"] == "VILA²: VILA Augmented VILA"
    assert page.find("meta", attrs={"property": "og:title"})["content"] == "VILA²: VILA Augmented VILA"
    assert len(page.select("main .prose math")) == 2
    # No math JavaScript or fonts: the only scripts are the theme's own.
    assert all("mathjax" not in (s.get("src") or "").lower() and "katex" not in (s.get("src") or "").lower() for s in page.find_all("script"))
    assert not [link for link in page.find_all("link") if "font" in (link.get("href") or "")]
    home = soup(out, "/")
    assert home.select_one("main .paper-item__title math") is not None
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<title type=\"text\">VILA²: VILA Augmented VILA</title>" in feed
