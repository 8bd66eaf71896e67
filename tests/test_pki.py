"""The network CA and mutual TLS, over a real gRPC server on loopback."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from msin_fed import pki
from msin_fed.errors import ValidationError


@pytest.fixture()
def health_server(make_identity: Callable[[str, str], pki.Identity], ca_dir: Path) -> Iterator[int]:
    """A health service behind AuthInterceptor that only lets members call Check."""
    server_id = make_identity("coordinator", "sttg")
    revocations = pki.RevocationList(ca_dir / "crl.pem", server_id.ca_pem)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        interceptors=[pki.AuthInterceptor({"Check": frozenset({"member"})}, revocations)],
    )
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_secure_port("127.0.0.1:0", pki.server_credentials(server_id))
    server.start()
    yield port
    server.stop(0)


def _check(port: int, creds: grpc.ChannelCredentials) -> health_pb2.HealthCheckResponse:
    options = [("grpc.ssl_target_name_override", pki.server_name("coordinator", "sttg"))]
    with grpc.secure_channel(f"127.0.0.1:{port}", creds, options=options) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(), timeout=5)


def test_member_certificate_is_accepted(
    health_server: int, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    reply = _check(health_server, pki.channel_credentials(make_identity("member", "m1")))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_certificate_carries_role_name_and_signing_key(
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    ident = make_identity("member", "m1")
    assert (ident.role, ident.name) == ("member", "m1")
    peer = pki._parse_certificate(ident.cert_pem)
    assert peer.signing_public_key == bytes(ident.signing_key.verify_key)
    assert ident.directory is not None
    for secret in ("key.pem", "signing.key"):
        assert stat.S_IMODE((ident.directory / secret).stat().st_mode) == 0o600


def test_wrong_role_is_permission_denied(
    health_server: int, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    with pytest.raises(grpc.RpcError) as err:
        _check(health_server, pki.channel_credentials(make_identity("analyst", "a1")))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_no_client_certificate_is_refused(
    health_server: int, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    creds = grpc.ssl_channel_credentials(root_certificates=make_identity("member", "m1").ca_pem)
    with pytest.raises(grpc.RpcError) as err:
        _check(health_server, creds)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_certificate_from_another_ca_is_refused(
    health_server: int, tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    other = pki.init_ca(tmp_path / "other-ca")
    pki.issue(other, "member", "m1", tmp_path / "rogue")
    rogue = pki.load_identity(tmp_path / "rogue")
    creds = grpc.ssl_channel_credentials(
        root_certificates=make_identity("member", "m1").ca_pem,
        private_key=rogue.key_pem,
        certificate_chain=rogue.cert_pem,
    )
    with pytest.raises(grpc.RpcError) as err:
        _check(health_server, creds)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_expired_certificate_is_refused(health_server: int, ca_dir: Path, tmp_path: Path) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    pki.issue(ca_dir, "member", "old", tmp_path / "old", days=2, not_before=start)
    with pytest.raises(grpc.RpcError) as err:
        _check(health_server, pki.channel_credentials(pki.load_identity(tmp_path / "old")))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_revoked_certificate_is_refused(health_server: int, ca_dir: Path, tmp_path: Path) -> None:
    pki.issue(ca_dir, "member", "leaver", tmp_path / "leaver")
    ident = pki.load_identity(tmp_path / "leaver")
    creds = pki.channel_credentials(ident)
    assert _check(health_server, creds).status == health_pb2.HealthCheckResponse.SERVING
    pki.revoke(ca_dir, tmp_path / "leaver" / "cert.pem")
    with pytest.raises(grpc.RpcError) as err:
        _check(health_server, creds)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("role", "name", "field"),
    [
        ("pirate", "x", "role"),
        ("member", "", "name"),
        ("member", "a b", "name"),
        ("member", "x" * 65, "name"),
    ],
)
def test_issue_rejects_bad_role_and_name(
    ca_dir: Path, tmp_path: Path, role: str, name: str, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        pki.issue(ca_dir, role, name, tmp_path / "out")
    assert err.value.field == field


def test_init_refuses_to_overwrite(ca_dir: Path) -> None:
    with pytest.raises(ValidationError):
        pki.init_ca(ca_dir)
