"""How the shared store hands out connections: one for writes on SQLite, guarded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.store import SharedStore, audit

from msin_fed.errors import StoreError


def _dbapi(conn: sa.Connection) -> object:
    return conn.connection.dbapi_connection


def test_sqlite_writes_keep_one_connection_while_reads_hold_others(tmp_path: Path) -> None:
    # SQLite empties a connection's page cache when another connection wrote since its
    # last transaction; writes taking turns on pooled connections re-read every page.
    store = SharedStore(tmp_path / "shared.db")
    try:
        written = []
        with store.read() as reader:
            for _ in range(3):
                with store.write() as conn:
                    written.append(_dbapi(conn))
                with store.read() as other:  # a read between writes takes a pooled connection
                    assert _dbapi(other) is not written[0]
            assert _dbapi(reader) is not written[0]
            # Only the write connection keeps a large page cache; every write empties readers'.
            assert reader.exec_driver_sql("PRAGMA cache_size").scalar() == -16 * 1024
        assert written[0] is written[1] is written[2]
        with store.write() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -128 * 1024
    finally:
        store.close()


def test_a_nested_write_is_refused_and_the_outer_one_still_commits(store: SharedStore) -> None:
    row = {"seq": 1, "at": "t", "actor_role": "admin", "actor": "a", "action": "x", "detail": "{}"}
    with store.write() as conn:
        conn.execute(audit.insert().values(**row, prev_hash="p", hash="h"))
        with pytest.raises(StoreError, match="already open"):
            with store.write():
                pass
    # A write after the commit (as after-commit callbacks do) is allowed.
    with store.write() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one() == 1


def test_close_waits_for_the_write_under_way(tmp_path: Path) -> None:
    store = SharedStore(tmp_path / "shared.db")
    inside, release = threading.Event(), threading.Event()
    row = {"seq": 1, "at": "t", "actor_role": "admin", "actor": "a", "action": "x", "detail": "{}"}

    def write() -> None:
        with store.write() as conn:
            conn.execute(audit.insert().values(**row, prev_hash="p", hash="h"))
            inside.set()
            release.wait(10)

    writer = threading.Thread(target=write)
    writer.start()
    assert inside.wait(10)
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive()  # still waiting: the connection is in the writer's hands
    release.set()
    writer.join(10)
    closer.join(10)
    assert not closer.is_alive()
    reopened = SharedStore(tmp_path / "shared.db")
    try:
        with reopened.read() as conn:
            assert conn.execute(sa.select(audit.c.seq)).scalars().all() == [1]
    finally:
        reopened.close()
