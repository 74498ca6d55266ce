"""The bundled corpus: its size and form, generated files up to date, and facts that agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from ingest.loaders import load_document
from rag.search.store import HubStore
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
REQUIRED = ("form", "audience", "grade_band", "subject", "topic", "updated", "summary")
AUDIENCES = {"teacher", "coach", "leader", "parent"}


def corpus_files() -> list[Path]:
    return sorted(
        p for p in CORPUS.iterdir() if p.is_file() and p.suffix in {".md", ".html", ".pdf"} and p.name != "README.md"
    )


def all_text() -> dict[str, str]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in corpus_files() if p.suffix != ".pdf"}
    texts.update({f"{p.name} (PDF source)": p.read_text(encoding="utf-8") for p in (CORPUS / ".pdf-src").glob("*.md")})
    return texts


def test_size_and_formats() -> None:
    files = corpus_files()
    by_kind = {kind: [p for p in files if p.suffix == kind] for kind in (".md", ".html", ".pdf")}
    assert len(files) >= 30
    assert len(by_kind[".pdf"]) >= 4 and len(by_kind[".html"]) >= 2
    words = 0
    for path in by_kind[".md"] + by_kind[".html"]:
        doc = load_document(path, path.read_bytes())
        count = sum(len(s.text.split()) for s in doc.sections)
        assert 800 <= count <= 4000, f"{path.name}: {count} words"
        words += count
    assert words >= 60_000


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_document_has_its_metadata(path: Path) -> None:
    doc = load_document(path, path.read_bytes())
    missing = [key for key in REQUIRED if not doc.metadata.get(key)]
    assert not missing, f"{path.name} lacks {missing}"
    assert doc.metadata["audience"] in AUDIENCES
    assert re.fullmatch(r"2026-\d\d-\d\d", doc.metadata["updated"])
    assert len(doc.sections) >= 5, "documents are split by their headings"


def test_pdfs_are_multipage_with_outline_and_up_to_date() -> None:
    for path in CORPUS.glob("*.pdf"):
        reader = PdfReader(path)
        assert len(reader.pages) >= 3 and len(reader.outline) >= 1, path.name
    check = subprocess.run(
        [sys.executable, "scripts/build_pdfs.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout


def test_catalogue_is_up_to_date() -> None:
    check = subprocess.run(
        [sys.executable, "scripts/catalogue.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout


# What a phrase's context says -> the one number every document must give for it.
DEADLINES = [
    (r"(learning conversation|meet with the student|talk with the student)[^.]{0,80}within (\w+) school days", "2"),
    (r"(opt[- ]out|alternative)[^.]{0,120}within (\w+) school days", "5"),
    (r"(Data Privacy Officer|DPO|Digital Learning Request)[^.]{0,120}within (\w+) school days", "15"),
    (r"(help desk|help@caia-hub\.example)[^.]{0,120}within (\w+) business days", "2"),
]
WORDS = {"two": "2", "five": "5", "fifteen": "15"}


@pytest.mark.parametrize(("pattern", "expected"), DEADLINES)
def test_deadlines_agree_across_documents(pattern: str, expected: str) -> None:
    seen = []
    for name, text in all_text().items():
        for match in re.finditer(pattern, " ".join(text.split()), flags=re.IGNORECASE):
            number = WORDS.get(match.group(2).lower(), match.group(2))
            seen.append(name)
            assert number == expected, f"{name}: '{match.group(0)}' (expected {expected})"
    assert seen, f"no document states {pattern}"


def test_level_names_and_policy_number_agree() -> None:
    canonical = {"0": "No AI", "1": "AI for Ideas", "2": "AI with Disclosure", "3": "Full AI Use"}
    named = 0
    for name, text in all_text().items():
        for number, label in re.findall(r"Level ([0-3]) \u2014 ([A-Z][A-Za-z ]+?)(?=[*.,;:)<\n]| \()", text):
            assert label.strip() == canonical[number], f"{name}: Level {number} called {label!r}"
            named += 1
        for policy in re.findall(r"Board Policy (\d+)", text):
            assert policy == "6175", f"{name}: Board Policy {policy}"
    assert named >= 40, "the levels are named in many documents"


def test_whole_corpus_ingests_without_failures(corpus_settings: Settings) -> None:
    store = HubStore(corpus_settings)
    docs = store.read_documents()
    assert len(docs) == len(corpus_files())
    assert "corpus/README.md" not in docs  # left out by corpus/.hubqaignore
    pdf = docs["corpus/model-district-ai-policy.pdf"]
    assert pdf.metadata["audience"] == "leader" and pdf.chunks > 10
    pages = {m.get("page") for m in store.chunks.get(where={"doc_id": pdf.doc_id})["metadatas"]}
    assert len(pages) >= 5
