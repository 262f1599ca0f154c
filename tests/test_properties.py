"""Property-based tests: content files round-trip, importers survive any bytes, slugs stay put."""
from __future__ import annotations

import string
from dataclasses import replace
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="Hypothesis is not installed (pip install -e .[test])")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sitegen import importers  # noqa: E402
from sitegen.content import dump_paper, parse_paper  # noqa: E402
from sitegen.importers import Notice, Record  # noqa: E402
from sitegen.importing import import_files, slug_for_title  # noqa: E402
from sitegen.model import Paper, PaperDate, Problem  # noqa: E402
from sitegen.slugs import is_slug  # noqa: E402

SETTINGS = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text a person or a source could put in a field: any printable Unicode, but no control
# characters (YAML cannot hold most of them, and validation is not what this property is about).
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
line = text.map(str.strip).filter(bool)
slug = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}\Z")


@st.composite
def dates(draw) -> PaperDate:
    year = draw(st.integers(1, 9999))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return PaperDate(year)
    month = draw(st.integers(1, 12))
    if precision == "month":
        return PaperDate(year, month)
    return PaperDate(year, month, draw(st.integers(1, 28)))


urls = st.builds(lambda host, path: f"https://{host}.org/{path}", slug, st.text(string.ascii_letters + string.digits + "/-_.?=&", max_size=20))
scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), text)
extra_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(slug, inner, max_size=3), max_leaves=6)
extra_keys = slug.filter(lambda key: key not in {"title", "authors", "date", "arxiv", "doi", "tags", "categories", "links", "venue", "source"})

papers = st.builds(
    Paper,
    title=line,
    date=dates(),
    authors=st.lists(line, max_size=4).map(tuple),
    arxiv=st.none() | st.from_regex(r"\A\d{4}\.\d{4,5}(v\d)?\Z"),
    doi=st.none() | st.from_regex(r"\A10\.\d{4,6}/[a-zA-Z0-9./-]{1,12}\Z"),
    tags=st.lists(slug, max_size=4, unique=True).map(tuple),
    categories=st.lists(st.sampled_from(["cs.LG", "cs.CL", "stat.ML", "hep-ex"]), max_size=2, unique=True).map(tuple),
    links=st.dictionaries(slug, urls, max_size=3),
    venue=st.none() | line,
    source=st.dictionaries(slug, text.map(lambda t: t[:10]) | st.integers(), max_size=2),
    extra=st.dictionaries(extra_keys, extra_value, max_size=3),
    body=st.text(max_size=200).map(lambda body: body.replace("\r", "")),
    slug=slug,
)


@SETTINGS
@given(papers)
def test_any_paper_survives_write_then_read(paper: Paper):
    read, problems = parse_paper(dump_paper(paper), "paper.md", paper.slug)
    assert problems == []
    assert read == paper


@SETTINGS
@given(papers, st.sampled_from(["title", "venue", "source", "extra"]), st.characters(whitelist_categories=("Cc",)))
def test_a_control_character_never_survives_a_round_trip_silently(paper: Paper, field: str, char: str):
    """A value holding a control character (other than tab and line ends) reads back as an error
    naming its key, never as a page or feed that cannot hold it."""
    if char in "\t\n\r\x85":
        return
    value = {"title": paper.title + char, "venue": char, "source": {"note": char}, "extra": {"notes": char}}[field]
    changed = replace(paper, **{field: value})
    read, problems = parse_paper(dump_paper(changed), "paper.md", paper.slug)
    key = {"extra": "notes"}.get(field, field)
    assert read is None
    assert [p.message for p in problems] == [
        f"{key}: contains the control character U+{ord(char):04X}, which pages and feeds cannot hold; remove it"]


@pytest.mark.parametrize("name", importers.names())
def test_importer_fed_arbitrary_bytes_yields_items_or_problems(name: str, tmp_path: Path):
    importer = importers.get(name)
    source = tmp_path / "source"

    @SETTINGS
    @given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
    def feed(data: bytes):
        source.write_bytes(data)
        for item in importer.read(source):
            assert isinstance(item, (Record, Problem, Notice))

    feed()


# Bytes close to real files find more than noise: a valid prefix, then junk.
_PREFIXES = [
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>',
    b'[{"paper": {"id": "2010.14701", "title": ',
    b'{"id": "2010.14701", "title": "T", "authors": ',
    b'[{"title": "T", "date": ',
    b"@article{key,\n  title = {",
    b'"Key","Item Type","Publication Year","Author","Title"\n"A","journalArticle",',
    b"Title of a paper\nhttps://arxiv.org/abs/2010.14701\n",
]


@pytest.mark.parametrize("name", importers.names())
def test_importer_fed_truncated_real_looking_input_never_raises(name: str, tmp_path: Path):
    importer = importers.get(name)
    source = tmp_path / "source"

    @SETTINGS
    @given(st.sampled_from(_PREFIXES), st.binary(max_size=120) | st.text(max_size=120).map(str.encode))
    def feed(prefix: bytes, tail: bytes):
        source.write_bytes(prefix + tail)
        for item in importer.read(source):
            assert isinstance(item, (Record, Problem, Notice))

    feed()


@SETTINGS
@given(st.text(max_size=300))
def test_slug_for_title_is_always_a_safe_file_name(title: str):
    slug = slug_for_title(title)
    assert is_slug(slug), slug
    assert "/" not in slug and ".." not in slug and "\0" not in slug
    assert len(slug) <= 80


