"""The evaluation sets: questions with gold sections and key facts, claim/passage pairs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import HubqaError
from rag.jsonl import read_jsonl

SETS = Path(__file__).resolve().parent / "sets"
HUB_SET = SETS / "hub.jsonl"
PAIRS_SET = SETS / "grounding-pairs.jsonl"


@dataclass
class Gold:
    doc_id: str
    section: str


@dataclass
class EvalQuestion:
    id: str
    split: str
    kind: str
    subkind: str
    question: str
    history: list[str] = field(default_factory=list)
    gold: list[Gold] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    #: Phrases that make an answer wrong (e.g. the other grade band's figure in a follow-up).
    wrong_facts: list[str] = field(default_factory=list)
    expect: str = "answer"
    persona: str = "teacher"

    @property
    def answerable(self) -> bool:
        return self.expect in ("answer", "redact_and_answer")


def read_rows(path: Path) -> list[dict]:
    """The objects of a JSONL file, without their line numbers (errors name the file and line)."""
    return [row for _, row in read_jsonl(path)]


def load_questions(path: Path = HUB_SET, split: str = "all") -> list[EvalQuestion]:
    questions = []
    for row in read_rows(path):
        try:
            q = EvalQuestion(
                id=str(row["id"]),
                split=row.get("split", "test"),
                kind=row.get("kind", "answerable"),
                subkind=row.get("subkind", ""),
                question=row["question"],
                history=list(row.get("history", [])),
                gold=[Gold(g["doc_id"], g.get("section", "")) for g in row.get("gold", [])],
                key_facts=list(row.get("key_facts", [])),
                wrong_facts=list(row.get("wrong_facts", [])),
                expect=row.get("expect", "answer"),
                persona=row.get("persona", "teacher"),
            )
        except (KeyError, TypeError) as e:
            raise HubqaError(f"{path}: question {row.get('id', '?')} lacks field {e}") from e
        if split == "all" or q.split == split:
            questions.append(q)
    return questions
