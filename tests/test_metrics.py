"""Each evaluation metric on a case computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval import metrics

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
        ("dogs bark", [passages["p2"]]),  # supported, p2 needed
        ("fish swim", [passages["p1"]]),  # unsupported: its citation is not needed
    ]
    recall, precision = metrics.citation_scores(sentences, supports)
    assert recall == pytest.approx(2 / 3)
    assert precision == pytest.approx(2 / 4)


def test_percentile() -> None:
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([10], 95) == 10
    assert metrics.percentile([0, 100], 95) == 95


def test_key_facts_match_by_content_words_and_figures_must_agree() -> None:
    assert metrics.completeness("The approved list is kept by the DPO.", ["the DPO keeps the approved list"]) == 1.0
    assert metrics.completeness("Meet within 3 school days.", ["within 2 school days"]) == 0.0
    assert metrics.completeness("An oral defence of 10-15 minutes", ["10-15 minutes"]) == 1.0
    assert metrics.exact_completeness("An oral defence of 10-15 minutes", ["10 to 15 minutes"]) == 0.0


def test_an_acceptable_answer_states_half_the_facts_and_nothing_wrong() -> None:
    facts = ["about 50 minutes", "Levels 0-3"]
    assert metrics.acceptable("Lessons run about 50 minutes.", False, facts)
    assert not metrics.acceptable("Lessons run about 50 minutes.", True, facts)  # refused
    assert not metrics.acceptable(
        "Levels 0-3 apply; lessons last 50 minutes, not 45 minutes.", False, facts, wrong_facts=["45 minutes"]
    )
    assert not metrics.acceptable("Lessons run about 50 minutes.", False, facts, all_supported=False)
    assert not metrics.acceptable("Students use approved tools.", False, facts)


def test_auc_counts_pairs_ranked_right() -> None:
    assert metrics.auc([0.9, 0.8, 0.3], [True, False, False]) == 1.0
    assert metrics.auc([0.2, 0.8], [True, False]) == 0.0
    assert metrics.auc([0.5, 0.5], [True, False]) == 0.5
    assert metrics.auc([0.5], [True]) is None


def test_logistic_fit_separates_and_orders_by_evidence() -> None:
    from rag.answering.calibration import fit_logistic

    rng = np.random.default_rng(0)
    good = rng.normal(0.7, 0.1, size=(60, 2))
    bad = rng.normal(0.3, 0.1, size=(60, 2))
    x = np.vstack([good, bad])
    y = np.array([1.0] * 60 + [0.0] * 60)
    w, b = fit_logistic(x, y)
    assert (w > 0).all()
    p = 1 / (1 + np.exp(-(x @ w + b)))
    assert ((p > 0.5) == (y == 1)).mean() > 0.95
