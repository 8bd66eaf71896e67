"""The shared database: redacted records, blind tokens, matches, events, alerts, actions, audit.

SQLAlchemy Core over SQLite (embedded default, WAL journal) or PostgreSQL (by URL). One
coordinator process is the single writer: every write runs inside :meth:`SharedStore.write`,
which serialises writers with a lock and commits or rolls back the whole transaction, so
a batch is stored whole or not at all.

Tables::

    records      one row per shared record (redacted narrative, coarse facts, grade, TLP)
    submissions  submission_id -> record_id (idempotent intake)
    tokens       record_id, member_id, kind, value (64 bytes), epoch; indexed by a value prefix
    record_tokens  record_id -> member_id and the record's tokens packed in one value
    pairs        matched pairs (record_a < record_b) with score and matched kinds
    cluster_of   record_id -> cluster_id for records that match anything
    events       per-subscriber event log; the autoincrement id is the cursor
    alerts       alerts raised (summary already checked by the redaction verifier)
    actions      what members did about a match or alert
    audit        append-only hash chain (see :mod:`.audit`)

Read methods for analysts' insights (another module builds reports over them):
:meth:`SharedStore.iter_records`, :meth:`SharedStore.clusters`,
:meth:`SharedStore.actions` and :meth:`SharedStore.alerts`.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from msin_fed.errors import MsinError, StoreError, StoreFull, ValidationError
from msin_fed.linkage.core import entity_type
from msin_fed.model import ExploitationType, Grade, Indicator, Region, Sector, SharedRecord, Tlp
from msin_fed.model.events import Event, EventBody
from msin_fed.private_files import owner_only
from msin_fed.wire import event_body_from_bytes, event_body_to_bytes

__all__ = [
    "ActionRow",
    "AlertRow",
    "ClusterInfo",
    "SharedStore",
    "StoredEvent",
    "metadata",
]

log = logging.getLogger("msin_fed.coordinator")

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

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
    # of an index over the full value); lookups compare the full value afterwards.
    sa.Column("key", sa.BigInteger, nullable=False, index=True),
)

record_tokens = sa.Table(
    "record_tokens",
    metadata,
    sa.Column("record_id", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(64), nullable=False),
    # The record's (kind, value) tokens, packed by :func:`pack_tokens`.
    sa.Column("tokens", sa.LargeBinary, nullable=False),
    # A rowid table (rows appended, a small index on the random record ids), not one
    # clustered by record id: that one split pages of ~600-byte rows on every insert.
)


def pack_tokens(pairs: Iterable[tuple[str, bytes]]) -> bytes:
    """``(kind, value)`` pairs as one blob: per pair, a length byte and the kind (ASCII),
    a length byte and the value."""
    out = bytearray()
    for kind, value in pairs:
        k = kind.encode("ascii")
        out += bytes((len(k),)) + k + bytes((len(value),)) + value
    return bytes(out)


def unpack_tokens(blob: bytes | memoryview) -> list[tuple[str, bytes]]:
    """The pairs :func:`pack_tokens` packed, in order."""
    data = bytes(blob)
    out: list[tuple[str, bytes]] = []
    i = 0
    while i < len(data):
        end = i + 1 + data[i]
        kind = data[i + 1 : end].decode("ascii")
        i = end + 1 + data[end]
        out.append((kind, data[end + 1 : i]))
    return out


#: Column order of :meth:`SharedStore.record_values`.
RECORD_COLUMNS: tuple[str, ...] = tuple(c.name for c in records.columns)


def token_key(value: bytes) -> int:
    """The indexed lookup key of a token value (its first 8 bytes, signed big-endian)."""
    return int.from_bytes(value[:8], "big", signed=True)


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
    sa.Column("cursor", _BigId, primary_key=True, autoincrement=True),
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
    sa.Column("seq", _BigId, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor_role", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)


@dataclass(frozen=True)
class StoredEvent:
    """An event of the log and the owner of the record it is about (alerts: who may see
    ``own_record_id``)."""

    event: Event
    owner: str | None


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _aware(value: _dt.datetime | None) -> _dt.datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=_dt.UTC)
    return value


def store_url(location: str | Path) -> str:
    """A SQLAlchemy URL for a store location: a URL as given, a path as a SQLite file."""
    text = str(location)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


@dataclass(frozen=True)
class ClusterInfo:
    """A cluster of matched records of different members (what analysts see)."""

    cluster_id: str
    kind: str
    record_ids: tuple[str, ...]
    members: tuple[str, ...]
    matched_kinds: tuple[str, ...]
    first_month: str
    last_month: str


@dataclass(frozen=True)
class AlertRow:
    """An alert raised on a shared record."""

    alert_id: str
    record_id: str
    summary: str
    raised_by_role: str
    created_at: _dt.datetime


@dataclass(frozen=True)
class ActionRow:
    """What a member did about a match (``record_id``) or an alert (``alert_id``)."""

    action_id: str
    member_id: str
    record_id: str | None
    alert_id: str | None
    outcome: str
    date: str
    created_at: _dt.datetime


class SharedStore:
    """The coordinator's shared database (see the module docstring).

    ``SharedStore("sqlite:///path.db")``, ``SharedStore("/path.db")``,
    ``SharedStore("postgresql+psycopg://...")`` or ``SharedStore("sqlite://")`` (memory).
    Creates missing tables.
    """

    def __init__(self, url: str | Path, *, echo: bool = False) -> None:
        self.url = store_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.url in ("sqlite://", "sqlite:///:memory:"):
                kwargs["poolclass"] = sa.pool.StaticPool
        try:
            self.engine: Engine = sa.create_engine(self.url, **kwargs)
        except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
            raise StoreError(f"cannot open store: {type(exc).__name__}") from None
        database = self.engine.url.database
        if self.is_sqlite and database and database != ":memory:":
            try:
                owner_only(database, sqlite=True)  # before SQLite creates it (and its WAL) 0644
            except OSError as exc:
                raise StoreError(f"cannot open store {database}: {exc.strerror or exc}") from None
        self._writer: Engine = self.engine
        if self.is_sqlite:
            shared = kwargs.get("poolclass") is sa.pool.StaticPool  # in memory: one connection
            cache = _WRITER_CACHE_KIB if shared else _READER_CACHE_KIB
            event.listen(self.engine, "connect", functools.partial(_sqlite_pragmas, cache_kib=cache))
            if not shared:
                # Every write on one connection. SQLite empties a connection's page cache
                # when another connection has written since its last transaction, so writes
                # taking turns on the pool's connections re-read every page they touch
                # (intake spent a quarter more CPU per record that way). Writes are
                # serialised by ``_write_lock``, so one connection is all they can use.
                self._writer = sa.create_engine(self.url, **kwargs, poolclass=sa.pool.StaticPool)
                event.listen(self._writer, "connect", functools.partial(_sqlite_pragmas, cache_kib=_WRITER_CACHE_KIB))
        self._write_lock = threading.RLock()
        self._writing_thread: int | None = None
        try:
            metadata.create_all(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open store at {self.where()}: {_reason(exc, self.engine.url.password)}"
            ) from None
        self._fill_record_tokens()

    def where(self) -> str:
        """The store's location for messages: a file path, or host:port/database (never the
        password or the user)."""
        url = self.engine.url
        if self.is_sqlite:
            return url.database or ":memory:"
        return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"

    def _fill_record_tokens(self) -> None:
        """A store written before ``record_tokens`` existed: fill it from ``tokens``, once."""
        with self.write() as conn:
            if conn.execute(sa.select(record_tokens.c.record_id).limit(1)).first() is not None:
                return
            if conn.execute(sa.select(tokens.c.record_id).limit(1)).first() is None:
                return
            # In record order (those stores have an index on tokens.record_id), in slices.
            ordered = conn.execution_options(stream_results=True, yield_per=10_000).execute(
                sa.select(tokens.c.record_id, tokens.c.member_id, tokens.c.kind, tokens.c.value).order_by(
                    tokens.c.record_id
                )
            )
            columns = ("record_id", "member_id", "tokens")
            rows: list[tuple[str, str, bytes]] = []
            filled = 0
            for rid, group in itertools.groupby(ordered, key=lambda row: row[0]):
                held = list(group)
                rows.append((rid, held[0][1], pack_tokens((kind, bytes(value)) for _r, _m, kind, value in held)))
                if len(rows) >= 5000:
                    bulk_insert(conn, record_tokens, columns, rows)
                    filled, rows = filled + len(rows), []
            bulk_insert(conn, record_tokens, columns, rows)
            log.info("record_tokens filled for %d records (a store from an earlier version)", filled + len(rows))

    def close(self) -> None:
        """Release every connection (after the write transaction under way, if any)."""
        self.engine.dispose()
        with self._write_lock:  # the one write connection may be in another thread's hands
            self._writer.dispose()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, serialised with every other writer; commit or roll back.

        Callbacks registered with :meth:`after_commit` run after a successful commit.
        """
        if self._writing_thread == threading.get_ident():
            # On the one write connection a nested transaction would commit the outer one's
            # rows early; callbacks after the commit may write again.
            raise StoreError("a write transaction is already open in this thread")
        with self._write_lock:
            after: dict[object, Callable[[], None]] = {}
            with self._writer.begin() as conn:
                self._writing_thread = threading.get_ident()
                try:
                    conn.info["after_commit"] = after
                    conn.info["tx_state"] = {}
                    yield conn
                finally:
                    self._writing_thread = None
            for callback in after.values():
                callback()

    def failure(self, exc: BaseException) -> MsinError | None:
        """The error to report for a database failure ``exc`` (None: not a database error).

        A full disk or quota is StoreFull (RESOURCE_EXHAUSTED: try again later); a value the
        database cannot hold is a ValidationError; anything else from the database is a
        StoreError naming the store. Never the driver's text with SQL or values in it.
        """
        orig = getattr(exc, "orig", None) or exc
        dbapi = self.engine.dialect.dbapi
        if not isinstance(exc, sa.exc.SQLAlchemyError) and not (
            dbapi is not None and isinstance(exc, getattr(dbapi, "Error", ()))
        ):
            return None
        sqlite_code = getattr(orig, "sqlite_errorcode", None)
        sqlstate = getattr(orig, "sqlstate", None) or ""
        if sqlite_code == 13 or sqlstate in ("53100", "53200") or "disk is full" in str(orig):
            # SQLITE_FULL; PostgreSQL disk_full, out_of_memory
            return StoreFull(f"the coordinator's store at {self.where()} is full; try again later")
        data_error = getattr(dbapi, "DataError", ()) if dbapi is not None else ()
        if sqlstate.startswith("22") or isinstance(exc, sa.exc.DataError) or isinstance(orig, data_error):
            return ValidationError("request", "holds a value the coordinator's store cannot keep")
        return StoreError(f"the coordinator's store at {self.where()} failed ({type(orig).__name__})")

    def is_conflict(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the database refusing a row (a key already stored), from
        SQLAlchemy or straight from the driver."""
        dbapi = self.engine.dialect.dbapi
        return isinstance(exc, sa.exc.IntegrityError) or (
            dbapi is not None and isinstance(exc, dbapi.IntegrityError)
        )

    @staticmethod
    def after_commit(conn: Connection, callback: Callable[[], None], key: object = None) -> None:
        """Run ``callback`` once the write transaction of ``conn`` has committed. A callback
        given the ``key`` of an earlier one of the same transaction replaces it."""
        conn.info.setdefault("after_commit", {})[object() if key is None else key] = callback

    @staticmethod
    def tx_state(conn: Connection) -> dict[object, Any]:
        """A dict that lives as long as the write transaction of ``conn`` (``conn.info``
        itself outlives it: the pool hands the same connection to the next writer)."""
        state: dict[object, Any] = conn.info.setdefault("tx_state", {})
        return state

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection."""
        with self.engine.connect() as conn:
            yield conn

    # ------------------------------------------------------------------ records

    @staticmethod
    def record_values(record: SharedRecord) -> tuple[Any, ...]:
        """The ``records`` row of a shared record without ``received_at`` (:data:`RECORD_COLUMNS` order)."""
        return (
            record.record_id,
            record.member_id,
            record.narrative,
            record.region.value,
            record.sector.value,
            record.exploitation_type.value,
            ",".join(i.value for i in record.indicators),
            record.month,
            record.victims_band,
            str(record.grade),
            record.tlp.value,
            record.time_sensitive,
            record.epoch,
            record.shared_at,
        )

    @staticmethod
    def _record_of(row: Any) -> SharedRecord:
        return SharedRecord(
            record_id=row.record_id,
            member_id=row.member_id,
            narrative=row.narrative,
            tokens=(),
            region=Region(row.region),
            sector=Sector(row.sector),
            exploitation_type=ExploitationType(row.exploitation_type),
            month=row.month,
            grade=Grade.parse(row.grade),
            tlp=Tlp(row.tlp),
            indicators=tuple(Indicator(i) for i in row.indicators.split(",") if i),
            victims_band=row.victims_band,
            time_sensitive=bool(row.time_sensitive),
            shared_at=_aware(row.shared_at),
        )

    def insert_records(self, conn: Connection, batch: Sequence[SharedRecord]) -> None:
        """Insert records (not their tokens: :class:`.matching.MatchEngine` owns those)."""
        self.insert_record_rows(conn, [self.record_values(r) for r in batch])

    def insert_record_rows(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert :meth:`record_values` rows, received now."""
        if rows:
            now = _now()
            # The text sqlite3's default adapter would store, made once rather than per row.
            received = (now.isoformat(" ") if self.is_sqlite else now,)
            bulk_insert(conn, records, RECORD_COLUMNS, [row + received for row in rows])

    def get_record(self, record_id: str, conn: Connection | None = None) -> SharedRecord | None:
        """One record without its tokens, or None."""
        with self._conn(conn) as c:
            row = c.execute(sa.select(records).where(records.c.record_id == record_id)).first()
        return None if row is None else self._record_of(row)

    def owner_of(self, record_id: str, conn: Connection | None = None) -> str | None:
        """Member id holding a record, or None when it is not stored."""
        with self._conn(conn) as c:
            return c.execute(
                sa.select(records.c.member_id).where(records.c.record_id == record_id)
            ).scalar_one_or_none()

    def existing_record_ids(self, conn: Connection, record_ids: Sequence[str]) -> set[str]:
        """Which of ``record_ids`` are stored."""
        return {r for (r,) in select_in(conn, "SELECT record_id FROM records WHERE record_id IN ({0})", record_ids)}

    def delete_record(self, conn: Connection, record_id: str) -> bool:
        """Delete a record (its tokens and matches: the match engine).

        Its submission ids stay, so that a node's outbox resending after the withdrawal is
        acknowledged as a duplicate instead of sharing the record again.
        """
        gone = conn.execute(records.delete().where(records.c.record_id == record_id)).rowcount
        return bool(gone)

    def iter_records(self, batch_size: int = 1000) -> Iterator[SharedRecord]:
        """Every stored record (redacted narrative and coarse facts; ``tokens`` is empty)."""
        last = ""
        while True:
            with self.read() as conn:
                rows = conn.execute(
                    sa.select(records)
                    .where(records.c.record_id > last)
                    .order_by(records.c.record_id)
                    .limit(batch_size)
                ).all()
            if not rows:
                return
            for row in rows:
                yield self._record_of(row)
            last = rows[-1].record_id

    def count_records(self) -> int:
        """How many records are stored."""
        with self.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one())

    # ------------------------------------------------------------------ submissions

    def known_submissions(
        self, conn: Connection, submission_ids: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        """submission_id -> (member_id, record_id) for those already stored."""
        rows = select_in(
            conn,
            "SELECT submission_id, member_id, record_id FROM submissions WHERE submission_id IN ({0})",
            submission_ids,
        )
        return {s: (m, r) for s, m, r in rows}

    def insert_submissions(self, conn: Connection, rows: Sequence[tuple[str, str, str]]) -> None:
        """Insert (submission_id, member_id, record_id) rows."""
        bulk_insert(conn, submissions, ("submission_id", "member_id", "record_id"), rows)

    # ------------------------------------------------------------------ events

    def append_events(self, conn: Connection, rows: Sequence[tuple[str, str | None, EventBody]]) -> None:
        """Append events (subscriber, owner, body); bodies are stored in their wire form."""
        if rows:
            now = _now()
            values = []
            for s, o, body in rows:
                k, b = event_body_to_bytes(body)
                values.append({"subscriber": s, "kind": k, "owner": o, "body": b, "created_at": now})
            conn.execute(events.insert(), values)

    def events_after(self, subscriber: str, after: int, limit: int = 500) -> list[StoredEvent]:
        """Events for ``subscriber`` (and for everyone) after a cursor, oldest first."""
        with self.read() as conn:
            rows = conn.execute(
                sa.select(events)
                .where(events.c.cursor > after, events.c.subscriber.in_([subscriber, "*"]))
                .order_by(events.c.cursor)
                .limit(limit)
            ).all()
        return [
            StoredEvent(
                Event(int(r.cursor), _aware(r.created_at) or _now(), event_body_from_bytes(r.kind, bytes(r.body))),
                r.owner,
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ alerts and actions

    def insert_alert(self, conn: Connection, row: AlertRow) -> None:
        """Store an alert."""
        conn.execute(alerts.insert().values(**row.__dict__))

    def alert_exists(self, alert_id: str) -> bool:
        """Whether an alert id is known."""
        with self.read() as conn:
            return (
                conn.execute(sa.select(alerts.c.alert_id).where(alerts.c.alert_id == alert_id)).first()
                is not None
            )

    def alerts(self, record_ids: Sequence[str] | None = None) -> list[AlertRow]:
        """Every alert (only those on ``record_ids`` when given), oldest first."""
        query = sa.select(alerts).order_by(alerts.c.created_at, alerts.c.alert_id)
        if record_ids is not None:
            query = query.where(alerts.c.record_id.in_(list(record_ids)))
        with self.read() as conn:
            rows = conn.execute(query).all()
        return [
            AlertRow(r.alert_id, r.record_id, r.summary, r.raised_by_role, _aware(r.created_at) or _now())
            for r in rows
        ]

    def insert_action(self, conn: Connection, row: ActionRow) -> None:
        """Store an action."""
        conn.execute(actions.insert().values(**row.__dict__))

    def actions(
        self,
        *,
        member_id: str | None = None,
        record_ids: Sequence[str] | None = None,
        alert_ids: Sequence[str] | None = None,
    ) -> list[ActionRow]:
        """Every recorded action, oldest first; only ``member_id``'s when given, and only
        those about ``record_ids`` or ``alert_ids`` when either is given."""
        query = sa.select(actions).order_by(actions.c.created_at, actions.c.action_id)
        if member_id is not None:
            query = query.where(actions.c.member_id == member_id)
        about = []
        if record_ids is not None:
            about.append(actions.c.record_id.in_(list(record_ids)))
        if alert_ids is not None:
            about.append(actions.c.alert_id.in_(list(alert_ids)))
        if about:
            query = query.where(sa.or_(*about))
        with self.read() as conn:
            rows = conn.execute(query).all()
        return [
            ActionRow(
                r.action_id,
                r.member_id,
                r.record_id,
                r.alert_id,
                r.outcome,
                r.date,
                _aware(r.created_at) or _now(),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ clusters

    def clusters(self, limit: int | None = None) -> list[ClusterInfo]:
        """Clusters of matched records, largest first (ties by id)."""
        with self.read() as conn:
            sizes = conn.execute(
                sa.select(cluster_of.c.cluster_id, sa.func.count().label("n"))
                .group_by(cluster_of.c.cluster_id)
                .order_by(sa.desc("n"), cluster_of.c.cluster_id)
                .limit(limit)
            ).all()
            return [c for cid, _n in sizes if (c := self._cluster_info(conn, cid)) is not None]

    def cluster(self, cluster_id: str) -> ClusterInfo | None:
        """One cluster by id, or None."""
        with self.read() as conn:
            return self._cluster_info(conn, cluster_id)

    @staticmethod
    def _cluster_info(conn: Connection, cid: str) -> ClusterInfo | None:
        ids = sorted(
            conn.execute(sa.select(cluster_of.c.record_id).where(cluster_of.c.cluster_id == cid)).scalars()
        )
        if not ids:
            return None
        kinds: set[str] = set()
        member: dict[str, str] = {}
        months: list[str] = []
        for chunk in _chunks(ids):
            for a, b, ma, mb, k in conn.execute(
                sa.select(
                    pairs.c.record_a,
                    pairs.c.record_b,
                    pairs.c.member_a,
                    pairs.c.member_b,
                    pairs.c.kinds,
                ).where(pairs.c.record_a.in_(chunk))
            ):
                member[a], member[b] = ma, mb
                kinds.update(x for x in k.split(",") if x)
            months.extend(
                conn.execute(sa.select(records.c.month).where(records.c.record_id.in_(chunk))).scalars()
            )
        months.sort()
        kind = entity_type(kinds)
        return ClusterInfo(
            cluster_id=cid,
            kind=kind,
            record_ids=tuple(ids),
            members=tuple(sorted(set(member.values()))),
            matched_kinds=tuple(sorted(kinds)),
            first_month=months[0] if months else "",
            last_month=months[-1] if months else "",
        )

    def received_at(self, record_ids: Sequence[str]) -> dict[str, _dt.datetime]:
        """When the coordinator stored each record, by id."""
        out: dict[str, _dt.datetime] = {}
        with self.read() as conn:
            for chunk in _chunks(record_ids):
                for rid, at in conn.execute(
                    sa.select(records.c.record_id, records.c.received_at).where(records.c.record_id.in_(chunk))
                ):
                    out[rid] = _aware(at) or _now()
        return out

    # ------------------------------------------------------------------ audit entries

    def audit_entries(self, after_seq: int = 0, limit: int = 100) -> list[Any]:
        """Audit rows after ``after_seq``, oldest first (seq, at, actor_role, actor, action, detail, hash)."""
        with self.read() as conn:
            return list(
                conn.execute(
                    sa.select(
                        audit.c.seq, audit.c.at, audit.c.actor_role, audit.c.actor,
                        audit.c.action, audit.c.detail, audit.c.hash,
                    )
                    .where(audit.c.seq > after_seq)
                    .order_by(audit.c.seq)
                    .limit(limit)
                ).all()
            )

    def audit_head_seq(self) -> int:
        """Sequence number of the audit chain's last entry (0 when empty)."""
        with self.read() as conn:
            return int(conn.execute(sa.select(sa.func.max(audit.c.seq))).scalar() or 0)

    def records_by_id(self, record_ids: Sequence[str]) -> dict[str, SharedRecord]:
        """Records (without tokens) by id."""
        out: dict[str, SharedRecord] = {}
        with self.read() as conn:
            for chunk in _chunks(record_ids):
                for row in conn.execute(sa.select(records).where(records.c.record_id.in_(chunk))):
                    out[row.record_id] = self._record_of(row)
        return out

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.read() as c:
                yield c


#: Page cache of the one write connection: the indexes intake inserts into stay in it.
_WRITER_CACHE_KIB = 128 * 1024
#: Page cache of each pooled read connection. Smaller: every write empties it, and the pool
#: may hold fifteen connections.
_READER_CACHE_KIB = 16 * 1024


def _reason(exc: BaseException, secret: object = None) -> str:
    """What a database error says, in words a person can act on, without the URL's secrets
    or the SQL: the driver's first line (psycopg's 'connection refused', 'password
    authentication failed', SQLite's 'unable to open database file')."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    # psycopg names the server it tried: 'connection to server at "127.0.0.1", port 1 failed: ...'
    first = first.split(" failed: ", 1)[-1]
    if isinstance(secret, str) and secret:
        first = first.replace(secret, "***")
    return f"{type(orig).__name__}: {first}" if first else type(orig).__name__


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, cache_kib: int) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the WAL every ~40 MiB rather than SQLite's 4 MiB: each checkpoint syncs
        # the database file, and at 4 MiB intake spent as long checkpointing as inserting.
        cur.execute("PRAGMA wal_autocheckpoint=10000")
        cur.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cur.execute("PRAGMA temp_store=MEMORY")
    finally:
        cur.close()


def bulk_insert(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows straight through the driver (SQLAlchemy's per-row parameter processing
    is the largest cost of intake otherwise): on SQLite many rows per INSERT statement,
    elsewhere executemany. Values must already be driver types (str, int, bytes...)."""
    if not rows:
        return
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"not columns of {table.name}: {sorted(unknown)}")
    sqlite = conn.dialect.paramstyle == "qmark"
    mark = "?" if sqlite else "%s"
    one = f"({', '.join([mark] * len(columns))})"
    # Table and column names come from this module's schema (checked above), never from input.
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "  # noqa: S608
    cursor = conn.connection.cursor()  # the DBAPI cursor, inside the same transaction
    try:
        if not sqlite:
            cursor.executemany(head + one, list(rows))
            return
        # SQLite: many rows per statement. executemany steps the statement once per row, and
        # Python's sqlite3 gives up and retakes the GIL at every step: with other threads
        # running (the coordinator's), each retake can wait, which cost intake ~15%.
        per = max(1, _SQLITE_VARIABLES // len(columns))
        full = head + ", ".join([one] * per)
        for i in range(0, len(rows), per):
            chunk = rows[i : i + per]
            sql = full if len(chunk) == per else head + ", ".join([one] * len(chunk))
            cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
    finally:
        cursor.close()


def select_in(conn: Connection, sql: str, values: Iterable[Any], *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Run ``sql`` for ``values`` in chunks through the driver cursor, inside the caller's
    transaction (the hot lookups of intake and matching; SQLAlchemy's per-parameter coercion
    is slow). Every ``{0}`` in ``sql`` is the chunk's IN list. The rows, or nothing for
    statements that return none (``fetch=False``)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    uses = sql.count("{0}")
    out: list[tuple[Any, ...]] = []
    cursor = conn.connection.cursor()
    try:
        for chunk in _chunks(list(values)):
            cursor.execute(sql.format(", ".join([mark] * len(chunk))), list(chunk) * uses)
            if fetch:
                out.extend(cursor.fetchall())
    finally:
        cursor.close()
    return out


#: Values bound in one multi-row INSERT on SQLite (the limit of SQLite before 3.32).
_SQLITE_VARIABLES = 999

#: Most values bound in one IN (...) clause (SQLite's limit is 32766; PostgreSQL 65535).
CHUNK = 900


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    seq = list(items)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
