"""Sign-in sessions, saved conversations, and questions marked as asked under filters.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(200), sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user", sa.String(200), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("question_id", sa.Integer, sa.ForeignKey("questions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # A plain ADD COLUMN (no table rebuild), on SQLite as on PostgreSQL.
    op.add_column("questions", sa.Column("filtered", sa.Boolean, nullable=False, server_default=sa.false()))
    # Questions stored before this revision kept their filters in the settings column.
    questions = sa.table("questions", sa.column("id", sa.Integer), sa.column("settings", sa.JSON),
                         sa.column("filtered", sa.Boolean))
    conn = op.get_bind()
    filtered = [row.id for row in conn.execute(sa.select(questions.c.id, questions.c.settings))
                if isinstance(row.settings, dict) and row.settings.get("filters")]
    for start in range(0, len(filtered), 500):
        conn.execute(questions.update().where(questions.c.id.in_(filtered[start:start + 500])).values(filtered=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("filtered")
    op.drop_table("conversation_turns")
    op.drop_table("conversations")
    op.drop_table("sessions")
