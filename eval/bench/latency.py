"""Query latency (retrieval alone and the full extractive answer) and concurrent askers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from eval.bench.questions import BenchQuestion
from eval.metrics import hit_at_k
from rag.assistant import Assistant

WARM_UP = 3


def percentiles(ms: Sequence[float]) -> dict[str, float]:
    p50, p95, p99 = np.percentile(np.asarray(ms, dtype=float), [50, 95, 99])
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1), "p99": round(float(p99), 1)}


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def query_latency(assistant: Assistant, questions: Sequence[BenchQuestion]) -> dict[str, Any]:
    """One asker: each question retrieved alone, then answered in full (extractive)."""
    for q in questions[:WARM_UP]:
        assistant.ask(q.text)
    retrieve, answer, hits = [], [], []
    for q in questions:
        started = time.perf_counter()
        found = assistant.retriever.search(q.text)
        retrieve.append(_ms_since(started))
        started = time.perf_counter()
        assistant.ask(q.text)
        answer.append(_ms_since(started))
        if q.gold:
            hits.append(hit_at_k([(h.doc_id, str(h.metadata.get("section", ""))) for h in found], q.gold, 5))
    return {
        "retrieve": percentiles(retrieve),
        "answer": percentiles(answer),
        "hit_at_5": round(float(np.mean(hits)), 3) if hits else None,
        "questions": len(questions),
    }


def concurrent_askers(assistant: Assistant, questions: Sequence[BenchQuestion], askers: int) -> dict[str, float]:
    """``askers`` threads sharing one assistant (as app sessions share one process) answer every
    question once: answers per second and the latency each asker saw."""
    latencies: list[float] = []

    def ask(q: BenchQuestion) -> None:
        started = time.perf_counter()
        assistant.ask(q.text)
        latencies.append(_ms_since(started))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=askers) as pool:
        list(pool.map(ask, questions))
    seconds = time.perf_counter() - started
    return {"answers_per_s": round(len(questions) / seconds, 1), **percentiles(latencies)}
