"""Opening the database: SQLAlchemy engines for SQLite or PostgreSQL, tuned for intake.

SQLite (the embedded default) is one coordinator process's store: every write runs on one
connection, and :class:`SingleProcessLock` refuses a second coordinator process on the
same file. PostgreSQL is shared by any number of coordinator processes; the serial part of
their write transactions (:func:`hold_write_lock` to the commit) holds one advisory lock
(:data:`WRITE_LOCK`), so those parts run and commit one after the other in the order they
took it, exactly as one process's writes do.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from msin_fed.errors import StoreError

log = logging.getLogger(__name__)

__all__ = [
    "SERVING_LOCK",
    "WRITE_LOCK",
    "Engines",
    "LockWatchdog",
    "SessionTimeouts",
    "SingleProcessLock",
    "end_stalled_lock_holder",
    "hold_write_lock",
    "open_engines",
    "serving_key",
    "sqlite_path",
    "store_url",
]

#: Key of the PostgreSQL advisory lock every write transaction holds from its serial part
#: until it ends ("msin-wr" in ASCII): matching, events and the audit chain are written by
#: one process at a time, so event cursors commit in order and the chain has one head.
WRITE_LOCK = 0x6D73696E2D7772
#: ``MSIN_WRITE_LOCK=transaction``: every write transaction takes the PostgreSQL write lock
#: when it begins, intake too (how it was before intake stored its rows ahead of the lock).
#: For ``bench/coordinator.py`` to measure both in one run; not a setting to deploy.
WHOLE_TRANSACTION_LOCK = os.environ.get("MSIN_WRITE_LOCK", "") == "transaction"

#: Key in a write transaction's state: when the write lock was asked for and got
#: (perf_counter), and the writing thread's CPU time when it was got (thread_time).
LOCK_TIMES = "write_lock"
#: First half of the session advisory lock every session of a serving coordinator holds
#: shared ("mscv"); the second half is the process's :func:`serving_key`. ``pg_locks`` then
#: tells how many processes serve a database (:meth:`.shared.SharedStore.serving_processes`)
#: whatever ``application_name`` the operator gives the sessions. Nothing takes it
#: exclusively, so it never waits.
SERVING_LOCK = 0x6D736376
#: Key of the session advisory lock held while migrating (two processes starting at once).
MIGRATE_LOCK = 0x6D73696E2D6D67

#: Page cache of the one write connection: the indexes intake inserts into stay in it.
WRITER_CACHE_KIB = 128 * 1024
#: Page cache of each pooled read connection. Smaller: every write empties it, and the pool
#: may hold fifteen connections.
READER_CACHE_KIB = 16 * 1024


@dataclass(frozen=True)
class SessionTimeouts:
    """Limits PostgreSQL puts on each of a store's sessions, so that a coordinator that stops
    mid-transaction (hung, SIGSTOPped, its host or network gone: the server sees no end
    of the connection) cannot hold the write lock, and so every other process's writes,
    for hours. Seconds; 0 turns one off.

    ``idle_in_transaction``: the server ends a session that sends nothing for this long
    inside a transaction (``idle_in_transaction_session_timeout``), rolling it back and
    releasing its locks. A coordinator's transactions are busy from begin to commit, with
    Python work between statements of a fraction of a second. ``statement``: the longest
    one statement may run (``statement_timeout``; off by default: migrations of a large
    store run under it too). ``keepalive``: after this long without traffic the server
    probes the client's socket, and drops it after three unanswered probes a third of
    this apart (``tcp_keepalives_*``): a session waiting for a vanished client's data in
    the middle of a statement (a COPY) is not idle, and without probes would wait for the
    operating system's two hours.
    """

    idle_in_transaction: float = 60.0
    statement: float = 0.0
    keepalive: float = 30.0

    def __post_init__(self) -> None:
        for name in ("idle_in_transaction", "statement", "keepalive"):
            value = getattr(self, name)
            if not 0 <= value <= 86400:
                raise ValueError(f"{name} must be between 0 and 86400 seconds")

    def settings(self) -> dict[str, str]:
        """The session settings (server parameter names and values) these limits are."""
        settings = {
            "idle_in_transaction_session_timeout": f"{round(self.idle_in_transaction * 1000)}",
            "statement_timeout": f"{round(self.statement * 1000)}",
        }
        if self.keepalive:
            settings |= {
                "tcp_keepalives_idle": f"{max(1, round(self.keepalive))}",
                "tcp_keepalives_interval": f"{max(1, round(self.keepalive / 3))}",
                "tcp_keepalives_count": "3",
            }
        return settings

    def apply(self, dbapi_conn: Any, serving: bool = False) -> None:
        """Set these on a new PostgreSQL session (a psycopg connection), and on a
        ``serving`` process's session take :data:`SERVING_LOCK`, in one statement,
        committed so that no rollback undoes them.

        Set after connecting rather than sent as libpq's startup ``options``: a
        connection pooler such as PgBouncer refuses a startup packet that carries
        ``options`` (``unsupported startup parameter``), and sets nothing it does not
        know. Only session pooling keeps a session's settings and its session advisory
        lock (migrations) and LISTEN (event streams) across transactions; see
        docs/coordinator.md."""
        names = list(self.settings().items())
        sql = "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in names)
        params: list[str | int] = [v for pair in names for v in pair]
        if serving:
            sql += f", pg_advisory_lock_shared({SERVING_LOCK}, %s)"
            params.append(serving_key())
        with dbapi_conn.cursor() as cur:
            cur.execute(sql, params)
        dbapi_conn.commit()


def serving_key() -> int:
    """This process's half of :data:`SERVING_LOCK`: its host and pid as a positive int4 (two
    processes that collide count as one, which only costs speed)."""
    return zlib.crc32(f"{socket.gethostname()} {os.getpid()}".encode()) & 0x7FFFFFFF


def hold_write_lock(conn: Connection) -> None:
    """Make sure the write transaction of ``conn`` holds the PostgreSQL write lock
    (:data:`.engine.WRITE_LOCK`) from here until it ends; nothing on SQLite (one process,
    its writes on one connection). Every step that must see all earlier writes and be
    ordered with them calls this first: event cursors, the audit head, checkpoint numbers,
    the match step's lookups and the numbering of token rows.
    """
    if conn.dialect.name != "postgresql":
        return
    state = conn.info.setdefault("tx_state", {})
    if LOCK_TIMES not in state:
        asked = time.perf_counter()
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        state[LOCK_TIMES] = (asked, time.perf_counter(), time.thread_time())


@contextlib.contextmanager
def kept_busy(conn: Connection) -> Iterator[None]:
    """While the caller computes between statements of ``conn``'s transaction (the match
    step's scoring and clustering under the write lock), send the session a trivial
    statement every third of its idle limit.

    The server's ``idle_in_transaction_session_timeout`` is there to end the session of a
    coordinator that stopped (SIGSTOP, a hung host) while holding the lock. A working one
    whose Python step outlasts the limit (a batch with many candidate pairs) would be ended
    too, on every resend, so the batch could never be stored. The heartbeat runs on its
    own thread, so it stops when the process stops, and only while this block runs, so it
    never touches the connection after the caller's commit. psycopg serialises it with the
    caller's statements (each holds the connection's lock). Nothing on SQLite.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    info = conn.connection.info
    idle = info.get(_IDLE_LIMIT)
    if idle is None:
        idle = float(conn.exec_driver_sql(
            "SELECT extract(epoch FROM current_setting('idle_in_transaction_session_timeout')::interval)"
        ).scalar_one())
        info[_IDLE_LIMIT] = idle
    if not idle:
        yield
        return
    raw = conn.connection.dbapi_connection
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(idle / 3):
            try:
                raw.cursor().execute("SELECT 1")  # type: ignore[union-attr]
            except Exception:  # the transaction failed: the caller sees and handles it
                return

    thread = threading.Thread(target=beat, name="msin-write-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


_IDLE_LIMIT = "msin_idle_in_transaction_limit"


def end_stalled_lock_holder(conn: Connection, after: float) -> int:
    """End the session holding the write lock (PostgreSQL) if it has been inside one
    statement for over ``after`` seconds and is waiting for its client; how many were ended.

    A writer that stops in the middle of a statement (a COPY waiting for its rows, a result
    it stopped reading: a SIGSTOPped or hung process, a frozen host) leaves its session
    active, not idle in its transaction, and the server processes neither the idle limit
    nor a statement timeout while it waits for the client; the stopped process's kernel
    still answers keepalives. Only another session ending it frees the lock. Statements
    under the lock last milliseconds, so one waiting on its client this long is stalled."""
    rows = conn.exec_driver_sql(
        "SELECT pg_terminate_backend(a.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"  # noqa: S608 (a constant)
        " WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        f" AND (l.classid::bigint << 32) + l.objid::bigint = {WRITE_LOCK}"
        " AND a.state = 'active' AND a.wait_event IN ('ClientRead', 'ClientWrite')"
        " AND a.state_change < now() - make_interval(secs => %(after)s)",
        {"after": float(after)},
    ).all()
    conn.commit()
    return sum(1 for (ended,) in rows if ended)


class LockWatchdog:
    """A thread of a serving process that ends a write-lock holder stalled mid-statement
    (:func:`end_stalled_lock_holder`) every ``after / 2`` seconds, so that a stopped process
    cannot hold every other process's writes for longer than about ``after``."""

    def __init__(self, engine: Engine, after: float) -> None:
        self._engine = engine
        self._after = after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="write-lock-watchdog", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(max(0.25, self._after / 2)):
            try:
                with self._engine.connect() as conn:
                    ended = end_stalled_lock_holder(conn, self._after)
                if ended:
                    log.warning("ended %d session(s) holding the write lock while stalled mid-statement", ended)
            except sa.exc.SQLAlchemyError as exc:  # the database away: the next round tries again
                log.warning("write-lock watchdog: %s", type(exc).__name__)


def store_url(location: str | Path) -> str:
    """A SQLAlchemy URL for a store location: a URL as given, a path as a SQLite file."""
    text = str(location)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (in memory, or not SQLite)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@dataclass
class Engines:
    """``reader`` pools connections for reads; ``writer`` is the one every write uses
    (the same engine except on a SQLite file)."""

    reader: Engine
    writer: Engine
    is_sqlite: bool


def open_engines(
    url: str, *, echo: bool = False, timeouts: SessionTimeouts | None = None, serving: bool = False
) -> Engines:
    """Engines for ``url`` (see :class:`Engines`); StoreError when the URL is unusable.
    PostgreSQL sessions get ``timeouts`` (default :class:`SessionTimeouts`), after any
    setting the URL's ``options`` may also make (set after connecting, see
    :meth:`SessionTimeouts.apply`), and those of a ``serving`` process its share of
    :data:`SERVING_LOCK`."""
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if in_memory:
            kwargs["poolclass"] = sa.pool.StaticPool
    else:
        # A connection the server dropped (restart, fail-over, a session timeout) is
        # replaced, not handed out.
        kwargs["pool_pre_ping"] = True
        # The most recently returned connection is handed out first, so intake keeps to a
        # few warm sessions (their statements prepared, their caches filled) instead of
        # rotating through every idle one: with two processes the database spent 0.053
        # ms a record against 0.064 in first-in-first-out order (bench/coordinator.py).
        kwargs["pool_use_lifo"] = True
    try:
        reader = sa.create_engine(url, **kwargs)
    except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
        raise StoreError(f"cannot open store: {type(exc).__name__}") from None
    writer = reader
    if is_sqlite:
        cache = WRITER_CACHE_KIB if in_memory else READER_CACHE_KIB
        event.listen(reader, "connect", functools.partial(_sqlite_pragmas, cache_kib=cache))
        if not in_memory:
            # Every write on one connection. SQLite empties a connection's page cache when
            # another connection has written since its last transaction, so writes taking
            # turns on the pool's connections re-read every page they touch (intake spent a
            # quarter more CPU per record that way). Writes are serialised anyway.
            writer = sa.create_engine(url, **kwargs, poolclass=sa.pool.StaticPool)
            event.listen(writer, "connect", functools.partial(_sqlite_pragmas, cache_kib=WRITER_CACHE_KIB))
    else:
        limits = timeouts or SessionTimeouts()
        event.listen(reader, "connect", lambda dbapi_conn, _record: limits.apply(dbapi_conn, serving))
    return Engines(reader, writer, is_sqlite)


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


class SingleProcessLock:
    """An exclusive lock on ``<store>.lock`` held while a coordinator process serves a
    SQLite store: a second coordinator on the same file is refused at start (its
    in-process state, one write connection and the seen-keys filter, assume one process).

    ``flock`` is released by the kernel when the process dies, SIGKILL included, so a
    crashed coordinator never leaves a stale lock behind.
    """

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"the store {database} is in use by another coordinator process (pid {holder}); "
                "a SQLite store serves one process: stop the other one, or use PostgreSQL "
                "(store.url = postgresql+psycopg://...) to run several"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Give the lock up (the file stays; its content is only informative)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
