"""Resident memory of a process that loads a store and answers questions, read from /proc."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from eval.bench.ingest import timed_cli
from rag.settings import Settings


def answering_memory(store: Settings, questions: Sequence[str]) -> dict[str, float]:
    """Run ``hubqa ask --batch`` (the app's code path: one assistant, the index, the model) in a
    fresh process on ``store``; its resident memory after the last answer and its peak."""
    with tempfile.TemporaryDirectory(prefix="hubqa-bench-") as tmp:
        batch = Path(tmp) / "questions.jsonl"
        batch.write_text("".join(json.dumps({"id": n, "question": q}) + "\n" for n, q in enumerate(questions)))
        run = timed_cli(["ask", "--batch", str(batch), "--json"], store.data_dir)
    return {"rss_mb": round(run.rss_mb, 1), "peak_mb": round(run.peak_mb, 1), "seconds": round(run.seconds, 1)}
