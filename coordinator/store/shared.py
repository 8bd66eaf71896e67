"""The :class:`SharedStore`: transactions and the queries of intake, events, alerts, actions
and analysts. The match engine's own queries are in :mod:`.postings`."""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from msin_fed.errors import MsinError, StoreError, StoreFull, ValidationError
from msin_fed.linkage.core import entity_type
from msin_fed.model import SharedRecord
from msin_fed.model.events import Event, EventBody
from msin_fed.private_files import owner_only
from msin_fed.wire import event_body_from_bytes, event_body_to_bytes

from . import copy_binary, migrate
from .codec import aware, record_of, record_values
from .engine import (
    LOCK_TIMES,
    SERVING_LOCK,
    WHOLE_TRANSACTION_LOCK,
    LockWatchdog,
    SessionTimeouts,
    SingleProcessLock,
    hold_write_lock,
    open_engines,
    sqlite_path,
    store_url,
)
from .notify import EventListener, notify_events
from .rows import ActionRow, AlertRow, AuditEntry, ClusterInfo, StoredEvent
from .schema import RECORD_COLUMNS, actions, alerts, audit, cluster_of, events, pairs, records, submissions
from .sql import bulk_insert, chunks, copy_encoded, select_in

__all__ = ["SharedStore", "WriteStats"]

def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


@dataclass
class WriteStats:
    """Counters of one kind of write transaction in this process (:attr:`SharedStore.write_stats`):
    how many, how long in all, and how long waiting for and holding the PostgreSQL write
    lock (from taking it to the end of the commit). Times are seconds, summed."""

    transactions: int = 0
    committed: int = 0
    seconds: float = 0.0
    lock_wait_seconds: float = 0.0
    lock_held_seconds: float = 0.0
    #: CPU seconds of the writing threads in the transactions, and while holding the lock.
    cpu_seconds: float = 0.0
    lock_held_cpu_seconds: float = 0.0


