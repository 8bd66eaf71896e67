"""How many intake transactions a coordinator process keeps in flight (the store's
``intake_transactions`` setting).

With two (PostgreSQL only), one group of batches stores its rows while the group before
it holds the write lock, so the storing overlaps the serial part instead of adding to it.
On this project's 2-core machine that gains a lone process nothing (41% of raw COPY in
``bench/coordinator.py`` against 42% with one) and costs two processes (50% against
58%): the second transaction's storing competes with the lock's holder for the cores and
more than triples the time the lock is held a record. The default is therefore one.
``"auto"`` keeps two while this process is the only one serving its database and one
otherwise, counting the serving processes (:meth:`.store.SharedStore.serving_processes`)
every few seconds, for a host where a lone process has cores to spare. The count only
tunes speed: intake is correct with one or two in flight whatever the other processes
do, so a count a few seconds stale (a process just started or killed) costs nothing but
a little throughput.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Literal

import sqlalchemy as sa

from .store import SharedStore

__all__ = ["AUTO", "IntakeFlight", "IntakeTransactions"]

log = logging.getLogger("msin_fed.coordinator")

AUTO: Literal["auto"] = "auto"
#: The setting: 1, 2, or ``"auto"``.
IntakeTransactions = int | Literal["auto"]


class IntakeFlight:
    """The number of intake transactions in flight a process allows now (:attr:`allowed`).

    SQLite: always one (one writer per file). A number: that number. ``"auto"``: two while
    :meth:`.store.SharedStore.serving_processes` counts this process alone, else one,
    recounted at most every ``recheck`` seconds when :meth:`allowed` is asked.
    """

    def __init__(self, store: SharedStore, setting: IntakeTransactions, recheck: float = 5.0) -> None:
        if setting != AUTO and setting not in (1, 2):
            raise ValueError("intake_transactions must be 1, 2 or 'auto'")
        self._store = store
        self._auto = setting == AUTO and not store.single_process
        self._allowed = 1 if store.single_process or setting == AUTO else int(setting)
        self.recheck = recheck
        self._counted = -float("inf")
        self._counting = threading.Lock()
        self._processes: int | None = None

    def allowed(self) -> int:
        """How many intake transactions may be in flight now (recounting the serving
        processes first if ``"auto"`` and the last count is older than ``recheck``)."""
        if self._auto and time.monotonic() - self._counted >= self.recheck:
            self.recount()
        return self._allowed

    def recount(self) -> None:
        """Count the processes serving the database now (``"auto"`` only). One thread
        counts at a time; the others go on with the last count."""
        if not self._auto or not self._counting.acquire(blocking=False):
            return
        try:
            self._counted = time.monotonic()
            try:
                processes = self._store.serving_processes()
            except sa.exc.SQLAlchemyError as exc:  # the database away: intake reports it itself
                log.warning("intake: could not count the coordinator processes (%s)", type(exc).__name__)
                return
            if processes != self._processes:
                self._processes = processes
                self._allowed = 2 if processes <= 1 else 1
                log.info(
                    "intake: %d coordinator process(es) serve the database: %d intake transaction(s) in flight",
                    processes,
                    self._allowed,
                )
        finally:
            self._counting.release()
