"""A coordinator that stops in the middle of a write transaction (hung, SIGSTOPped, its host
or network gone, so the server never sees the connection end) must not keep the write
lock, and with it every other process's writes, for hours: its sessions carry the limits
of :class:`SessionTimeouts`, and the server ends one idle mid-transaction. Played out on
a real PostgreSQL server with a real second process, stopped with SIGSTOP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.config import config_from_mapping
from msin_fed.coordinator.store import SessionTimeouts, SharedStore
from msin_fed.coordinator.store.engine import WRITE_LOCK

from msin_fed.errors import ConfigError

from .conftest import drop_postgres_store, in_thread, require_postgres

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from msin_fed.coordinator.store import SessionTimeouts, SharedStore
    store = SharedStore(sys.argv[1], serving=True, timeouts=SessionTimeouts(idle_in_transaction=float(sys.argv[2])))
    with store.write() as conn:  # takes the write lock, then sends nothing more
        print(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one(), flush=True)
        time.sleep(600)
    """
)


@pytest.fixture
def url() -> Iterator[str]:
    url = require_postgres()
    drop_postgres_store(url)
    yield url
    drop_postgres_store(url)


def _lock_holders(conn: sa.Connection) -> set[int]:
    rows = conn.exec_driver_sql(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        f" AND (classid::bigint << 32) + objid::bigint = {WRITE_LOCK}"
    ).all()
    return {int(pid) for (pid,) in rows}


@pytest.mark.postgres
def test_a_coordinator_stopped_mid_transaction_loses_the_write_lock_and_another_proceeds(url: str) -> None:
    SharedStore(url).close()  # migrated first, so the holder's start is quick
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, "2"], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    other = SharedStore(url)
    try:
        assert holder.stdout is not None
        pid = int(holder.stdout.readline())
        os.kill(holder.pid, signal.SIGSTOP)  # its socket stays open: the server sees no end
        with other.read() as conn:
            assert _lock_holders(conn) == {pid}

        def write() -> float:
            with other.write() as conn:  # waits for the write lock
                conn.exec_driver_sql("SELECT 1")
            return time.monotonic()

        began = time.monotonic()
        thread, out = in_thread(write)
        thread.join(30)
        assert not thread.is_alive(), "the stopped holder kept the write lock"
        assert isinstance(out[0], float), out
        waited = out[0] - began
        assert 1.0 <= waited < 20, waited  # blocked until the server ended the idle session
        with other.read() as conn:
            assert _lock_holders(conn) == set()
            alive = conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).scalar()
        assert alive == 0
    finally:
        holder.kill()
        holder.wait(10)
        other.close()


@pytest.mark.postgres
def test_every_session_of_a_store_carries_its_configured_limits(url: str) -> None:
    config = config_from_mapping(
        {
            "server": {"identity_dir": "id"},
            "store": {"url": url, "idle_in_transaction_timeout": 5, "statement_timeout": 120, "keepalive": 15},
        },
        Path("/tmp"),
    )
    assert config.store_timeouts == SessionTimeouts(idle_in_transaction=5, statement=120, keepalive=15)
    store = SharedStore(url, timeouts=config.store_timeouts)
    try:
        for connect in (store.read, store.write):
            with connect() as conn:
                shown = [
                    conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                    for name in ("idle_in_transaction_session_timeout", "statement_timeout", "tcp_keepalives_idle")
                ]
                assert shown == ["5s", "2min", "15"]  # keepalive: seconds, no unit
    finally:
        store.close()
    default = SharedStore(url)
    try:
        with default.read() as conn:
            assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar_one() == "1min"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "0"
    finally:
        default.close()


@pytest.mark.parametrize(
    ("key", "value"),
    [("idle_in_transaction_timeout", -1), ("statement_timeout", 86401), ("keepalive", "30"), ("keepalive", True)],
)
def test_a_bad_session_limit_is_refused_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping({"server": {"identity_dir": "id"}, "store": {"url": "x.db", key: value}}, Path("/tmp"))
    assert f"store.{key}" in str(caught.value)


class _StartupRelay:
    """A TCP relay in front of the real server that refuses, as PgBouncer does, a startup
    packet carrying libpq ``options`` (``unsupported startup parameter: options``), and
    otherwise passes both directions through, recording each startup's parameters."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.startups: list[dict[str, str]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(self._target) as server:
            while True:  # an SSLRequest or GSSENCRequest first, answered by the server
                head = _read(client, 8)
                length, code = struct.unpack("!ii", head)
                body = _read(client, length - 8)
                if code in (80877103, 80877104):
                    server.sendall(head + body)
                    client.sendall(_read(server, 1))  # 'N': no encryption on this server
                    continue
                break
            fields = body.split(b"\0")
            params = {k.decode(): v.decode() for k, v in zip(fields[0::2], fields[1::2], strict=False) if k}
            self.startups.append(params)
            if "options" in params:
                message = b"SFATAL\0C08P01\0Munsupported startup parameter: options\0\0"
                client.sendall(b"E" + struct.pack("!i", len(message) + 4) + message)
                return
            server.sendall(head + body)
            pump = threading.Thread(target=_pump, args=(server, client), daemon=True)
            pump.start()
            _pump(client, server)
            pump.join(5)


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


@pytest.mark.postgres
def test_limits_are_set_after_connecting_so_a_pooler_refusing_startup_options_can_stand_between(url: str) -> None:
    parsed = sa.engine.make_url(url)
    relay = _StartupRelay(parsed.host or "127.0.0.1", parsed.port or 5432)
    through = parsed.set(host="127.0.0.1", port=relay.port, query={"sslmode": "disable"})
    store = SharedStore(through.render_as_string(hide_password=False), timeouts=SessionTimeouts(idle_in_transaction=7))
    try:
        # Read, write, read: a pooled connection checked in (rolled back) and out again
        # keeps them.
        for connect in (store.read, store.write, store.read):
            with connect() as conn:
                shown = [
                    conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                    for name in ("idle_in_transaction_session_timeout", "statement_timeout", "tcp_keepalives_idle")
                ]
                assert shown == ["7s", "0", "30"]
        assert store.count_records() == 0  # the store was made and migrated through the relay
    finally:
        store.close()
        relay.close()
    assert relay.startups and all("options" not in p for p in relay.startups), relay.startups
