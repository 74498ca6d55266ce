"""The evaluation run as a RAGAS dataset (``ragas.jsonl``), so RAGAS's LLM-judged metrics can be
run on hubqa's answers elsewhere, e.g. ``EvaluationDataset.from_jsonl("ragas.jsonl")``.

One line per question with RAGAS's single-turn fields: ``user_input`` (the question),
``retrieved_contexts`` (the top passages retrieved), ``response`` (the answer shown),
``reference`` (the key facts, or the refusal expected), ``reference_contexts`` (the text of the
gold sections). hubqa's ``id``, ``split`` and ``kind`` ride along for joining results back;
RAGAS's samples (pydantic models) ignore fields they do not define.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import is_relevant
from rag.answering.answer import REFUSAL
from rag.search.store import HubStore

#: The fields of ragas.dataset_schema.SingleTurnSample that hubqa fills.
FIELDS = ("user_input", "retrieved_contexts", "response", "reference", "reference_contexts")


def section_text(store: HubStore, doc_id: str, section: str) -> str:
    """The current text of a gold section (and its subsections), chunk overlap removed."""
    record = store.cached_documents().get(doc_id)
    if record is None:
        return ""
    got = store.chunks.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])
    pieces = sorted(
        (int(str(meta.get("start", 0))), int(str(meta.get("end", 0))), text or "")
        for text, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True)
        if meta.get("version") == record.version
        and is_relevant((doc_id, str(meta.get("section", ""))), (doc_id, section))
    )
    text, reached = "", -1
    for start, end, piece in pieces:
        if end <= reached:
            continue
        skip = max(0, reached - start)
        text += ("\n" if text and skip == 0 else "") + piece[skip:]
        reached = end
    return text


def rows(records: Sequence[dict[str, Any]], store: HubStore) -> list[dict[str, Any]]:
    """One RAGAS row per question record of ``eval.runner``."""
    out = []
    for r in records:
        reference = "; ".join(r.get("key_facts") or []) if r["expect"] != "refuse" else REFUSAL
        out.append(
            {
                "user_input": r["question"],
                "retrieved_contexts": list(r.get("retrieved_contexts", [])),
                "response": r["answer"],
                "reference": reference,
                "reference_contexts": [t for doc, section in r["gold"] if (t := section_text(store, doc, section))],
                "id": r["id"],
                "split": r["split"],
                "kind": r["kind"],
            }
        )
    return out


def write_ragas(records: Sequence[dict[str, Any]], store: HubStore, path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows(records, store):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
