"""What the node reports about itself: per-report state, outbox entries, status, bulk-share outcomes.

Plain frozen dataclasses returned by :class:`~msin_fed.node.Node` (the ``msin node``
command and the node console print them). They name reports by their local id and hold
no narratives, identifiers or reporter names.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

__all__ = ["NodeStatus", "OutboxEntry", "ReportState", "ShareOutcome"]

#: ShareOutcome.status values.
SHARED, REFUSED, ALREADY_SHARED, FAILED = "shared", "refused", "already_shared", "failed"

#: The warning of a share whose record carries no token (it can never match).
CANNOT_MATCH_WARNING = (
    "no identifier in this report yields a token (a name alone never does): "
    "the record is shared but cannot match another member's"
)


@dataclass(frozen=True)
class ReportState:
    """One stored report's coarse facts and where its latest share stands."""

    report_id: str
    month: str
    region: str
    sector: str
    exploitation_type: str
    grade: str
    time_sensitive: bool
    #: Entity mentions held (their content stays in the store).
    mentions: int
    #: "not shared", or the latest share's state: pending, acknowledged, withdrawing,
    #: withdrawn, refused, withdraw_refused.
    share_state: str
    #: The latest share's record id (None when never shared).
    record_id: str | None
    #: TLP of the latest share (None when never shared).
    tlp: str | None
    #: Why the coordinator refused the latest share, when it did.
    note: str
    #: Other members currently matching the active share (from the inbox; 0 when none).
    other_members: int


@dataclass(frozen=True)
class OutboxEntry:
    """One operation waiting for the coordinator's acknowledgement (no payload)."""

    seq: int
    #: "submit" or "withdraw".
    op: str
    record_id: str
    report_id: str | None
    attempts: int
    #: When the next attempt is due (None: now).
    next_attempt: _dt.datetime | None
    #: Why the last attempt failed (a status, never data).
    last_error: str


@dataclass(frozen=True)
class NodeStatus:
    """A node at a glance: counts only."""

    member_id: str | None
    coordinator: str | None
    reports: int
    #: Shares by state (pending, acknowledged, withdrawn, refused...).
    shares: dict[str, int]
    outbox: int
    #: Operations in the outbox whose last attempt failed.
    outbox_failing: int
    active_matches: int
    alerts: int
    checkpoints: int
    refused_checkpoints: int
    #: Cursor of the last event received (0 before the first).
    cursor: int


@dataclass(frozen=True)
class ShareOutcome:
    """What sharing one report did (see :meth:`msin_fed.node.Node.share_many`)."""

    report_id: str
    #: "shared", "refused" (verification found residue), "already_shared" or "failed".
    status: str
    record_id: str | None = None
    tokens: int = 0
    #: Why it was refused or failed (types and positions, never text).
    reason: str = ""
    #: Set when shared but something is worth knowing (a record without tokens).
    warning: str = ""
