"""Evaluation metrics, each small and unit-tested on hand-computed cases (tests/test_metrics.py).

Definitions are in docs/evaluation.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from rag.text import strip_markdown, terms

Retrieved = tuple[str, str]  # (doc_id, section)


def is_relevant(item: Retrieved, gold: Retrieved) -> bool:
    """A retrieved chunk answers for a gold section when it is that section or inside it."""
    doc, section = item
    gold_doc, gold_section = gold
    return doc == gold_doc and (section == gold_section or section.startswith(gold_section + " > "))


def _first_hits(retrieved: Sequence[Retrieved], gold: Sequence[Retrieved]) -> list[int]:
    """Rank (0-based) at which each gold section is first found, or -1."""
    ranks = []
    for g in gold:
        ranks.append(next((i for i, item in enumerate(retrieved) if is_relevant(item, g)), -1))
    return ranks


def recall_at_k(retrieved: Sequence[Retrieved], gold: Sequence[Retrieved], k: int) -> float:
    """Share of gold sections found in the top k."""
    if not gold:
        return 0.0
    return sum(1 for r in _first_hits(retrieved, gold) if 0 <= r < k) / len(gold)


def hit_at_k(retrieved: Sequence[Retrieved], gold: Sequence[Retrieved], k: int) -> float:
    """1 if any gold section is in the top k (the passage holding the answer was found)."""
    return float(any(0 <= r < k for r in _first_hits(retrieved, gold)))


def reciprocal_rank(retrieved: Sequence[Retrieved], gold: Sequence[Retrieved]) -> float:
    for i, item in enumerate(retrieved):
        if any(is_relevant(item, g) for g in gold):
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at_k(retrieved: Sequence[Retrieved], gold: Sequence[Retrieved], k: int = 10) -> float:
    """Binary nDCG: each gold section earns gain once, at its first appearance."""
    if not gold:
        return 0.0
    found: set[int] = set()
    dcg = 0.0
    for i, item in enumerate(retrieved[:k]):
        for j, g in enumerate(gold):
            if j not in found and is_relevant(item, g):
                found.add(j)
                dcg += 1.0 / math.log2(i + 2)
                break
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / ideal


def normalise_for_match(text: str) -> str:
    text = strip_markdown(text).lower().replace("\u2014", "-").replace("\u2013", "-")
    return " ".join(re.sub(r"[*_`\"'\u2018\u2019\u201c\u201d]", "", text).split())


def completeness(answer: str, key_facts: Sequence[str]) -> float:
    """Share of key facts the answer states, matched by their content words (see ``fact_present``)."""
    if not key_facts:
        return 1.0
    answer_terms = set(terms(answer.replace("-", " ")))
    text = normalise_for_match(answer)
    return sum(fact_present(fact, answer_terms, text) for fact in key_facts) / len(key_facts)


def exact_completeness(answer: str, key_facts: Sequence[str]) -> float:
    """Share of key facts found word for word (case, spacing and emphasis ignored): the stricter,
    older measure, kept for comparison with earlier runs."""
    if not key_facts:
        return 1.0
    text = normalise_for_match(answer)
    return sum(1 for fact in key_facts if normalise_for_match(fact) in text) / len(key_facts)


def fact_present(fact: str, answer_terms: set[str], answer_text: str = "") -> bool:
    """A key fact is stated when all its figures and two thirds of its other content words
    (stemmed) are in the answer: "the DPO keeps the approved list" matches "the approved list is
    kept by the DPO", while "within 3 school days" does not match "within 2 school days"."""
    wanted = set(terms(fact.replace("-", " ")))
    if not wanted:
        return normalise_for_match(fact) in answer_text
    figures = {t for t in wanted if any(ch.isdigit() for ch in t)}
    words = wanted - figures
    if not figures <= answer_terms:
        return False  # a figure is the fact: "3 school days" is not "2 school days"
    return len(words & answer_terms) >= math.ceil(0.67 * len(words))


def acceptable(
    answer: str, refused: bool, key_facts: Sequence[str], wrong_facts: Sequence[str] = (), all_supported: bool = True
) -> bool:
    """How a teacher judges an answer: it answers, states at least half the key facts, and says
    nothing wrong (no sentence its sources don't support, none of the question's known wrong facts)."""
    if refused:
        return False
    answer_terms = set(terms(answer.replace("-", " ")))
    text = normalise_for_match(answer)
    if any(fact_present(w, answer_terms, text) and len(set(terms(w))) > 0 for w in wrong_facts):
        return False
    return all_supported and completeness(answer, key_facts) >= 0.5


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the chance a random positive scores above a random negative."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


Support = Callable[[str, str], bool]


def citation_scores(sentences: Sequence[tuple[str, Sequence[str]]], supports: Support) -> tuple[float, float]:
    """ALCE citation recall and precision.

    ``sentences`` holds each answer sentence with the texts of the passages it cites.
    Recall: share of sentences supported by their cited passages together.
    Precision: share of citations that are needed: a citation is irrelevant when it does not
    support the sentence alone and the sentence stays supported without it.
    """
    if not sentences:
        return 0.0, 0.0
    supported = 0
    citations = relevant = 0
    for sentence, passages in sentences:
        joint = supports(sentence, "\n".join(passages)) if passages else False
        supported += joint
        for i, passage in enumerate(passages):
            citations += 1
            alone = supports(sentence, passage)
            rest = [p for j, p in enumerate(passages) if j != i]
            without = supports(sentence, "\n".join(rest)) if rest else False
            if joint and (alone or not without):
                relevant += 1
    return supported / len(sentences), (relevant / citations if citations else 0.0)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
