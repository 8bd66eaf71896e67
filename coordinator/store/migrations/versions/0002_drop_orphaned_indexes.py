"""Drop indexes that older stores carry and nothing reads any more.

``ix_tokens_record_id`` (a record's tokens come from ``record_tokens``), ``ix_tokens_value``
(lookups go through the 8-byte ``key``) and ``ix_submissions_record_id`` (nothing looks a
submission up by record). Each costs intake an index insert per row.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ORPHANS = ("ix_tokens_record_id", "ix_tokens_value", "ix_submissions_record_id")


def upgrade() -> None:
    for name in ORPHANS:
        # IF EXISTS: new stores never had them (both SQLite and PostgreSQL accept it).
        op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    op.create_index("ix_tokens_record_id", "tokens", ["record_id"])
    op.create_index("ix_tokens_value", "tokens", ["value"])
    op.create_index("ix_submissions_record_id", "submissions", ["record_id"])
