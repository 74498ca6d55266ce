"""`hubqa eval retrieval --beir` on a small BEIR folder written by the test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.beir import ndcg, read_qrels

REPO = Path(__file__).resolve().parents[1]

PASSAGES = {
    "p1": "Photosynthesis turns light, water and carbon dioxide into glucose and oxygen in plant leaves.",
    "p2": "The mitochondria release energy from glucose during cellular respiration.",
    "p3": "Volcanoes form where magma reaches the surface through cracks in the crust.",
    "p4": "Earthquakes happen when tectonic plates slip past each other along faults.",
    "p5": "The water cycle moves water through evaporation, condensation and precipitation.",
}


def test_beir_run_file_and_metrics(tmp_path: Path) -> None:
    beir = tmp_path / "tiny"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": k, "title": "", "text": v}) for k, v in PASSAGES.items())
    )
    (beir / "queries.jsonl").write_text(
        "\n".join(
            json.dumps({"_id": q, "text": t})
            for q, t in [("q1", "how do plants make glucose from light"), ("q2", "what causes earthquakes")]
        )
    )
    (beir / "qrels" / "test.tsv").write_text("q1\tp1\t2\nq1\tp2\t1\nq2\tp4\t1\n")
    run = tmp_path / "run.trec"
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "eval", "retrieval", "--beir", str(beir), "--out", str(run), "--k", "3"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["queries"] == 2 and metrics["mrr_at_10"] == 1.0
    lines = [line.split() for line in run.read_text().splitlines()]
    assert [(line[0], line[2], line[3]) for line in lines if line[3] == "1"] == [("q1", "p1", "1"), ("q2", "p4", "1")]
    assert all(len(line) == 6 and line[1] == "Q0" and line[5] == "hubqa" for line in lines)
    assert max(int(line[3]) for line in lines) <= 3


def test_ndcg_definitions_by_hand(tmp_path: Path) -> None:
    grades = {"a": 3, "b": 1, "c": 2}
    ranked = ["b", "x", "a"]
    dcg = 1 / 1 + 0 + 3 / 2  # gain = grade (trec_eval); log2(2)=1, log2(4)=2
    standard_ideal = 3 / 1 + 2 / 1.5849625007211562 + 1 / 2
    assert abs(ndcg(ranked, grades) - dcg / standard_ideal) < 1e-9
    leaderboard_ideal = 3 / 1 + 1 / 1.5849625007211562  # the retrieved grades, sorted
    assert abs(ndcg(ranked, grades, leaderboard=True) - dcg / leaderboard_ideal) < 1e-9
    qrels = tmp_path / "q.tsv"
    qrels.write_text("q\ta\t1\nq\tb\t0\nr\tc\t2\n")
    assert read_qrels(qrels) == {"q": {"a": 1, "b": 0}, "r": {"c": 2}}
    assert read_qrels(qrels, skip_first_line=True) == {"q": {"b": 0}, "r": {"c": 2}}


def test_any_beir_ids_work_and_the_run_keeps_them(tmp_path: Path) -> None:
    """BEIR ids are arbitrary strings: slashes, colons, spaces, non-ASCII and very long ones."""
    ids = {"p1": "<dbpedia:AC/DC>", "p2": "../../etc/passwd", "p3": "Zoë Straße: über", "p4": "x" * 3000, "p5": "q1"}
    beir = tmp_path / "odd"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": ids[k], "title": f"Passage {k}", "text": v}) for k, v in PASSAGES.items()),
        encoding="utf-8",
    )
    (beir / "queries.jsonl").write_text(
        "\n".join(
            json.dumps({"_id": q, "text": t})
            for q, t in [("q 1/ä", "how do plants make glucose from light"), ("q2", "what causes earthquakes")]
        ),
        encoding="utf-8",
    )
    (beir / "qrels" / "test.tsv").write_text(f"q 1/ä\t{ids['p1']}\t2\nq2\t{ids['p4']}\t1\n", encoding="utf-8")
    run = tmp_path / "out" / "run.trec"
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "eval", "retrieval", "--beir", str(beir), "--out", str(run), "--k", "3"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mrr_at_10"] == 1.0
    exact = json.loads((tmp_path / "out" / "run.trec.json").read_text(encoding="utf-8"))
    assert next(iter(exact["q 1/ä"])) == "<dbpedia:AC/DC>" and next(iter(exact["q2"])) == "x" * 3000
    assert set().union(*exact.values()) <= set(ids.values())
    lines = [line.split(" ") for line in run.read_text(encoding="utf-8").splitlines()]
    assert all(len(line) == 6 for line in lines)  # whitespace inside ids is escaped in the TREC file
    assert lines[0][:4] == ["q%201/ä", "Q0", "<dbpedia:AC/DC>", "1"]
    assert not (tmp_path / "etc").exists()
