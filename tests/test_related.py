"""Related papers: TF-IDF cosine over title, abstract and tags; five per paper; deterministic."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, paper_text
from sitecheck import soup
from sitegen import csr, related
from sitegen.pipeline import load_site
from sitegen.cli import main
from sitegen.config import load_config


@pytest.fixture(scope="module")
def sample_site():
    return load_site(load_config(REPO / "sitegen.yaml"))


def tagged(view, slug: str) -> bool:
    return any(tag.slug == slug for tag in view.tags)


def test_every_paper_gets_five_others(sample_site) -> None:
    for view in sample_site.papers:
        assert len(view.related) == 5, view.slug
        assert view not in view.related and len({other.slug for other in view.related}) == 5


def test_scaling_law_papers_are_mostly_related_to_scaling_law_papers(sample_site) -> None:
    scaling = [view for view in sample_site.papers if tagged(view, "scaling-laws")]
    assert len(scaling) >= 10
    shares = [sum(tagged(other, "scaling-laws") for other in view.related) / len(view.related) for view in scaling]
    assert sum(shares) / len(shares) >= 0.7  # against a base rate of about a quarter
    assert sum(share >= 0.6 for share in shares) >= 0.75 * len(shares)


def test_the_same_archive_gives_the_same_related_papers_whatever_the_order(sample_site) -> None:
    expected = {view.slug: [other.slug for other in view.related] for view in sample_site.papers}
    views = list(sample_site.papers)
    for seed in (1, 2):
        random.Random(seed).shuffle(views)
        related.attach_related(views)
        assert {view.slug: [other.slug for other in view.related] for view in views} == expected


def test_ties_go_to_the_smaller_slug() -> None:
    twin = ("Scaling laws for language models", "Power laws in loss versus compute.", ["scaling-laws"])
    documents = [("Scaling laws", "Loss follows a power law in compute.", ["scaling-laws"])] + [twin] * 7
    assert related.similar(documents)[0] == [1, 2, 3, 4, 5]
    assert related.similar(documents)[1] == [2, 3, 4, 5, 6]


def test_papers_with_nothing_in_common_are_not_related() -> None:
    documents = [("Protein folding", "Amino acid chains fold.", []), ("Weather", "Clouds and rain.", []), ("Galaxies", "Redshift surveys.", [])]
    assert related.similar(documents) == [[], [], []]


def test_a_word_in_more_papers_than_the_cap_relates_none_of_them(monkeypatch) -> None:
    """Above MAX_DF_CAP papers a word is a stop word at any archive size, so the product stays
    linear: a 50,000-paper archive does not compare every paper with most others through it."""
    documents = [(f"Paper {n}", f"zebra common{n % 3} alone{n}", []) for n in range(12)]
    monkeypatch.setattr(related, "MAX_DF", 1.0)  # no share limit here: only the cap can drop words
    monkeypatch.setattr(related, "MAX_DF_FLOOR", 2)
    assert related.similar(documents)[0][:3] == [3, 6, 9]  # they share "common0" (4 papers)
    monkeypatch.setattr(related, "MAX_DF_CAP", 3)
    assert related.similar(documents)[0] == []


def test_the_parallel_product_gives_the_serial_answer(monkeypatch) -> None:
    rng = random.Random(3)
    vocabulary = [f"w{n}" for n in range(400)]
    documents = [(" ".join(rng.choices(vocabulary, k=6)), " ".join(rng.choices(vocabulary, k=60)), []) for _ in range(900)]
    monkeypatch.setattr(related, "PARALLEL_FROM", 10**9)
    serial = related.similar(documents)
    monkeypatch.setattr(related, "PARALLEL_FROM", 1)
    monkeypatch.setattr(related, "ROWS_PER_SLICE", 97)
    assert related.similar(documents) == serial


def test_numpy_and_scipy_products_relate_the_same_papers(monkeypatch) -> None:
    """Either product scores the papers (csr.wants_scipy), in a first build and in a rebuild that
    scores again only the papers an edit can reach: the same answer, whichever product scored
    the first build and whichever the rebuild (and SciPy's on both cores)."""
    rng = random.Random(8)
    vocabulary = [f"w{n}" for n in range(200)]
    documents = [(" ".join(rng.choices(vocabulary, k=5)), " ".join(rng.choices(vocabulary[: rng.randint(4, 200)], k=40)), rng.sample("abcd", 1))
                 for _ in range(500)]
    documents[20:25] = [documents[19]] * 5  # ties
    edited = list(documents)
    edited[3] = (edited[3][0], edited[3][1] + " w5 w5", edited[3][2])
    answers = []
    for first, then, parallel_from in ((False, False, 10**9), (True, True, 10**9), (True, False, 10**9), (False, True, 10**9), (True, True, 1)):
        monkeypatch.setattr(related, "PARALLEL_FROM", parallel_from)
        memo: dict = {}
        monkeypatch.setattr(csr, "wants_scipy", lambda work, scipy=first: scipy)
        cold = related.similar(documents, memo=memo)
        monkeypatch.setattr(csr, "wants_scipy", lambda work, scipy=then: scipy)
        answers.append((cold, related.similar(edited, memo=memo)))
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] != answers[0][1]


