"""The shared database's tables (SQLAlchemy Core): what each holds and why it is shaped so.

::

    records        one row per shared record (redacted narrative, coarse facts, grade, TLP)
    submissions    submission_id -> record_id (idempotent intake)
    tokens         token postings: record_id, member_id, kind, value (64 bytes), epoch, key
    record_tokens  record_id -> member_id and the record's tokens packed in one value, and
                   (PostgreSQL) the id of the transaction that stored them
    pairs          matched pairs (record_a < record_b) with score and matched kinds
    cluster_of     record_id -> cluster_id for records that match anything
    events         per-subscriber event log; the autoincrement id is the cursor
    alerts         alerts raised (summary already checked by the redaction verifier)
    actions        what members did about a match or alert
    audit          append-only hash chain (see :mod:`..audit`)
    call_rates     each member's call-rate bucket, shared by coordinator processes

Every lookup of the match step goes through ``tokens.key`` (an 8-byte prefix of the token
value) or a record id, never a scan, so both tables partition cleanly: ``tokens`` by
``key`` (hash or range), everything else by record id. The schema is changed only by a
migration in ``migrations/versions`` (see :mod:`.migrate`); this module is the current
shape and must agree with the latest migration (a test compares them).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "RECORD_COLUMNS",
    "actions",
    "alerts",
    "audit",
    "call_rates",
    "cluster_of",
    "events",
    "metadata",
    "pairs",
    "record_tokens",
    "records",
    "submissions",
    "tokens",
]

#: 64-bit ids on PostgreSQL; on SQLite only ``INTEGER PRIMARY KEY`` autoincrements.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

records = sa.Table(
    "records",
    metadata,
    sa.Column("record_id", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(64), nullable=False, index=True),
    sa.Column("narrative", sa.Text, nullable=False),
    sa.Column("region", sa.String(16), nullable=False),
    sa.Column("sector", sa.String(64), nullable=False),
    sa.Column("exploitation_type", sa.String(64), nullable=False),
    sa.Column("indicators", sa.Text, nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("victims_band", sa.String(16), nullable=False),
    sa.Column("grade", sa.String(3), nullable=False),
    sa.Column("tlp", sa.String(16), nullable=False),
    sa.Column("time_sensitive", sa.Boolean, nullable=False),
    sa.Column("epoch", sa.Integer, nullable=True),
    sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

#: Column order of :func:`.codec.record_values` rows (``received_at`` last, added on insert).
RECORD_COLUMNS: tuple[str, ...] = tuple(c.name for c in records.columns)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("submission_id", sa.String(128), primary_key=True),
    sa.Column("member_id", sa.String(64), nullable=False),
    # No index on record_id: nothing looks submissions up by record, and intake writes one
    # row per record.
    sa.Column("record_id", sa.String(64), nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    # No index on record_id: a record's tokens are read from ``record_tokens`` (one row
    # rather than an index entry per token, which cost intake more than the token rows).
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("member_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("value", sa.LargeBinary(64), nullable=False),
    sa.Column("epoch", sa.Integer, nullable=False),
    # First 8 bytes of the value as a signed integer: the lookup index (a quarter of the size
    # of an index over the full value); lookups compare the full value afterwards. Also the
    # natural distribution column of a sharded store: OPRF outputs are uniform.
    sa.Column("key", sa.BigInteger, nullable=False, index=True),
)

record_tokens = sa.Table(
    "record_tokens",
    metadata,
    sa.Column("record_id", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(64), nullable=False),
    # The record's (kind, value) tokens, packed by :func:`.codec.pack_tokens`.
    sa.Column("tokens", sa.LargeBinary, nullable=False),
    # PostgreSQL: the id of the transaction that stored the row (``pg_current_xact_id()``,
    # the column's default there, set by revision 0006: a default that calls a function
    # is not portable, so not declared here). A process catching up on the keys other
    # processes stored reads the rows of the transactions that committed since it last
    # read (:class:`..seen_keys.StoredKeys`). NULL on SQLite (one writer) and in rows stored
    # before revision 0006. Indexed only where set, so SQLite's intake pays nothing for it.
    sa.Column("xact", sa.BigInteger, nullable=True),
    sa.Index(
        "ix_record_tokens_xact",
        "xact",
        postgresql_where=sa.text("xact IS NOT NULL"),
        sqlite_where=sa.text("xact IS NOT NULL"),
    ),
    # A rowid table (rows appended, a small index on the random record ids), not one
    # clustered by record id: that one split pages of ~600-byte rows on every insert.
)

pairs = sa.Table(
    "pairs",
    metadata,
    sa.Column("record_a", sa.String(64), primary_key=True),
    sa.Column("record_b", sa.String(64), primary_key=True, index=True),
    sa.Column("member_a", sa.String(64), nullable=False),
    sa.Column("member_b", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("kinds", sa.String(512), nullable=False),
)

cluster_of = sa.Table(
    "cluster_of",
    metadata,
    sa.Column("record_id", sa.String(64), primary_key=True),
    sa.Column("cluster_id", sa.String(64), nullable=False, index=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("cursor", BigId, primary_key=True, autoincrement=True),
    # member id the event is for, or "*" for every subscriber (alerts)
    sa.Column("subscriber", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # owner of the record an alert is about (fills AlertEvent.own_record_id for them only)
    sa.Column("owner", sa.String(64), nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_events_subscriber_cursor", "subscriber", "cursor"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("raised_by_role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

actions = sa.Table(
    "actions",
    metadata,
    sa.Column("action_id", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(64), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=True),
    sa.Column("alert_id", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(48), nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor_role", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

call_rates = sa.Table(
    "call_rates",
    metadata,
    # One token bucket per member for every coordinator process on the database (see
    # :class:`..fairness.SharedCallRates`); ``at`` is the database clock, in seconds.
    sa.Column("member_id", sa.String(64), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)
