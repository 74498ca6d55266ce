"""Connecting, migrating, and reading and writing rows, with retries when the server blips."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, and_, case, create_engine, event, func, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, defer, sessionmaker

from rag.appdata.db.schema import (
    Conversation,
    EvalRun,
    Feedback,
    IngestRun,
    Question,
    SignInSession,
    Turn,
    User,
    utcnow,
)
from rag.errors import HubqaError
from rag.guards.limits import MAX_QUESTION_CHARS
from rag.privacy import redact
from rag.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
#: Waits between attempts when the database is unavailable (about 6 s in all).
RETRY_DELAYS_S = (0.2, 0.4, 0.8, 1.6, 3.2)
#: Longest feedback comment kept (the form allows this many characters).
MAX_COMMENT_CHARS = 4000


def database_url(settings: Settings) -> str:
    """``HUBQA_DATABASE_URL``, or a SQLite file in the data folder."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{(settings.data_dir / 'hubqa.db').absolute()}"


class Database:
    """All of hubqa's rows. Writes retry while the database is briefly unavailable, then
    raise a ``HubqaError`` that says nothing was saved, so no input is dropped silently."""

    def __init__(self, url: str, timeout_s: float = 10.0, retry_delays: tuple[float, ...] = RETRY_DELAYS_S) -> None:
        self.url = url
        self.retry_delays = retry_delays
        is_sqlite = url.startswith("sqlite")
        connect_args: dict[str, Any] = (
            {"timeout": timeout_s} if is_sqlite else {"connect_timeout": max(1, int(timeout_s))}
        )
        self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        if is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # -- plumbing -------------------------------------------------------------------------

    def _retrying(self, action: str, fn: Callable[[], T]) -> T:
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                return fn()
            except (OperationalError, DBAPIError) as e:
                if not _transient(e):
                    raise
                if delay is None:
                    reason = str(e.orig).strip().splitlines()[0] if e.orig else type(e).__name__
                    msg = (
                        f"The database ({self.display_url}) is unavailable, so {action} failed "
                        f"after {attempt + 1} attempts ({reason}). Nothing was saved: try again in a minute."
                    )
                    raise HubqaError(msg) from e
                log.warning("database unavailable (%s), retrying in %.1fs", type(e).__name__, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def session(self, action: str, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a transaction, retried while the database is briefly unavailable."""

        def run() -> T:
            with self._sessions() as session, session.begin():
                return fn(session)

        return self._retrying(action, run)

    def _insert(self, action: str, row: Question | EvalRun | IngestRun) -> int:
        def add(session: Session) -> int:
            session.add(row)
            session.flush()
            return row.id

        return self.session(action, add)

    def revision(self) -> str | None:
        """The schema revision the database is at (None when empty)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision``; safe to call from many processes at once."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))

        def run() -> None:
            with self._migration_lock(), self.engine.connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if sqlite:  # a table a migration rebuilds must not take its children's rows with it
                    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    conn.commit()
                try:
                    with conn.begin():
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, revision)
                finally:
                    if sqlite:
                        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                        conn.commit()

        self._retrying("updating the database schema", run)

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """One migrator at a time: a file lock beside a SQLite file, an advisory lock on PostgreSQL."""
        if self.engine.url.get_backend_name() == "sqlite" and self.engine.url.database:
            with open(f"{self.engine.url.database}.migrate-lock", "w") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                yield
        elif self.engine.url.get_backend_name() == "postgresql":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT pg_advisory_lock(7206414)")
                try:
                    yield
                finally:
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(7206414)")
                    conn.commit()
        else:
            yield

    # -- writes ---------------------------------------------------------------------------

    def record_question(self, answer: dict[str, Any], settings: dict[str, Any], user: str | None = None) -> int:
        """Store an answered or refused question (text redacted again, to be sure); its id."""
        grounding = answer.get("grounding", 0.0)
        row = Question(
            question=redact(answer.get("question", "")[:MAX_QUESTION_CHARS])[0],
            standalone=redact(answer.get("standalone_question", "")[:MAX_QUESTION_CHARS])[0],
            answer=redact(answer.get("answer", ""))[0],
            refused=bool(answer.get("refused")),
            confidence=float(answer.get("confidence", 0.0)),
            # A refusal has nothing to check (grounding None): stored as fully grounded, as before.
            grounding=1.0 if grounding is None else float(grounding),
            mode=str(answer.get("mode", "extractive")),
            citations=[
                {k: c.get(k) for k in ("n", "doc_id", "title", "source", "section", "page")}
                for c in answer.get("citations", [])
            ],
            nearest=[
                {k: s.get(k) for k in ("doc_id", "title", "source", "section", "page")}
                for s in answer.get("sources", [])[:5]
            ],
            settings=settings,
            user=user,
            filtered=bool(settings.get("filters")),
        )

        return self._insert("saving the question", row)

    def record_feedback(
        self, question_id: int, helpful: bool, comment: str = "", wrong_source: bool = False, user: str | None = None
    ) -> int:
        """Store a thumbs up/down on a stored answer; the comment goes through the privacy guard."""

        def add(session: Session) -> int:
            if session.get(Question, question_id) is None:
                raise HubqaError(f"No stored answer with id {question_id}: feedback not saved.")
            row = Feedback(
                question_id=question_id,
                helpful=helpful,
                comment=redact(comment.strip()[:MAX_COMMENT_CHARS])[0],
                wrong_source=wrong_source,
                user=user,
            )
            session.add(row)
            session.flush()
            return row.id

        return self.session("saving your feedback", add)

    def update_feedback(self, feedback_id: int, helpful: bool, comment: str = "", wrong_source: bool = False) -> None:
        """Change a feedback row (the thumbs first, the comment when the teacher sends it)."""

        def update(session: Session) -> None:
            row = session.get(Feedback, feedback_id)
            if row is None:
                raise HubqaError(f"No feedback with id {feedback_id}: not saved.")
            row.helpful, row.wrong_source = helpful, wrong_source
            row.comment = redact(comment.strip()[:MAX_COMMENT_CHARS])[0]

        self.session("saving your feedback", update)

    def record_eval_run(
        self, report: dict[str, Any], metrics: dict[str, float], split: str, eval_set: str, passed: bool | None = None
    ) -> int:
        """Store an evaluation report with its headline figures (``{"test.retrieval.mrr": 0.7}``),
        kept apart for charts over runs."""
        row = EvalRun(split=split, eval_set=eval_set, metrics=metrics, report=report, passed=passed)

        return self._insert("saving the evaluation run", row)

    def record_ingest(self, paths: list[str], report: dict[str, Any], user: str | None = None) -> int:
        row = IngestRun(paths=paths, report=report, user=user)

        return self._insert("saving the ingest report", row)

    # -- reads ----------------------------------------------------------------------------

    def questions(self, refused: bool | None = None, limit: int = 1000, filtered: bool | None = None) -> list[Question]:
        """Newest first; ``refused=True, filtered=False`` gives the gaps (a refusal under filters
        says the filters were narrow, not that the hub lacks the topic)."""
        stmt = select(Question).order_by(Question.asked_at.desc(), Question.id.desc()).limit(limit)
        if refused is not None:
            stmt = stmt.where(Question.refused == refused)
        if filtered is not None:
            stmt = stmt.where(Question.filtered == filtered)
        return self.session("reading questions", lambda s: list(s.scalars(stmt)))

    def feedback(self, helpful: bool | None = None, limit: int = 1000) -> list[tuple[Feedback, Question]]:
        """Feedback rows with the answer they rate, newest first."""
        stmt = select(Feedback, Question).join(Question).order_by(Feedback.id.desc()).limit(limit)
        if helpful is not None:
            stmt = stmt.where(Feedback.helpful == helpful)
        # the rows are (Feedback, Question) pairs; SQLAlchemy types them as Row[...] only
        return self.session("reading feedback", lambda s: [tuple(r) for r in s.execute(stmt)])  # type: ignore[misc]

    def eval_runs(self, limit: int = 200) -> list[EvalRun]:
        """Oldest first, for charts over time; metrics only (a full report is about 1 MB)."""
        stmt = select(EvalRun).options(defer(EvalRun.report, raiseload=True)).order_by(EvalRun.id.desc()).limit(limit)
        return self.session("reading evaluation runs", lambda s: list(s.scalars(stmt)))[::-1]

    def eval_report(self, run_id: int) -> dict[str, Any]:
        """The whole stored report of one run (per-question records included)."""
        run = self.session("reading the evaluation report", lambda s: s.get(EvalRun, run_id))
        if run is None:
            raise HubqaError(f"No evaluation run #{run_id}.")
        return run.report

    def last_ingest(self) -> IngestRun | None:
        stmt = select(IngestRun).order_by(IngestRun.id.desc()).limit(1)
        return self.session("reading the last ingest", lambda s: s.scalars(stmt).first())

    def citation_counts(self) -> Counter[str]:
        """How many stored answers cited each document."""
        rows = self.session("reading citations", lambda s: list(s.scalars(select(Question.citations))))
        counts: Counter[str] = Counter()
        for citations in rows:
            counts.update({c["doc_id"] for c in citations if c.get("doc_id")})
        return counts

    def questions_per_day(self) -> list[tuple[str, int, int]]:
        """(day, questions, unanswered) for every day with questions; refusals under filters are
        not counted as unanswered (the same questions the gaps leave out)."""
        day = func.date(Question.asked_at)
        gap = case((and_(Question.refused, Question.filtered.is_(False)), 1), else_=0)
        stmt = select(day, func.count(), func.sum(gap)).group_by(day).order_by(day)
        rows = self.session("reading question counts", lambda s: list(s.execute(stmt)))
        return [(str(d), int(n), int(r or 0)) for d, n, r in rows]

    def counts(self) -> dict[str, int]:
        """Rows per table, for the dashboard and the tests."""

        def count(session: Session) -> dict[str, int]:
            return {
                model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Question, Feedback, EvalRun, IngestRun, User, SignInSession, Conversation, Turn)
            }

        return self.session("counting rows", count)

    # -- saved conversations (signed-in teachers) ------------------------------------------

    def conversations(self, user: str, limit: int = 100) -> list[Conversation]:
        """A user's conversations, the most recently used first (without their turns)."""
        stmt = (
            select(Conversation)
            .where(Conversation.user == user)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
            .limit(limit)
        )
        return self.session("reading your conversations", lambda s: list(s.scalars(stmt)))

    def add_turn(
        self,
        user: str,
        conversation_id: int | None,
        question: str,
        answer: dict[str, Any],
        question_id: int | None = None,
    ) -> int:
        """Append a question and its answer to a conversation (a new one, titled by the question,
        when ``conversation_id`` is None); the conversation's id. Texts are redacted again."""
        clean = {
            **answer,
            "question": redact(answer.get("question", ""))[0],
            "standalone_question": redact(answer.get("standalone_question", ""))[0],
        }
        asked = redact(question)[0]

        def add(s: Session) -> int:
            if conversation_id is None:
                conversation = Conversation(user=user, title=_title(asked))
                s.add(conversation)
                s.flush()
            else:
                conversation = self._owned(s, conversation_id, user)
            position = len(conversation.turns)
            s.add(
                Turn(
                    conversation_id=conversation.id,
                    position=position,
                    question=asked,
                    answer=clean,
                    question_id=question_id,
                )
            )
            conversation.updated_at = utcnow()
            return conversation.id

        return self.session("saving the conversation", add)

    def turns(self, user: str, conversation_id: int) -> list[Turn]:
        """The turns of one of ``user``'s conversations, in order."""
        return self.session("reading the conversation", lambda s: list(self._owned(s, conversation_id, user).turns))

    def rename_conversation(self, user: str, conversation_id: int, title: str) -> None:
        def rename(s: Session) -> None:
            self._owned(s, conversation_id, user).title = _title(redact(title)[0])

        self.session("renaming the conversation", rename)

    def delete_conversation(self, user: str, conversation_id: int) -> None:
        self.session("deleting the conversation", lambda s: s.delete(self._owned(s, conversation_id, user)))

    @staticmethod
    def _owned(session: Session, conversation_id: int, user: str) -> Conversation:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.user != user:
            raise HubqaError(f"No conversation #{conversation_id} of yours: it may have been deleted.")
        return conversation

    def dispose(self) -> None:
        self.engine.dispose()


def _title(text: str) -> str:
    """A conversation's title: one line, at most 80 characters."""
    line = " ".join(text.split()) or "Untitled conversation"
    return line if len(line) <= 80 else line[:79].rstrip() + "…"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _transient(error: DBAPIError) -> bool:
    """Connection trouble and lock timeouts are worth retrying; bad SQL is not."""
    if error.connection_invalidated or isinstance(error, OperationalError):
        return True
    text = str(error.orig or "").lower()
    return any(s in text for s in ("locked", "connection", "timeout", "terminat", "shutting down"))


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600, its folder 0700 when we make it);
    SQLite gives the -wal and -shm files the same permissions as the database file."""
    if str(path) == ":memory:" or not path.name:
        return
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)  # several processes may race here
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    elif path.is_file() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def open_database(settings: Settings) -> Database:
    """The configured database, created and migrated to the current schema."""
    url = database_url(settings)
    if url.startswith("sqlite:///"):
        _private_file(Path(url.removeprefix("sqlite:///")))
    db = Database(url, timeout_s=settings.database_timeout_s)
    db.migrate()
    return db
