"""The database, on SQLite and on a real PostgreSQL server: migrations keep rows, concurrent
writers lose none, a database that is briefly away gets retries and then a clear message."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from eval.report import headline
from rag.accounts import Account, add_user, authenticate, list_users, remove_user
from rag.db import Database, open_database
from rag.db.database import database_url
from rag.errors import HubqaError
from rag.settings import load_settings
from ui.cli import app

WRITERS, ROWS_EACH = 4, 40


def answer(n: int, refused: bool = False) -> dict:
    return {"question": f"question {n}", "answer": f"answer {n}", "refused": refused, "confidence": 0.5,
            "grounding": 1.0, "citations": [{"n": 1, "doc_id": f"corpus/doc-{n % 3}.md", "title": "T"}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return database_url(load_settings(data_dir=tmp_path))
    server = request.getfixturevalue("postgres")
    name = f"t{abs(hash(tmp_path)) % 10**8}"
    admin = Database(server.url)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def _writer(url: str, worker: int) -> None:
    db = Database(url)
    db.migrate()  # every process migrates at start, as app replicas do
    for i in range(ROWS_EACH):
        qid = db.record_question(answer(worker * 1000 + i), {"worker": worker})
        db.record_feedback(qid, helpful=i % 2 == 0, comment=f"worker {worker} row {i}")


def test_concurrent_writers_lose_no_rows(url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, w)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    db = Database(url)
    counts = db.counts()
    assert counts["questions"] == counts["feedback"] == WRITERS * ROWS_EACH
    comments = {fb.comment for fb, _ in db.feedback(limit=10_000)}
    assert comments == {f"worker {w} row {i}" for w in range(WRITERS) for i in range(ROWS_EACH)}


def latest_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from rag.db.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


def test_upgrade_from_the_first_schema_keeps_rows(url: str) -> None:
    db = Database(url)
    db.migrate("0001")
    assert db.revision() == "0001"
    qid = db.record_question(answer(1, refused=True), {"mode": "extractive"})
    db.record_feedback(qid, helpful=False, comment="missing the bus policy")
    report = {"test": {"questions": 1, "retrieval": {"mrr": 0.7}, "baseline": {"retrieval": {"mrr": 0.2}}}}
    db.record_eval_run(report, headline(report), "test", "hub.jsonl")
    db.migrate()
    assert db.revision() == latest_revision()
    assert [q.question for q in db.questions(refused=True)] == ["question 1"]
    assert db.feedback()[0][0].comment == "missing the bus policy"
    [run] = db.eval_runs()
    assert run.metrics == {"test.retrieval.mrr": 0.7}
    assert db.eval_report(run.id) == report
    add_user(db, "maria", "coach", "long enough pw")  # the new table works
    assert list_users(db) == [Account("maria", "coach")]


def test_stored_text_goes_through_the_privacy_guard(url: str) -> None:
    db = Database(url)
    db.migrate()
    qid = db.record_question({**answer(1), "question": "Can my student Jordan Reyes (jreyes@mail.com) use AI?"}, {})
    db.record_feedback(qid, helpful=False, comment="Call his mom at 555-123-4567")
    [(fb, q)] = db.feedback()
    assert "Jordan" not in q.question and "jreyes" not in q.question
    assert "555-123-4567" not in fb.comment and "[PHONE]" in fb.comment


def test_insights_queries(url: str) -> None:
    db = Database(url)
    db.migrate()
    for n in range(5):
        db.record_question(answer(n, refused=n >= 3), {})
    assert db.citation_counts() == {"corpus/doc-0.md": 2, "corpus/doc-1.md": 2, "corpus/doc-2.md": 1}
    [(day, asked, refused)] = db.questions_per_day()
    assert (asked, refused) == (5, 2) and len(day) == 10


def test_locked_sqlite_is_retried_then_reported(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_timeout_s=0.05)
    db = open_database(settings)
    db.retry_delays = (0.1, 0.2, 0.4, 0.8)
    blocker = sqlite3.connect(tmp_path / "hubqa.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock for a moment
    releaser = threading.Timer(0.5, blocker.execute, args=("COMMIT",))
    releaser.start()
    qid = db.record_question(answer(1), {})  # retried until the lock went away
    releaser.join()
    assert db.questions()[0].id == qid

    blocker.execute("BEGIN EXCLUSIVE")  # and now it never comes back
    started = time.monotonic()
    with pytest.raises(HubqaError, match=r"database .* is unavailable, so saving your feedback failed after 5 attempts.*Nothing was saved"):
        db.record_feedback(qid, helpful=True, comment="kept?")
    assert time.monotonic() - started >= 1.5  # the retries waited
    blocker.execute("COMMIT")
    assert db.counts()["questions"] == 1 and db.counts()["feedback"] == 0


def test_postgres_restart_is_survived_and_downtime_reported(postgres: object) -> None:
    db = Database(postgres.url, timeout_s=1)  # type: ignore[attr-defined]
    db.migrate()
    db.retry_delays = (0.5, 1.0, 2.0, 4.0)
    before = db.counts()["questions"]
    postgres.stop()  # type: ignore[attr-defined]
    restarter = threading.Timer(1.0, postgres.start)  # type: ignore[attr-defined]
    restarter.start()
    db.record_question(answer(7), {})  # the pool's dead connections are replaced, the write retried
    restarter.join()
    assert db.counts()["questions"] == before + 1

    db.retry_delays = (0.2, 0.2)
    postgres.stop()  # type: ignore[attr-defined]
    try:
        with pytest.raises(HubqaError, match="is unavailable, so saving the question failed after 3 attempts"):
            db.record_question(answer(8), {})
    finally:
        postgres.start()  # type: ignore[attr-defined]
    assert db.counts()["questions"] == before + 1


def test_accounts(tmp_path: Path) -> None:
    db = open_database(load_settings(data_dir=tmp_path))
    add_user(db, "maria", "coach", "correct horse battery")
    assert authenticate(db, "maria", "correct horse battery") == Account("maria", "coach")
    assert authenticate(db, "maria", "wrong horse battery") is None
    assert authenticate(db, "nobody", "correct horse battery") is None
    with pytest.raises(HubqaError, match="exists already"):
        add_user(db, "maria", "maintainer", "another password")
    with pytest.raises(HubqaError, match="too short"):
        add_user(db, "ana", "coach", "short")
    with pytest.raises(HubqaError, match="Unknown role 'admin'"):
        add_user(db, "ana", "admin", "long enough password")
    add_user(db, "lead@district.org", "maintainer", None)  # OIDC only: no password signs in
    assert authenticate(db, "lead@district.org", "") is None
    assert Account("maria", "coach").can("teacher") and not Account("maria", "coach").can("maintainer")
    assert remove_user(db, "maria") and not remove_user(db, "maria")
    raw = sqlite3.connect(tmp_path / "hubqa.db").execute("select password_hash from users").fetchall()
    assert all("correct horse" not in h for (h,) in raw)


def test_users_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["users", "add", "maria", "--role", "coach"], input="a fine password\na fine password\n")
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PW", "another fine one")
    assert runner.invoke(app, ["users", "add", "lead", "--role", "maintainer", "--password-env", "PW"]).exit_code == 0
    listed = runner.invoke(app, ["users", "list"])
    assert listed.output.split() == ["lead", "maintainer", "maria", "coach"]
    assert (tmp_path / "hubqa.db").is_file()  # in the data folder, outside the repository
