"""Baseline: the schema as it stood before migrations, created where missing.

Stores written before Alembic have no ``alembic_version`` table; they went through
``create_all`` at every start, so any of their tables may be missing (``record_tokens``
came later than the others). This revision creates what is missing and leaves what is
there, so a new store and a store of any earlier shape end here alike. A store written
before ``record_tokens`` existed gets it filled from ``tokens``.

Revision ID: 0001
"""

from __future__ import annotations

import itertools
import logging

import sqlalchemy as sa
from alembic import op
from msin_fed.coordinator.store.codec import pack_tokens
from msin_fed.coordinator.store.sql import bulk_insert

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

log = logging.getLogger("msin_fed.coordinator")

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_At = sa.DateTime(timezone=True)


def _tables() -> list[tuple[str, list[sa.schema.SchemaItem], list[tuple[str, list[str]]]]]:
    """(table, columns and constraints, indexes as (name, columns)) as of this revision."""
    s64 = sa.String(64)
    return [
        (
            "records",
            [
                sa.Column("record_id", s64, primary_key=True),
                sa.Column("member_id", s64, nullable=False),
                sa.Column("narrative", sa.Text, nullable=False),
                sa.Column("region", sa.String(16), nullable=False),
                sa.Column("sector", s64, nullable=False),
                sa.Column("exploitation_type", s64, nullable=False),
                sa.Column("indicators", sa.Text, nullable=False),
                sa.Column("month", sa.String(7), nullable=False),
                sa.Column("victims_band", sa.String(16), nullable=False),
                sa.Column("grade", sa.String(3), nullable=False),
                sa.Column("tlp", sa.String(16), nullable=False),
                sa.Column("time_sensitive", sa.Boolean, nullable=False),
                sa.Column("epoch", sa.Integer, nullable=True),
                sa.Column("shared_at", _At, nullable=True),
                sa.Column("received_at", _At, nullable=False),
            ],
            [("ix_records_member_id", ["member_id"])],
        ),
        (
            "submissions",
            [
                sa.Column("submission_id", sa.String(128), primary_key=True),
                sa.Column("member_id", s64, nullable=False),
                sa.Column("record_id", s64, nullable=False),
            ],
            [],
        ),
        (
            "tokens",
            [
                sa.Column("record_id", s64, nullable=False),
                sa.Column("member_id", s64, nullable=False),
                sa.Column("kind", sa.String(32), nullable=False),
                sa.Column("value", sa.LargeBinary(64), nullable=False),
                sa.Column("epoch", sa.Integer, nullable=False),
                sa.Column("key", sa.BigInteger, nullable=False),
            ],
            [("ix_tokens_key", ["key"])],
        ),
        (
            "record_tokens",
            [
                sa.Column("record_id", s64, primary_key=True),
                sa.Column("member_id", s64, nullable=False),
                sa.Column("tokens", sa.LargeBinary, nullable=False),
            ],
            [],
        ),
        (
            "pairs",
            [
                sa.Column("record_a", s64, primary_key=True),
                sa.Column("record_b", s64, primary_key=True),
                sa.Column("member_a", s64, nullable=False),
                sa.Column("member_b", s64, nullable=False),
                sa.Column("score", sa.Float, nullable=False),
                sa.Column("kinds", sa.String(512), nullable=False),
            ],
            [("ix_pairs_record_b", ["record_b"])],
        ),
        (
            "cluster_of",
            [
                sa.Column("record_id", s64, primary_key=True),
                sa.Column("cluster_id", s64, nullable=False),
            ],
            [("ix_cluster_of_cluster_id", ["cluster_id"])],
        ),
        (
            "events",
            [
                sa.Column("cursor", _BigId, primary_key=True, autoincrement=True),
                sa.Column("subscriber", s64, nullable=False),
                sa.Column("kind", sa.String(16), nullable=False),
                sa.Column("owner", s64, nullable=True),
                sa.Column("body", sa.LargeBinary, nullable=False),
                sa.Column("created_at", _At, nullable=False),
            ],
            [("ix_events_subscriber_cursor", ["subscriber", "cursor"])],
        ),
        (
            "alerts",
            [
                sa.Column("alert_id", s64, primary_key=True),
                sa.Column("record_id", s64, nullable=False),
                sa.Column("summary", sa.Text, nullable=False),
                sa.Column("raised_by_role", sa.String(16), nullable=False),
                sa.Column("created_at", _At, nullable=False),
            ],
            [],
        ),
        (
            "actions",
            [
                sa.Column("action_id", s64, primary_key=True),
                sa.Column("member_id", s64, nullable=False),
                sa.Column("record_id", s64, nullable=True),
                sa.Column("alert_id", s64, nullable=True),
                sa.Column("outcome", sa.String(48), nullable=False),
                sa.Column("date", sa.String(10), nullable=False),
                sa.Column("created_at", _At, nullable=False),
            ],
            [],
        ),
        (
            "audit",
            [
                sa.Column("seq", _BigId, primary_key=True, autoincrement=False),
                sa.Column("at", sa.String(40), nullable=False),
                sa.Column("actor_role", sa.String(16), nullable=False),
                sa.Column("actor", s64, nullable=False),
                sa.Column("action", sa.String(32), nullable=False),
                sa.Column("detail", sa.Text, nullable=False),
                sa.Column("prev_hash", s64, nullable=False),
                sa.Column("hash", s64, nullable=False),
            ],
            [],
        ),
    ]


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    for name, columns, indexes in _tables():
        if name not in existing:
            op.create_table(name, *columns)
            have: set[str] = set()
        else:
            have = {ix["name"] for ix in inspector.get_indexes(name) if ix["name"]}
        for ix_name, ix_columns in indexes:
            if ix_name not in have:
                op.create_index(ix_name, name, ix_columns)
    _fill_record_tokens(conn)


def _fill_record_tokens(conn: sa.Connection) -> None:
    """A store written before ``record_tokens`` existed: fill it from ``tokens``."""
    rt = sa.table("record_tokens", sa.column("record_id"), sa.column("member_id"), sa.column("tokens"))
    tok = sa.table("tokens", sa.column("record_id"), sa.column("member_id"), sa.column("kind"), sa.column("value"))
    if conn.execute(sa.select(rt.c.record_id).limit(1)).first() is not None:
        return
    if conn.execute(sa.select(tok.c.record_id).limit(1)).first() is None:
        return
    # In record order (those stores have an index on tokens.record_id), in slices.
    # (Options per statement: Connection.execution_options would stream every later one.)
    ordered = conn.execute(
        sa.select(tok.c.record_id, tok.c.member_id, tok.c.kind, tok.c.value).order_by(tok.c.record_id),
        execution_options={"stream_results": True, "yield_per": 10_000},
    )
    columns = ("record_id", "member_id", "tokens")
    rows: list[tuple[str, str, bytes]] = []
    filled = 0
    for rid, group in itertools.groupby(ordered, key=lambda row: row[0]):
        held = list(group)
        rows.append((rid, held[0][1], pack_tokens((kind, bytes(value)) for _r, _m, kind, value in held)))
        if len(rows) >= 5000:
            bulk_insert(conn, rt, columns, rows)
            filled, rows = filled + len(rows), []
    bulk_insert(conn, rt, columns, rows)
    log.info("record_tokens filled for %d records (a store from an earlier version)", filled + len(rows))


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup instead")
