"""Shared fixtures: real embedding model, real Chroma stores in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.search.embeddings import SentenceEmbeddings
from rag.settings import Settings, load_settings

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's hubqa.toml or HUBQA_* variables."""
    for key in list(os.environ):
        if key.startswith("HUBQA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HUBQA_CONFIG", str(tmp_path / "no-such-hubqa.toml"))
    # a test's small store answers with the default gate; calibration (about a minute per store)
    # runs once, for the bundled corpus below, and in the tests of calibration itself
    monkeypatch.setenv("HUBQA_AUTO_CALIBRATE", "0")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", chunk_size=600, chunk_overlap=80)


@pytest.fixture(scope="session")
def embeddings() -> SentenceEmbeddings:
    """The real packaged model, loaded once for the whole run."""
    emb = SentenceEmbeddings(Settings())
    emb.embed_query("warm up")
    return emb


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled corpus, ingested once per test run into a temporary store."""
    from ingest.pipeline import Ingestor, calibrate_if_needed

    settings = load_settings(data_dir=tmp_path_factory.mktemp("corpus-index"), auto_calibrate=True)
    ingestor = Ingestor(settings)
    report = ingestor.run([REPO / "corpus"])
    assert report.failed == [], report.failed
    assert calibrate_if_needed(ingestor, report) is not None  # the store's own answer-or-refuse gate
    return settings


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL server for this test run (skipped, with the reason, where none is installed)."""
    from tests.postgres import PostgresServer, binaries

    if binaries() is None:
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql (`.ci/run` does)")
    folder = tmp_path_factory.mktemp("postgres")
    os.chmod(folder, 0o755)
    for parent in list(folder.parents)[:3]:  # the postgres user must reach its folder
        os.chmod(parent, os.stat(parent).st_mode | 0o005)
    server = PostgresServer(folder)
    server.start()
    yield server
    server.stop()
