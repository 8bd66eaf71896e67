"""A member whose certificate is revoked while it is connected (real gRPC, mutual TLS).

Revocation must bite on an open connection too: on every new call over the channel the
member already holds, and on a Subscribe stream it opened before the revocation (that
stream must not carry one more event). A CRL that goes missing under an open stream
likewise stops it (fail closed).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.service import Caller

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

from .conftest import Live, make_config, record, signed_batch, submission, tok

MakeId = Callable[[str, str], pki.Identity]


def _fresh_member(ca_dir: Path, tmp_path: Path, name: str) -> tuple[pki.Identity, Path]:
    out = tmp_path / name
    pki.issue(ca_dir, "member", name, out)
    (out / "crl.pem").symlink_to(ca_dir / "crl.pem")
    return pki.load_identity(out), out / "cert.pem"


class _Listener:
    """Drains one Subscribe stream in a thread, keeping its events and how it ended."""

    def __init__(self, stub: pb_grpc.CoordinatorStub, timeout: float) -> None:
        self.events: list[pb.Event] = []
        self.ended: grpc.StatusCode | None = None
        self._stream = stub.Subscribe(pb.SubscribeRequest(), timeout=timeout)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            for event in self._stream:
                self.events.append(event)
            self.ended = grpc.StatusCode.OK
        except grpc.RpcError as exc:
            self.ended = exc.code()

    def finish(self, wait: float) -> None:
        self._thread.join(wait)
        if self._thread.is_alive():
            self._stream.cancel()
            self._thread.join(5)


def _submit(stub: pb_grpc.CoordinatorStub, who: pki.Identity, rid: str, phone: str) -> None:
    member = who.name
    stub.SubmitBatch(signed_batch(who, submission(record(member, rid, (tok("phone", phone),)))), timeout=10)


def _wait_for(pred: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not pred() and time.monotonic() < deadline:
        time.sleep(0.05)
    return pred()


def test_an_open_stream_of_a_revoked_member_carries_no_further_event(
    live: Live, make_identity: MakeId, ca_dir: Path, tmp_path: Path
) -> None:
    leaver, cert = _fresh_member(ca_dir, tmp_path, "leaver-stream")
    beta = make_identity("member", "beta")
    stub = live.stub(leaver)
    _submit(stub, leaver, "l1", "leaver-stream-phone")
    listener = _Listener(stub, timeout=20)
    # Admitted and waiting: the first match proves the stream carries events.
    _submit(live.stub(beta), beta, "b1", "leaver-stream-phone")
    assert _wait_for(lambda: len(listener.events) == 1, 10), listener.ended
    pki.revoke(ca_dir, str(cert))
    gamma = make_identity("member", "gamma")
    _submit(live.stub(gamma), gamma, "g1", "leaver-stream-phone")  # l1 now matches a second member
    listener.finish(8)
    assert [e.match.record_id for e in listener.events] == ["l1"], "a revoked member heard a new match"
    assert listener.ended == grpc.StatusCode.UNAUTHENTICATED


def test_a_revoked_member_is_refused_on_the_connection_it_already_holds(
    live: Live, make_identity: MakeId, ca_dir: Path, tmp_path: Path
) -> None:
    leaver, cert = _fresh_member(ca_dir, tmp_path, "leaver-channel")
    stub = live.stub(leaver)  # one channel: one TLS session, one HTTP/2 connection
    _submit(stub, leaver, "c1", "leaver-channel-phone")
    assert stub.ListMatches(pb.ListMatchesRequest(), timeout=5).matches == []
    pki.revoke(ca_dir, str(cert))
    calls: dict[str, Callable[[], object]] = {
        "SubmitBatch": lambda: _submit(stub, leaver, "c2", "leaver-channel-phone"),
        "Withdraw": lambda: stub.Withdraw(pb.WithdrawRequest(record_id="c1"), timeout=5),
        "ListMatches": lambda: stub.ListMatches(pb.ListMatchesRequest(), timeout=5),
        "RaiseAlert": lambda: stub.RaiseAlert(pb.RaiseAlertRequest(record_id="c1", summary="x"), timeout=5),
        "Subscribe": lambda: next(iter(stub.Subscribe(pb.SubscribeRequest(), timeout=5))),
    }
    for name, call in calls.items():
        with pytest.raises(grpc.RpcError) as exc:
            call()
        assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED, name
    # Nothing it sent after the revocation changed the store: c1 stays, c2 never came.
    assert live.server.store.count_records() == 1


def test_an_open_stream_stops_when_the_crl_goes_missing(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId, ca_dir: Path
) -> None:
    from msin_fed.coordinator.server import CoordinatorServer

    own_crl = tmp_path / "crl.pem"
    shutil.copyfile(ca_dir / "crl.pem", own_crl)
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    with CoordinatorServer(make_config(tmp_path, coordinator_identity, crl=own_crl)) as server:
        live = Live(server)
        _submit(live.stub(alpha), alpha, "a1", "crl-missing-phone")
        listener = _Listener(live.stub(alpha), timeout=20)
        _submit(live.stub(beta), beta, "b1", "crl-missing-phone")
        assert _wait_for(lambda: len(listener.events) == 1, 10), listener.ended
        own_crl.unlink()
        with pytest.raises(grpc.RpcError) as exc:
            _submit(live.stub(beta), beta, "b2", "crl-missing-phone")
        assert exc.value.code() == grpc.StatusCode.UNAVAILABLE  # new calls fail closed
        # A new match written meanwhile (as another coordinator process on the same store,
        # with a good CRL, would): the open stream must not carry it.
        gamma = make_identity("member", "gamma")
        peer = pki._parse_certificate(gamma.cert_pem)
        req = signed_batch(gamma, submission(record("gamma", "g1", (tok("phone", "crl-missing-phone"),))))
        server.service.submit_batch(
            Caller("member", "gamma", peer.signing_public_key, peer.sealing_public_key), req.submissions, req.signature
        )
        listener.finish(8)
        assert len(listener.events) == 1
        assert listener.ended == grpc.StatusCode.UNAVAILABLE
        live.close()


def test_a_revoked_member_resuming_its_tls_session_is_refused(
    live: Live, ca_dir: Path, tmp_path: Path
) -> None:
    """Fresh channels sharing a TLS session cache (so a handshake may resume the session
    of the one before): revocation is checked per call on the certificate the session
    carries, so a resumed session is refused like a new one."""
    from grpc.experimental.session_cache import ssl_session_cache_lru  # type: ignore[import-not-found]

    leaver, cert = _fresh_member(ca_dir, tmp_path, "leaver-resume")
    cache = ssl_session_cache_lru(4)

    def stub() -> tuple[grpc.Channel, pb_grpc.CoordinatorStub]:
        options = [
            *pki.channel_options(),
            ("grpc.ssl_target_name_override", pki.server_name("coordinator", "sttg")),
            ("grpc.ssl_session_cache", cache),
        ]
        channel = grpc.secure_channel(f"127.0.0.1:{live.port}", pki.channel_credentials(leaver), options=options)
        return channel, pb_grpc.CoordinatorStub(channel)  # type: ignore[no-untyped-call]

    for _ in range(2):  # the second handshake may resume the first's session
        channel, s = stub()
        assert s.ListMatches(pb.ListMatchesRequest(), timeout=5).matches == []
        channel.close()
    pki.revoke(ca_dir, str(cert))
    channel, s = stub()
    with pytest.raises(grpc.RpcError) as exc:
        s.ListMatches(pb.ListMatchesRequest(), timeout=5)
    assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED
    channel.close()
