"""Fair shares of the coordinator: event-stream slots and call rates per member.

Each open Subscribe stream holds a worker thread for as long as it lasts, so streams are
capped (``max_streams``). Without shares, one member opening that many streams locks
every other member and STTG's analyst out. :class:`StreamSlots` gives

- each member at most ``member_streams`` open streams;
- all members together at most ``max_streams - analyst_streams``, so that
  ``analyst_streams`` slots are always there for the analyst role;
- analysts the reserve plus whatever members leave free.

:class:`CallRates` is a token bucket per member for every call (opening a stream
included), so that one member cannot keep the workers busy with cheap calls either.
With several coordinator processes on one PostgreSQL database the bucket lives in the
database (:class:`SharedCallRates`), so a member's rate is the same however many
processes it spreads its calls over. Stream slots stay per process: they guard that
process's threads.

Refusals are :class:`Busy` (RESOURCE_EXHAUSTED) naming the limit and its setting; they
never name the member.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from msin_fed.errors import MsinError

__all__ = ["Busy", "CallRates", "SharedCallRates", "StreamSlots"]


class Busy(MsinError):
    """A fair-share limit is reached (RESOURCE_EXHAUSTED); the message names the limit."""


@dataclass(frozen=True)
class _Counts:
    members: int
    analysts: int


class StreamSlots:
    """Open-stream accounting with a per-member cap and an analyst reserve."""

    def __init__(self, max_streams: int, member_streams: int, analyst_streams: int) -> None:
        if max_streams < 1:
            raise ValueError("max_streams must be at least 1")
        self.max_streams = max_streams
        # Keep at least one slot for members whatever the reserve asked for (the server may
        # have lowered max_streams to fit its worker threads).
        self.analyst_streams = max(0, min(analyst_streams, max_streams - 1))
        self.member_pool = max_streams - self.analyst_streams
        self.member_streams = max(1, min(member_streams, self.member_pool))
        # Analysts are STTG's own consoles, but one of them should not take every slot.
        self.analyst_each = max(self.member_streams, self.analyst_streams)
        self._open: dict[tuple[str, str], int] = {}
        self._members = 0
        self._analysts = 0
        self._lock = threading.Lock()

    def acquire(self, role: str, name: str) -> None:
        """Take a slot for ``role``/``name`` or raise :class:`Busy` naming the limit."""
        key = (role, name)
        with self._lock:
            mine = self._open.get(key, 0)
            if self._members + self._analysts >= self.max_streams:
                raise Busy(f"all {self.max_streams} event streams are open (server.max_streams); retry later")
            if role == "analyst":
                if mine >= self.analyst_each:
                    raise Busy(f"at most {self.analyst_each} open event streams per analyst; close one first")
                self._analysts += 1
            else:
                if mine >= self.member_streams:
                    raise Busy(
                        f"at most {self.member_streams} open event streams per member "
                        "(server.member_streams); close one first"
                    )
                if self._members >= self.member_pool:
                    raise Busy(
                        f"the {self.member_pool} event streams for members are open "
                        f"({self.analyst_streams} kept for analysts, server.analyst_streams); retry later"
                    )
                self._members += 1
            self._open[key] = mine + 1

    def release(self, role: str, name: str) -> None:
        """Give back a slot taken by :meth:`acquire`."""
        key = (role, name)
        with self._lock:
            left = self._open.get(key, 0) - 1
            if left < 0:
                return
            if left:
                self._open[key] = left
            else:
                del self._open[key]
            if role == "analyst":
                self._analysts -= 1
            else:
                self._members -= 1

    def counts(self) -> _Counts:
        """Open streams now, members' and analysts' (for tests and status)."""
        with self._lock:
            return _Counts(self._members, self._analysts)


class CallRates:
    """A token bucket per member: ``rate`` calls a second, bursts of ``burst``."""

    #: Buckets kept at most; full (idle) ones are dropped first when there are more.
    MAX_BUCKETS = 10_000

    def __init__(self, rate: float, burst: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        # Room for a node's catch-up after an outage (one call per 50 queued records).
        self.burst = float(burst if burst is not None else max(1, int(rate * 10)))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, member: str) -> None:
        """Spend one call of ``member`` or raise :class:`Busy` saying when to retry."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(member, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1.0:
                wait = (1.0 - tokens) / self.rate
                self._buckets[member] = (tokens, now)
                raise Busy(
                    f"call rate limit: at most {self.rate:g} calls per second per member "
                    f"(server.member_calls_per_second); retry in {wait:.2f} s"
                )
            self._buckets[member] = (tokens - 1.0, now)
            if len(self._buckets) > self.MAX_BUCKETS:
                self._drop_idle(now)

    def _drop_idle(self, now: float) -> None:
        full = [m for m, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
        for member in full:
            del self._buckets[member]


class _Taker(Protocol):
    def take_call(self, member_id: str, rate: float, burst: float) -> float: ...


class SharedCallRates:
    """:class:`CallRates` kept in the store, one bucket per member for every process."""

    def __init__(self, store: _Taker, rate: float, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1, int(rate * 10)))
        self._store = store

    def take(self, member: str) -> None:
        """Spend one call of ``member`` or raise :class:`Busy` saying when to retry."""
        wait = self._store.take_call(member, self.rate, self.burst)
        if wait > 0:
            raise Busy(
                f"call rate limit: at most {self.rate:g} calls per second per member "
                f"(server.member_calls_per_second); retry in {wait:.2f} s"
            )
