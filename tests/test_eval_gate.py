"""The release gate `make test` runs: the evaluation's test split must stay above these floors.

Floors sit a little under the figures measured on 2026-11-22 (docs/evaluation.md), so a change
that makes retrieval, refusals or citations worse fails CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.report import evaluate, failed_gates, flat, write
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]

GATES = {
    "retrieval.hit_at_5": 0.78,
    "retrieval.mrr": 0.60,
    "refusal.refusal_accuracy": 0.70,
    "answers.citation_recall": 0.95,
    "answers.grounding": 0.95,
}


def test_test_split_passes_the_release_gates(corpus_settings: Settings, tmp_path: Path) -> None:
    report = evaluate(corpus_settings, split="test")
    write(report, tmp_path)
    values = flat(report["test"])
    assert failed_gates(report, GATES) == [], values
    assert values["refusal.false_refusal_rate"] <= 0.25
    private = [r for r in report["records"] if r["expect"] == "redact_and_answer"]
    assert private and all(r["redacted"] for r in private)
    assert "| retrieval.hit_at_5 |" in (tmp_path / "report.md").read_text()


def test_cli_gate_fails_with_exit_code_1(corpus_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "eval"
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "eval", "--split", "test", "--out", str(out), "--corpus", str(tmp_path / "none"),
         "--store", str(corpus_settings.store_path), "--fail-under", "retrieval.hit_at_5=1.01"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 1 and "gate failed: retrieval.hit_at_5" in result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["test"]["questions"] == 69 and "Traceback" not in result.stderr
