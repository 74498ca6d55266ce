"""Settings precedence: flags > HUBQA_* environment > hubqa.toml > defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.settings import load_settings
from ui.cli import app


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "hubqa.toml"
    toml.write_text('collection = "from-toml"\nchunk_size = 700\ntop_k = 7\n')
    monkeypatch.setenv("HUBQA_CONFIG", str(toml))
    assert load_settings().top_k == 7 and load_settings().collection == "from-toml"
    monkeypatch.setenv("HUBQA_CHUNK_SIZE", "800")
    monkeypatch.setenv("HUBQA_COLLECTION", "from-env")
    settings = load_settings(collection="from-flag", top_k=None)
    assert settings.collection == "from-flag"  # flag beats env
    assert settings.chunk_size == 800  # env beats toml
    assert settings.top_k == 7  # toml beats default; an unset flag (None) is ignored
    assert load_settings().store_path == Path(".hubqa") / "store"


def test_config_command_prints_effective_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBQA_TOP_K", "12")
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["top_k"] == 12 and data["embedding_model"] == "packaged:all-MiniLM-L6-v2"


def test_invalid_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"HUBQA_CHUNK_SIZE": "tiny", "HUBQA_CONFIG": str(tmp_path / "none.toml"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "config"], env=env, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: Invalid settings") and "chunk_size" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_passwords_and_keys_in_urls_are_masked_wherever_settings_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.settings import mask_url

    monkeypatch.setenv("HUBQA_DATABASE_URL", "postgresql+psycopg://hubqa:S3cret-pw!@db:5432/hubqa")
    monkeypatch.setenv("HUBQA_LLM_BASE_URL", "https://llm.example/v1?api-key=sk-live-123&deployment=x")
    monkeypatch.setenv("HUBQA_CHROMA_URL", "http://admin:chroma-pw@chroma:8000")
    for args in (["config"], ["config", "--json"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "S3cret-pw" not in result.output and "sk-live-123" not in result.output
        assert "chroma-pw" not in result.output and "hubqa:***@db:5432" in result.output
    dumped = json.dumps(load_settings().public_dump())
    assert "S3cret" not in dumped and "sk-live" not in dumped and "deployment=x" in dumped
    assert mask_url("sqlite:////srv/hubqa.db") == "sqlite:////srv/hubqa.db"
    assert load_settings().database_url.endswith("S3cret-pw!@db:5432/hubqa")  # still usable, only shown masked


def test_the_dashboard_shows_settings_masked(monkeypatch: pytest.MonkeyPatch, corpus_settings, tmp_path: Path) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from rag.appdata.accounts import Account

    monkeypatch.setenv("HUBQA_STORE_DIR", str(corpus_settings.store_path))
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUBQA_LLM_BASE_URL", "http://user:llm-pw@localhost:9/v1?token=tok-999")
    st.cache_resource.clear()
    at = AppTest.from_file(
        str(Path(__file__).resolve().parents[1] / "ui" / "views" / "dashboard.py"), default_timeout=180
    )
    at.session_state["account"] = Account("lead", "maintainer")
    at.run()
    assert not at.exception
    shown = json.dumps([j.value for j in at.json]) + " ".join(m.value for m in at.markdown)
    assert "llm-pw" not in shown and "tok-999" not in shown and "user:***@localhost" in shown
