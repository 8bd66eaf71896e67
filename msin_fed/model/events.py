"""Events of a subscriber's stream as plain values: matches, alerts, case events, checkpoints.

The coordinator builds, stores and streams these; only :mod:`msin_fed.wire` turns them
into protobuf and back (for the wire and for the event log's stored form), so neither
the coordinator's service nor the node's API touches generated code.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass

from msin_fed.checkpoint import Checkpoint
from msin_fed.model.grading import Grade
from msin_fed.model.vocab import Tlp

__all__ = ["AlertEvent", "CaseEvent", "CaseEventKind", "Event", "EventBody", "MatchChange", "MatchEvent"]


class MatchChange(enum.StrEnum):
    """How a match changed; UNSPECIFIED in answers to a query (a state, not a change)."""

    UNSPECIFIED = "unspecified"
    NEW = "new"
    UPDATED = "updated"
    REMOVED = "removed"


@dataclass(frozen=True)
class MatchEvent:
    """A match on one of the subscriber's own records (never who the others are by default)."""

    record_id: str
    cluster_id: str
    other_members: int
    matched_kinds: tuple[str, ...]
    score: float
    change: MatchChange
    other_member_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertEvent:
    """An alert to every member; carries no personal data.

    Region, sector and exploitation type stay codes (as received): a node keeps an alert
    whose code it does not know rather than losing it.
    """

    alert_id: str
    summary: str
    region: str
    sector: str
    exploitation_type: str
    grade: Grade | None
    tlp: Tlp | None
    raised_by_role: str
    #: The record id when the subscriber owns the record; empty otherwise.
    own_record_id: str = ""


class CaseEventKind(enum.StrEnum):
    """What happened on a case the subscriber takes part in."""

    OPENED = "opened"
    MESSAGE = "message"
    CONSENT_REQUESTED = "consent_requested"
    CONTACT_AGREED = "contact_agreed"
    CONTACT_REVEALED = "contact_revealed"
    CONTACT_DECLINED = "contact_declined"
    REFERRED = "referred"
    NOTE = "note"
    RECOMMENDATION = "recommendation"
    ESCALATED = "escalated"
    STATE = "state"
    CLOSED = "closed"


@dataclass(frozen=True)
class CaseEvent:
    """One change on a case, for one participant. Holds ids, a state and sealed bytes only.

    ``ref`` names the message, proposal or recommendation concerned; ``peer_key`` is the
    other party's X25519 key when the event hands one over (contact agreed: the peer's,
    a sealed message: the sender's); ``sealed`` is a ciphertext for the subscriber.
    """

    case_id: str
    kind: CaseEventKind
    state: str = ""
    ref: str = ""
    peer_key: bytes = b""
    sealed: bytes = b""


EventBody = MatchEvent | AlertEvent | CaseEvent | Checkpoint


@dataclass(frozen=True)
class Event:
    """One event of a subscriber's stream: its cursor (store it to resume), time and body."""

    cursor: int
    created_at: _dt.datetime | None
    body: EventBody

    @property
    def kind(self) -> str:
        """``match``, ``alert``, ``case`` or ``checkpoint``."""
        return _KIND[type(self.body)]


_KIND: dict[type, str] = {MatchEvent: "match", AlertEvent: "alert", CaseEvent: "case", Checkpoint: "checkpoint"}
