"""Server mode: the same ingestion and search against a real `chroma run` on localhost."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import samples
from tests.cli_runner import run_cli as in_process

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.skip("the `chroma` command is not installed")
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server-data"), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start: " + (tmp_path / "chroma.log").read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run_cli(*args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    return in_process(*args, env={"HUBQA_DATA_DIR": str(data)} if data else None)


def test_ingest_ask_list_remove_against_server(tmp_path: Path, chroma_server: str) -> None:
    tree = tmp_path / "hub"
    tree.mkdir()
    (tree / "homework.md").write_text(samples.MARKDOWN)
    samples.multipage_pdf(tree / "lab.pdf")
    data = tmp_path / "client-data"
    first = run_cli("ingest", str(tree), "--chroma-url", chroma_server, "--json", data=data)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 2
    again = json.loads(run_cli("ingest", str(tree), "--chroma-url", chroma_server, "--json", data=data).stdout)
    assert (again["unchanged"], again["added"]) == (2, 0)

    asked = run_cli("ask", "what do students wear near chemicals", "--chroma-url", chroma_server, "--json", data=data)
    assert (data / "index" / "hubqa" / "hubqa.json").exists()  # the search index lives in the data folder
    top = json.loads(asked.stdout)["sources"][0]
    assert (top["doc_id"], top["page"]) == ("hub/lab.pdf", 2)

    listed = json.loads(run_cli("docs", "list", "--chroma-url", chroma_server, "--json").stdout)
    assert [d["id"] for d in listed["documents"]] == ["hub/homework.md", "hub/lab.pdf"]
    assert run_cli("docs", "remove", "hub/lab.pdf", "--chroma-url", chroma_server).returncode == 0
    listed = json.loads(run_cli("docs", "list", "--chroma-url", chroma_server, "--json").stdout)
    assert [d["id"] for d in listed["documents"]] == ["hub/homework.md"]


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("docs", "list", "--chroma-url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert result.stderr.startswith("Error:") and "Traceback" not in result.stderr
