"""The app's database: questions asked, feedback, evaluation runs, ingest runs and accounts.

SQLite in ``DATA_DIR/hubqa.db`` by default; any SQLAlchemy URL (``HUBQA_DATABASE_URL``, e.g.
``postgresql+psycopg://hubqa@db/hubqa``) for deployments with several app replicas.
"""

from rag.appdata.db.database import Database, open_database
from rag.appdata.db.schema import (
    Conversation,
    EvalRun,
    Feedback,
    IngestRun,
    Question,
    SignIn,
    SignInSession,
    Turn,
    User,
)

__all__ = [
    "Conversation",
    "Database",
    "EvalRun",
    "Feedback",
    "IngestRun",
    "Question",
    "SignIn",
    "SignInSession",
    "Turn",
    "User",
    "open_database",
]
