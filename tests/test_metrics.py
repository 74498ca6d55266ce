"""Each evaluation metric on a case computed by hand."""

from __future__ import annotations

import math

import pytest

from eval import metrics
from eval.runner import calibrate

GOLD = [("a.md", "Steps"), ("b.md", "FAQ > Q1")]
RETRIEVED = [("c.md", "X"), ("a.md", "Steps > Step 2"), ("a.md", "Steps"), ("d.md", ""), ("b.md", "FAQ > Q1")]


def test_relevance_includes_subsections_only() -> None:
    assert metrics.is_relevant(("a.md", "Steps > Step 2"), ("a.md", "Steps"))
    assert not metrics.is_relevant(("a.md", "Steps"), ("a.md", "Steps > Step 2"))
    assert not metrics.is_relevant(("a.md", "Stepsister"), ("a.md", "Steps"))


def test_recall_hit_and_mrr() -> None:
    assert metrics.recall_at_k(RETRIEVED, GOLD, 2) == 0.5  # a.md found at rank 2, b.md not yet
    assert metrics.recall_at_k(RETRIEVED, GOLD, 5) == 1.0
    assert metrics.hit_at_k(RETRIEVED, GOLD, 1) == 0.0 and metrics.hit_at_k(RETRIEVED, GOLD, 2) == 1.0
    assert metrics.reciprocal_rank(RETRIEVED, GOLD) == 0.5
    assert metrics.reciprocal_rank([("z.md", "")], GOLD) == 0.0


def test_ndcg_counts_each_gold_section_once() -> None:
    # gains at ranks 2 (a.md) and 5 (b.md); the second a.md hit at rank 3 earns nothing
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert metrics.ndcg_at_k(RETRIEVED, GOLD, 10) == pytest.approx(dcg / ideal)
    assert metrics.ndcg_at_k(RETRIEVED, GOLD, 4) == pytest.approx((1 / math.log2(3)) / ideal)


def test_completeness_ignores_case_and_emphasis() -> None:
    answer = "Meet **within 2 school days**; the Data Privacy Officer decides."
    assert metrics.completeness(answer, ["within 2 School Days", "data privacy officer", "15 school days"]) == (
        pytest.approx(2 / 3)
    )
    assert metrics.completeness("anything", []) == 1.0


def test_alce_citation_recall_and_precision() -> None:
    passages = {"p1": "cats purr", "p2": "dogs bark", "p3": "birds sing"}

    def supports(claim: str, passage: str) -> bool:  # supported when every word pair is in the passage
        return all(word in passage for word in claim.split())

    sentences = [
        ("cats purr", [passages["p1"], passages["p3"]]),  # p1 needed, p3 irrelevant
        ("dogs bark", [passages["p2"]]),                   # supported, p2 needed
        ("fish swim", [passages["p1"]]),                   # unsupported: its citation is not needed
    ]
    recall, precision = metrics.citation_scores(sentences, supports)
    assert recall == pytest.approx(2 / 3)
    assert precision == pytest.approx(2 / 4)


def test_percentile() -> None:
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([10], 95) == 10
    assert metrics.percentile([0, 100], 95) == 95


def test_calibration_picks_the_best_balanced_threshold() -> None:
    records = [{"expect": "answer", "confidence": c} for c in (0.6, 0.7, 0.8)]
    records += [{"expect": "refuse", "confidence": c} for c in (0.3, 0.5, 0.65)]
    threshold, scores = calibrate(records)
    # ties (0.51 and 0.66 both reach 5/6) go to the lower threshold: fewer false refusals
    assert threshold == 0.51 and scores["balanced_accuracy"] == pytest.approx((1 + 2 / 3) / 2, abs=1e-4)
