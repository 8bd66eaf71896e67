"""Cases attacked over the wire: a live coordinator on loopback with real mutual TLS.

Someone holding a certificate the configuration does not name, a revoked one, or sending
malformed requests to every Cases RPC: each attack must end in a clear status, never
INTERNAL or UNKNOWN, and never in service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

from .conftest import Live

MakeId = Callable[[str, str], pki.Identity]

_METHODS = {
    "OpenCase": pb.OpenCaseRequest,
    "ListCases": pb.ListCasesRequest,
    "GetCase": pb.GetCaseRequest,
    "PostMessage": pb.PostMessageRequest,
    "ListMessages": pb.ListMessagesRequest,
    "Broker": pb.BrokerRequest,
    "Consent": pb.ConsentRequest,
    "Decline": pb.DeclineRequest,
    "Reveal": pb.RevealRequest,
    "Refer": pb.ReferRequest,
    "AddNote": pb.AddNoteRequest,
    "Recommend": pb.RecommendRequest,
    "Escalate": pb.EscalateRequest,
    "RecordCaseAction": pb.RecordCaseActionRequest,
    "CloseCase": pb.CloseCaseRequest,
}
_BAD_STATUSES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


def _channel(live: Live, identity: pki.Identity) -> grpc.Channel:
    channel = pki.secure_channel(f"127.0.0.1:{live.port}", identity, role="coordinator", name="sttg")
    live._channels.append(channel)
    return channel


def _filled(kind: Any, value: str) -> object:
    """A request of ``kind`` with every string field set to ``value`` and bytes to junk."""
    msg = kind()
    for f in kind.DESCRIPTOR.fields:
        if f.type == f.TYPE_STRING:
            setattr(msg, f.name, value)
        elif f.type == f.TYPE_BYTES:
            setattr(msg, f.name, b"\x00" * 100)
    return msg


@pytest.mark.parametrize(
    "value", ["", "\x00", "case-\x00", "x" * 70_000, "<script>alert(1)</script>", "\u202e"]
)
def test_no_cases_rpc_fails_internally_on_bad_input(live: Live, make_identity: MakeId, value: str) -> None:
    parties = [
        make_identity("analyst", "sttg"),
        make_identity("member", "alpha"),
        make_identity("advisory", "advisory-1"),
    ]
    for identity in parties:
        stub = pb_grpc.CasesStub(_channel(live, identity))  # type: ignore[no-untyped-call]
        for method, kind in _METHODS.items():
            try:
                getattr(stub, method)(_filled(kind, value), timeout=20)
            except grpc.RpcError as exc:
                assert exc.code() not in _BAD_STATUSES, (identity.role, method, exc.code(), exc.details())


def test_requests_that_are_not_utf8_get_a_clear_status(live: Live, make_identity: MakeId) -> None:
    """Protobuf refuses a string field that is not UTF-8; the call must not end INTERNAL."""
    channel = _channel(live, make_identity("member", "alpha"))
    raw = channel.unary_unary("/msin.v1.Cases/GetCase", request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as exc:
        raw(b"\x0a\x02\xff\xfe", timeout=20)  # field 1 (case_id), two bytes that are not UTF-8
    assert exc.value.code() not in _BAD_STATUSES, (exc.value.code(), exc.value.details())


def test_an_unconfigured_advisory_certificate_gets_no_events_or_cases(
    live: Live, make_identity: MakeId
) -> None:
    outsider = make_identity("advisory", "advisory-9")
    channel = _channel(live, outsider)
    stream = pb_grpc.CoordinatorStub(channel).Subscribe(pb.SubscribeRequest(), timeout=20)  # type: ignore[no-untyped-call]
    with pytest.raises(grpc.RpcError) as exc:
        next(iter(stream))
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    cases = pb_grpc.CasesStub(channel)  # type: ignore[no-untyped-call]
    with pytest.raises(grpc.RpcError) as exc:
        cases.ListCases(pb.ListCasesRequest(), timeout=20)
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_revoked_advisers_certificate_cannot_vote(
    live: Live, make_identity: MakeId, ca_dir: Path, tmp_path: Path
) -> None:
    """A second certificate under a configured adviser's name, then revoked: refused
    before any case rule runs, whatever it asks."""
    out = tmp_path / "advisory-2-second"
    pki.issue(ca_dir, "advisory", "advisory-2", out)
    (out / "crl.pem").symlink_to(ca_dir / "crl.pem")
    second = pki.load_identity(out)
    stub = pb_grpc.CasesStub(_channel(live, second))  # type: ignore[no-untyped-call]
    assert stub.ListCases(pb.ListCasesRequest(), timeout=20).cases == []  # valid until revoked
    pki.revoke(ca_dir, str(out / "cert.pem"))
    for method in ("ListCases", "Recommend", "AddNote", "GetCase"):
        with pytest.raises(grpc.RpcError) as exc:
            getattr(stub, method)(_filled(_METHODS[method], "case-0123456789abcdef"), timeout=20)
        assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED, method
    # The adviser's current certificate is unaffected.
    ok = pb_grpc.CasesStub(_channel(live, make_identity("advisory", "advisory-2")))  # type: ignore[no-untyped-call]
    assert ok.ListCases(pb.ListCasesRequest(), timeout=20).cases == []


def test_a_member_certificate_cannot_call_analyst_or_adviser_methods(
    live: Live, make_identity: MakeId
) -> None:
    stub = pb_grpc.CasesStub(_channel(live, make_identity("member", "alpha")))  # type: ignore[no-untyped-call]
    for method in ("OpenCase", "Broker", "Escalate", "CloseCase", "AddNote", "Recommend"):
        with pytest.raises(grpc.RpcError) as exc:
            getattr(stub, method)(_filled(_METHODS[method], "case-0123456789abcdef"), timeout=20)
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED, method
