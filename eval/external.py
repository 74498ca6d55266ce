"""Answering over a document nobody on the team wrote, scored by locator phrases.

Each answerable question names a few short phrases that sit inside the passage holding its
answer; a retrieved chunk containing one counts as finding that passage (recall@5).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from langchain_core.vectorstores import InMemoryVectorStore
from langchain_text_splitters import RecursiveCharacterTextSplitter

from eval import metrics
from eval.dataset import read_rows
from ingest.loaders import load_document
from ingest.pipeline import Ingestor
from rag.answering.assistant import Assistant
from rag.settings import Settings


def _found(texts: list[str], locators: list[str]) -> bool:
    flat = [" ".join(t.split()) for t in texts]
    return any(" ".join(loc.split()) in text for loc in locators for text in flat)


def evaluate_document(settings: Settings, document: Path, questions: Path) -> dict[str, Any]:
    rows = read_rows(questions)
    with tempfile.TemporaryDirectory(prefix="hubqa-external-") as tmp:
        local = settings.model_copy(update={"data_dir": Path(tmp), "store_dir": None, "chroma_url": None})
        Ingestor(local).run([document])
        assistant = Assistant(local)
        ours: dict[str, list[float]] = {"hit": [], "refused_unanswerable": [], "refused_answerable": [], "ms": []}
        for row in rows:
            started = time.perf_counter()
            answer = assistant.ask(row["question"])
            ours["ms"].append((time.perf_counter() - started) * 1000)
            if row["kind"] == "answerable":
                ours["hit"].append(float(_found([h.text for h in answer.sources[:5]], row["locators"])))
                ours["refused_answerable"].append(float(answer.refused))
            else:
                ours["refused_unanswerable"].append(float(answer.refused))

        parsed = load_document(document, document.read_bytes())
        text = "\n\n".join(s.text for s in parsed.sections)
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).create_documents([text])
        naive = InMemoryVectorStore(assistant.embeddings)
        naive.add_documents(chunks)
        naive_hits = [
            float(_found([d.page_content for d in naive.similarity_search(r["question"], k=5)], r["locators"]))
            for r in rows
            if r["kind"] == "answerable"
        ]

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    return {
        "document": document.name,
        "answerable": len(ours["hit"]),
        "unanswerable": len(ours["refused_unanswerable"]),
        "hubqa": {
            "recall_at_5": mean(ours["hit"]),
            "refusal_accuracy": mean(ours["refused_unanswerable"]),
            "false_refusal_rate": mean(ours["refused_answerable"]),
            "latency_ms_p50": round(metrics.percentile(ours["ms"], 50), 1),
            "latency_ms_p95": round(metrics.percentile(ours["ms"], 95), 1),
        },
        "naive_langchain": {"recall_at_5": mean(naive_hits), "refusal_accuracy": 0.0},
    }
