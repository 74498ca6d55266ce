"""Run the assistant over an evaluation set and score every question."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean
from typing import Any

from eval import metrics
from eval.dataset import EvalQuestion
from rag.answering.assistant import LLM_PASSAGES, Assistant
from rag.answering.grounding import GroundingChecker
from rag.privacy import redact

EXPECT_REFUSAL = "refuse"


def score_question(q: EvalQuestion, answer: dict[str, Any], checker: GroundingChecker) -> dict[str, Any]:
    """One question's record: what came back and every metric that applies to it."""
    retrieved = [(s["doc_id"], s["section"]) for s in answer["sources"]]
    gold = [(g.doc_id, g.section) for g in q.gold]
    record: dict[str, Any] = {
        "id": q.id,
        "split": q.split,
        "kind": q.kind,
        "subkind": q.subkind,
        "expect": q.expect,
        "question": answer["question"],  # the redacted form: exports never hold student data
        "history": [redact(h)[0] for h in q.history],
        "answer": answer["answer"],
        "refused": answer["refused"],
        "confidence": answer["confidence"],
        "grounding": answer["grounding"],
        "redacted": answer["redacted"],
        "timings_ms": answer["timings_ms"],
        "retrieved": retrieved[:10],
        "gold": gold,
        "citations": [{"n": c["n"], "doc_id": c["doc_id"], "section": c["section"]} for c in answer["citations"]],
        "contexts": [c["text"] for c in answer["citations"]],
        "retrieved_contexts": [s["text"] for s in answer["sources"][:LLM_PASSAGES]],
        "key_facts": q.key_facts,
        "wrong_facts": q.wrong_facts,
        "standalone_question": answer.get("standalone_question", ""),
    }
    if gold:
        record.update(
            recall_at_5=metrics.recall_at_k(retrieved, gold, 5),
            hit_at_5=metrics.hit_at_k(retrieved, gold, 5),
            recall_at_10=metrics.recall_at_k(retrieved, gold, 10),
            mrr=metrics.reciprocal_rank(retrieved, gold),
            ndcg_at_10=metrics.ndcg_at_k(retrieved, gold, 10),
        )
    if q.answerable and not answer["refused"]:
        texts = {c["n"]: c["text"] for c in answer["citations"]}
        pairs = [(s["text"], [texts[n] for n in s["citations"] if n in texts]) for s in answer["sentences"]]
        recall, precision = metrics.citation_scores(pairs, lambda c, p: checker.check(c, p).supported)
        record.update(
            completeness=metrics.completeness(answer["answer"], q.key_facts),
            exact_completeness=metrics.exact_completeness(answer["answer"], q.key_facts),
            citation_recall=recall,
            citation_precision=precision,
        )
    if q.answerable:
        record["acceptable"] = metrics.acceptable(
            answer["answer"],
            answer["refused"],
            q.key_facts,
            q.wrong_facts,
            all(s["supported"] for s in answer["sentences"]),
        )
    record["correct_refusal"] = answer["refused"] == (q.expect == EXPECT_REFUSAL)
    return record


def run(assistant: Assistant, questions: Sequence[EvalQuestion], use_llm: bool = False) -> list[dict[str, Any]]:
    checker = assistant.checker()
    records = []
    for q in questions:
        answer = assistant.ask(q.question, history=q.history, use_llm=use_llm, id=q.id).to_dict()
        records.append(score_question(q, answer, checker))
    return records


def _mean(records: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in records if r.get(key) is not None]
    return round(mean(values), 4) if values else None


def _share(records: Sequence[dict[str, Any]], key: str) -> list[int] | None:
    return [sum(bool(r.get(key)) for r in records), len(records)] if records else None


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate metrics for a set of question records."""
    answerable = [r for r in records if r["expect"] != EXPECT_REFUSAL]
    refuse = [r for r in records if r["expect"] == EXPECT_REFUSAL]
    with_gold = [r for r in records if r["gold"]]
    timings = {stage: [r["timings_ms"].get(stage, 0.0) for r in records] for stage in ("retrieve", "generate", "total")}
    private = [r for r in records if r["expect"] == "redact_and_answer"]
    return {
        "questions": len(records),
        "retrieval": {
            key: _mean(with_gold, key) for key in ("recall_at_5", "hit_at_5", "recall_at_10", "mrr", "ndcg_at_10")
        },
        "answers": {
            key: _mean(answerable, key)
            for key in ("completeness", "exact_completeness", "citation_recall", "citation_precision")
        }
        | {
            "grounding": _mean([r for r in answerable if not r["refused"]], "grounding"),
            "acceptable": round(mean(bool(r.get("acceptable")) for r in answerable), 4) if answerable else None,
            "follow_ups_acceptable": _share([r for r in answerable if r["history"]], "acceptable"),
        },
        "confidence": {
            # how well confidence separates answers a teacher would accept from the rest (refusals
            # of unanswerable questions count as right, answers to them as wrong)
            "auc": _round(
                metrics.auc(
                    [r["confidence"] for r in records],
                    [bool(r.get("acceptable")) if r["expect"] != EXPECT_REFUSAL else False for r in records],
                )
            ),
        },
        "refusal": {
            "refusal_accuracy": round(mean(r["refused"] for r in refuse), 4) if refuse else None,
            "false_refusal_rate": round(mean(r["refused"] for r in answerable), 4) if answerable else None,
            "unanswerable": len(refuse),
            "answerable": len(answerable),
        },
        "privacy": {"student_data_redacted": (sum(bool(r["redacted"]) for r in private), len(private))},
        "latency_ms": {
            stage: {"p50": round(metrics.percentile(v, 50), 1), "p95": round(metrics.percentile(v, 95), 1)}
            for stage, v in timings.items()
        },
    }
