"""Conversion between protobuf messages (``msin.v1``) and domain types, and batch signing.

The one place where wire enums meet model enums. Servicers and clients call these and
never touch enum numbers themselves.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import operator
from collections.abc import Iterable
from dataclasses import replace
from typing import NoReturn, Protocol

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from msin_fed.checkpoint import Checkpoint
from msin_fed.errors import ValidationError
from msin_fed.model import (
    Assessment,
    ExploitationType,
    Grade,
    Handling,
    Indicator,
    Region,
    Sector,
    SharedRecord,
    SourceEvaluation,
    Tlp,
    Token,
)
from msin_fed.model.cases import (
    CaseAction,
    CaseEntry,
    CaseRecord,
    CaseState,
    CaseView,
    Escalation,
    Proposal,
    Recommendation,
    SealedMessage,
)
from msin_fed.model.events import (
    AlertEvent,
    CaseEvent,
    CaseEventKind,
    Event,
    EventBody,
    MatchChange,
    MatchEvent,
)
from msin_fed.model.shared import MAX_TOKENS, valid_token_parts
from msin_fed.proto import coordinator_pb2 as pb

__all__ = [
    "SIGNATURE_CONTEXT",
    "SharedRecordTokenBytes",
    "SignedPart",
    "alert_event_from_pb",
    "alert_event_to_pb",
    "batch_digest",
    "case_event_from_pb",
    "case_event_to_pb",
    "case_view_from_pb",
    "case_view_to_pb",
    "encode_submission",
    "event_body_from_bytes",
    "event_body_to_bytes",
    "event_from_pb",
    "event_to_pb",
    "grade_from_pb",
    "grade_to_pb",
    "match_event_from_pb",
    "match_event_to_pb",
    "recommendation_from_pb",
    "recommendation_to_pb",
    "record_from_bytes",
    "record_from_pb",
    "record_parts_from_bytes",
    "record_to_pb",
    "sealed_message_from_pb",
    "sealed_message_to_pb",
    "sign_batch",
    "tlp_from_pb",
    "tlp_to_pb",
    "verify_batch",
]

#: Domain-separation prefix of batch signatures (see SubmitBatchRequest.signature).
SIGNATURE_CONTEXT = b"msin.v1.SubmitBatch\x00"

_TLP_TO_PB = {
    Tlp.CLEAR: pb.TLP_CLEAR,
    Tlp.GREEN: pb.TLP_GREEN,
    Tlp.AMBER: pb.TLP_AMBER,
    Tlp.AMBER_STRICT: pb.TLP_AMBER_STRICT,
    Tlp.RED: pb.TLP_RED,
}
_TLP_FROM_PB = {v: k for k, v in _TLP_TO_PB.items()}
_ASSESSMENT_TO_PB = {
    Assessment.A: pb.ASSESSMENT_A,
    Assessment.B: pb.ASSESSMENT_B,
    Assessment.C: pb.ASSESSMENT_C,
    Assessment.D: pb.ASSESSMENT_D,
    Assessment.E: pb.ASSESSMENT_E,
}
_ASSESSMENT_FROM_PB = {v: k for k, v in _ASSESSMENT_TO_PB.items()}
_HANDLING_TO_PB = {Handling.P: pb.HANDLING_P, Handling.C: pb.HANDLING_C}
_HANDLING_FROM_PB = {v: k for k, v in _HANDLING_TO_PB.items()}


def tlp_to_pb(tlp: Tlp) -> int:
    """The wire value of a TLP marking."""
    return int(_TLP_TO_PB[tlp])


def tlp_from_pb(value: int, field: str = "tlp") -> Tlp:
    """The TLP marking of a wire value; unspecified or unknown is a ValidationError."""
    try:
        return _TLP_FROM_PB[value]  # type: ignore[index]
    except KeyError:
        raise ValidationError(field, "missing or unknown TLP marking") from None


def grade_to_pb(grade: Grade) -> pb.Grade:
    """The wire form of a 3x5x2 grade."""
    return pb.Grade(
        source=int(grade.source),  # type: ignore[arg-type]
        assessment=_ASSESSMENT_TO_PB[grade.assessment],
        handling=_HANDLING_TO_PB[grade.handling],
    )


def grade_from_pb(msg: pb.Grade, field: str = "grade") -> Grade:
    """The grade of a wire message; every part must be set."""
    parts = (msg.source, msg.assessment, msg.handling)
    known = _GRADES.get(parts)
    if known is not None:  # one of the 30 valid grades, built once (Grade is immutable)
        return known
    grade = _grade_from_pb(msg, field)
    _GRADES[parts] = grade
    return grade


_GRADES: dict[tuple[int, int, int], Grade] = {}


def _grade_from_pb(msg: pb.Grade, field: str) -> Grade:
    try:
        source = SourceEvaluation(int(msg.source))
    except ValueError:
        raise ValidationError(f"{field}.source", "missing or unknown source evaluation") from None
    if msg.assessment not in _ASSESSMENT_FROM_PB:
        raise ValidationError(f"{field}.assessment", "missing or unknown intelligence assessment")
    if msg.handling not in _HANDLING_FROM_PB:
        raise ValidationError(f"{field}.handling", "missing or unknown handling code")
    return Grade(source, _ASSESSMENT_FROM_PB[msg.assessment], _HANDLING_FROM_PB[msg.handling])


def record_to_pb(record: SharedRecord) -> pb.SharedRecord:
    """The wire form of a shared record."""
    msg = pb.SharedRecord(
        record_id=record.record_id,
        member_id=record.member_id,
        narrative=record.narrative,
        tokens=[pb.Token(kind=t.kind, value=t.value, epoch=t.epoch) for t in record.tokens],
        region=record.region.value,
        sector=record.sector.value,
        exploitation_type=record.exploitation_type.value,
        indicators=[i.value for i in record.indicators],
        month=record.month,
        victims_band=record.victims_band,
        grade=grade_to_pb(record.grade),
        tlp=_TLP_TO_PB[record.tlp],
        time_sensitive=record.time_sensitive,
    )
    if record.shared_at is not None:
        stamp = Timestamp()
        stamp.FromDatetime(record.shared_at.astimezone(_dt.UTC))
        msg.shared_at.CopyFrom(stamp)
    return msg


def record_from_pb(msg: pb.SharedRecord) -> SharedRecord:
    """The shared record of a wire message, fully validated (ValidationError names the field)."""
    tokens = tuple([Token(t.kind, t.value, t.epoch) for t in msg.tokens])  # upb gives str, bytes, int
    return _record_from_pb(msg, tokens)


def _record_from_pb(msg: pb.SharedRecord, tokens: tuple[Token, ...]) -> SharedRecord:
    return SharedRecord(
        record_id=msg.record_id,
        member_id=msg.member_id,
        narrative=msg.narrative,
        tokens=tokens,
        region=Region.parse(msg.region, "region"),
        sector=Sector.parse(msg.sector, "sector"),
        exploitation_type=ExploitationType.parse(msg.exploitation_type, "exploitation_type"),
        month=msg.month,
        grade=grade_from_pb(msg.grade),
        tlp=tlp_from_pb(msg.tlp),
        indicators=tuple(Indicator.parse(i, "indicators") for i in msg.indicators),
        victims_band=msg.victims_band or "unknown",
        time_sensitive=msg.time_sensitive,
        shared_at=_shared_at(msg),
    )


def _shared_at(msg: pb.SharedRecord) -> _dt.datetime | None:
    if not msg.HasField("shared_at"):
        return None
    try:
        return msg.shared_at.ToDatetime(_dt.UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            "shared_at", "out of range (a time from year 1 to 9999, nanos below 10^9)"
        ) from None


def _parse_record(data: bytes) -> pb.SharedRecord:
    msg = pb.SharedRecord()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        raise ValidationError("record", "is not a serialized msin.v1.SharedRecord") from None
    return msg


def record_from_bytes(data: bytes) -> SharedRecord:
    """Parse and validate a serialized SharedRecord."""
    return record_from_pb(_parse_record(data))


def record_parts_from_bytes(data: bytes) -> tuple[SharedRecord, list[tuple[str, bytes]], int | None]:
    """:func:`record_from_bytes` as intake needs it: the record without its tokens
    (``tokens=()``), its tokens' ``(kind, value)`` pairs in order, and their one epoch
    (None without tokens). The same checks, refused with the same first error.

    Tokens are checked in bulk (:func:`msin_fed.model.shared.valid_token_parts`) rather
    than built one :class:`Token` at a time; when that check fails, the record is built
    whole to raise exactly the error :func:`record_from_bytes` raises.
    """
    msg = _parse_record(data)
    if len(msg.tokens) > MAX_TOKENS:
        _refuse_oversized(msg)
    parts = [(t.kind, t.value, t.epoch) for t in msg.tokens]
    if not valid_token_parts(parts):
        record = record_from_pb(msg)  # raises the first problem, in record_from_bytes' order
        return replace(record, tokens=()), [(t.kind, t.value) for t in record.tokens], record.epoch
    # Valid tokens pass SharedRecord's own token checks, so with none its checks are the same.
    return _record_from_pb(msg, ()), [(k, v) for k, v, _e in parts], parts[0][2] if parts else None


def _token_bytes_message() -> type[Message]:
    """``SharedRecord`` with its tokens field (4) as ``repeated bytes``: the same wire
    form, each token left as its serialized bytes. Derived from ``SharedRecord``'s own
    descriptor at import, so the two cannot drift apart; never sent."""
    source = pb.SharedRecord.DESCRIPTOR
    message = descriptor_pb2.DescriptorProto()
    source.CopyToProto(message)
    message.name = "SharedRecordTokenBytes"
    for field in message.field:
        if field.name == "tokens":
            field.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
            field.ClearField("type_name")
    pool = descriptor_pool.Default()
    name = f"{source.file.package}.{message.name}"
    try:
        descriptor = pool.FindMessageTypeByName(name)
    except KeyError:
        own = descriptor_pb2.FileDescriptorProto()
        source.file.CopyToProto(own)
        view = descriptor_pb2.FileDescriptorProto(
            name="msin/v1/_intake_token_bytes.proto", package=own.package, syntax=own.syntax,
            dependency=[source.file.name, *own.dependency],
        )  # fmt: skip
        view.message_type.append(message)
        pool.Add(view)
        descriptor = pool.FindMessageTypeByName(name)
    return message_factory.GetMessageClass(descriptor)


#: :func:`_token_bytes_message`: what intake parses a batch's records as, to check their
#: tokens in bulk from their bytes (``coordinator/intake_bulk.py``).
SharedRecordTokenBytes = _token_bytes_message()


def _refuse_oversized(msg: pb.SharedRecord) -> NoReturn:
    """Raise what :func:`record_from_pb` raises for a record of more than MAX_TOKENS tokens
    (a member can send ~230,000 in 16 MiB) without holding an object per token: each token
    is checked and dropped (the first bad one is the error, as there), then the record with
    one token too many raises its first problem (its own fields, then the count)."""
    for t in msg.tokens:
        Token(t.kind, t.value, t.epoch)
    _record_from_pb(msg, tuple([Token(t.kind, t.value, t.epoch) for t in msg.tokens[: MAX_TOKENS + 1]]))
    raise ValidationError("tokens", f"too many tokens (at most {MAX_TOKENS})")  # not reached


class SignedPart(Protocol):
    """What a batch signature covers of each submission (``pb.Submission`` has both)."""

    @property
    def submission_id(self) -> str: ...

    @property
    def record(self) -> bytes: ...


def batch_digest(submissions: Iterable[SignedPart]) -> bytes:
    """SHA-256 over, per submission in order, SHA-256(submission_id) || SHA-256(record).

    Fixed-width parts, so no two different batches share a digest; one hash per record
    costs microseconds where one Ed25519 verification per record cost ~0.1 ms.
    """
    subs = list(submissions)
    # The same hashes as a loop of updates, by C-level maps (a batch has hundreds).
    ids = map(_DIGEST, map(hashlib.sha256, map(str.encode, map(_SUBMISSION_ID, subs))))
    records = map(_DIGEST, map(hashlib.sha256, map(_RECORD, subs)))
    return hashlib.sha256(b"".join(itertools.chain.from_iterable(zip(ids, records, strict=True)))).digest()


_DIGEST = operator.methodcaller("digest")
_SUBMISSION_ID = operator.attrgetter("submission_id")
_RECORD = operator.attrgetter("record")


def sign_batch(submissions: Iterable[SignedPart], key: SigningKey) -> bytes:
    """Ed25519 signature over the domain-separated :func:`batch_digest` of the submissions."""
    return key.sign(SIGNATURE_CONTEXT + batch_digest(submissions)).signature


def verify_batch(submissions: Iterable[SignedPart], signature: bytes, public_key: bytes) -> None:
    """Check a batch signature; ValidationError("signature", ...) when it does not verify."""
    if len(signature) != 64:
        raise ValidationError("signature", "must be 64 bytes")
    try:
        VerifyKey(public_key).verify(SIGNATURE_CONTEXT + batch_digest(submissions), signature)
    except (BadSignatureError, ValueError, TypeError):
        raise ValidationError("signature", "does not verify against the caller's signing key") from None


# ---------------------------------------------------------------- events

_CHANGE_TO_PB = {
    MatchChange.UNSPECIFIED: pb.MATCH_CHANGE_UNSPECIFIED,
    MatchChange.NEW: pb.MATCH_CHANGE_NEW,
    MatchChange.UPDATED: pb.MATCH_CHANGE_UPDATED,
    MatchChange.REMOVED: pb.MATCH_CHANGE_REMOVED,
}
_CHANGE_FROM_PB = {v: k for k, v in _CHANGE_TO_PB.items()}


def match_event_to_pb(event: MatchEvent) -> pb.MatchEvent:
    """The wire form of a match event."""
    return pb.MatchEvent(
        record_id=event.record_id,
        cluster_id=event.cluster_id,
        other_members=event.other_members,
        matched_kinds=list(event.matched_kinds),
        score=event.score,
        change=_CHANGE_TO_PB[event.change],
        other_member_ids=list(event.other_member_ids),
    )


def match_event_from_pb(msg: pb.MatchEvent) -> MatchEvent:
    """The match event of a wire message (an unknown change reads as UNSPECIFIED)."""
    return MatchEvent(
        record_id=msg.record_id,
        cluster_id=msg.cluster_id,
        other_members=int(msg.other_members),
        matched_kinds=tuple(msg.matched_kinds),
        score=float(msg.score),
        change=_CHANGE_FROM_PB.get(msg.change, MatchChange.UNSPECIFIED),
        other_member_ids=tuple(msg.other_member_ids),
    )


def alert_event_to_pb(event: AlertEvent) -> pb.AlertEvent:
    """The wire form of an alert."""
    msg = pb.AlertEvent(
        alert_id=event.alert_id,
        summary=event.summary,
        region=event.region,
        sector=event.sector,
        exploitation_type=event.exploitation_type,
        raised_by_role=event.raised_by_role,
        own_record_id=event.own_record_id,
    )
    if event.grade is not None:
        msg.grade.CopyFrom(grade_to_pb(event.grade))
    if event.tlp is not None:
        msg.tlp = _TLP_TO_PB[event.tlp]
    return msg


def alert_event_from_pb(msg: pb.AlertEvent) -> AlertEvent:
    """The alert of a wire message; a missing or unknown grade or TLP reads as None."""
    try:
        grade: Grade | None = grade_from_pb(msg.grade)
    except ValidationError:
        grade = None
    return AlertEvent(
        alert_id=msg.alert_id,
        summary=msg.summary,
        region=msg.region,
        sector=msg.sector,
        exploitation_type=msg.exploitation_type,
        grade=grade,
        tlp=_TLP_FROM_PB.get(msg.tlp),
        raised_by_role=msg.raised_by_role,
        own_record_id=msg.own_record_id,
    )


def case_event_to_pb(event: CaseEvent) -> pb.CaseEvent:
    """The wire form of a case event."""
    return pb.CaseEvent(
        case_id=event.case_id,
        kind=event.kind.value,
        state=event.state,
        ref=event.ref,
        peer_key=event.peer_key,
        sealed=event.sealed,
    )


def case_event_from_pb(msg: pb.CaseEvent) -> CaseEvent:
    """The case event of a wire message; ValidationError for an unknown kind."""
    try:
        kind = CaseEventKind(msg.kind)
    except ValueError:
        raise ValidationError("case.kind", f"unknown case event kind {msg.kind!r}") from None
    return CaseEvent(msg.case_id, kind, msg.state, msg.ref, bytes(msg.peer_key), bytes(msg.sealed))


def _body_to_pb(body: EventBody) -> tuple[str, pb.MatchEvent | pb.AlertEvent | pb.CaseEvent | pb.AuditCheckpoint]:
    if isinstance(body, MatchEvent):
        return "match", match_event_to_pb(body)
    if isinstance(body, AlertEvent):
        return "alert", alert_event_to_pb(body)
    if isinstance(body, CaseEvent):
        return "case", case_event_to_pb(body)
    return "checkpoint", body.to_pb()


def event_body_to_bytes(body: EventBody) -> tuple[str, bytes]:
    """``(kind, bytes)`` of an event body: the event log's stored form (the wire form, so
    that logs written before these types existed read the same)."""
    kind, msg = _body_to_pb(body)
    return kind, msg.SerializeToString()


def event_body_from_bytes(kind: str, data: bytes) -> EventBody:
    """The body :func:`event_body_to_bytes` stored under ``kind``."""
    try:
        if kind == "match":
            return match_event_from_pb(pb.MatchEvent.FromString(data))
        if kind == "alert":
            return alert_event_from_pb(pb.AlertEvent.FromString(data))
        if kind == "case":
            return case_event_from_pb(pb.CaseEvent.FromString(data))
        if kind == "checkpoint":
            return Checkpoint.from_pb(pb.AuditCheckpoint.FromString(data))
    except DecodeError:
        raise ValidationError("event", f"is not a serialized {kind} event") from None
    raise ValidationError("event", f"unknown event kind {kind!r}")


def event_to_pb(event: Event) -> pb.Event:
    """The wire form of a stream event."""
    msg = pb.Event(cursor=event.cursor)
    if event.created_at is not None:
        msg.created_at.FromDatetime(event.created_at.astimezone(_dt.UTC))
    kind, body = _body_to_pb(event.body)
    getattr(msg, kind).CopyFrom(body)
    return msg


def event_from_pb(msg: pb.Event) -> Event:
    """The stream event of a wire message; ValidationError when its body is missing or bad."""
    created = msg.created_at.ToDatetime(_dt.UTC) if msg.HasField("created_at") else None
    which = msg.WhichOneof("body")
    body: EventBody
    if which == "match":
        body = match_event_from_pb(msg.match)
    elif which == "alert":
        body = alert_event_from_pb(msg.alert)
    elif which == "case":
        body = case_event_from_pb(msg.case)
    elif which == "checkpoint":
        body = Checkpoint.from_pb(msg.checkpoint)
    else:
        raise ValidationError("event.body", "is missing or of an unknown kind")
    return Event(int(msg.cursor), created, body)


def encode_submission(submission_id: str, record_bytes: bytes) -> bytes:
    """A serialized ``msin.v1.Submission`` (the outbox's stored form of a share)."""
    return pb.Submission(submission_id=submission_id, record=record_bytes).SerializeToString(deterministic=True)


# ---------------------------------------------------------------- cases


def _stamp(at: _dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at.astimezone(_dt.UTC))
    return stamp


def _time(stamp: Timestamp) -> _dt.datetime:
    return stamp.ToDatetime(_dt.UTC)


def recommendation_to_pb(rec: Recommendation) -> pb.Recommendation:
    """The wire form of a recommendation."""
    return pb.Recommendation(
        recommendation_id=rec.recommendation_id, text=rec.text, agreed=list(rec.agreed), recorded=rec.recorded
    )


def recommendation_from_pb(msg: pb.Recommendation) -> Recommendation:
    """The recommendation of a wire message."""
    return Recommendation(msg.recommendation_id, msg.text, tuple(msg.agreed), msg.recorded)


def _case_record_to_pb(r: CaseRecord) -> pb.CaseRecord:
    msg = pb.CaseRecord(
        record_id=r.record_id,
        member=r.member,
        narrative=r.narrative,
        region=r.region,
        sector=r.sector,
        exploitation_type=r.exploitation_type,
        month=r.month,
    )
    if r.grade is not None:
        msg.grade.CopyFrom(grade_to_pb(r.grade))
    if r.tlp is not None:
        msg.tlp = _TLP_TO_PB[r.tlp]
    return msg


def _case_record_from_pb(m: pb.CaseRecord) -> CaseRecord:
    try:
        grade: Grade | None = grade_from_pb(m.grade)
    except ValidationError:
        grade = None
    return CaseRecord(
        m.record_id, m.member, m.narrative, m.region, m.sector, m.exploitation_type, m.month, grade, _TLP_FROM_PB.get(m.tlp)
    )


def case_view_to_pb(view: CaseView) -> pb.CaseView:
    """The wire form of a case as one caller may see it."""
    msg = pb.CaseView(
        case_id=view.case_id,
        state=view.state.value,
        title=view.title,
        outcome=view.outcome,
        cluster_id=view.cluster_id,
        records=[_case_record_to_pb(r) for r in view.records],
        participants=list(view.participants),
        timeline=[
            pb.CaseEntry(at=_stamp(e.at), kind=e.kind, actor=e.actor, text=e.text, ref=e.ref) for e in view.timeline
        ],
        proposals=[
            pb.Proposal(
                proposal_id=p.proposal_id,
                state=p.state,
                members=list(p.members),
                you_consented=p.you_consented,
                note=p.note,
                you_revealed=p.you_revealed,
            )
            for p in view.proposals
        ],
        recommendations=[recommendation_to_pb(r) for r in view.recommendations],
        actions=[
            pb.CaseAction(
                action_id=a.action_id, kind=a.kind, outcome=a.outcome, date=a.date, member=a.member, lessons=a.lessons
            )
            for a in view.actions
        ],
        analyst_key=view.analyst_key,
        member_keys=dict(view.member_keys),
        opened_at=_stamp(view.opened_at),
    )
    if view.escalation is not None:
        e = view.escalation
        msg.escalation.CopyFrom(
            pb.Escalation(
                reason=e.reason, note=e.note, agency=e.agency, decided_by=e.decided_by, decided_at=_stamp(e.decided_at)
            )
        )
    return msg


def case_view_from_pb(msg: pb.CaseView) -> CaseView:
    """The case of a wire message; ValidationError for an unknown state."""
    try:
        state = CaseState(msg.state)
    except ValueError:
        raise ValidationError("case.state", f"unknown case state {msg.state!r}") from None
    escalation = None
    if msg.HasField("escalation"):
        e = msg.escalation
        escalation = Escalation(e.reason, e.note, e.agency, e.decided_by, _time(e.decided_at))
    return CaseView(
        case_id=msg.case_id,
        state=state,
        title=msg.title,
        opened_at=_time(msg.opened_at),
        outcome=msg.outcome,
        cluster_id=msg.cluster_id,
        records=tuple(_case_record_from_pb(r) for r in msg.records),
        participants=tuple(msg.participants),
        timeline=tuple(CaseEntry(_time(e.at), e.kind, e.actor, e.text, e.ref) for e in msg.timeline),
        proposals=tuple(
            Proposal(p.proposal_id, p.state, tuple(p.members), p.you_consented, p.note, p.you_revealed)
            for p in msg.proposals
        ),
        recommendations=tuple(recommendation_from_pb(r) for r in msg.recommendations),
        actions=tuple(CaseAction(a.action_id, a.kind, a.outcome, a.date, a.member, a.lessons) for a in msg.actions),
        escalation=escalation,
        analyst_key=bytes(msg.analyst_key),
        member_keys={k: bytes(v) for k, v in msg.member_keys.items()},
    )


def sealed_message_to_pb(m: SealedMessage) -> pb.SealedMessage:
    """The wire form of a sealed message."""
    return pb.SealedMessage(
        message_id=m.message_id,
        from_role=m.from_role,
        member=m.member,
        sender_key=m.sender_key,
        recipient_key=m.recipient_key,
        sealed=m.sealed,
        at=_stamp(m.at),
    )


def sealed_message_from_pb(m: pb.SealedMessage) -> SealedMessage:
    """The sealed message of a wire message."""
    return SealedMessage(
        m.message_id, m.from_role, m.member, bytes(m.sender_key), bytes(m.recipient_key), bytes(m.sealed), _time(m.at)
    )
