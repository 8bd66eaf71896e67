"""Conversion between protobuf messages (``msin.v1``) and domain types, and batch signing.

The one place where wire enums meet model enums. Servicers and clients call these and
never touch enum numbers themselves.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable
from typing import Protocol

from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

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
from msin_fed.proto import coordinator_pb2 as pb

__all__ = [
    "SIGNATURE_CONTEXT",
    "SignedPart",
    "batch_digest",
    "grade_from_pb",
    "grade_to_pb",
    "record_from_bytes",
    "record_from_pb",
    "record_to_pb",
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


def record_from_bytes(data: bytes) -> SharedRecord:
    """Parse and validate a serialized SharedRecord."""
    msg = pb.SharedRecord()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        raise ValidationError("record", "is not a serialized msin.v1.SharedRecord") from None
    return record_from_pb(msg)


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
    outer = hashlib.sha256()
    for s in submissions:
        outer.update(hashlib.sha256(s.submission_id.encode("utf-8")).digest())
        outer.update(hashlib.sha256(s.record).digest())
    return outer.digest()


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
