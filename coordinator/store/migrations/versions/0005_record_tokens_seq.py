"""Add ``record_tokens.seq`` and its sequence (PostgreSQL): the number of the write
transaction that stored a record's tokens, so that each coordinator process keeps its
filter of stored token keys in step with the others'.

Rows already stored keep NULL: a process builds its filter from every stored key first
and then reads only rows stored after that. ``create_all`` of an older release's
schema may already hold the column, so this adds only what is missing.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if "seq" not in {c["name"] for c in inspector.get_columns("record_tokens")}:
        op.add_column("record_tokens", sa.Column("seq", sa.BigInteger, nullable=True))
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS record_tokens_seq")
    if "ix_record_tokens_seq" not in {ix["name"] for ix in inspector.get_indexes("record_tokens")}:
        where = sa.text("seq IS NOT NULL")  # SQLite leaves it NULL: no index entries there
        op.create_index(
            "ix_record_tokens_seq", "record_tokens", ["seq"], postgresql_where=where, sqlite_where=where
        )


def downgrade() -> None:
    op.drop_index("ix_record_tokens_seq", "record_tokens")
    op.drop_column("record_tokens", "seq")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS record_tokens_seq")