def test_a_rebuild_after_an_edit_scores_without_scipy_where_a_first_build_needed_it(monkeypatch) -> None:
    """SciPy's product pays for its import only on large products (csr.py): a first build whose
    product is one scores with it, and the rebuild after an edit to one paper scores the few
    rows it reaches with NumPy's, loading no SciPy, and answers as a first build would."""
    rng = random.Random(3)
    topics = [[f"w{topic}x{n}" for n in range(100)] for topic in range(20)]  # 20 topics of 100 words: papers meet within theirs
    documents = [(" ".join(rng.choices(topics[n % 20], k=6)), " ".join(rng.choices(topics[n % 20], k=50)), rng.sample("abcd", 1))
                 for n in range(400)]
    matrix = related._weights(related._rows(documents))
    monkeypatch.setattr(csr, "SCIPY_FROM", csr.multiply_adds(matrix, csr.transposed(matrix)) // 2)
    monkeypatch.setattr(related, "PARALLEL_FROM", 10**9)
    memo: dict = {}
    related.similar(documents, memo=memo)
    assert "scipy.sparse" in sys.modules
    monkeypatch.delitem(sys.modules, "scipy.sparse")

    def refused():
        raise AssertionError("SciPy loaded")

    monkeypatch.setattr(csr, "scipy_sparse", refused)
    edited = list(documents)
    edited[7] = (edited[7][0], edited[7][1] + " w3x1 w4x2 w5x3", edited[7][2])
    rebuilt = related.similar(edited, memo=memo)
    monkeypatch.setattr(csr, "wants_scipy", lambda work: False)
    assert rebuilt == related.similar(edited)


SMALL_BUILD = """
import sys
from pathlib import Path
from sitegen.cli import main
main(["build", "--quiet", "--config", str(Path(sys.argv[1]) / "sitegen.yaml")])
print(sorted(name for name in ("scipy", "sitegen.related") if name in sys.modules))
"""


def test_a_small_archive_is_built_without_loading_scipy(make_site) -> None:
    """Loading SciPy would cost a small site's rebuild a quarter of its time (csr.py)."""
    root = make_site({f"p{n}": paper_text(f"Paper {n} on scaling", body=f"Words {n % 3} about scaling laws.\n") for n in range(12)})
    done = subprocess.run([sys.executable, "-c", SMALL_BUILD, str(root)], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.split("\n")[-2] == "['sitegen.related']"
    assert soup(root / "public", "/papers/p0/").select(".paper__related li")


RESCORING = """
import random, sys
from sitegen import related
rng = random.Random(3)
topics = [[f"w{topic}x{n}" for n in range(100)] for topic in range(20)]
documents = [(" ".join(rng.choices(topics[n % 20], k=6)), " ".join(rng.choices(topics[n % 20], k=50)), ["t"]) for n in range(400)]
memo = {}
related.similar(documents, memo=memo)
edited = list(documents)
edited[7] = (edited[7][0], edited[7][1] + " w7x1 w7x2", edited[7][2])
assert related.similar(edited, memo=memo) == related.similar(edited)
print("numpy.ma" in sys.modules)
"""


def test_rescoring_after_an_edit_loads_no_masked_arrays() -> None:
    """np.union1d loads numpy.ma (20 ms, a fiftieth of a small site's rebuild); the rows an edit
    reaches (here a few of the 400) are the union of two disjoint sorted lists, which needs no
    such thing."""
    done = subprocess.run([sys.executable, "-c", RESCORING], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.split() == ["False"]


def test_each_paper_gets_its_best_scores_then_smaller_slugs() -> None:
    rng = random.Random(5)
    vocabulary = [f"w{n}" for n in range(150)]
    documents = [(" ".join(rng.choices(vocabulary, k=5)), " ".join(rng.choices(vocabulary[: rng.randint(5, 150)], k=40)), rng.sample("abcd", 1))
                 for _ in range(400)]
    matrix = related._weights(related._rows(documents))
    weights = np.zeros(matrix.shape)
    weights[np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)), matrix.indices] = matrix.data
    scores = (weights @ weights.T).astype(np.float32)
    expected = []
    for row, line in enumerate(scores):
        others = [column for column in range(len(line)) if column != row and line[column] >= related.MIN_SCORE]
        expected.append(sorted(others, key=lambda column: (-round(float(line[column]) * 1e6), column))[:5])
    assert related.similar(documents) == expected


def test_a_rebuild_with_a_memo_gives_the_answer_of_a_fresh_computation(monkeypatch) -> None:
    rng = random.Random(4)
    vocabulary = [f"w{n}" for n in range(300)]
    documents = [(" ".join(rng.choices(vocabulary, k=6)), " ".join(rng.choices(vocabulary, k=50)), ["t"]) for _ in range(300)]
    expected, memo = related.similar(documents), {}
    assert related.similar(documents, memo=memo) == expected
    with monkeypatch.context() as patch:
        patch.setattr(related, "_weights", None)  # unchanged documents: nothing is computed again
        assert related.similar(list(documents), memo=memo) == expected
    documents[7] = ("w1 w2 w3", documents[7][1] + " w4 w4", [])
    assert related.similar(documents, memo=memo) == related.similar(documents)


def test_related_papers_are_listed_on_the_paper_page_with_their_titles(make_site) -> None:
    papers = {
        f"scaling-{n}": paper_text(f"Scaling laws for $x^{n}$ models", body="Loss follows a power law in model size and compute.\n")
        for n in range(7)
    }
    papers["weather"] = paper_text("Weather forecasting", body="Medium-range forecasts of rain.\n")
    root = make_site(papers, "title: Related\ntags:\n  scaling-laws: [scaling law]\n")
    assert main(["build", "--config", str(root / "sitegen.yaml")]) == 0
    page = soup(root / "public", "/papers/scaling-0/")
    items = page.select("main .paper__related li a")
    assert [a["href"] for a in items] == [f"/papers/scaling-{n}/" for n in range(1, 6)]
    assert all(a.find("math") is not None for a in items)
    assert soup(root / "public", "/papers/weather/").select_one(".paper__related") is None


def test_builds_with_related_papers_are_byte_identical(make_site, tmp_path: Path) -> None:
    papers = {f"p{n}": paper_text(f"Paper {n} on scaling", body=f"Words {n % 3} about scaling and laws {n % 5}.\n") for n in range(30)}
    root = make_site(papers)
    first, second = tmp_path / "one", tmp_path / "two"
    assert main(["build", "--config", str(root / "sitegen.yaml"), "--out", str(first)]) == 0
    (root / ".sitegen-cache").exists() and __import__("shutil").rmtree(root / ".sitegen-cache")
    assert main(["build", "--config", str(root / "sitegen.yaml"), "--out", str(second)]) == 0
    for page in first.glob("papers/*/index.html"):
        assert page.read_bytes() == (second / page.relative_to(first)).read_bytes()
