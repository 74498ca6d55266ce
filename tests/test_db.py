"""The database, on SQLite and on a real PostgreSQL server: migrations keep rows, concurrent
writers lose none, a database that is briefly away gets retries and then a clear message."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from eval.report import headline
from rag.appdata import sessions
from rag.appdata.accounts import Account, add_user, authenticate, list_users, remove_user
from rag.appdata.db import Database, open_database
from rag.appdata.db.database import MIGRATIONS, database_url
from rag.errors import HubqaError
from rag.settings import load_settings
from ui.cli import app

WRITERS, ROWS_EACH = 4, 40


def answer(n: int, refused: bool = False) -> dict:
    return {
        "question": f"question {n}",
        "answer": f"answer {n}",
        "refused": refused,
        "confidence": 0.5,
        "grounding": 1.0,
        "citations": [{"n": 1, "doc_id": f"corpus/doc-{n % 3}.md", "title": "T"}],
    }


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


def _old_question(db: Database, question: str, refused: bool, settings: dict) -> int:
    """A question row as the code of an older schema wrote it (today's models have more columns)."""
    with db.engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO questions (asked_at, question, standalone, answer, refused, confidence, grounding, "
                "mode, citations, nearest, settings) VALUES (CURRENT_TIMESTAMP, :q, '', 'an answer', :r, 0.5, 1, "
                "'extractive', :c, '[]', :s) RETURNING id"
            ),
            {
                "q": question,
                "r": refused,
                "s": json.dumps(settings),
                "c": json.dumps([{"n": 1, "doc_id": "corpus/doc-1.md", "title": "T"}]),
            },
        ).scalar_one()


def test_upgrade_from_the_first_schema_keeps_rows(url: str) -> None:
    db = Database(url)
    db.migrate("0001")
    assert db.revision() == "0001"
    qid = _old_question(db, "question 1", refused=True, settings={"mode": "extractive"})
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feedback (question_id, created_at, helpful, comment, wrong_source) "
                "VALUES (:q, CURRENT_TIMESTAMP, :h, 'missing the bus policy', :w)"
            ),
            {"q": qid, "h": False, "w": False},
        )
    report = {"test": {"questions": 1, "retrieval": {"mrr": 0.7}, "baseline": {"retrieval": {"mrr": 0.2}}}}
    db.record_eval_run(report, headline(report), "test", "hub.jsonl")
    db.migrate()
    assert db.revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()
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
    with pytest.raises(
        HubqaError,
        match=r"database .* is unavailable, so saving your feedback failed after 5 attempts.*Nothing was saved",
    ):
        db.record_feedback(qid, helpful=True, comment="kept?")
    assert time.monotonic() - started >= 1.5  # the retries waited
    blocker.execute("COMMIT")
    assert db.counts()["questions"] == 1 and db.counts()["feedback"] == 0


def test_postgres_restart_is_survived_and_downtime_reported(postgres: object) -> None:
    db = Database(postgres.url, timeout_s=1)
    db.migrate()
    db.retry_delays = (0.5, 1.0, 2.0, 4.0)
    before = db.counts()["questions"]
    postgres.stop()
    restarter = threading.Timer(1.0, postgres.start)
    restarter.start()
    db.record_question(answer(7), {})  # the pool's dead connections are replaced, the write retried
    restarter.join()
    assert db.counts()["questions"] == before + 1

    db.retry_delays = (0.2, 0.2)
    postgres.stop()
    try:
        with pytest.raises(HubqaError, match="is unavailable, so saving the question failed after 3 attempts"):
            db.record_question(answer(8), {})
    finally:
        postgres.start()
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
    result = runner.invoke(
        app, ["users", "add", "maria", "--role", "coach"], input="a fine password\na fine password\n"
    )
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PW", "another fine one")
    assert runner.invoke(app, ["users", "add", "lead", "--role", "maintainer", "--password-env", "PW"]).exit_code == 0
    listed = runner.invoke(app, ["users", "list"])
    assert listed.output.split() == ["lead", "maintainer", "maria", "coach"]
    assert (tmp_path / "hubqa.db").is_file()  # in the data folder, outside the repository


