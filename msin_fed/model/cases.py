"""Cases as plain values: what happens after a match (the seeds' handling process).

The coordinator builds these for each caller (:mod:`msin_fed.coordinator.case_service`),
already cut to what that caller may see; :mod:`msin_fed.wire` converts them; the node and
the analyst client read them back. Vocabularies are the codes the wire carries.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field

from msin_fed.model.grading import Grade
from msin_fed.model.vocab import Tlp

__all__ = [
    "ACTION_KINDS",
    "ACTION_OUTCOMES",
    "AGENCIES",
    "CLOSE_OUTCOMES",
    "ESCALATION_REASONS",
    "CaseAction",
    "CaseEntry",
    "CaseRecord",
    "CaseState",
    "CaseView",
    "Escalation",
    "Proposal",
    "Recommendation",
    "SealedMessage",
]


class CaseState(enum.StrEnum):
    """Where a case stands."""

    OPEN = "open"
    IN_DISCUSSION = "in_discussion"
    WITH_ADVISORY_GROUP = "with_advisory_group"
    #: Referred to law enforcement or another first-response agency.
    REFERRED = "referred"
    CLOSED = "closed"


#: What members do (seed: "investigate, prevent, disrupt or remediate").
ACTION_KINDS: tuple[str, ...] = ("investigation", "remediation", "supplier_audit", "referral", "victim_support")
#: How an action turned out.
ACTION_OUTCOMES: tuple[str, ...] = (
    "ongoing",
    "substantiated",
    "not_substantiated",
    "remediated",
    "referred",
    "no_further_action",
)
#: Why a case reached the threshold for law enforcement (seed: "serious safeguarding
#: concerns or suspicion of serious offence").
ESCALATION_REASONS: tuple[str, ...] = (
    "serious_safeguarding_concern",
    "suspicion_of_serious_offence",
    "risk_to_life",
    "child_at_risk",
    "ongoing_exploitation",
)
#: First-response agencies a case is referred to.
AGENCIES: tuple[str, ...] = ("police", "glaa", "nca", "local_authority", "modern_slavery_helpline", "other")
#: How a case ends.
CLOSE_OUTCOMES: tuple[str, ...] = (
    "actions_taken",
    "referred_to_law_enforcement",
    "no_further_action",
    "insufficient_information",
    "duplicate",
)


@dataclass(frozen=True)
class CaseRecord:
    """A record of a case; ``record_id`` and ``narrative`` only where the caller may see them."""

    record_id: str
    member: str
    narrative: str
    region: str
    sector: str
    exploitation_type: str
    month: str
    grade: Grade | None
    tlp: Tlp | None


@dataclass(frozen=True)
class CaseEntry:
    """One entry of a case's time line (never message text)."""

    at: _dt.datetime
    kind: str
    actor: str
    text: str = ""
    ref: str = ""


@dataclass(frozen=True)
class Proposal:
    """A brokered-contact proposal between two members."""

    proposal_id: str
    state: str
    members: tuple[str, ...]
    you_consented: bool = False
    note: str = ""
    you_revealed: bool = False


@dataclass(frozen=True)
class Recommendation:
    """A recommendation of the Advisory Group; ``recorded`` once a quorum agreed."""

    recommendation_id: str
    text: str
    agreed: tuple[str, ...]
    recorded: bool


@dataclass(frozen=True)
class CaseAction:
    """What a member did on a case."""

    action_id: str
    kind: str
    outcome: str
    date: str
    member: str
    lessons: str = ""


@dataclass(frozen=True)
class Escalation:
    """The decision that a case reached the threshold for law enforcement."""

    reason: str
    note: str
    agency: str
    decided_by: str
    decided_at: _dt.datetime


@dataclass(frozen=True)
class CaseView:
    """A case as one caller may see it."""

    case_id: str
    state: CaseState
    title: str
    opened_at: _dt.datetime
    outcome: str = ""
    cluster_id: str = ""
    records: tuple[CaseRecord, ...] = ()
    participants: tuple[str, ...] = ()
    timeline: tuple[CaseEntry, ...] = ()
    proposals: tuple[Proposal, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    actions: tuple[CaseAction, ...] = ()
    escalation: Escalation | None = None
    #: Key to seal messages to STTG with.
    analyst_key: bytes = field(default=b"", repr=False)
    #: Analysts: each member's sealing key by member id.
    member_keys: dict[str, bytes] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class SealedMessage:
    """A message as the coordinator holds it: ciphertext and the two parties' keys."""

    message_id: str
    from_role: str
    member: str
    sender_key: bytes
    recipient_key: bytes
    sealed: bytes
    at: _dt.datetime
