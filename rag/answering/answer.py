"""What an answer is: the text, its cited sentences, its sources and how sure we are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rag.chunks import source_dict
from rag.guards.injection import neutralise
from rag.records import Hit

REFUSAL = "The hub's resources don't cover this."


@dataclass
class AnswerSentence:
    text: str
    #: Citation numbers ([n]) this sentence carries, 1-based into ``Answer.citations``.
    citations: list[int]
    supported: bool = True
    score: float = 1.0
    bullet: bool = False
    #: How it is shown: "text", "bullet", "number", "row" (a table row: ``cells`` under ``header``) or
    #: "quote" (a sample: a block quote, cited once at its end).
    style: str = "text"
    cells: list[str] | None = None
    header: list[str] | None = None
    #: A numbered item's own number in the hub, so a list shown in part is not renumbered.
    number: int | None = None
    #: A "quote" (a sample the question asked for, shown as the hub wrote it) starts a new paragraph here.
    paragraph: bool = False


@dataclass
class Citation:
    n: int
    hit: Hit
    #: The sentences of the passage that support the answer, for highlighting.
    quotes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        meta = self.hit.metadata
        return {
            "n": self.n,
            "doc_id": meta.get("doc_id"),
            "title": meta.get("title"),
            "source": meta.get("source"),
            "section": meta.get("section") or "",
            "page": meta.get("page"),
            # shown in the source card: a planted request in the passage is not shown word for word
            "text": neutralise(self.hit.context or self.hit.text),
            "quotes": self.quotes,
        }


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    confidence: float
    #: Share of sentences their sources support; None for a refusal (there is nothing to ground).
    grounding: float | None
    citations: list[Citation]
    sources: list[Hit]
    timings_ms: dict[str, float]
    id: Any = None
    mode: str = "extractive"
    standalone_question: str = ""
    sentences: list[AnswerSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)
    #: What the answer-or-refuse decision saw (rag.answering.gate.Evidence as a dict).
    evidence: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "confidence": round(self.confidence, 4),
            "grounding": round(self.grounding, 4) if self.grounding is not None else None,
            "citations": [c.to_dict() for c in self.citations],
            "sources": [source_dict(rank, hit, neutralise(hit.text)) for rank, hit in enumerate(self.sources, start=1)],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "mode": self.mode,
            "standalone_question": self.standalone_question,
            "sentences": [
                {
                    "text": s.text,
                    "citations": s.citations,
                    "supported": s.supported,
                    "score": round(s.score, 3),
                    "style": s.style,
                }
                for s in self.sentences
            ],
            "notes": self.notes,
            "redacted": self.redacted,
            "evidence": {k: round(v, 4) for k, v in self.evidence.items()},
            "check": check_label(self),
        }


def check_label(answer: Answer) -> str | None:
    """What the answer's check truthfully says: extractive sentences are the cited sections' own
    words; a model's sentences were checked one by one; a refusal has nothing to check."""
    if answer.refused or answer.grounding is None:
        return None
    if answer.mode == "extractive":
        return "Quoted from the cited sections"
    supported = sum(s.supported for s in answer.sentences)
    return f"{supported} of {len(answer.sentences)} sentences supported by their sources"


def render(lead: str, sentences: list[AnswerSentence]) -> str:
    """Answer text: the lead-in, then sentences with their [n] markers, lists as lists and table
    rows as a table, each in the shape the hub gave them."""
    parts: list[str] = [lead] if lead else []
    group: list[str] = []
    group_style = ""
    number = 0

    def close() -> None:
        nonlocal group, group_style
        if group:
            parts.append(("\n" if group_style != "text" else " ").join(group))
        group, group_style = [], ""

    for i, sentence in enumerate(sentences):
        marks = "".join(f" [{n}]" for n in sentence.citations) + ("" if sentence.supported else " (unverified)")
        style = sentence.style if sentence.style != "text" or not sentence.bullet else "bullet"
        if style == "row" and not _tabular(sentence):
            style = "bullet"
        if style != group_style or (style == "row" and group and sentences[i - 1].header != sentence.header):
            close()
            group_style = style
            number = 0
            if style == "row":
                header = [_cell(h) for h in sentence.header or []]
                group += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        if style == "row":
            cells = [_cell(c) for c in sentence.cells or []]
            cells[-1] += marks
            group.append("| " + " | ".join(cells) + " |")
        elif style == "number":
            number = sentence.number if sentence.number is not None else number + 1
            group.append(f"{number}. {sentence.text}{marks}")
        elif style == "quote":
            last = i + 1 == len(sentences) or sentences[i + 1].style != "quote"
            mark = marks if last else "" if sentence.supported else " (unverified)"
            previous = sentences[i - 1] if i and group else None
            in_table = previous is not None and _tabular(previous)
            if _tabular(sentence):
                # a table inside the sample (a lesson's scenario cards) stays a table in the quote
                cells = [_cell(c) for c in sentence.cells or []]
                cells[-1] += mark
                if not in_table or previous is None or previous.header != sentence.header:
                    header = [_cell(h) for h in sentence.header or []]
                    group += [">"] if group else []
                    group += ["> | " + " | ".join(header) + " |", "> |" + "---|" * len(header)]
                group.append("> | " + " | ".join(cells) + " |")
            elif group and not sentence.paragraph and not in_table:
                group[-1] += f" {sentence.text}{mark}"
            else:
                group += [">"] if group else []
                group.append(f"> {sentence.text}{mark}")
        elif style == "bullet":
            group.append(f"- {sentence.text}{marks}")
        else:
            group.append(sentence.text + marks)
    close()
    return "\n\n".join(parts)


def _tabular(sentence: AnswerSentence) -> bool:
    """A table row with a cell under each heading: shown as a table row."""
    return bool(sentence.cells and sentence.header and len(sentence.cells) == len(sentence.header))


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def refusal_text(nearest: list[Hit]) -> str:
    lines = [REFUSAL]
    titles = list(dict.fromkeys(str(h.metadata.get("title")) for h in nearest[:3]))
    if titles:
        lines.append("The nearest documents in the hub are:")
        lines += [f"- {t}" for t in titles]
    return "\n".join(lines)