class SharedStore:
    """The coordinator's shared database.

    ``SharedStore("sqlite:///path.db")``, ``SharedStore("/path.db")``,
    ``SharedStore("postgresql+psycopg://...")`` or ``SharedStore("sqlite://")`` (memory).
    Brings the schema to the current revision (:mod:`.migrate`).

    ``serving=True`` is for the coordinator process itself: on a SQLite file it takes the
    single-process lock (:class:`.engine.SingleProcessLock`) and refuses to open when
    another coordinator holds it. Readers (``audit verify``, insight reports) open the
    store without it. Any number of processes may serve one PostgreSQL store; ``timeouts``
    limit how long a stopped one can hold its sessions' locks (:class:`.engine.SessionTimeouts`).
    """

    def __init__(
        self,
        url: str | Path,
        *,
        echo: bool = False,
        serving: bool = False,
        timeouts: SessionTimeouts | None = None,
    ) -> None:
        self.url = store_url(url)
        engines = open_engines(self.url, echo=echo, timeouts=timeouts, serving=serving)
        self.engine: Engine = engines.reader
        database = self.engine.url.database
        if engines.is_sqlite and database and database != ":memory:":
            try:
                owner_only(database, sqlite=True)  # before SQLite creates it (and its WAL) 0644
            except OSError as exc:
                raise StoreError(f"cannot open store {database}: {exc.strerror or exc}") from None
        self._writer: Engine = engines.writer
        self.is_sqlite = engines.is_sqlite
        self._lock: SingleProcessLock | None = None
        path = sqlite_path(self.url)
        if serving and path is not None:
            self._lock = SingleProcessLock(path)
        self._write_lock = threading.RLock()
        #: Whether this thread has a write transaction open (nested ones are refused).
        self._in_write = threading.local()
        #: PostgreSQL intake transactions open beside the in-process lock (see :meth:`write`).
        self._side_writes = 0
        self._side_writes_cv = threading.Condition()
        #: Write transactions by ``label`` (see :meth:`write`): counts and times.
        self.write_stats: dict[str, WriteStats] = {}
        try:
            migrate.upgrade(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            self.close()
            raise StoreError(
                f"cannot open store at {self.where()}: {_reason(exc, self.engine.url.password)}"
            ) from None
        # A serving process on PostgreSQL ends any process's write-lock session stalled
        # mid-statement, which the session limits cannot (:func:`.engine.end_stalled_lock_holder`).
        self._watchdog: LockWatchdog | None = None
        idle = (timeouts or SessionTimeouts()).idle_in_transaction
        if serving and not self.is_sqlite and idle > 0:
            self._watchdog = LockWatchdog(self.engine, idle)
        # A serving process's share of SERVING_LOCK on a session of its own, held idle from
        # open to close: its pooled sessions come and go, and a count taken while it had
        # none would miss it (serving_processes).
        self._presence: Connection | None = None
        if serving and not self.is_sqlite:
            try:
                self._presence = self.engine.connect()
            except sa.exc.SQLAlchemyError as exc:
                self.close()
                raise StoreError(
                    f"cannot open store at {self.where()}: {_reason(exc, self.engine.url.password)}"
                ) from None

    @property
    def single_process(self) -> bool:
        """Whether only one coordinator process can write this store (SQLite): in-process
        caches of what is stored (the seen-keys filter) are then valid."""
        return self.is_sqlite

    def serving_processes(self) -> int:
        """How many coordinator processes serve this PostgreSQL database now (this one
        included, if it serves): the distinct processes holding :data:`.engine.SERVING_LOCK`.
        1 on SQLite, where one process serves a file."""
        if self.is_sqlite:
            return 1
        with self.read() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(DISTINCT objid) FROM pg_locks WHERE locktype = 'advisory'"  # noqa: S608 (a constant)
                    f" AND classid = {SERVING_LOCK} AND objsubid = 2 AND granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ).scalar_one()
            )

    def where(self) -> str:
        """The store's location for messages: a file path, or host:port/database (never the
        password or the user)."""
        url = self.engine.url
        if self.is_sqlite:
            return url.database or ":memory:"
        return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"

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

    def close(self) -> None:
        """Release every connection (after the write transaction under way, if any)."""
        watchdog = getattr(self, "_watchdog", None)  # absent if the migration failed
        if watchdog is not None:
            watchdog.close()
            self._watchdog = None
        presence = getattr(self, "_presence", None)
        if presence is not None:
            presence.close()
            self._presence = None
        self.engine.dispose()
        with self._side_writes_cv:
            self._side_writes_cv.wait_for(lambda: self._side_writes == 0, timeout=60)
        with self._write_lock:  # the one write connection may be in another thread's hands
            self._writer.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def write(self, *, serial: bool = True, label: str = "other") -> Iterator[Connection]:
        """One write transaction, serialised with every other writer; commit or roll back.

        Writers of this process take turns on a lock; on PostgreSQL each transaction also
        holds :data:`.engine.WRITE_LOCK`, so writers of every process take turns. With
        ``serial=False`` (intake) the PostgreSQL lock is taken only when the transaction
        reaches its serial part (:func:`hold_write_lock`, called by every step that needs
        it: event cursors, the audit head, the match step), so rows that need no order
        (records, submissions, token rows) go in while another transaction holds the lock.
        On PostgreSQL such a transaction does not take this process's turn either: each
        has its own pooled connection, and the database lock alone orders their serial
        parts, so a process may store one batch's rows while its own other batch holds the
        lock, as two processes do. Callbacks registered with :meth:`after_commit` run after
        a successful commit. ``label`` names the transaction's kind in :attr:`write_stats`.
        """
        if getattr(self._in_write, "open", False):
            # On the one write connection a nested transaction would commit the outer one's
            # rows early; callbacks after the commit may write again.
            raise StoreError("a write transaction is already open in this thread")
        beside = not serial and not self.is_sqlite and not WHOLE_TRANSACTION_LOCK
        with contextlib.ExitStack() as turn:
            if beside:
                with self._side_writes_cv:
                    self._side_writes += 1
                turn.callback(self._side_write_done)
            else:
                turn.enter_context(self._write_lock)
            after: dict[object, Callable[[], None]] = {}
            state: dict[object, Any] = {}
            begun = time.perf_counter(), time.thread_time()
            committed = False
            try:
                with self._writer.begin() as conn:
                    self._in_write.open = True
                    try:
                        conn.info["after_commit"] = after
                        conn.info["tx_state"] = state
                        if serial or WHOLE_TRANSACTION_LOCK:
                            hold_write_lock(conn)
                        yield conn
                    finally:
                        self._in_write.open = False
                committed = True
            finally:
                self._count_write(label, state, begun, committed)
            for callback in after.values():
                callback()

    def _side_write_done(self) -> None:
        with self._side_writes_cv:
            self._side_writes -= 1
            self._side_writes_cv.notify_all()

    def _count_write(
        self, label: str, state: dict[object, Any], begun: tuple[float, float], committed: bool
    ) -> None:
        ended, ended_cpu = time.perf_counter(), time.thread_time()
        locked = state.pop(LOCK_TIMES, None)  # conn.info outlives the transaction
        with self._side_writes_cv:  # transactions of several threads may end at once
            stats = self.write_stats.setdefault(label, WriteStats())
            stats.transactions += 1
            stats.committed += committed
            stats.seconds += ended - begun[0]
            stats.cpu_seconds += ended_cpu - begun[1]
            if locked is not None:
                asked, got, got_cpu = locked
                stats.lock_wait_seconds += got - asked
                stats.lock_held_seconds += ended - got
                stats.lock_held_cpu_seconds += ended_cpu - got_cpu

    def is_conflict(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the database refusing a row (a key already stored), from
        SQLAlchemy or straight from the driver."""
        dbapi = self.engine.dialect.dbapi
        return isinstance(exc, sa.exc.IntegrityError) or (
            dbapi is not None and isinstance(exc, dbapi.IntegrityError)
        )

    def is_retryable(self, exc: BaseException) -> bool:
        """Whether a write that failed with ``exc`` may succeed written again: a key stored
        meanwhile (:meth:`is_conflict`: read again, then acknowledge or refuse), or
        PostgreSQL ending the transaction for a deadlock or a serialisation failure."""
        orig = getattr(exc, "orig", None) or exc
        return self.is_conflict(exc) or getattr(orig, "sqlstate", None) in ("40P01", "40001")

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

    #: The ``records`` row of a shared record without ``received_at``.
    record_values = staticmethod(record_values)

    def insert_records(self, conn: Connection, batch: Sequence[SharedRecord]) -> None:
        """Insert records (not their tokens: :class:`..matching.MatchEngine` owns those)."""
        self.insert_record_rows(conn, [record_values(r) for r in batch])

    def insert_record_rows(
        self, conn: Connection, rows: Sequence[tuple[Any, ...]], encoded: Sequence[bytes] | None = None
    ) -> None:
        """Insert :func:`.codec.record_values` rows, received now. ``encoded``: the same rows
        encoded for COPY without ``received_at`` (:class:`..token_columns.CopyRows`), sent
        as they are, each followed by it, where COPY takes them."""
        if rows:
            now = _now()
            if encoded is not None:
                received_field = copy_binary.timestamp_field(now)
                joined = itertools.chain.from_iterable(zip(encoded, itertools.repeat(received_field, len(encoded)), strict=True))
                if copy_encoded(conn, records, RECORD_COLUMNS, joined):
                    return
            # The text sqlite3's default adapter would store, made once rather than per row.
            received = (now.isoformat(" ") if self.is_sqlite else now,)
            bulk_insert(conn, records, RECORD_COLUMNS, [row + received for row in rows])

    def get_record(self, record_id: str, conn: Connection | None = None) -> SharedRecord | None:
        """One record without its tokens, or None."""
        with self._conn(conn) as c:
            row = c.execute(sa.select(records).where(records.c.record_id == record_id)).first()
        return None if row is None else record_of(row)

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
                yield record_of(row)
            last = rows[-1].record_id

    def count_records(self) -> int:
        """How many records are stored."""
        with self.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one())

    def records_by_id(self, record_ids: Sequence[str]) -> dict[str, SharedRecord]:
        """Records (without tokens) by id."""
        out: dict[str, SharedRecord] = {}
        with self.read() as conn:
            for chunk in chunks(record_ids):
                for row in conn.execute(sa.select(records).where(records.c.record_id.in_(chunk))):
                    out[row.record_id] = record_of(row)
        return out

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
            hold_write_lock(conn)  # cursors must commit in the order they are taken
            if not self.is_sqlite:
                notify_events(conn)  # other processes' subscribers, at commit
            now = _now()
            values = []
            for s, o, body in rows:
                k, b = event_body_to_bytes(body)
                values.append({"subscriber": s, "kind": k, "owner": o, "body": b, "created_at": now})
            conn.execute(events.insert(), values)

    def events_after(self, subscriber: str, after: int, limit: int = 500) -> list[StoredEvent]:
        """Events for ``subscriber`` (and for everyone) after a cursor, oldest first.

        Cursors are allocated inside write transactions, which commit in cursor order (one
        writer at a time, across processes too), so a cursor once read is never followed
        by a smaller one committed later."""
        with self.read() as conn:
            rows = conn.execute(
                sa.select(events)
                .where(events.c.cursor > after, events.c.subscriber.in_([subscriber, "*"]))
                .order_by(events.c.cursor)
                .limit(limit)
            ).all()
        return [
            StoredEvent(
                Event(int(r.cursor), aware(r.created_at) or _now(), event_body_from_bytes(r.kind, bytes(r.body))),
                r.owner,
            )
            for r in rows
        ]

    def listen_events(self, on_events: Callable[[], None]) -> EventListener | None:
        """On PostgreSQL, call ``on_events`` whenever any process commits events (see
        :mod:`.notify`); None on SQLite, where this process writes every event itself."""
        return None if self.is_sqlite else EventListener(self.engine, on_events)

    def last_event_cursor(self) -> int:
        """The largest event cursor committed (0 when there is none)."""
        with self.read() as conn:
            return int(conn.execute(sa.select(sa.func.max(events.c.cursor))).scalar() or 0)

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
            AlertRow(r.alert_id, r.record_id, r.summary, r.raised_by_role, aware(r.created_at) or _now())
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
                aware(r.created_at) or _now(),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ audit chain

    @staticmethod
    def audit_head(conn: Connection) -> tuple[int, str] | None:
        """(seq, hash) of the chain's last entry as ``conn`` sees it, or None when empty.
        Inside a write transaction this is the head the next entry follows (one writer
        at a time, across processes too)."""
        hold_write_lock(conn)  # the chain has one head: no other writer may append after this
        row = conn.execute(sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
        return None if row is None else (int(row.seq), str(row.hash))

    @staticmethod
    def insert_audit(conn: Connection, entry: AuditEntry) -> None:
        """Append one chain entry (its hash already computed by :mod:`..audit`)."""
        hold_write_lock(conn)
        conn.execute(audit.insert().values(**entry._asdict()))

    @staticmethod
    def audit_chain(conn: Connection) -> Iterator[AuditEntry]:
        """Every chain entry, in sequence order (streamed)."""
        for row in conn.execute(sa.select(audit).order_by(audit.c.seq)):
            yield AuditEntry(int(row.seq), row.at, row.actor_role, row.actor, row.action, row.detail, row.prev_hash, row.hash)

    @staticmethod
    def last_event_body(conn: Connection, subscriber: str, kind: str) -> bytes | None:
        """The body of the latest event of ``kind`` for ``subscriber`` (checkpoints)."""
        body = conn.execute(
            sa.select(events.c.body)
            .where(events.c.subscriber == subscriber, events.c.kind == kind)
            .order_by(events.c.cursor.desc())
            .limit(1)
        ).scalar()
        return None if body is None else bytes(body)

    # ------------------------------------------------------------------ call rates

    def take_call(self, member_id: str, rate: float, burst: float) -> float:
        """Spend one call from the member's bucket shared by every process on this
        PostgreSQL store: 0.0 when granted, else the seconds until one is.

        One statement, outside the write lock: the bucket refills lazily by the database
        clock (the same for processes on several hosts), and a refused call changes
        nothing (the ``WHERE`` of the upsert), so what is returned tells which happened.
        """
        if self.is_sqlite:
            raise StoreError("shared call rates are for PostgreSQL stores (SQLite serves one process)")
        now = "extract(epoch from clock_timestamp())"
        refill = f"LEAST(%(burst)s, c.tokens + ({now} - c.at) * %(rate)s)"
        params = {"m": member_id, "rate": rate, "burst": burst}
        with self.engine.begin() as conn:
            granted = conn.exec_driver_sql(
                "INSERT INTO call_rates AS c (member_id, tokens, at) "  # noqa: S608 (no input in the text)
                f"VALUES (%(m)s, %(burst)s - 1, {now}) "
                f"ON CONFLICT (member_id) DO UPDATE SET tokens = {refill} - 1, at = {now} "
                f"WHERE {refill} >= 1 RETURNING c.tokens",
                params,
            ).first()
            if granted is not None:
                return 0.0
            left = conn.exec_driver_sql(
                f"SELECT {refill} FROM call_rates AS c WHERE member_id = %(m)s", params  # noqa: S608
            ).scalar()
        return max(0.0, (1.0 - float(left or 0.0)) / rate)

    # ------------------------------------------------------------------ matches and clusters

    def matched_record_ids(self, member_id: str) -> list[str]:
        """The member's records that are in at least one matched pair, sorted."""
        with self.read() as conn:
            ids = set(conn.execute(sa.select(pairs.c.record_a).where(pairs.c.member_a == member_id)).scalars())
            ids.update(conn.execute(sa.select(pairs.c.record_b).where(pairs.c.member_b == member_id)).scalars())
        return sorted(ids)

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
        for chunk in chunks(ids):
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
            for chunk in chunks(record_ids):
                for rid, at in conn.execute(
                    sa.select(records.c.record_id, records.c.received_at).where(records.c.record_id.in_(chunk))
                ):
                    out[rid] = aware(at) or _now()
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

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.read() as c:
                yield c


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
