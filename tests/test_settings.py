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
