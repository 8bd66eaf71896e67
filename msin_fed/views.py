"""Typed views of what the coordinator answers: clusters, alerts, actions, the audit log.

Plain frozen dataclasses, never protobuf, so that embedders (the web consoles, a
compliance tool) and the ``msin`` command share one typed surface:
:class:`msin_fed.analyst.AnalystClient` and :class:`msin_fed.node.Node` return them.
``from_pb`` class methods are the only place the wire form is read; :func:`call` turns
a failed gRPC call into a :class:`~msin_fed.errors.RemoteError` naming the address and
the status.

Nothing here holds raw identifiers: narratives and summaries are the redacted text the
coordinator holds, records are named by the ids their nodes chose.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from msin_fed.errors import RemoteError, ValidationError
from msin_fed.jsonable import jsonable
from msin_fed.model import Grade, Tlp
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import grade_from_pb, tlp_from_pb

__all__ = [
    "ActionInfo",
    "ActionOutcome",
    "AlertInfo",
    "AuditEntry",
    "AuditPage",
    "AuditStatus",
    "Cluster",
    "ClusterDetail",
    "ClusterRecord",
    "TimelineEntry",
    "call",
    "plain",
]


class ActionOutcome(str, enum.Enum):
    """What was done about a match or an alert (``msin.v1.ActionOutcome`` without the prefix)."""

    INVESTIGATED = "investigated"
    REMEDIATED_WITH_SUPPLIER = "remediated_with_supplier"
    REFERRED_TO_LAW_ENFORCEMENT = "referred_to_law_enforcement"
    REFERRED_TO_GLAA = "referred_to_glaa"
    VICTIMS_SUPPORTED = "victims_supported"
    NO_FURTHER_ACTION = "no_further_action"

    @classmethod
    def parse(cls, value: str | ActionOutcome, field: str = "outcome") -> ActionOutcome:
        """From the code (``investigated``), its upper-case name or the proto name (``ACTION_...``)."""
        if isinstance(value, ActionOutcome):
            return value
        text = str(value).strip().lower().removeprefix("action_").replace("-", "_")
        for member in cls:
            if text == member.value:
                return member
        raise ValidationError(field, f"unknown outcome {value!r} (expected one of: {', '.join(m.value for m in cls)})")

    def to_pb(self) -> int:
        """The wire value."""
        return int(pb.ActionOutcome.Value(f"ACTION_{self.name}"))

    @classmethod
    def from_pb(cls, value: int) -> ActionOutcome | None:
        """The outcome of a wire value (None when unspecified or unknown)."""
        try:
            return cls[pb.ActionOutcome.Name(value).removeprefix("ACTION_")]
        except (KeyError, ValueError):
            return None


def _time(msg: Any, name: str) -> _dt.datetime | None:
    return msg.__getattribute__(name).ToDatetime(_dt.UTC) if msg.HasField(name) else None


def _grade(msg: Any) -> Grade | None:
    try:
        return grade_from_pb(msg.grade) if msg.HasField("grade") else None
    except ValidationError:
        return None


def _tlp(value: int) -> Tlp | None:
    try:
        return tlp_from_pb(value)
    except ValidationError:
        return None


@dataclass(frozen=True)
class ClusterRecord:
    """One member's shared record within a cluster, as analysts see it (redacted)."""

    record_id: str
    member_id: str
    narrative: str
    region: str
    sector: str
    exploitation_type: str
    month: str
    grade: Grade | None
    tlp: Tlp | None
    time_sensitive: bool
    indicators: tuple[str, ...]
    victims_band: str
    shared_at: _dt.datetime | None
    received_at: _dt.datetime | None

    @classmethod
    def from_pb(cls, msg: pb.ClusterRecord) -> ClusterRecord:
        """From the wire form."""
        return cls(
            record_id=msg.record_id,
            member_id=msg.member_id,
            narrative=msg.narrative,
            region=msg.region,
            sector=msg.sector,
            exploitation_type=msg.exploitation_type,
            month=msg.month,
            grade=_grade(msg),
            tlp=_tlp(msg.tlp),
            time_sensitive=msg.time_sensitive,
            indicators=tuple(msg.indicators),
            victims_band=msg.victims_band,
            shared_at=_time(msg, "shared_at"),
            received_at=_time(msg, "received_at"),
        )


