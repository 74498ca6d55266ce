"""kill -9 during ingestion: the next run ends with the same index as a clean run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.settings import load_settings
from rag.store import HubStore

pytestmark = pytest.mark.slow

TOPICS = ["recess", "homework", "field trips", "lab safety", "grading", "reading logs", "attendance", "lunch"]


def make_tree(root: Path, n: int = 40) -> Path:
    rng = random.Random(7)
    root.mkdir()
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        paras = [
            f"## Part {j}\n\nRule {i}.{j} about {topic}: students {rng.choice(['walk', 'wait', 'write', 'read'])} "
            f"for {rng.randint(2, 40)} minutes, and teachers record it in log {rng.randint(100, 999)}."
            for j in range(4)
        ]
        (root / f"doc-{i:03d}.md").write_text(f"# Guide {i} on {topic}\n\n" + "\n\n".join(paras) + "\n")
    return root


def ingest_cmd(tree: Path, data: Path) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "ingest", str(tree), "--json"]


def env_for(data: Path) -> dict[str, str]:
    return {**os.environ, "HUBQA_DATA_DIR": str(data), "HUBQA_CHUNK_SIZE": "200", "HUBQA_CHUNK_OVERLAP": "20"}


def snapshot(data: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    store = HubStore(load_settings(data_dir=data))
    docs = {doc_id: rec.version for doc_id, rec in store.documents().items()}
    got = store.chunks.get(include=["documents"])
    return docs, sorted(zip(got["ids"], got["documents"], strict=True))


def test_kill_9_repeatedly_then_rerun_matches_clean_ingest(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "hub")
    crashed, clean = tmp_path / "crashed", tmp_path / "clean"
    cwd = Path(__file__).resolve().parents[1]
    rng = random.Random(11)
    kills = 0
    for _ in range(4):
        proc = subprocess.Popen(ingest_cmd(tree, crashed), env=env_for(crashed), cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(4.0, 9.0))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1, "ingest finished before any kill: make the tree larger"
    final = subprocess.run(ingest_cmd(tree, crashed), env=env_for(crashed), cwd=cwd, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    reference = subprocess.run(ingest_cmd(tree, clean), env=env_for(clean), cwd=cwd, capture_output=True, text=True)
    assert reference.returncode == 0, reference.stderr

    crashed_docs, crashed_chunks = snapshot(crashed)
    clean_docs, clean_chunks = snapshot(clean)
    assert len(crashed_docs) == 40
    assert crashed_docs == clean_docs
    assert crashed_chunks == clean_chunks
