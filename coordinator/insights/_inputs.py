"""What the insights read from the shared store: plain, typed views with no narratives needed.

The coordinator's store is adapted to :class:`InsightSource`; tests feed lists directly.
Member ids travel in these views only so that suppression can count distinct members;
nothing rendered from them ever shows one.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from msin_fed.errors import ValidationError
from msin_fed.model import ExploitationType, Region, Sector, SharedRecord, Tlp

__all__ = [
    "ActionView",
    "AlertView",
    "CaseActionView",
    "ClusterView",
    "InsightData",
    "InsightSource",
    "Outcome",
]


class Outcome(str, enum.Enum):
    """What a member did about a match or alert (``msin.v1.ActionOutcome`` without the prefix)."""

    label: str
    proto: int

    def __new__(cls, value: str, label: str, proto: int) -> Outcome:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        obj.proto = proto
        return obj

    INVESTIGATED = ("investigated", "Investigated", 1)
    REMEDIATED_WITH_SUPPLIER = ("remediated_with_supplier", "Remediated with supplier", 2)
    REFERRED_TO_LAW_ENFORCEMENT = ("referred_to_law_enforcement", "Referred to law enforcement", 3)
    REFERRED_TO_GLAA = ("referred_to_glaa", "Referred to the GLAA", 4)
    VICTIMS_SUPPORTED = ("victims_supported", "Victims supported", 5)
    NO_FURTHER_ACTION = ("no_further_action", "No further action", 6)

    @classmethod
    def parse(cls, value: str | int) -> Outcome:
        """From the code, the member name, a proto enum name (``ACTION_...``) or its number."""
        if isinstance(value, int):
            for member in cls:
                if member.proto == value:
                    return member
            raise ValidationError("outcome", "unknown action outcome number")
        text = str(value).strip().lower().removeprefix("action_")
        for member in cls:
            if text in (member.value, member.name.lower()):
                return member
        raise ValidationError("outcome", f"unknown value (expected one of: {', '.join(m.value for m in cls)})")


@dataclass(frozen=True, slots=True)
class ClusterView:
    """One match cluster: records of different members sharing a perpetrator or site."""

    cluster_id: str
    record_ids: tuple[str, ...]
    created_at: _dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ActionView:
    """A member's recorded action on a match (via its record) or on an alert."""

    action_id: str
    outcome: Outcome
    date: _dt.date
    record_id: str | None = None
    alert_id: str | None = None
    created_at: _dt.datetime | None = None
    member_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.outcome, Outcome):
            raise ValidationError("outcome", "must be an Outcome")
        if not (self.record_id or self.alert_id):
            raise ValidationError("action", "one of record_id or alert_id is required")


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as sent to every member: redacted summary and coarse facts only."""

    alert_id: str
    summary: str
    tlp: Tlp
    region: Region
    sector: Sector
    exploitation_type: ExploitationType
    created_at: _dt.datetime
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class CaseActionView:
    """What a member did on a case (investigation, remediation...), its outcome and lessons."""

    action_id: str
    kind: str
    outcome: str
    date: _dt.date
    member_id: str
    lessons: str = ""


class InsightSource(Protocol):
    """The read side of the shared store the insights need."""

    def iter_records(self) -> Iterable[SharedRecord]:
        """Every shared record (withdrawn ones are gone)."""
        ...

    def clusters(self) -> Iterable[ClusterView]:
        """Current match clusters."""
        ...

    def actions(self) -> Iterable[ActionView]:
        """Every recorded action."""
        ...

    def alerts(self) -> Iterable[AlertView]:
        """Every alert raised."""
        ...

    def case_actions(self) -> Iterable[CaseActionView]:
        """Every action recorded on a case."""
        ...


@dataclass(frozen=True)
class InsightData:
    """Everything one insight run reads, loaded once. Implements :class:`InsightSource`."""

    records: Sequence[SharedRecord]
    cluster_views: Sequence[ClusterView] = ()
    action_views: Sequence[ActionView] = ()
    alert_views: Sequence[AlertView] = ()
    case_action_views: Sequence[CaseActionView] = ()

    def iter_records(self) -> Iterable[SharedRecord]:
        """The records."""
        return iter(self.records)

    def clusters(self) -> Iterable[ClusterView]:
        """The clusters."""
        return iter(self.cluster_views)

    def actions(self) -> Iterable[ActionView]:
        """The actions."""
        return iter(self.action_views)

    def alerts(self) -> Iterable[AlertView]:
        """The alerts."""
        return iter(self.alert_views)

    def case_actions(self) -> Iterable[CaseActionView]:
        """The actions on cases."""
        return iter(self.case_action_views)
