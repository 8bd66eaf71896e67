"""The coordinator's side of audit checkpoints: sign the chain head and send it to members.

A checkpoint is made every ``every`` audit entries (inside the transaction that writes
the entry, so a checkpoint never names an entry that was rolled back) and, when entries
were added since the last one, every ``seconds`` and at shutdown (so a quiet coordinator
still hands its latest head out). Each goes into the events table for subscriber ``*``:
every member's stream delivers it, and a member that was offline gets it on resuming.

The coordinator itself keeps checkpoints only as those events; nothing here is trusted
by ``audit verify``, which checks the chain against checkpoints that members hold.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nacl.signing import SigningKey
from sqlalchemy.engine import Connection

from msin_fed.checkpoint import Checkpoint, CheckpointKey, load_or_create_signing_key, sign_checkpoint
from msin_fed.wire import event_body_from_bytes

from .store import SharedStore

if TYPE_CHECKING:
    from .config import CoordinatorConfig

__all__ = ["Checkpointer"]

log = logging.getLogger("msin_fed.coordinator")

KIND = "checkpoint"


@dataclass(frozen=True)
class _Last:
    number: int
    entry_seq: int


class Checkpointer:
    """Signs checkpoints of the audit chain's head into the event stream of every member."""

    def __init__(
        self,
        store: SharedStore,
        key: SigningKey,
        *,
        every: int = 100,
        seconds: float = 60.0,
        on_new: Callable[[], None] | None = None,
    ) -> None:
        if every < 1:
            raise ValueError("every must be 1 or more")
        self.store = store
        self._key = key
        self.public_key = CheckpointKey(bytes(key.verify_key))
        self.every = every
        self.seconds = seconds
        #: Called after a checkpoint is committed (wakes event streams).
        self.on_new = on_new
        self._last = self._load_last()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, config: CoordinatorConfig, store: SharedStore) -> Checkpointer | None:
        """The configured checkpointer (its key made on first start), or None when off."""
        if config.audit_checkpoint_key is None:
            return None
        key = load_or_create_signing_key(config.audit_checkpoint_key, create=True)
        return cls(store, key, every=config.checkpoint_every, seconds=config.checkpoint_seconds)

    def _load_last(self, conn: Connection | None = None) -> _Last:
        if conn is None:
            with self.store.read() as reader:
                return self._load_last(reader)
        body = SharedStore.last_event_body(conn, "*", KIND)
        if body is None:
            return _Last(0, 0)
        last = event_body_from_bytes(KIND, body)
        assert isinstance(last, Checkpoint)
        return _Last(int(last.number), int(last.entry_seq))

    @property
    def last_number(self) -> int:
        """Number of the last checkpoint committed (0 before the first)."""
        return self._last.number

    # ------------------------------------------------------------------ making them

    def after_entry(self, conn: Connection, seq: int, digest: str) -> None:
        """Called by the audit log for each entry it adds inside ``conn``'s transaction."""
        # Several entries may share one transaction (group commit): what this one has
        # checkpointed so far lives with the transaction until it commits.
        last: _Last = SharedStore.tx_state(conn).get(self, self._last)
        if seq - last.entry_seq >= self.every:
            self._emit(conn, seq, digest, every=self.every)

    def tick(self) -> Checkpoint | None:
        """Checkpoint the head now if entries were added since the last checkpoint."""
        # Plain reads first: with no news, or news another process has signed already,
        # the tick never takes the write lock, which every process's tick would otherwise
        # queue for each second.
        newest = self.store.audit_head_seq()
        if newest <= self._last.entry_seq:
            return None
        signed = self._load_last()
        if newest <= signed.entry_seq:
            self._caught_up(signed)
            return None
        with self.store.write() as conn:
            head = SharedStore.audit_head(conn)
            last: _Last = SharedStore.tx_state(conn).get(self, self._last)
            if head is None or head[0] <= last.entry_seq:
                return None
            return self._emit(conn, head[0], head[1])

    def _emit(self, conn: Connection, seq: int, digest: str, every: int = 1) -> Checkpoint | None:
        # The number comes from the database, in this transaction, not from memory: a
        # number signed twice for two heads is exactly what members refuse as a forgery.
        last = self._load_last(conn)
        if seq - last.entry_seq < every:
            # Covered already: by another coordinator process on the same database (what
            # this one remembered was behind), or a restored database.
            SharedStore.tx_state(conn)[self] = last
            SharedStore.after_commit(conn, lambda: self._caught_up(last), key=self)
            return None
        number = last.number + 1
        cp = sign_checkpoint(self._key, number, seq, digest, _dt.datetime.now(_dt.UTC))
        self.store.append_events(conn, [("*", None, cp)])
        done = _Last(number, seq)
        SharedStore.tx_state(conn)[self] = done
        # Keyed: of several checkpoints in one transaction only the last updates the state.
        SharedStore.after_commit(conn, lambda: self._committed(done), key=self)
        return cp

    def _caught_up(self, last: _Last) -> None:
        if last.entry_seq > self._last.entry_seq:
            self._last = last

    def _committed(self, done: _Last) -> None:
        self._last = done
        log.info("audit checkpoint signed")
        if self.on_new is not None:
            self.on_new()

    # ------------------------------------------------------------------ the timer

    def start(self) -> None:
        """Checkpoint every ``seconds`` in a background thread (when there is news)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the timer and checkpoint the head one last time."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._safe_tick()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self._safe_tick()

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception as exc:  # the next tick tries again; the chain itself is unharmed
            log.warning("audit checkpoint failed: %s", type(exc).__name__)
