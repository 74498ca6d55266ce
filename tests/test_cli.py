"""The CLI contract: ingest --json, exit codes, ask --json, docs list/remove."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import samples
from tests.cli_runner import run_cli

REPO = Path(__file__).resolve().parents[1]


def run_process(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """A real ``python -m ui.cli`` process: for the few checks where the process is the point."""
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_ingest_json_contract_exit_codes_ask_and_docs(tmp_path: Path) -> None:
    tree = tmp_path / "hub"
    tree.mkdir()
    (tree / "homework.md").write_text(samples.MARKDOWN)
    store = str(tmp_path / "store")
    ok = run_cli("ingest", str(tree), "--store", store, "--json")
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)  # exactly one JSON object on stdout
    assert set(report) >= {"added", "updated", "unchanged", "removed", "failed", "documents", "chunks", "seconds"}
    assert (report["added"], report["documents"], report["failed"]) == (1, 1, [])

    (tree / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    bad = run_cli("ingest", str(tree), "--store", store, "--json")
    assert bad.returncode == 2
    failed = json.loads(bad.stdout)["failed"]
    assert len(failed) == 1 and failed[0]["path"].endswith("broken.pdf") and "PDF" in failed[0]["error"]

    human = run_cli("ingest", str(tree), "--store", store)
    assert human.returncode == 2 and "skipped" in human.stderr and "broken.pdf" in human.stderr
    assert "Traceback" not in human.stderr
    assert "Indexing" not in human.stderr  # not a terminal (a pipe, a log file): no progress bar

    asked = run_cli("ask", "How long should homework take?", "--store", store, "--json", "--k", "2")
    sources = json.loads(asked.stdout)["sources"]
    assert [s["rank"] for s in sources] == [1, 2]
    assert set(sources[0]) == {"rank", "doc_id", "title", "source", "section", "page", "score", "text"}
    assert sources[0]["section"] == "Time limits" and "30 minutes" in sources[0]["text"]

    filtered = run_cli("ask", "homework", "--store", store, "--json", "--filter", "grade_band=K-2")
    assert json.loads(filtered.stdout)["sources"] == []
    wrong = run_cli("ask", "homework", "--store", store, "--filter", "colour=red")
    assert wrong.returncode == 1 and "Error: --filter" in wrong.stderr

    listed = json.loads(run_cli("docs", "list", "--store", store, "--json").stdout)["documents"]
    assert [(d["id"], d["title"]) for d in listed] == [("hub/homework.md", "Homework Help Guide")]
    missing = run_cli("docs", "remove", "nope.md", "--store", store)
    assert missing.returncode == 1 and "No document 'nope.md'" in missing.stderr
    assert run_cli("docs", "remove", "hub/homework.md", "--store", store).returncode == 0
    assert json.loads(run_cli("docs", "list", "--store", store, "--json").stdout)["documents"] == []


def test_help_reads_well() -> None:
    out = run_process("ingest", "--help").stdout  # a true process: `python -m ui.cli` and its exit
    assert "hubqa ingest corpus/" in out and "--chroma-url" in out


def test_an_unexpected_bug_is_one_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ui.cli

    def broken() -> None:
        raise KeyError("chunk_hash")

    monkeypatch.setattr(ui.cli, "app", broken)
    with pytest.raises(SystemExit) as exit_info:
        ui.cli.main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 70
    assert err.count("\n") == 1 and "unexpected KeyError" in err and "HUBQA_DEBUG=1" in err
    monkeypatch.setenv("HUBQA_DEBUG", "1")
    with pytest.raises(KeyError):
        ui.cli.main()


def _on_a_terminal(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (as in a shell); exit code, terminal text, stdout."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(timeout=120), b"".join(chunks).decode(errors="replace"), stdout


def test_ingest_shows_progress_only_on_a_terminal(tmp_path: Path) -> None:
    tree = tmp_path / "hub"
    tree.mkdir()
    (tree / "homework.md").write_text(samples.MARKDOWN)
    store = str(tmp_path / "store")
    code, terminal, stdout = _on_a_terminal("ingest", str(tree), "--store", store, cwd=tmp_path)
    assert code == 0, terminal
    assert "Indexing" in terminal and "1/1" in terminal  # the rich bar, counting documents
    assert "1 added" in stdout

    (tree / "more.md").write_text(samples.MARKDOWN.replace("Homework", "Classwork"))
    code, terminal, stdout = _on_a_terminal("ingest", str(tree), "--store", store, "--json", cwd=tmp_path)
    assert code == 0 and "Indexing" not in terminal  # --json: machine output only
    assert json.loads(stdout)["added"] == 1


def test_terminal_escapes_in_documents_never_reach_the_terminal(tmp_path: Path) -> None:
    """A document may carry escape sequences (retitle the window, clear the screen, hide text)."""
    tree = tmp_path / "hub"
    tree.mkdir()
    filler = "Recess is a time for play, rest and friendship, and every class goes out unless it rains. " * 12
    (tree / "escapes.md").write_text(
        "# Recess \x1b]0;pwned\x07Rules\x1b[2J\n\n## Duty\n\nTwo adults supervise recess\x1b[8m hidden\x1b[0m "
        f"and the whistle\x9b31m blows \u202eeciwt\u202c at noon.\n\n## Play\n\n{filler}\n"
    )
    store = str(tmp_path / "store")
    assert run_cli("ingest", str(tree), "--store", store).returncode == 0
    for args in (["ask", "Who supervises recess?"], ["docs", "list"], ["ask", "Who supervises recess?", "--json"]):
        out = run_cli(*args, "--store", store)
        assert out.returncode == 0, out.stderr
        screen = out.stdout + out.stderr
        assert "Recess" in screen and not any(c in screen for c in ("\x1b", "\x07", "\x9b", "\u202e")), screen


def test_a_question_too_long_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    out = run_cli("ask", "why? " * 1000, "--store", str(tmp_path / "store"))
    assert out.returncode == 1
    assert out.stderr.startswith("Error: The question is 5,000 characters long; the limit is 2,000.")


def test_database_store_and_index_files_are_private(tmp_path: Path) -> None:
    """Files hubqa writes are readable by their owner only (0600), folders 0700, whatever the umask."""
    import os
    import stat

    tree = tmp_path / "hub"
    tree.mkdir()
    (tree / "homework.md").write_text(samples.MARKDOWN)
    data = tmp_path / "data"
    env = {**os.environ, "HUBQA_DATA_DIR": str(data), "HUBQA_PASSWORD": "a long enough passphrase"}
    for args in (
        ["ingest", str(tree)],
        ["ask", "How long should homework take?"],
        ["users", "add", "maria", "--password-env", "HUBQA_PASSWORD"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "ui.cli", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            preexec_fn=lambda: os.umask(0o022),
        )
        assert proc.returncode == 0, proc.stderr
    created = [data, *data.rglob("*")]
    assert {p.name for p in created} >= {"hubqa.db", "chroma.sqlite3", "store"}
    loose = [(str(p.relative_to(tmp_path)), oct(p.stat().st_mode & 0o777)) for p in created if p.stat().st_mode & 0o077]
    assert loose == []
    assert stat.S_IMODE((data / "hubqa.db").stat().st_mode) == 0o600