@SETTINGS
@given(titles=st.lists(line, min_size=2, max_size=6))
def test_imported_titles_never_collide_silently(titles: list[str], tmp_path_factory):
    """Distinct papers whose titles share a slug get distinct files, every one inside the folder."""
    import json

    folder = tmp_path_factory.mktemp("content")
    source = folder.parent / f"{folder.name}.json"
    # distinct arXiv ids make each record a different paper, whatever its title
    records = [{"title": title, "date": "2020-01-01", "arxiv": f"2001.{10000 + index}"} for index, title in enumerate(titles)]
    source.write_text(json.dumps(records), encoding="utf-8")
    report = import_files([source], folder, format="metadata-json")
    written = sorted(folder.glob("*.md"))
    assert all(path.parent == folder for path in written)
    assert len(written) == len(report.new) == len(set(report.new))
    assert len(written) + len(report.rejected) == len(titles)


# -- nothing lost on import: any sequence of imports and hand edits keeps every hand edit ------

EDITABLE = ("title", "venue", "body", "tags")
hand_values = {
    "title": line.filter(lambda t: not t.startswith(("#", "-", "*", "&", "!", "|", ">", "%", "@", "`"))),
    "venue": line,
    "body": st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1, max_size=80).filter(str.strip),
    "tags": st.lists(slug, min_size=1, max_size=3, unique=True),
}
source_record = st.fixed_dictionaries({
    "title": line, "venue": st.none() | line, "abstract": st.none() | line,
    "tags": st.lists(slug, max_size=2), "authors": st.lists(line, max_size=2),
})
steps = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.lists(st.tuples(st.integers(0, 2), source_record), min_size=1, max_size=3)),
        st.tuples(st.just("edit"), st.integers(0, 2), st.sampled_from(EDITABLE).flatmap(lambda f: st.tuples(st.just(f), hand_values[f]))),
    ),
    min_size=1, max_size=6,
)


@settings(SETTINGS, max_examples=40)
@given(steps=steps)
def test_hand_edits_survive_any_sequence_of_imports(steps, tmp_path_factory):
    import json
    from dataclasses import replace as replaced

    from sitegen.content import read_paper, write_paper

    folder = tmp_path_factory.mktemp("archive")
    source = folder.parent / f"{folder.name}.json"
    arxiv = [f"2401.{10000 + i}" for i in range(3)]

    def import_records(records: list[tuple[int, dict]]) -> None:
        rows = [{**record, "arxiv": arxiv[index], "date": "2024-01-15"} for index, record in records]
        source.write_text(json.dumps([{k: v for k, v in row.items() if v is not None} for row in rows]), encoding="utf-8")
        import_files([source], folder, format="metadata-json")

    import_records([(i, {"title": f"Paper {i}"}) for i in range(3)])
    files = {i: next(p for p in folder.glob("*.md") if read_paper(p)[0].arxiv == arxiv[i]) for i in range(3)}
    edits: dict[tuple[int, str], object] = {}
    for step in steps:
        if step[0] == "import":
            import_records(step[1])
        else:
            _, index, (name, value) = step
            paper, problems = read_paper(files[index])
            assert problems == []
            value = tuple(value) if name == "tags" else value
            write_paper(replaced(paper, **{name: value}), folder)
            edits[(index, name)] = value
        for (index, name), value in edits.items():
            paper, problems = read_paper(files[index])
            assert problems == [] and getattr(paper, name) == value, (index, name)
    assert sorted(folder.glob("*.md")) == sorted(files.values())  # no paper was written twice


# -- a key given twice never goes unnoticed ---------------------------------------------------------

@SETTINGS
@given(keys=st.lists(extra_keys, min_size=1, max_size=8), repeat=st.data())
def test_a_repeated_key_is_reported_at_its_second_line(keys: list[str], repeat):
    """Whatever keys a file has, the first one written twice is named with both of its lines."""
    position = repeat.draw(st.integers(0, len(keys)), label="insert at")
    twice = repeat.draw(st.sampled_from(keys), label="repeated key")
    keys = keys[:position] + [twice] + keys[position:]
    lines = ["title: T", "date: 2020"] + [f"{key}: {index}" for index, key in enumerate(keys)]
    _, problems = parse_paper("---\n" + "\n".join(lines) + "\n---\n", "x.md", "x")
    first_seen: dict[str, int] = {}
    for number, key in enumerate(lines, start=2):  # line 1 of the file is the opening ---
        name = key.split(":")[0]
        if name in first_seen:
            assert problems == [Problem("x.md", number, f'duplicate key "{name}" (first on line {first_seen[name]})')]
            break
        first_seen[name] = number
    else:  # pragma: no cover - the strategy always repeats a key
        raise AssertionError("no key was repeated")


@SETTINGS
@given(name=st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"), min_size=1, max_size=30))
def test_every_file_name_is_a_slug_or_refused_with_a_slug_to_take(name: str):
    paper, problems = parse_paper("---\ntitle: T\ndate: 2020\n---\n", f"{name}.md", name)
    if is_slug(name):
        assert problems == [] and paper.slug == name
    else:
        assert paper is None and [p.line for p in problems] == [1]
        advice = problems[0].message.rsplit("; ", 1)[1]
        assert advice == "rename it to a slug" or is_slug(advice.removeprefix("rename it to ").removesuffix(".md")), advice
