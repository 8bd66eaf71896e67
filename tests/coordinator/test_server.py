"""The coordinator over real gRPC and real mutual TLS on loopback, with SQLite files."""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from msin_fed import pki
from msin_fed.errors import Finding, RedactionRefused
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import record_to_pb

from .conftest import Live, make_config, record, signed_batch, submission, tok

MakeId = Callable[[str, str], pki.Identity]


def _code(excinfo: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    return excinfo.value.code()  # type: ignore[attr-defined,no-any-return]


def _submit(stub: pb_grpc.CoordinatorStub, signer: pki.Identity, *subs: pb.Submission) -> pb.SubmitBatchResponse:
    return stub.SubmitBatch(signed_batch(signer, *subs), timeout=10)


# ------------------------------------------------------------------ authentication

#: Raw gRPC channels check the server as msin clients do (it names no other host).
_AS_STTG = [("grpc.ssl_target_name_override", pki.server_name("coordinator", "sttg"))]


def test_health_and_member_call_over_mtls(live: Live, make_identity: MakeId) -> None:
    alpha = make_identity("member", "alpha")
    channel = pki.secure_channel(f"127.0.0.1:{live.port}", alpha, role="coordinator", name="sttg")
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    channel.close()
    assert live.stub(alpha).ListMatches(pb.ListMatchesRequest(), timeout=5).matches == []


def test_no_client_certificate_is_refused(live: Live, make_identity: MakeId) -> None:
    ca_pem = make_identity("member", "alpha").ca_pem
    channel = grpc.secure_channel(
        f"127.0.0.1:{live.port}", grpc.ssl_channel_credentials(root_certificates=ca_pem), options=_AS_STTG
    )
    with pytest.raises(grpc.RpcError) as exc:
        pb_grpc.CoordinatorStub(channel).ListMatches(pb.ListMatchesRequest(), timeout=5)
    assert _code(exc) == grpc.StatusCode.UNAVAILABLE
    channel.close()


def test_certificate_from_another_ca_is_refused(live: Live, tmp_path: Path) -> None:
    other_ca = pki.init_ca(tmp_path / "other-ca")
    pki.issue(other_ca, "member", "alpha", tmp_path / "rogue")
    rogue = pki.load_identity(tmp_path / "rogue")
    ours = pki.load_identity(live.server.config.identity_dir)
    creds = grpc.ssl_channel_credentials(ours.ca_pem, rogue.key_pem, rogue.cert_pem)
    channel = grpc.secure_channel(f"127.0.0.1:{live.port}", creds, options=_AS_STTG)
    with pytest.raises(grpc.RpcError) as exc:
        pb_grpc.CoordinatorStub(channel).ListMatches(pb.ListMatchesRequest(), timeout=5)
    assert _code(exc) == grpc.StatusCode.UNAVAILABLE
    channel.close()


def test_expired_certificate_is_refused(live: Live, ca_dir: Path, tmp_path: Path) -> None:
    past = _dt.datetime.now(_dt.UTC) - _dt.timedelta(days=30)
    pki.issue(ca_dir, "member", "stale", tmp_path / "stale", days=1, not_before=past)
    stale = pki.load_identity(tmp_path / "stale")
    with pytest.raises(grpc.RpcError) as exc:
        live.stub(stale).ListMatches(pb.ListMatchesRequest(), timeout=5)
    assert _code(exc) == grpc.StatusCode.UNAVAILABLE


def test_role_policy_in_interceptor(live: Live, make_identity: MakeId) -> None:
    analyst = live.stub(make_identity("analyst", "sttg-analyst"))
    with pytest.raises(grpc.RpcError) as exc:
        analyst.SubmitBatch(pb.SubmitBatchRequest(), timeout=5)
    assert _code(exc) == grpc.StatusCode.PERMISSION_DENIED
    member = live.stub(make_identity("member", "alpha"))
    with pytest.raises(grpc.RpcError) as exc:
        member.ListClusters(pb.ListClustersRequest(), timeout=5)
    assert _code(exc) == grpc.StatusCode.PERMISSION_DENIED


# ------------------------------------------------------------------ intake


def test_replayed_batch_is_stored_once(live: Live, make_identity: MakeId) -> None:
    alpha = make_identity("member", "alpha")
    stub = live.stub(alpha)
    subs = [submission(record("alpha", f"r{i}", (tok("phone", f"p{i}"),))) for i in range(3)]
    first = _submit(stub, alpha, *subs)
    assert [a.duplicate for a in first.acks] == [False] * 3
    again = _submit(stub, alpha, *subs)
    assert [a.duplicate for a in again.acks] == [True] * 3
    assert [a.record_id for a in again.acks] == ["r0", "r1", "r2"]
    assert live.server.store.count_records() == 3


def test_batch_with_one_bad_record_stores_nothing(live: Live, make_identity: MakeId) -> None:
    alpha = make_identity("member", "alpha")
    good = submission(record("alpha", "g1"))
    bad = submission(record("alpha", "g2"))
    bad.record = b"\xff\x01 not a record"
    with pytest.raises(grpc.RpcError) as exc:
        _submit(live.stub(alpha), alpha, good, bad)
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    assert "submissions[1].record" in exc.value.details()  # type: ignore[attr-defined]
    assert live.server.store.count_records() == 0


def test_batch_signature_must_cover_exactly_what_was_sent(live: Live, make_identity: MakeId) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    stub = live.stub(alpha)
    subs = [submission(record("alpha", f"s{i}")) for i in range(2)]
    attempts = {
        "signed by another member's key": signed_batch(beta, *subs),
        "no signature": pb.SubmitBatchRequest(submissions=subs),
    }
    tampered = signed_batch(alpha, *subs)
    tampered.submissions[1].record = record_to_pb(record("alpha", "s1", month="2024-01")).SerializeToString()
    attempts["a record changed after signing"] = tampered
    reordered = signed_batch(alpha, *subs)
    reordered.submissions[0].CopyFrom(subs[1])
    reordered.submissions[1].CopyFrom(subs[0])
    attempts["submissions reordered"] = reordered
    renamed = signed_batch(alpha, *subs)
    renamed.submissions[0].submission_id = "other-id"
    attempts["a submission id changed"] = renamed
    for what, request in attempts.items():
        with pytest.raises(grpc.RpcError) as exc:
            stub.SubmitBatch(request, timeout=10)
        assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT, what
        assert "signature" in exc.value.details(), what  # type: ignore[attr-defined]
    assert live.server.store.count_records() == 0
    assert [a.duplicate for a in stub.SubmitBatch(signed_batch(alpha, *subs), timeout=10).acks] == [False, False]


def test_wrong_epoch_and_foreign_member_id_refused(live: Live, make_identity: MakeId) -> None:
    alpha = make_identity("member", "alpha")
    stub = live.stub(alpha)
    with pytest.raises(grpc.RpcError) as exc:
        _submit(stub, alpha, submission(record("alpha", "e1", (tok("phone", "x", epoch=2),))))
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as exc:
        _submit(stub, alpha, submission(record("beta", "e2")))
    assert _code(exc) == grpc.StatusCode.PERMISSION_DENIED
    assert live.server.store.count_records() == 0


class _FakeVerifier:
    """Refuses any narrative containing a digit run (stands in for Presidio here)."""

    def verify(self, text: str) -> None:
        import re

        m = re.search(r"\d{6,}", text)
        if m:
            raise RedactionRefused([Finding("PHONE_NUMBER", m.start(), m.end(), 0.9)])


def test_residue_is_refused_with_types_not_text(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    from msin_fed.coordinator.server import CoordinatorServer

    alpha = make_identity("member", "alpha")
    config = make_config(tmp_path, coordinator_identity)
    with CoordinatorServer(config, verifier=_FakeVerifier()) as server:
        live = Live(server)
        leaky = record("alpha", "leak", narrative="Driver on 07700900123 collects them.")
        with pytest.raises(grpc.RpcError) as exc:
            _submit(live.stub(alpha), alpha, submission(leaky))
        assert _code(exc) == grpc.StatusCode.FAILED_PRECONDITION
        details = exc.value.details()  # type: ignore[attr-defined]
        assert "PHONE_NUMBER" in details and "07700900123" not in details
        assert server.store.count_records() == 0
        live.close()


# ------------------------------------------------------------------ disclosure and withdrawal


def test_member_cannot_read_or_withdraw_another_members_record(live: Live, make_identity: MakeId) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    _submit(live.stub(alpha), alpha, submission(record("alpha", "mine")))
    thief = live.stub(beta)
    for call in (
        lambda: thief.Withdraw(pb.WithdrawRequest(record_id="mine"), timeout=5),
        lambda: thief.ListMatches(pb.ListMatchesRequest(record_id="mine"), timeout=5),
        lambda: thief.RaiseAlert(pb.RaiseAlertRequest(record_id="mine", summary="x"), timeout=5),
    ):
        with pytest.raises(grpc.RpcError) as exc:
            call()
        assert _code(exc) == grpc.StatusCode.PERMISSION_DENIED
    assert live.server.store.count_records() == 1
    admin = live.stub(make_identity("admin", "ops"))
    assert admin.Withdraw(pb.WithdrawRequest(record_id="mine"), timeout=5).withdrawn


def _collect(stub: pb_grpc.CoordinatorStub, after: int, n: int, timeout: float = 10) -> list[pb.Event]:
    got: list[pb.Event] = []
    stream = stub.Subscribe(pb.SubscribeRequest(after_cursor=after), timeout=timeout)
    for ev in stream:
        got.append(ev)
        if len(got) >= n:
            stream.cancel()
            break
    return got


def test_match_events_reach_both_members_and_withdraw_removes(live: Live, make_identity: MakeId) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    a_stub, b_stub = live.stub(alpha), live.stub(beta)
    received: list[pb.Event] = []
    listener = threading.Thread(target=lambda: received.extend(_collect(b_stub, 0, 1)))
    listener.start()
    time.sleep(0.3)  # beta is waiting on a live stream before anything matches
    _submit(a_stub, alpha, submission(record("alpha", "a1", (tok("phone", "shared"), tok("email", "a")))))
    _submit(b_stub, beta, submission(record("beta", "b1", (tok("phone", "shared"),))))
    listener.join(10)
    [b_event] = received
    assert b_event.match.record_id == "b1" and b_event.match.change == pb.MATCH_CHANGE_NEW
    assert b_event.match.other_members == 1 and list(b_event.match.matched_kinds) == ["phone"]
    assert list(b_event.match.other_member_ids) == []  # policy default: identities not disclosed
    [a_event] = _collect(a_stub, 0, 1)
    assert a_event.match.record_id == "a1"
    [listed] = a_stub.ListMatches(pb.ListMatchesRequest(), timeout=5).matches
    assert listed.record_id == "a1" and listed.other_members == 1

    clusters = live.stub(make_identity("analyst", "sttg-analyst")).ListClusters(
        pb.ListClustersRequest(), timeout=5
    )
    [cluster] = clusters.clusters
    assert cluster.members == 2 and {r.member_id for r in cluster.records} == {"alpha", "beta"}

    assert b_stub.Withdraw(pb.WithdrawRequest(record_id="b1"), timeout=5).withdrawn
    # Resuming after the last cursor alpha saw yields only the removal.
    [removed] = _collect(a_stub, a_event.cursor, 1)
    assert removed.match.record_id == "a1" and removed.match.change == pb.MATCH_CHANGE_REMOVED
    assert not b_stub.Withdraw(pb.WithdrawRequest(record_id="b1"), timeout=5).withdrawn


def test_disclose_member_ids_policy(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    from msin_fed.coordinator.server import CoordinatorServer

    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    with CoordinatorServer(make_config(tmp_path, coordinator_identity, disclose_member_ids=True)) as server:
        live = Live(server)
        _submit(live.stub(alpha), alpha, submission(record("alpha", "a1", (tok("vehicle", "v"),))))
        _submit(live.stub(beta), beta, submission(record("beta", "b1", (tok("vehicle", "v"),))))
        [m] = live.stub(alpha).ListMatches(pb.ListMatchesRequest(), timeout=5).matches
        assert list(m.other_member_ids) == ["beta"]
        live.close()


# ------------------------------------------------------------------ alerts and actions


def test_alert_rules_events_and_email(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from msin_fed.coordinator.config import SmtpConfig
    from msin_fed.coordinator.server import CoordinatorServer

    mails: list[object] = []

    class Inbox(Message):
        def handle_message(self, message: object) -> None:
            mails.append(message)

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtpd = Controller(Inbox(), hostname="127.0.0.1", port=port)
    smtpd.start()
    try:
        smtp = SmtpConfig("127.0.0.1", port, "sttg@example.org", ("net@example.org",))
        alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
        with CoordinatorServer(make_config(tmp_path, coordinator_identity, smtp=smtp)) as server:
            live = Live(server)
            a = live.stub(alpha)
            _submit(
                a,
                alpha,
                submission(record("alpha", "hot", time_sensitive=True, grade="1AP")),
                submission(record("alpha", "cold", time_sensitive=False)),
                submission(record("alpha", "weak", time_sensitive=True, grade="3EP")),
            )
            for rid in ("cold", "weak"):
                with pytest.raises(grpc.RpcError) as exc:
                    a.RaiseAlert(
                        pb.RaiseAlertRequest(record_id=rid, summary="Workers at risk tonight."), timeout=5
                    )
                assert _code(exc) == grpc.StatusCode.FAILED_PRECONDITION
            alert_id = a.RaiseAlert(
                pb.RaiseAlertRequest(record_id="hot", summary="Workers moved tonight; check your sites."),
                timeout=5,
            ).alert_id
            [seen_by_beta] = _collect(live.stub(beta), 0, 1)
            assert seen_by_beta.alert.alert_id == alert_id and seen_by_beta.alert.own_record_id == ""
            [seen_by_alpha] = _collect(a, 0, 1)
            assert seen_by_alpha.alert.own_record_id == "hot"
            b = live.stub(beta)
            action = b.RecordAction(
                pb.RecordActionRequest(alert_id=alert_id, outcome=pb.ACTION_INVESTIGATED, date="2025-04-01"),
                timeout=5,
            )
            assert action.action_id
            [row] = server.store.actions()
            assert row.member_id == "beta" and row.outcome == "ACTION_INVESTIGATED"
            live.close()
        deadline = time.time() + 5
        while not mails and time.time() < deadline:
            time.sleep(0.05)
        assert len(mails) == 1
        body = str(mails[0])
        assert "Workers moved tonight" in body and "hot" not in body.split("\n\n", 1)[1]
    finally:
        smtpd.stop()


def test_graceful_stop_finishes_and_ends_streams(live: Live, make_identity: MakeId) -> None:
    alpha = make_identity("member", "alpha")
    stub = live.stub(alpha)
    done = threading.Event()

    def listen() -> None:
        try:
            for _ev in stub.Subscribe(pb.SubscribeRequest(), timeout=20):
                pass
        except grpc.RpcError:
            pass
        done.set()

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(0.3)
    _submit(stub, alpha, submission(record("alpha", "z1")))
    started = time.time()
    live.server.stop(grace=5)
    assert done.wait(5) and time.time() - started < 5


def test_open_streams_are_bounded(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    from msin_fed.coordinator.server import CoordinatorServer

    alpha = make_identity("member", "alpha")
    with CoordinatorServer(make_config(tmp_path, coordinator_identity, workers=8, max_streams=1)) as server:
        live = Live(server)
        first = live.stub(alpha).Subscribe(pb.SubscribeRequest(), timeout=10)

        def drain() -> None:
            with contextlib.suppress(grpc.RpcError):
                list(first)

        threading.Thread(target=drain, daemon=True).start()
        time.sleep(0.3)
        with pytest.raises(grpc.RpcError) as exc:
            next(iter(live.stub(alpha).Subscribe(pb.SubscribeRequest(), timeout=5)))
        assert _code(exc) == grpc.StatusCode.RESOURCE_EXHAUSTED
        first.cancel()
        live.close()


def test_stop_finishes_an_in_flight_batch(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    from msin_fed.coordinator.server import CoordinatorServer

    class SlowVerifier:
        def verify(self, text: str) -> None:
            time.sleep(0.5)

    alpha = make_identity("member", "alpha")
    server = CoordinatorServer(make_config(tmp_path, coordinator_identity), verifier=SlowVerifier())
    server.start()
    live = Live(server)
    stub = live.stub(alpha)
    result: list[pb.SubmitBatchResponse] = []
    call = threading.Thread(
        target=lambda: result.append(_submit(stub, alpha, submission(record("alpha", "late1")))), daemon=True
    )
    call.start()
    time.sleep(0.2)  # the batch is being verified
    server.stop(grace=10)
    call.join(10)
    assert result and not result[0].acks[0].duplicate
    from msin_fed.coordinator.store import SharedStore

    assert SharedStore(tmp_path / "coordinator.db").count_records() == 1
    live.close()


def test_resend_after_withdrawal_does_not_reshare(live: Live, make_identity: MakeId) -> None:
    alpha = make_identity("member", "alpha")
    stub = live.stub(alpha)
    sub = submission(record("alpha", "w1"))
    _submit(stub, alpha, sub)
    assert stub.Withdraw(pb.WithdrawRequest(record_id="w1"), timeout=5).withdrawn
    [ack] = _submit(stub, alpha, sub).acks
    assert ack.duplicate and live.server.store.count_records() == 0
    # Sharing it again is a new submission.
    assert not _submit(stub, alpha, submission(record("alpha", "w1"), "again-w1")).acks[0].duplicate
    assert live.server.store.count_records() == 1


def test_reflection_lists_the_services(live: Live, make_identity: MakeId) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    channel = pki.secure_channel(
        f"127.0.0.1:{live.port}", make_identity("member", "alpha"), role="coordinator", name="sttg"
    )
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    [reply] = list(
        stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    )
    names = {s.name for s in reply.list_services_response.service}
    assert {"msin.v1.Coordinator", "grpc.health.v1.Health"} <= names
    channel.close()
