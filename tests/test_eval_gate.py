"""The release gate `make test` runs: the evaluation's test split must stay above these floors.

Floors sit a little under the figures measured on 2026-12-01 (docs/evaluation.md), so a change
that makes retrieval, answers, refusals or citations worse fails CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from matplotlib.image import imread

from eval.charts import CHARTS
from eval.metrics import completeness
from eval.ragas import FIELDS
from eval.report import evaluate, failed_gates, flat, write
from rag.search.store import HubStore
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]

GATES = {
    "retrieval.hit_at_5": 0.78,
    "retrieval.mrr": 0.60,
    "answers.acceptable": 0.58,
    "answers.completeness": 0.52,
    "refusal.refusal_accuracy": 0.60,
    "answers.citation_recall": 0.95,
    "answers.grounding": 0.95,
}
#: The teacher-typed set (slang, typos, multi-part, follow-ups), its test split.
TEACHER_GATES = {"answers.acceptable": 0.6, "refusal.refusal_accuracy": 0.6}


@pytest.fixture(scope="module")
def test_split(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One evaluation of the test split, written out (report, charts, ragas.jsonl), shared by these tests."""
    out = tmp_path_factory.mktemp("eval")
    report = evaluate(corpus_settings, split="test")
    write(report, out, HubStore(corpus_settings))
    return report, out


def test_test_split_passes_the_release_gates(test_split: tuple[dict[str, Any], Path]) -> None:
    report, out = test_split
    values = flat(report["test"])
    assert failed_gates(report, GATES) == [], values
    assert values["refusal.false_refusal_rate"] <= 0.10
    private = [r for r in report["records"] if r["expect"] == "redact_and_answer"]
    assert private and all(r["redacted"] for r in private)
    assert "| retrieval.hit_at_5 |" in (out / "report.md").read_text()


def test_questions_typed_the_way_teachers_type_pass_their_gates(corpus_settings: Settings) -> None:
    report = evaluate(corpus_settings, REPO / "eval" / "sets" / "teacher-typed.jsonl", split="test")
    values = flat(report["test"])
    assert failed_gates(report, TEACHER_GATES) == [], values
    # 20 answerable questions: each refusal is 5 points, and answers near the threshold move with
    # each store's own calibration (measured 10-20%; the pipeline before issue 13 refused 35%).
    assert values["refusal.false_refusal_rate"] <= 0.20, values
    follow_ups = report["test"]["answers"]["follow_ups_acceptable"]
    assert follow_ups[0] >= follow_ups[1] // 2, follow_ups


def test_charts_are_png_files_linked_from_the_report(test_split: tuple[dict[str, Any], Path]) -> None:
    _, out = test_split
    markdown = (out / "report.md").read_text()
    for name in CHARTS:
        path = out / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, name
        pixels = imread(path)
        assert pixels.shape[0] >= 300 and pixels.shape[1] >= 500 and pixels.std() > 0.05, name
        assert f"]({name})" in markdown


def test_ragas_dataset_has_every_question_with_ragas_fields(test_split: tuple[dict[str, Any], Path]) -> None:
    report, out = test_split
    rows = [json.loads(line) for line in (out / "ragas.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in report["records"]] and len(rows) == 69
    for row, record in zip(rows, report["records"], strict=True):
        assert set(FIELDS) <= set(row)
        assert row["user_input"] == record["question"] and row["response"] == record["answer"]
        assert isinstance(row["reference"], str) and row["reference"]
        for key in ("retrieved_contexts", "reference_contexts"):
            assert isinstance(row[key], list) and all(isinstance(t, str) and t for t in row[key])
        assert len(row["retrieved_contexts"]) == min(5, len(record["retrieved"]))
        assert len(row["reference_contexts"]) == len(record["gold"])
    # the gold sections hold the answers: their text contains most key facts
    with_facts = [(r, rec) for r, rec in zip(rows, report["records"], strict=True) if rec["gold"] and rec["key_facts"]]
    found = [completeness("\n".join(r["reference_contexts"]), rec["key_facts"]) for r, rec in with_facts]
    assert with_facts and sum(found) / len(found) >= 0.8, found
    assert all(all(fact in r["reference"] for fact in rec["key_facts"]) for r, rec in with_facts)


def test_cli_gate_fails_with_exit_code_1(corpus_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "eval"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.cli",
            "eval",
            "--split",
            "test",
            "--out",
            str(out),
            "--corpus",
            str(tmp_path / "none"),
            "--store",
            str(corpus_settings.store_path),
            "--fail-under",
            "retrieval.hit_at_5=1.01",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1 and "gate failed: retrieval.hit_at_5" in result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["test"]["questions"] == 69 and "Traceback" not in result.stderr
    assert (out / "ragas.jsonl").is_file() and (out / "retrieval.png").is_file()
