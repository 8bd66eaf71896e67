"""Per-member rate limit (in memory) and daily budget (durable), counted in blinded elements.

Each element is one guess an attacker holding a rostered member's certificate could test
online, so both limits count elements, not calls, and both are keyed by the roster's
member id, never by a certificate name (a new certificate for the same member shares its
budget). The rate limit is a token bucket (``rate`` per second, holding at most
``burst``); it smooths bursts and may start full after a restart. The daily budget, the
bound that matters, is kept in a :class:`~msin_fed.keyholder.usage.UsageStore` and
survives restarts; it resets at midnight UTC.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from msin_fed.keyholder.usage import Refusal, UsageStore

__all__ = ["MemberLimits", "Refusal"]


class MemberLimits:
    """Thread-safe accounting of each rostered member's use."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        usage: UsageStore,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate_per_second
        self._burst = burst
        self._usage = usage
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # member -> (level, at)

    @property
    def usage(self) -> UsageStore:
        """The durable daily counts."""
        return self._usage

    def charge(self, member_id: str, count: int, daily_budget: int) -> Refusal | None:
        """Charge ``count`` elements to ``member_id``; a Refusal (and no charge) if over."""
        if count > self._burst:
            return Refusal(f"batch of {count} elements exceeds the burst of {self._burst}")
        with self._lock:
            now = self._clock()
            level, at = self._buckets.get(member_id, (float(self._burst), now))
            level = min(float(self._burst), level + (now - at) * self._rate)
            if count > level:
                return Refusal(f"rate limit of {self._rate:g} elements per second")
            # The durable charge decides; the bucket is debited only when it succeeds.
            refusal = self._usage.charge(member_id, count, daily_budget)
            if refusal is None:
                self._buckets[member_id] = (level - count, now)
            return refusal
