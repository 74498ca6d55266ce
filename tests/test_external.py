"""On a long, messy, real report (../shared, absent in a user's clone): better than naive retrieval."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

REPORT = SHARED / "external" / "ed-2023-ai-report.md"


@pytest.mark.skipif(not REPORT.exists(), reason="../shared/external/ed-2023-ai-report.md is not beside the checkout")
def test_real_report_recall_beats_naive_pipeline(settings) -> None:
    from eval.external import evaluate_document

    result = evaluate_document(
        settings.model_copy(update={"chunk_size": 1000, "chunk_overlap": 150}),
        REPORT,
        REPO / "eval" / "sets" / "ed-report.jsonl",
    )
    assert result["answerable"] == 45 and result["unanswerable"] == 15
    assert result["hubqa"]["recall_at_5"] >= 0.7
    assert result["hubqa"]["recall_at_5"] > result["naive_langchain"]["recall_at_5"]
    assert result["hubqa"]["refusal_accuracy"] >= 0.6


def test_grounding_cli_scores_pairs(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    passage = "Meet with the student within 2 school days, privately. Do not accuse."
    rows = [
        {"id": "a", "claim": "Meet the student privately within 2 school days.", "passage": passage, "supported": True},
        {"id": "b", "claim": "Meet the student within 5 school days.", "passage": passage, "supported": False},
        {
            "id": "c",
            "claim": "Always accuse the student in front of the class.",
            "passage": passage,
            "supported": False,
        },
    ]
    pairs.write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "scores.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "eval", "grounding", "--pairs", str(pairs), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(s["id"], s["supported"]) for s in scored] == [("a", True), ("b", False), ("c", False)]
    assert all(0 <= s["score"] <= 1 for s in scored) and "all" in result.stdout
