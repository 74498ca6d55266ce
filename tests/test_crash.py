"""kill -9 at random points during ingestion, many times: every interrupted run leaves each
document's old or new version complete, and the next run ends with the same index as a clean run."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from rag.search.index import SearchIndex, index_folder
from rag.search.store import HubStore
from rag.settings import load_settings
from tests.ingest_zygote import zygote

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TOPICS = ["recess", "homework", "field trips", "lab safety", "grading", "reading logs", "attendance", "lunch"]
ROUNDS = 20


def write_doc(path: Path, i: int, rng: random.Random) -> None:
    topic = TOPICS[i % len(TOPICS)]
    paras = [
        f"## Part {j}\n\nRule {i}.{j} about {topic}: students {rng.choice(['walk', 'wait', 'write', 'read'])} "
        f"for {rng.randint(2, 40)} minutes, and teachers record it in log {rng.randint(100, 999)}."
        for j in range(3)
    ]
    path.write_text(f"# Guide {i} on {topic}\n\n" + "\n\n".join(paras) + "\n")


def make_tree(root: Path, n: int = 30) -> Path:
    rng = random.Random(7)
    root.mkdir()
    for i in range(n):
        write_doc(root / f"doc-{i:03d}.md", i, rng)
    return root


def mutate(tree: Path, rng: random.Random, round_no: int) -> None:
    """Between runs the hub changes: three edits, one deletion, one new document."""
    docs = sorted(tree.glob("*.md"))
    for path in rng.sample(docs, 3):
        with path.open("a") as f:
            f.write(
                f"\n## Update {round_no}\n\nFrom round {round_no}, bring log {rng.randint(100, 999)} to the office.\n"
            )
    rng.choice(docs).unlink()
    write_doc(tree / f"doc-new-{round_no:02d}.md", 100 + round_no, rng)


def snapshot(data: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    store = HubStore(load_settings(data_dir=data))
    docs = {doc_id: rec.version for doc_id, rec in store.read_documents().items()}
    got = store.chunks.get(include=["documents"])
    return docs, sorted(zip(got["ids"], got["documents"], strict=True))


def test_kill_9_at_random_points_many_times_then_rerun_matches_clean_ingest(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "hub")
    crashed, clean = tmp_path / "crashed", tmp_path / "clean"
    rng = random.Random(11)
    kill_points: list[int] = []
    with zygote(tmp_path / "zygote.log") as z:
        for round_no in range(ROUNDS):
            if round_no:
                mutate(tree, rng, round_no)
            outcome = z.ingest(crashed, tree, kill_after=rng.randint(0, 25), delay=rng.uniform(0.0, 0.01))
            if outcome["killed"]:
                kill_points.append(outcome["writes"])
                state = z.check(crashed)  # each document is at its old or its new version, complete
                assert state["incomplete"] == [], state
        assert len(kill_points) >= ROUNDS * 2 // 3, kill_points  # many kills, at varied points
        assert len(set(kill_points)) >= 8, kill_points
        print(f"kill -9 points (writes to Chroma before the kill): {kill_points}")
        final = subprocess.run(
            [sys.executable, "-m", "ui.cli", "ingest", str(tree), "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "HUBQA_DATA_DIR": str(crashed), "HUBQA_CHUNK_SIZE": "200", "HUBQA_CHUNK_OVERLAP": "20"},
        )
        assert final.returncode == 0, final.stderr
        assert z.ingest(clean, tree)["done"] is not None

    crashed_docs, crashed_chunks = snapshot(crashed)
    clean_docs, clean_chunks = snapshot(clean)
    assert len(crashed_docs) == len(list(tree.glob("*.md")))
    assert crashed_docs == clean_docs
    assert crashed_chunks == clean_chunks
    store = HubStore(load_settings(data_dir=crashed))
    index = SearchIndex.load(index_folder(store))  # the saved search index is in step as well
    assert index is not None and index.generation == store.generation()
    assert sorted(index.ids) == [chunk_id for chunk_id, _ in crashed_chunks]
