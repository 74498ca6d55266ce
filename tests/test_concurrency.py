"""Queries while another process replaces documents: every answer comes from one consistent state.

A writer process (forked by tests/ingest_zygote.py) rewrites documents in a loop, each rewrite a
new "edition" stamped on every chunk; this process keeps asking answerable questions. No query
may fail, cite a version that was never committed, or mix two editions of one document.

Answerable questions must keep being answered: ingestion keeps a replaced document's old chunks
until it has saved the new search index, and a reader still on the previous index (embedded
Chroma cannot read vectors another process is writing) reads the versions that index lists.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from rag.answering.assistant import Assistant
from rag.search.embeddings import SentenceEmbeddings
from rag.search.store import HubStore
from tests.ingest_zygote import settings_for, zygote

pytestmark = pytest.mark.slow

DOCS = {
    "recess": ("Recess Policy", "Grade 3 students get {n} minutes of outdoor recess after lunch, weather permitting."),
    "homework": ("Homework Guide", "Homework for grade 4 takes no more than {n} minutes a night, reading included."),
    "trips": (
        "Field Trip Rules",
        "Each field trip chaperone supervises at most {n} students and carries a first aid kit.",
    ),
    "goggles": (
        "Lab Safety",
        "Students wear safety goggles for {n} minutes after any chemical is opened on the bench.",
    ),
}
QUESTIONS = {
    "recess": "How many minutes of outdoor recess do grade 3 students get after lunch?",
    "homework": "How long should grade 4 homework take each night?",
    "trips": "How many students does each field trip chaperone supervise?",
    "goggles": "When do students wear safety goggles in the lab?",
}
EDITION = re.compile(r"Edition (\d+)\b")
REWRITES = 8


def write_doc(tree: Path, name: str, edition: int) -> None:
    """Three sections, each stamped with the edition, so every chunk shows which one it is from."""
    title, sentence = DOCS[name]
    parts = [
        f"## Section {j}\n\nEdition {edition}. {sentence.format(n=10 + j)} Staff log it in binder {j}."
        for j in range(3)
    ]
    (tree / f"{name}.md").write_text(f"# {title}\n\n" + "\n\n".join(parts) + "\n")


def test_queries_during_reingestion_see_one_consistent_state(tmp_path: Path, embeddings: SentenceEmbeddings) -> None:
    tree, data = tmp_path / "hub", tmp_path / "data"
    tree.mkdir()
    for name in DOCS:
        write_doc(tree, name, 0)
    committed: set[tuple[str, str]] = set()  # every (document, version) the writer made current
    cited: set[tuple[str, str]] = set()
    problems: list[str] = []
    gaps: list[str] = []  # answerable questions refused while their document was being replaced
    with zygote(tmp_path / "zygote.log") as z:
        assert z.ingest(data, tree)["done"] is not None
        committed |= set(z.check(data)["versions"].items())
        assistant = Assistant(settings_for(str(data)), store=HubStore(settings_for(str(data))), embeddings=embeddings)
        for name, question in QUESTIONS.items():  # answerable before the churn starts
            answer = assistant.ask(question)
            assert not answer.refused and answer.citations[0].hit.metadata["doc_id"] == f"hub/{name}.md"

        def churn() -> None:
            try:
                for edition in range(1, REWRITES + 1):
                    for name in list(DOCS)[edition % 2 :: 2]:  # half the documents each time
                        write_doc(tree, name, edition)
                    assert z.ingest(data, tree)["done"] is not None
                    state = z.check(data)
                    assert state["incomplete"] == [], state
                    committed.update(state["versions"].items())
            except BaseException as e:  # reported by the main thread
                problems.append(f"writer: {type(e).__name__}: {e}")

        writer = threading.Thread(target=churn)
        writer.start()
        asked = 0
        while writer.is_alive() or asked < len(QUESTIONS):
            name = list(QUESTIONS)[asked % len(QUESTIONS)]
            asked += 1
            try:
                answer = assistant.ask(QUESTIONS[name])
            except Exception as e:  # collected, so one run shows every way a query can fail
                problems.append(f"{name}: {type(e).__name__}: {e}")
                continue
            if answer.refused or not answer.citations or not answer.sources:
                gaps.append(name)
                continue
            versions: dict[str, set[str]] = {}
            editions: dict[str, set[str]] = {}
            for hit in answer.sources + [c.hit for c in answer.citations]:
                doc_id = str(hit.metadata["doc_id"])
                versions.setdefault(doc_id, set()).add(str(hit.metadata["version"]))
                editions.setdefault(doc_id, set()).update(EDITION.findall(hit.context or hit.text))
                if f"{doc_id}#{hit.metadata['version']}#" not in hit.id:
                    problems.append(f"{hit.id}: id and metadata disagree")
            for doc_id in versions:
                if len(versions[doc_id]) != 1 or len(editions[doc_id]) != 1:
                    problems.append(f"{doc_id}: mixed versions {versions[doc_id]} / editions {editions[doc_id]}")
            cited.update((doc_id, v) for doc_id, seen in versions.items() for v in seen)
        writer.join()
    assert problems == [], "\n".join(problems)
    assert cited - committed == set()  # no answer cites a version that was never current
    assert asked >= 2 * len(QUESTIONS)
    print(f"{asked} questions during {REWRITES} re-ingestions; {len(cited)} versions cited; {len(gaps)} refused")
    assert gaps == [], f"{len(gaps)} of {asked} answerable questions refused while their document was replaced"
