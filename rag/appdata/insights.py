"""What coaches learn from use: gaps grouped by meaning, answers likely wrong, and which documents get cited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.appdata.db import Question
from rag.records import DocRecord

#: Cosine similarity above which two unanswered questions count as the same gap (MiniLM).
SAME_GAP = 0.6


@dataclass
class Gap:
    """Unanswered questions that ask about the same thing; the first is the most central."""

    questions: list[str] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.questions[0] if self.questions else ""


def group_gaps(
    questions: Sequence[str], embed: Callable[[list[str]], list[list[float]]], threshold: float = SAME_GAP
) -> list[Gap]:
    """Group questions by meaning (single pass, each joins the closest group's centroid if
    similar enough), largest group first; each group's label is its most central question."""
    if not questions:
        return []
    vectors = np.asarray(embed(list(questions)), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    members: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vec in enumerate(vectors):
        if sums:
            centroids = np.stack([s / np.linalg.norm(s) for s in sums])
            sims = centroids @ vec
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                members[best].append(i)
                sums[best] = sums[best] + vec
                continue
        members.append([i])
        sums.append(vec.copy())
    gaps = []
    for group, total in zip(members, sums, strict=True):
        centre = total / np.linalg.norm(total)
        ordered = sorted(group, key=lambda i: -float(vectors[i] @ centre))
        gaps.append(Gap([questions[i] for i in ordered], ordered))
    return sorted(gaps, key=lambda g: (-len(g.indices), g.label))


def citation_ranking(
    counts: Counter[str], documents: dict[str, DocRecord]
) -> tuple[list[tuple[DocRecord, int]], list[DocRecord]]:
    """(documents by how often answers cited them, most first; indexed documents never cited)."""
    cited = [(documents[d], n) for d, n in counts.most_common() if d in documents]
    never = sorted((r for d, r in documents.items() if counts.get(d, 0) == 0), key=lambda r: r.title)
    return cited, never


#: An answer whose confidence is this close above the refusal threshold was nearly refused.
LOW_CONFIDENCE_MARGIN = 0.05


@dataclass
class Suspect:
    """An answer that is more likely wrong than most, with the reasons to look at it."""

    question: Question
    reasons: list[str]


def likely_wrong(
    answered: Sequence[Question], thumbs_down: set[int], margin: float = LOW_CONFIDENCE_MARGIN
) -> list[Suspect]:
    """Answers (not refusals) a coach should check first: a teacher's thumbs-down, sentences
    the grounding check could not match to a cited passage, or a confidence just above the
    refusal threshold it was answered under. Most reasons first, then least confident."""
    suspects = []
    for q in answered:
        reasons = []
        if q.id in thumbs_down:
            reasons.append("thumbs-down")
        if q.grounding < 0.999:
            reasons.append(f"grounded {q.grounding:.0%}: some sentences are not supported by their sources")
        threshold = (q.settings or {}).get("threshold")
        if isinstance(threshold, int | float) and q.confidence < threshold + margin:
            reasons.append(f"low confidence ({q.confidence:.2f}; answers need {threshold:.2f})")
        if reasons:
            suspects.append(Suspect(q, reasons))
    return sorted(suspects, key=lambda s: (-len(s.reasons), s.question.confidence))
