"""`hubqa bench`: every figure in one nested dict, parts and store sizes chosen by the caller."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.bench.ingest import bench_ingest
from eval.bench.latency import concurrent_askers, query_latency
from eval.bench.llm import llm_speed
from eval.bench.memory import answering_memory
from eval.bench.questions import bench_questions
from eval.bench.scaled import base_store, scaled_store, size_label, vector_fidelity
from rag.answering.assistant import Assistant
from rag.errors import HubqaError
from rag.search.store import HubStore
from rag.settings import Settings

PARTS = ("ingest", "query", "concurrency", "memory", "llm")
ASKERS = (1, 4, 16)
LLM_QUESTIONS = 5

Log = Callable[[str], None]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def run_bench(
    settings: Settings,
    corpus: Path,
    parts: Sequence[str] = PARTS,
    sizes: Sequence[int] = (1000, 10000, 100000),
    concurrency_size: int = 10000,
    questions: int = 239,
    seed: int = 7,
    log: Log = lambda _: None,
) -> dict[str, Any]:
    """Run the chosen parts; stores of each size are built on first use and cached."""
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        msg = f"--only: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}"
        raise HubqaError(msg)
    if not corpus.is_dir():
        msg = f"--corpus {corpus}: no such folder"
        raise HubqaError(msg)
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_1m_start": _load()}}
    if "ingest" in parts:  # first: its peak memory is this process's own so far
        log("ingest: the corpus into a fresh store, then embedding alone, then a no-op re-ingest")
        results["ingest"] = bench_ingest(corpus, settings)

    asked = bench_questions(base_store(settings, corpus), questions, seed) if set(parts) - {"ingest"} else []

    def store(size: int) -> Settings:
        log(f"store of {size_label(size)} chunks (built once, then cached under {settings.data_dir / 'bench'})")
        return scaled_store(settings, corpus, size, seed)

    if "query" in parts:
        query: dict[str, Any] = {"questions": len(asked)}
        for size in sizes:
            scaled = store(size)
            log(f"query: {len(asked)} questions at {size_label(size)} chunks")
            figures = query_latency(Assistant(scaled), asked)
            label = size_label(size)
            query[f"chunks_{label}"] = HubStore(scaled).chunk_count()
            query.update({f"{k}_ms_{label}": v for k, v in figures["answer"].items()})
            query.update({f"retrieve_{k}_ms_{label}": v for k, v in figures["retrieve"].items()})
            if size > 1000:
                query[f"vector_fidelity_{label}"] = round(vector_fidelity(scaled), 3)
        results["query"] = query
    if "concurrency" in parts:
        assistant = Assistant(store(concurrency_size))
        concurrency: dict[str, Any] = {"chunks": concurrency_size}
        for askers in ASKERS:
            log(f"concurrency: {askers} askers at {size_label(concurrency_size)} chunks")
            figures = concurrent_askers(assistant, asked, askers)
            concurrency[f"answers_per_s_{askers}"] = figures["answers_per_s"]
            concurrency[f"p95_ms_{askers}"] = figures["p95"]
        results["concurrency"] = concurrency
    if "memory" in parts:
        size = max(sizes)
        scaled = store(size)
        log(f"memory: a fresh process answering {len(asked)} questions at {size_label(size)} chunks")
        figures = answering_memory(scaled, asked)
        label = size_label(size)
        results["memory"] = {f"rss_mb_{label}": figures["rss_mb"], f"peak_mb_{label}": figures["peak_mb"]}
    if "llm" in parts:
        log("llm: streaming answers from the configured model (else the local GGUF model)")
        results["llm"] = llm_speed(Assistant(base_store(settings, corpus)), asked[:LLM_QUESTIONS])
    results["machine"]["load_1m_end"] = _load()
    return results


def flatten(results: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """("query.p95_ms_10k", 42.0) pairs, for the plain-text report."""
    pairs: list[tuple[str, Any]] = []
    for key, value in results.items():
        if isinstance(value, dict):
            pairs += flatten(value, f"{prefix}{key}.")
        else:
            pairs.append((f"{prefix}{key}", value))
    return pairs
