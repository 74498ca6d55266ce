"""Query latency (retrieval alone and the full extractive answer) and concurrent askers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eval import metrics
from rag.answering.assistant import Assistant

WARM_UP = 3


def percentiles(ms: Sequence[float]) -> dict[str, float]:
    return {f"p{q}": round(metrics.percentile(ms, q), 1) for q in (50, 95, 99)}


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def warm_up(assistant: Assistant, questions: Sequence[str]) -> None:
    """Load the model and the index before anything is timed."""
    for q in questions[:WARM_UP]:
        assistant.ask(q)


def query_latency(assistant: Assistant, questions: Sequence[str]) -> dict[str, Any]:
    """One asker: each question retrieved alone, then answered in full (extractive)."""
    warm_up(assistant, questions)
    retrieve, answer = [], []
    for q in questions:
        started = time.perf_counter()
        assistant.retriever.search(q)
        retrieve.append(_ms_since(started))
        started = time.perf_counter()
        assistant.ask(q)
        answer.append(_ms_since(started))
    return {"retrieve": percentiles(retrieve), "answer": percentiles(answer)}


def concurrent_askers(assistant: Assistant, questions: Sequence[str], askers: int) -> dict[str, float]:
    """``askers`` threads sharing one assistant (as app sessions share one process) answer every
    question once: answers per second and the latency each asker saw."""
    warm_up(assistant, questions)
    latencies: list[float] = []

    def ask(q: str) -> None:
        started = time.perf_counter()
        assistant.ask(q)
        latencies.append(_ms_since(started))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=askers) as pool:
        list(pool.map(ask, questions))
    seconds = time.perf_counter() - started
    return {"answers_per_s": round(len(questions) / seconds, 1), **percentiles(latencies)}
