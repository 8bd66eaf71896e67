"""Per-member rate limit and daily quota, counted in blinded elements.

Each element is one guess an attacker holding a member certificate could test online,
so both limits count elements, not calls. The rate limit is a token bucket (``rate``
per second, holding at most ``burst``); the quota resets at midnight UTC.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MemberLimits", "Refusal"]


@dataclass(frozen=True)
class Refusal:
    """Why a member's request was refused (no inputs, only numbers)."""

    reason: str


class MemberLimits:
    """Thread-safe accounting of each member's use."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        daily_quota: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], _dt.date] = lambda: _dt.datetime.now(_dt.UTC).date(),
    ) -> None:
        self._rate = rate_per_second
        self._burst = burst
        self._quota = daily_quota
        self._clock = clock
        self._today = today
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # member -> (level, at)
        self._day = today()
        self._used: dict[str, int] = {}

    def charge(self, member: str, count: int) -> Refusal | None:
        """Charge ``count`` elements to ``member``; a Refusal (and no charge) if over."""
        with self._lock:
            day = self._today()
            if day != self._day:
                self._day, self._used = day, {}
            used = self._used.get(member, 0)
            if used + count > self._quota:
                return Refusal(f"daily quota of {self._quota} elements reached ({used} used)")
            if count > self._burst:
                return Refusal(f"batch of {count} elements exceeds the burst of {self._burst}")
            now = self._clock()
            level, at = self._buckets.get(member, (float(self._burst), now))
            level = min(float(self._burst), level + (now - at) * self._rate)
            if count > level:
                return Refusal(f"rate limit of {self._rate:g} elements per second")
            self._buckets[member] = (level - count, now)
            self._used[member] = used + count
            return None

    def used_today(self, member: str) -> int:
        """Elements charged to ``member`` today."""
        with self._lock:
            return self._used.get(member, 0) if self._today() == self._day else 0
