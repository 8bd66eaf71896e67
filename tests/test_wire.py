"""Batch signatures (msin_fed.wire): what a signature covers and what it refuses."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from msin_fed.errors import ValidationError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import batch_digest, sign_batch, verify_batch

PAIRS = [("sub-1", b"record one"), ("sub-2", b"record two")]


def _subs(pairs: list[tuple[str, bytes]]) -> list[pb.Submission]:
    return [pb.Submission(submission_id=i, record=r) for i, r in pairs]


BATCH = _subs(PAIRS)


def test_a_signed_batch_verifies_with_the_signers_key() -> None:
    key = SigningKey(b"\x01" * 32)
    verify_batch(BATCH, sign_batch(BATCH, key), bytes(key.verify_key))


@pytest.mark.parametrize(
    "changed",
    [
        [("sub-1", b"record one"), ("sub-2", b"record 2")],  # a record altered
        [("sub-1", b"record one"), ("sub-3", b"record two")],  # a submission id altered
        list(reversed(PAIRS)),  # reordered
        PAIRS[:1],  # one dropped
        [*PAIRS, ("sub-3", b"record three")],  # one added
        [("sub-1r", b"ecord one"), ("sub-2", b"record two")],  # the id/record boundary moved
    ],
)
def test_a_signature_covers_ids_records_and_order(changed: list[tuple[str, bytes]]) -> None:
    key = SigningKey(b"\x02" * 32)
    signature = sign_batch(BATCH, key)
    assert batch_digest(_subs(changed)) != batch_digest(BATCH)
    with pytest.raises(ValidationError) as exc:
        verify_batch(_subs(changed), signature, bytes(key.verify_key))
    assert exc.value.field == "signature"


def test_another_key_or_a_malformed_signature_is_refused() -> None:
    key, other = SigningKey(b"\x03" * 32), SigningKey(b"\x04" * 32)
    with pytest.raises(ValidationError, match="does not verify"):
        verify_batch(BATCH, sign_batch(BATCH, other), bytes(key.verify_key))
    with pytest.raises(ValidationError, match="64 bytes"):
        verify_batch(BATCH, b"", bytes(key.verify_key))


def test_event_bodies_round_trip_through_their_stored_and_wire_forms() -> None:
    import datetime as _dt

    from msin_fed.model import Assessment, Grade, Handling, SourceEvaluation, Tlp
    from msin_fed.model.events import AlertEvent, CaseEvent, CaseEventKind, Event, MatchChange, MatchEvent
    from msin_fed.wire import event_body_from_bytes, event_body_to_bytes, event_from_pb, event_to_pb

    grade = Grade(SourceEvaluation(1), Assessment.B, Handling.P)
    bodies = [
        MatchEvent("r1", "c1", 2, ("phone", "vehicle"), 12.5, MatchChange.UPDATED, ("beta",)),
        AlertEvent("a1", "Gangmaster active", "TLK", "packhouse", "labour_exploitation", grade, Tlp.AMBER, "member"),
        CaseEvent("k1", CaseEventKind.CONTACT_AGREED, "in_discussion", "p1", b"\x01" * 32, b"sealed"),
    ]
    at = _dt.datetime(2026, 3, 1, 12, 0, tzinfo=_dt.UTC)
    for i, body in enumerate(bodies, 1):
        kind, data = event_body_to_bytes(body)
        assert event_body_from_bytes(kind, data) == body
        event = Event(i, at, body)
        assert event_from_pb(event_to_pb(event)) == event
        assert event.kind == kind
    with pytest.raises(ValidationError, match="unknown case event kind"):
        event_body_from_bytes("case", b"\x12\x05bogus")


def test_a_case_view_and_sealed_messages_round_trip() -> None:
    import datetime as _dt

    from msin_fed.model import Grade, Tlp
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
    from msin_fed.wire import case_view_from_pb, case_view_to_pb, sealed_message_from_pb, sealed_message_to_pb

    at = _dt.datetime(2026, 5, 1, 9, 30, tzinfo=_dt.UTC)
    view = CaseView(
        case_id="case-1",
        state=CaseState.WITH_ADVISORY_GROUP,
        title="Packhouse",
        opened_at=at,
        cluster_id="c-9",
        records=(CaseRecord("r1", "you", "<PERSON_1> drove.", "TLF", "packhouse", "labour_exploitation", "2026-04",
                            Grade.parse("2BP"), Tlp.AMBER_STRICT),
                 CaseRecord("", "member 2", "", "", "", "", "", None, None)),
        participants=("STTG", "you", "another member"),
        timeline=(CaseEntry(at, "position", "you", "Audit first.", ""),),
        proposals=(Proposal("p1", "agreed", ("you", "another member"), True, "same site", True),),
        recommendations=(Recommendation("rec-1", "Refer now.", ("advisory-1", "advisory-2"), False),),
        actions=(CaseAction("act-1", "supplier_audit", "remediated", "2026-05-01", "you", "Check payroll."),),
        escalation=Escalation("risk_to_life", "", "police", "STTG", at),
        analyst_key=b"\x07" * 32,
        member_keys={"alpha": b"\x01" * 32},
    )
    assert case_view_from_pb(case_view_to_pb(view)) == view
    msg = SealedMessage("m1", "analyst", "alpha", b"\x01" * 32, b"\x02" * 32, b"\x03" * 48, at)
    assert sealed_message_from_pb(sealed_message_to_pb(msg)) == msg
    bad = case_view_to_pb(view)
    bad.state = "lost"
    with pytest.raises(ValidationError, match=r"case\.state"):
        case_view_from_pb(bad)