@dataclass(frozen=True)
class Cluster:
    """Records of different members that refer to the same perpetrator or site."""

    cluster_id: str
    #: "perpetrator" or "site".
    kind: str
    #: Number of distinct members.
    members: int
    matched_kinds: tuple[str, ...]
    first_month: str
    last_month: str
    records: tuple[ClusterRecord, ...]

    @property
    def member_ids(self) -> tuple[str, ...]:
        """The members whose records are in the cluster, sorted."""
        return tuple(sorted({r.member_id for r in self.records}))

    @classmethod
    def from_pb(cls, msg: pb.Cluster) -> Cluster:
        """From the wire form."""
        return cls(
            cluster_id=msg.cluster_id,
            kind=msg.kind,
            members=int(msg.members),
            matched_kinds=tuple(msg.matched_kinds),
            first_month=msg.first_month,
            last_month=msg.last_month,
            records=tuple(ClusterRecord.from_pb(r) for r in msg.records),
        )


@dataclass(frozen=True)
class AlertInfo:
    """An alert as the coordinator holds it; region to TLP are empty once its record is withdrawn."""

    alert_id: str
    record_id: str
    summary: str
    #: "member" or "analyst".
    raised_by_role: str
    created_at: _dt.datetime | None
    region: str
    sector: str
    exploitation_type: str
    grade: Grade | None
    tlp: Tlp | None

    @classmethod
    def from_pb(cls, msg: pb.AlertInfo) -> AlertInfo:
        """From the wire form."""
        return cls(
            alert_id=msg.alert_id,
            record_id=msg.record_id,
            summary=msg.summary,
            raised_by_role=msg.raised_by_role,
            created_at=_time(msg, "created_at"),
            region=msg.region,
            sector=msg.sector,
            exploitation_type=msg.exploitation_type,
            grade=_grade(msg),
            tlp=_tlp(msg.tlp),
        )


@dataclass(frozen=True)
class ActionInfo:
    """A recorded action: who recorded it, what it followed from, what was done and when."""

    action_id: str
    #: Certificate name of who recorded it: a member id, or an analyst's name.
    recorded_by: str
    record_id: str | None
    alert_id: str | None
    outcome: ActionOutcome | None
    #: The day it was done, as recorded.
    date: _dt.date | None
    recorded_at: _dt.datetime | None

    @classmethod
    def from_pb(cls, msg: pb.ActionInfo) -> ActionInfo:
        """From the wire form."""
        try:
            date: _dt.date | None = _dt.date.fromisoformat(msg.date)
        except ValueError:
            date = None
        return cls(
            action_id=msg.action_id,
            recorded_by=msg.recorded_by,
            record_id=msg.record_id or None,
            alert_id=msg.alert_id or None,
            outcome=ActionOutcome.from_pb(msg.outcome),
            date=date,
            recorded_at=_time(msg, "recorded_at"),
        )


@dataclass(frozen=True)
class TimelineEntry:
    """One dated step in a cluster's history: a record shared, an alert raised, an action."""

    at: _dt.datetime
    #: "shared", "alert" or "action".
    what: str
    record_id: str | None
    #: The member (shared, action) or role (alert) behind it.
    by: str
    #: A short description without personal data (the outcome, the alert's summary...).
    text: str


