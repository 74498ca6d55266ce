"""Bad input through the real CLI: each bad file gets one line, the rest is indexed, nothing is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from ingest.loaders import load_document
from ingest.parsed import LoadError
from ingest.pipeline import Ingestor
from rag.search.embeddings import SentenceEmbeddings
from rag.search.store import HubStore
from rag.settings import load_settings
from tests import bad_inputs, samples

CHUNK_SIZE = 400


def hubqa(*args: str, cwd: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBQA_DATA_DIR": str(data), "HUBQA_CHUNK_SIZE": str(CHUNK_SIZE)}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


def snapshot(data: Path) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Each document's version, and its chunks (id, text)."""
    store = HubStore(load_settings(data_dir=data))
    versions = {doc_id: rec.version for doc_id, rec in store.read_documents().items()}
    got = store.chunks.get(include=["documents", "metadatas"])
    chunks: dict[str, list[tuple[str, str]]] = {}
    for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        chunks.setdefault(str(meta["doc_id"]), []).append((chunk_id, text))
    return versions, {k: sorted(v) for k, v in chunks.items()}


def test_bad_inputs_each_get_one_line_and_nothing_indexed_is_lost(
    tmp_path: Path, embeddings: SentenceEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub, data = tmp_path / "hub", tmp_path / "data"
    hub.mkdir()
    (hub / "homework.md").write_text(samples.MARKDOWN)
    (hub / "recess.html").write_text(samples.HTML)
    samples.multipage_pdf(hub / "lab-handbook.pdf")
    monkeypatch.chdir(tmp_path)  # sources relative to tmp_path, as the CLI runs below will see them
    ingestor = Ingestor(load_settings(data_dir=data, chunk_size=CHUNK_SIZE), embeddings=embeddings)
    assert ingestor.run([Path("hub")]).failed == []
    before_versions, before_chunks = snapshot(data)
    assert len(before_versions) == 3

    bad_inputs.build(hub, tmp_path / "outside")
    (hub / "homework.md").write_bytes(os.urandom(3000))  # an indexed file turns to junk: keep its old chunks

    run = hubqa("ingest", "hub", cwd=tmp_path, data=data)
    output = run.stdout + run.stderr
    assert run.returncode == 2, output
    assert "Traceback" not in output and not any(line.startswith("Error:") for line in output.splitlines())
    skipped = [line for line in run.stderr.splitlines() if line.startswith("skipped ")]
    expected_bad = {name: word for name, word in bad_inputs.EXPECTED.items() if word is not None}
    expected_bad["homework.md"] = "binary"
    for name, word in expected_bad.items():
        lines = [line for line in skipped if line.startswith(f"skipped hub/{name}: ")]
        assert len(lines) == 1, (name, skipped)
        assert word in lines[0], lines[0]
    assert len(skipped) == len(expected_bad), skipped
    assert "private notes" not in output

    versions, chunks = snapshot(data)
    for doc_id, version in before_versions.items():  # rows lost: none
        assert versions[doc_id] == version and chunks[doc_id] == before_chunks[doc_id]
    indexed = {f"hub/{name}" for name, word in bad_inputs.EXPECTED.items() if word is None}
    assert set(versions) == set(before_versions) | indexed
    texts = {doc_id: " ".join(t for _, t in rows) for doc_id, rows in chunks.items()}
    assert "café" in texts["hub/utf16.txt"] and "goûter est servi" in texts["hub/latin1.md"]
    assert "north gate" in texts["hub/nested.html"]
    assert "autorisation signée" in texts["hub/Fiche élève – sortie scolaire v2.md"]
    assert not any("secret" in doc_id or "private notes" in t for doc_id, t in texts.items())

    again = hubqa("ingest", "hub", "--json", cwd=tmp_path, data=data)
    report = json.loads(again.stdout)
    assert again.returncode == 2 and len(report["failed"]) == len(expected_bad)
    assert report["unchanged"] == len(versions) - 1 and report["removed"] == 0  # homework.md: old chunks kept
    assert report["documents"] == len(versions)


def test_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    bomb = bad_inputs.zip_bomb_docx(tmp_path / "bomb.docx")
    data = bomb.read_bytes()
    assert len(data) < bad_inputs.BOMB_BYTES // 100  # a real bomb: tiny outside, gigabytes inside
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match="zip bomb"):
            load_document(bomb, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # the sizes were checked; document.xml was never read


def test_yaml_alias_bomb_in_front_matter_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "bomb.md"
    path.write_text(bad_inputs.YAML_ALIAS_BOMB)
    doc = load_document(path, path.read_bytes())
    assert doc.title == "Alias Bomb Notes" and all(len(v) <= 500 for v in doc.metadata.values())