def test_refusals_under_filters_are_marked_even_from_before_the_column(url: str) -> None:
    db = Database(url)
    db.migrate("0002")
    for n, filters in ((1, {"grade_band": "K-2"}), (2, {})):  # filters were only in the settings JSON
        _old_question(db, f"question {n}", refused=True, settings={"filters": filters})
    db.migrate()
    assert [q.question for q in db.questions(refused=True, filtered=False)] == ["question 2"]
    db.record_question(answer(3, refused=True), {"filters": {"subject": "math"}})
    db.record_question(answer(4, refused=True), {"filters": {}})
    assert {q.question for q in db.questions(refused=True, filtered=False)} == {"question 2", "question 4"}
    [(_, asked, gaps)] = db.questions_per_day()
    assert (asked, gaps) == (4, 2)  # refusals under filters are not the corpus's gaps


def test_sign_in_sessions(url: str, tmp_path: Path) -> None:
    db = Database(url)
    db.migrate()
    settings = load_settings(data_dir=tmp_path, session_days=1)
    add_user(db, "maria", "teacher", "long enough pw")
    token, live = sessions.start(db, settings, "maria")
    assert live.role == "teacher" and sessions.resume_token(db, settings, token) == live
    add_user(db, "maria", "coach", "long enough pw", replace=True)  # promoted: the next page view knows
    assert sessions.resume(db, live.session_id).role == "coach"

    other, _ = sessions.start(db, settings, "maria")  # a second browser
    sessions.end(db, live.session_id)  # signing out ends this session only
    assert sessions.resume_token(db, settings, token) is None
    assert sessions.resume_token(db, settings, other) is not None
    remove_user(db, "maria")  # the account is gone: so are its sessions
    assert sessions.resume_token(db, settings, other) is None
    with pytest.raises(HubqaError, match="No account 'nobody'"):
        sessions.start(db, settings, "nobody")


def test_session_tokens_are_signed_and_expire(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    secret = sessions.session_secret(settings)
    assert secret == sessions.session_secret(settings)  # kept in the data folder: survives a restart
    assert (tmp_path / "session-secret").stat().st_mode & 0o077 == 0  # readable by this user only
    now = datetime.now(UTC)
    token = sessions.sign(secret, "abc", now + timedelta(hours=1))
    assert sessions.verify(secret, token) == "abc"
    assert sessions.verify(secret, token, now + timedelta(hours=2)) is None  # expired
    assert sessions.verify(b"another secret" * 4, token) is None
    payload, signature = token.rsplit(".", 1)
    stretched = payload.rsplit(".", 1)[0] + f".{int((now + timedelta(days=365)).timestamp())}"
    assert sessions.verify(secret, f"{stretched}.{signature}") is None  # expiry can't be pushed back
    assert sessions.verify(secret, "garbage") is None and sessions.verify(secret, "v1.a.b.c") is None
    configured = load_settings(data_dir=tmp_path / "other", session_secret="s" * 40)
    assert sessions.session_secret(configured) == b"s" * 40  # every replica given the same key agrees
    with pytest.raises(HubqaError, match="too short"):
        sessions.session_secret(load_settings(data_dir=tmp_path, session_secret="short"))


def test_saved_conversations(url: str) -> None:
    db = Database(url)
    db.migrate()
    asked = "Jordan Reyes failed the quiz; how should he cite AI?"
    reply = {**answer(1), "question": asked, "standalone_question": asked, "sources": []}
    first = db.add_turn("tina", None, asked, reply, None)
    assert db.add_turn("tina", first, "And in a lab report?", answer(2), None) == first
    second = db.add_turn("tina", None, "What is a DPA?", answer(3), None)
    db.add_turn("omar", None, "Omar's own question", answer(4), None)
    assert [c.id for c in db.conversations("tina")] == [second, first]  # most recently used first
    turns = db.turns("tina", first)
    assert [t.position for t in turns] == [0, 1] and turns[1].question == "And in a lab report?"
    assert "Jordan" not in turns[0].question and "Jordan" not in turns[0].answer["standalone_question"]
    assert "Jordan" not in db.conversations("tina")[1].title  # the title is the redacted question

    db.rename_conversation("tina", first, "Citing AI in essays")
    assert {c.title for c in db.conversations("tina")} == {"Citing AI in essays", "What is a DPA?"}
    with pytest.raises(HubqaError, match="No conversation"):
        db.turns("omar", first)  # someone else's
    with pytest.raises(HubqaError, match="No conversation"):
        db.delete_conversation("omar", first)
    db.delete_conversation("tina", first)
    assert [c.id for c in db.conversations("tina")] == [second]
    assert db.counts()["conversation_turns"] == 2  # the deleted conversation's turns went with it
