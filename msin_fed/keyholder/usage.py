"""Each rostered member's daily use at this key holder, kept durably in SQLite.

Budgets must survive a restart (or a crash) of the key holder, or a member could reset
its own budget by waiting for one. Every charge is one ``BEGIN IMMEDIATE`` transaction
with ``synchronous=FULL``, so a charge that was answered is on disk before the
evaluation is returned. Counts are per roster member id and UTC day; the budget resets
at midnight UTC.

The same file records the highest roster version this holder has accepted, so a roster
file put back from a backup (or an older one copied over) is refused even after a
restart.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from msin_fed.errors import StoreError
from msin_fed.private_files import owner_only

__all__ = ["MemberUsage", "Refusal", "UsageStore", "UsageTotals", "next_reset"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    member_id TEXT NOT NULL,
    day TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, day)
);
CREATE TABLE IF NOT EXISTS roster_accepted (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    digest TEXT NOT NULL
);
"""
#: Days of counts kept (for STTG's totals and for audit); older rows are dropped.
KEEP_DAYS = 400


def _utc_today() -> _dt.date:
    return _dt.datetime.now(_dt.UTC).date()


def next_reset(day: _dt.date) -> _dt.datetime:
    """When a budget counted on ``day`` resets: the following midnight UTC."""
    return _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time(0, tzinfo=_dt.UTC))


def _stamp(moment: _dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Refusal:
    """Why a member's request was refused (numbers and times only, never inputs)."""

    reason: str


@dataclass(frozen=True)
class MemberUsage:
    """One member's use at this holder today."""

    member_id: str
    day: _dt.date
    used: int
    refused: int
    daily_budget: int
    resets_at: _dt.datetime

    @property
    def remaining(self) -> int:
        """Elements the member may still send to this holder today."""
        return max(0, self.daily_budget - self.used)


@dataclass(frozen=True)
class UsageTotals:
    """Use of this holder by all members today (what STTG sees: no per-member split)."""

    day: _dt.date
    members_active: int
    members_refused: int
    elements: int
    refused: int


class UsageStore:
    """Durable per-member daily counts (thread-safe; one connection, one lock)."""

    def __init__(self, path: str | os.PathLike[str], *, today: Callable[[], _dt.date] = _utc_today) -> None:
        self._path = Path(path)
        self._today = today
        self._lock = threading.Lock()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            owner_only(self._path, sqlite=True)
            self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"usage store {self._path} cannot be opened ({type(exc).__name__})") from None
        self._pruned: _dt.date | None = None

    def _prune(self, day: _dt.date) -> None:
        if self._pruned != day:
            cutoff = (day - _dt.timedelta(days=KEEP_DAYS)).isoformat()
            self._db.execute("DELETE FROM usage WHERE day < ?", (cutoff,))
            self._pruned = day

    def charge(self, member_id: str, count: int, daily_budget: int) -> Refusal | None:
        """Charge ``count`` elements to ``member_id`` today; a Refusal (nothing charged) if over."""
        day = self._today()
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                self._prune(day)
                row = db.execute(
                    "SELECT used FROM usage WHERE member_id = ? AND day = ?", (member_id, day.isoformat())
                ).fetchone()
                used = int(row[0]) if row else 0
                if used + count > daily_budget:
                    db.execute(
                        "INSERT INTO usage (member_id, day, refused) VALUES (?, ?, 1) "
                        "ON CONFLICT (member_id, day) DO UPDATE SET refused = refused + 1",
                        (member_id, day.isoformat()),
                    )
                    db.execute("COMMIT")
                    return Refusal(
                        f"daily budget of {daily_budget} elements at this key holder reached "
                        f"({used} used, {count} asked); resets at {_stamp(next_reset(day))}"
                    )
                db.execute(
                    "INSERT INTO usage (member_id, day, used) VALUES (?, ?, ?) "
                    "ON CONFLICT (member_id, day) DO UPDATE SET used = used + excluded.used",
                    (member_id, day.isoformat(), count),
                )
                db.execute("COMMIT")
                return None
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def usage(self, member_id: str, daily_budget: int) -> MemberUsage:
        """``member_id``'s use today."""
        day = self._today()
        with self._lock:
            row = self._db.execute(
                "SELECT used, refused FROM usage WHERE member_id = ? AND day = ?", (member_id, day.isoformat())
            ).fetchone()
        used, refused = (int(row[0]), int(row[1])) if row else (0, 0)
        return MemberUsage(member_id, day, used, refused, daily_budget, next_reset(day))

    def totals(self) -> UsageTotals:
        """Every member's use today, summed."""
        day = self._today()
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FILTER (WHERE used > 0), COUNT(*) FILTER (WHERE refused > 0), "
                "COALESCE(SUM(used), 0), COALESCE(SUM(refused), 0) FROM usage WHERE day = ?",
                (day.isoformat(),),
            ).fetchone()
        return UsageTotals(day, int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def accepted_roster(self) -> tuple[int, str] | None:
        """``(version, digest)`` of the newest roster this holder accepted, if any."""
        with self._lock:
            row = self._db.execute("SELECT version, digest FROM roster_accepted WHERE id = 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def record_roster(self, version: int, digest: str) -> None:
        """Remember an accepted roster version; never lowers the one recorded."""
        with self._lock:
            self._db.execute(
                "INSERT INTO roster_accepted (id, version, digest) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, digest = excluded.digest "
                "WHERE excluded.version > roster_accepted.version",
                (version, digest),
            )

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
