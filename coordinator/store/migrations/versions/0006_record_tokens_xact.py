"""Replace ``record_tokens.seq`` (a number taken under the write lock) with ``xact``: the
id of the transaction that stored the row, the column's default on PostgreSQL
(``pg_current_xact_id()``, 64 bits with its epoch, so it never wraps). Packed tokens no
longer wait for the write lock to be numbered; a process catching up on other processes'
keys reads the rows of the transactions that committed since it last read.

Rows already stored get NULL: a process builds its filter from every stored key first
and reads only rows numbered after that. Every coordinator process must be stopped for
this upgrade (an older process would still number rows by the sequence dropped here).
The default is set after the column is added, so existing rows are not rewritten.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_XACT_DEFAULT = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    postgres = bind.dialect.name == "postgresql"
    indexes = {ix["name"] for ix in inspector.get_indexes("record_tokens")}
    columns = {c["name"] for c in inspector.get_columns("record_tokens")}
    if "ix_record_tokens_seq" in indexes:
        op.drop_index("ix_record_tokens_seq", "record_tokens")
    if "seq" in columns:
        op.drop_column("record_tokens", "seq")  # SQLite >= 3.35 drops it in place
    if postgres:
        op.execute("DROP SEQUENCE IF EXISTS record_tokens_seq")
    if "xact" not in columns:
        op.add_column("record_tokens", sa.Column("xact", sa.BigInteger, nullable=True))
    if postgres:
        op.execute(f"ALTER TABLE record_tokens ALTER COLUMN xact SET DEFAULT {_XACT_DEFAULT}")
    if "ix_record_tokens_xact" not in indexes:
        where = sa.text("xact IS NOT NULL")  # SQLite leaves it NULL: no index entries there
        op.create_index(
            "ix_record_tokens_xact", "record_tokens", ["xact"], postgresql_where=where, sqlite_where=where
        )


def downgrade() -> None:
    op.drop_index("ix_record_tokens_xact", "record_tokens")
    op.drop_column("record_tokens", "xact")
    op.add_column("record_tokens", sa.Column("seq", sa.BigInteger, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS record_tokens_seq")
    where = sa.text("seq IS NOT NULL")
    op.create_index("ix_record_tokens_seq", "record_tokens", ["seq"], postgresql_where=where, sqlite_where=where)
