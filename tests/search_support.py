"""Shared helpers of the search tests: real documents, queries, and running lunr.js in Node."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, SHARED
from sitegen.config import DEFAULT_SEARCH_BOOSTS, SEARCH_FIELDS
from sitegen.search_text import fold

STATIC = REPO / "sitegen" / "themes" / "default" / "static"
LUNR_JS = STATIC / "vendor" / "lunr-2.3.9" / "lunr.min.js"
ENGINE_JS = STATIC / "search-engine.js"
CHECK_JS = Path(__file__).parent / "node" / "lunr_check.js"
BOOSTS = [DEFAULT_SEARCH_BOOSTS[name] for name in SEARCH_FIELDS]


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed; the lunr.js comparison needs it")
    if not LUNR_JS.is_file():
        pytest.skip(f"the vendored lunr.js is missing ({LUNR_JS})")
    return node


def run_node(node: str, tasks: list[dict], work: Path) -> list:
    """Run tests/node/lunr_check.js on `tasks`; return one answer per task."""
    job = work / "job.json"
    job.write_text(json.dumps({"lunr": str(LUNR_JS), "engine": str(ENGINE_JS), "tasks": tasks}), encoding="utf-8")
    done = subprocess.run([node, str(CHECK_JS), str(job)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def corpus_rows(every_day: bool = False, folded: bool = True) -> list[tuple[str, ...]]:
    """Real papers as search rows (fields folded as sitegen folds them): the 100-line arXiv metadata
    snapshot, read with plain json, and five weeks (or all 13 months) of Hugging Face daily papers."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present in this clone")
    rows = []
    snapshot = SHARED / "corpus" / "arxiv_oai_jsonl" / "arxiv-metadata-oai-snapshot.head100.jsonl"
    for line in snapshot.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        ids = " ".join(value for value in (record["id"], record.get("doi")) if value)
        rows.append((record["title"], record["authors"], record["categories"], record["abstract"], ids))
    seen = set()
    for path in sorted((SHARED / "corpus" / "hf_daily_api").glob("*.json" if every_day else "2024-0[56]-*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            paper = item["paper"]
            if paper["id"] in seen:
                continue
            seen.add(paper["id"])
            authors = ", ".join(author.get("name", "") for author in paper.get("authors", []))
            rows.append((paper.get("title", ""), authors, ", ".join(paper.get("ai_keywords") or []), paper.get("summary", ""), paper["id"]))
    return [tuple(fold(text) for text in row) for row in rows] if folded else rows


def queries_for(rows, count: int = 60, seed: int = 7) -> list[str]:
    """Hand-picked lunr queries plus words drawn from the documents themselves."""
    rng = random.Random(seed)
    words = sorted({w.strip(".,;:()[]{}\"'") for row in rows for text in row for w in text.split()} - {""})
    picked = rng.sample(words, min(count, len(words)))
    fixed = [
        "scaling", "scaling laws", "title:scaling", "+diffusion -image", "lang*", "lan*", "transformr~1",
        "model^10 data", "authors:kaplan", "2010.14701", "0704.0001", "arXiv:2010.14701", "Müller", "try",
        "always", "-model", "+model +data", "*ing", "e.g", "title:", "scaling^x", "foo~a", "α", "the",
    ]
    return fixed + picked + [" ".join(rng.sample(words, 3)) for _ in range(count // 3)] + [w[:3] + "*" for w in picked[:10]]
