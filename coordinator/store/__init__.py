"""The shared database: redacted records, blind tokens, matches, events, alerts, actions, audit.

SQLAlchemy Core over SQLite (embedded default, one coordinator process) or PostgreSQL
(by URL; any number of coordinator processes). Every write runs inside
:meth:`SharedStore.write`, one transaction committed or rolled back whole, so a batch is
stored whole or not at all; writers take turns, across processes too.

Where things are::

    schema.py      the tables (what each holds, and how they partition)
    codec.py       packed tokens, token keys, record rows <-> SharedRecord (pure)
    sql.py         driver-level bulk inserts (COPY on PostgreSQL) and IN lookups (the hot paths)
    engine.py      engines for SQLite / PostgreSQL, tuning, the locks of several processes
    migrate.py     Alembic migrations (``migrations/versions``), run at every start
    shared.py      SharedStore: transactions, and the queries of intake, events, alerts,
                   actions and analysts' reads
    postings.py    the match engine's queries: token postings, pairs, cluster ids
    rows.py        the value types queries return
    notify.py      waking other processes' event streams (PostgreSQL LISTEN/NOTIFY)

Analysts' reads (insight reports build on them): :meth:`SharedStore.iter_records`,
:meth:`SharedStore.clusters`, :meth:`SharedStore.actions` and :meth:`SharedStore.alerts`.
"""

from __future__ import annotations

from .codec import pack_tokens, token_key, unpack_tokens
from .engine import SessionTimeouts, store_url
from .rows import ActionRow, AlertRow, AuditEntry, ClusterInfo, StoredEvent
from .schema import (
    RECORD_COLUMNS,
    actions,
    alerts,
    audit,
    cluster_of,
    events,
    metadata,
    pairs,
    record_tokens,
    records,
    submissions,
    tokens,
)
from .shared import SharedStore
from .sql import CHUNK, bulk_insert, select_in

__all__ = [
    "CHUNK",
    "RECORD_COLUMNS",
    "ActionRow",
    "AlertRow",
    "AuditEntry",
    "ClusterInfo",
    "SessionTimeouts",
    "SharedStore",
    "StoredEvent",
    "actions",
    "alerts",
    "audit",
    "bulk_insert",
    "cluster_of",
    "events",
    "metadata",
    "pack_tokens",
    "pairs",
    "record_tokens",
    "records",
    "select_in",
    "store_url",
    "submissions",
    "token_key",
    "tokens",
    "unpack_tokens",
]
