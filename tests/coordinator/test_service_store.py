"""The coordinator's rules over each store backend (SQLite and PostgreSQL), without gRPC."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.service import AccessDenied, Ack, Caller, CoordinatorService, Submission
from msin_fed.coordinator.store import SharedStore

from msin_fed import pki
from msin_fed.errors import ValidationError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import sign_batch

from .conftest import record, submission, tok

MakeId = Callable[[str, str], pki.Identity]


def _caller(identity: pki.Identity) -> Caller:
    return Caller("member", identity.name, bytes(identity.signing_key.verify_key))


def _sub(identity: pki.Identity, rid: str, *tokens: str) -> Submission:
    msg = submission(record(identity.name, rid, tuple(tok("phone", t) for t in tokens)))
    return Submission(msg.submission_id, msg.record)


def _submit(service: CoordinatorService, identity: pki.Identity, subs: list[Submission]) -> list[Ack]:
    signature = sign_batch([(s.submission_id, s.record) for s in subs], identity.signing_key)
    return service.submit_batch(_caller(identity), subs, signature)


def test_intake_replay_atomicity_events_withdraw_and_audit(store: SharedStore, make_identity: MakeId) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    service = CoordinatorService(store, audit=AuditLog(store, None))
    acks = _submit(service, alpha, [_sub(alpha, "a1", "p"), _sub(alpha, "a2", "q")])
    assert [a.duplicate for a in acks] == [False, False]
    assert [a.duplicate for a in _submit(service, alpha, [_sub(alpha, "a1", "p")])] == [True]

    bad = _sub(beta, "b2", "q")
    bad = Submission(bad.submission_id, b"\xff\x01 not a record")
    with pytest.raises(ValidationError):
        _submit(service, beta, [_sub(beta, "b1", "p"), bad])
    assert store.count_records() == 2

    _submit(service, beta, [_sub(beta, "b1", "p")])
    stream = service.events(_caller(alpha), 0, is_active=lambda: True, poll=0.01)
    first = next(stream)
    stream.close()
    assert first.match.record_id == "a1" and first.match.change == pb.MATCH_CHANGE_NEW

    with pytest.raises(AccessDenied):
        service.withdraw(_caller(alpha), "b1")
    assert service.withdraw(_caller(beta), "b1")
    assert [m.record_id for m in service.list_matches(_caller(alpha))] == []
    report = service.audit.verify()
    assert report.ok and report.entries >= 5