@dataclass(frozen=True)
class ClusterDetail:
    """One cluster in full: its records, the alerts on them and the actions about them."""

    cluster: Cluster
    alerts: tuple[AlertInfo, ...]
    actions: tuple[ActionInfo, ...]

    @property
    def timeline(self) -> tuple[TimelineEntry, ...]:
        """Records shared, alerts raised and actions recorded, oldest first."""
        entries: list[TimelineEntry] = []
        for r in self.cluster.records:
            at = r.shared_at or r.received_at
            if at is not None:
                entries.append(TimelineEntry(at, "shared", r.record_id, r.member_id, f"{r.month} {r.grade or ''}".strip()))
        for a in self.alerts:
            if a.created_at is not None:
                entries.append(TimelineEntry(a.created_at, "alert", a.record_id, a.raised_by_role, a.summary))
        for act in self.actions:
            if act.recorded_at is not None:
                outcome = act.outcome.value if act.outcome else "unknown outcome"
                done = f" on {act.date.isoformat()}" if act.date else ""
                entries.append(TimelineEntry(act.recorded_at, "action", act.record_id, act.recorded_by, outcome + done))
        return tuple(sorted(entries, key=lambda e: (e.at, e.what)))

    @classmethod
    def from_pb(cls, msg: pb.GetClusterResponse) -> ClusterDetail:
        """From the wire form."""
        return cls(
            cluster=Cluster.from_pb(msg.cluster),
            alerts=tuple(AlertInfo.from_pb(a) for a in msg.alerts),
            actions=tuple(ActionInfo.from_pb(a) for a in msg.actions),
        )


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the coordinator's hash-chained audit log (counts and types only)."""

    seq: int
    at: str
    actor_role: str
    actor: str
    action: str
    detail: dict[str, Any]
    hash: str

    @classmethod
    def from_pb(cls, msg: pb.AuditEntry) -> AuditEntry:
        """From the wire form."""
        try:
            detail = json.loads(msg.detail) if msg.detail else {}
        except ValueError:
            detail = {"unparsed": msg.detail}
        return cls(int(msg.seq), msg.at, msg.actor_role, msg.actor, msg.action, dict(detail), msg.hash)


@dataclass(frozen=True)
class AuditStatus:
    """The coordinator's verification of its whole audit chain.

    ``ok`` is only as strong as ``anchors`` says: checked at the coordinator against its
    own head file, which it could rewrite. For proof against members' checkpoints run
    ``msin coordinator audit verify --checkpoints`` with files members export.
    """

    ok: bool
    entries: int
    problem: str
    #: First entry that no longer matches (None when intact or unknown).
    first_bad_seq: int | None
    anchors: str

    def describe(self) -> str:
        """One line: intact and against what, or what broke (what ``msin analyst audit`` prints)."""
        if self.ok:
            return f"audit log intact: {self.entries} entries; {self.anchors}"
        return f"audit log damaged: {self.problem}"

    @classmethod
    def from_pb(cls, msg: pb.AuditVerification) -> AuditStatus:
        """From the wire form."""
        return cls(msg.ok, int(msg.entries), msg.problem, int(msg.seq) or None, msg.anchors)


@dataclass(frozen=True)
class AuditPage:
    """Audit entries asked for (oldest first), the chain's verification and its head."""

    entries: tuple[AuditEntry, ...]
    status: AuditStatus
    head_seq: int

    @classmethod
    def from_pb(cls, msg: pb.GetAuditResponse) -> AuditPage:
        """From the wire form."""
        return cls(
            tuple(AuditEntry.from_pb(e) for e in msg.entries),
            AuditStatus.from_pb(msg.verification),
            int(msg.head_seq),
        )


_R = TypeVar("_R")


def call(address: str, what: str, fn: Callable[[], _R]) -> _R:
    """Run one gRPC call; a failure becomes RemoteError naming ``what``, the address and the status."""
    try:
        return fn()
    except grpc.RpcError as exc:
        code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
        details = exc.details() if hasattr(exc, "details") else ""
        raise RemoteError(f"{what} at the coordinator {address} failed: {details or 'no detail'}", code) from None


def plain(value: Any) -> Any:
    """A JSON-ready form of a view (:func:`msin_fed.jsonable.jsonable`), with derived
    properties such as :attr:`ClusterDetail.timeline` included."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    out = jsonable(value)
    timeline = getattr(value, "timeline", None)
    if isinstance(out, dict) and isinstance(timeline, tuple):
        out["timeline"] = jsonable(timeline)
    return out
