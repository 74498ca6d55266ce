"""What an answer is: the text, its cited sentences, its sources and how sure we are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rag.records import Hit
from rag.retrieval import source_dict

REFUSAL = "The hub's resources don't cover this."


@dataclass
class AnswerSentence:
    text: str
    #: Citation numbers ([n]) this sentence carries, 1-based into ``Answer.citations``.
    citations: list[int]
    supported: bool = True
    score: float = 1.0
    bullet: bool = False


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
            "text": self.hit.context or self.hit.text,
            "quotes": self.quotes,
        }


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    confidence: float
    grounding: float
    citations: list[Citation]
    sources: list[Hit]
    timings_ms: dict[str, float]
    id: Any = None
    mode: str = "extractive"
    standalone_question: str = ""
    sentences: list[AnswerSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "confidence": round(self.confidence, 4),
            "grounding": round(self.grounding, 4),
            "citations": [c.to_dict() for c in self.citations],
            "sources": [source_dict(rank, hit) for rank, hit in enumerate(self.sources, start=1)],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "mode": self.mode,
            "standalone_question": self.standalone_question,
            "sentences": [
                {"text": s.text, "citations": s.citations, "supported": s.supported, "score": round(s.score, 3)}
                for s in self.sentences
            ],
            "notes": self.notes,
            "redacted": self.redacted,
        }


def render(lead: str, sentences: list[AnswerSentence]) -> str:
    """Answer text: the lead-in, then sentences with their [n] markers (list items as bullets)."""
    parts: list[str] = [lead] if lead else []
    paragraph: list[str] = []
    for sentence in sentences:
        marked = sentence.text + "".join(f" [{n}]" for n in sentence.citations)
        if not sentence.supported:
            marked += " (unverified)"
        if sentence.bullet:
            if paragraph:
                parts.append(" ".join(paragraph))
                paragraph = []
            parts.append(f"- {marked}")
        else:
            paragraph.append(marked)
    if paragraph:
        parts.append(" ".join(paragraph))
    return "\n\n".join(_join_bullets(parts))


def _join_bullets(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part.startswith("- ") and out and out[-1].startswith("- "):
            out[-1] += "\n" + part
        else:
            out.append(part)
    return out


def refusal_text(nearest: list[Hit]) -> str:
    lines = [REFUSAL]
    titles = list(dict.fromkeys(str(h.metadata.get("title")) for h in nearest[:3]))
    if titles:
        lines.append("The nearest documents in the hub are:")
        lines += [f"- {t}" for t in titles]
    return "\n".join(lines)
