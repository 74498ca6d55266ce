"""The app's database: questions asked, feedback, evaluation runs, ingest runs and accounts.

SQLite in ``DATA_DIR/hubqa.db`` by default; any SQLAlchemy URL (``HUBQA_DATABASE_URL``, e.g.
``postgresql+psycopg://hubqa@db/hubqa``) for deployments with several app replicas.
"""

from rag.db.database import Database, open_database
from rag.db.schema import EvalRun, Feedback, IngestRun, Question, SignIn, User

__all__ = ["Database", "EvalRun", "Feedback", "IngestRun", "Question", "SignIn", "User", "open_database"]
