"""Wake this process's event subscribers when another process commits events (PostgreSQL).

Each write transaction that appends events sends ``NOTIFY msin_events`` (delivered when
it commits, once per transaction); every coordinator process listens on its own
connection and wakes its streams, which then read the events table as usual. Delivery
does not depend on it: streams also poll, so a lost notification (the listening
connection dropped) costs at most the poll interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

__all__ = ["CHANNEL", "EventListener", "notify_events"]

log = logging.getLogger("msin_fed.coordinator")

CHANNEL = "msin_events"


def notify_events(conn: Connection) -> None:
    """Inside a write transaction on PostgreSQL: tell every listener once it commits."""
    conn.exec_driver_sql(f"NOTIFY {CHANNEL}")


class EventListener:
    """A thread calling ``on_events`` whenever any process commits events."""

    def __init__(self, engine: Engine, on_events: Callable[[], None]) -> None:
        self._engine = engine
        self._on_events = on_events
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-listener", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float) -> bool:
        """Whether the listener is listening (for tests and start-up)."""
        return self._ready.wait(timeout)

    def close(self) -> None:
        """Stop listening (within about a second)."""
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # the database went away: streams poll meanwhile
                self._ready.clear()
                log.warning("event listener: %s; retrying", type(exc).__name__)
                self._stop.wait(1.0)

    def _listen(self) -> None:
        raw = self._engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            driver.commit()
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANNEL}")
            self._ready.set()
            while not self._stop.is_set():
                if any(True for _ in driver.notifies(timeout=1.0)):
                    self._on_events()
        finally:
            raw.invalidate()  # never back to the pool: it is in LISTEN mode
            raw.close()
