"""Revocation fails closed at the coordinator and at a key holder: real servers, real mutual TLS.

Each server reads the CRL file an operator copies next to it. While that file is missing,
garbage, signed by another key, an older CRL put back, expired or unnumbered, every
call is refused UNAVAILABLE with a reason (never UNKNOWN with exception text); once a
good CRL is back, calls go through again. The highest CRL number seen survives a restart.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from msin_fed.coordinator.config import CoordinatorConfig
from msin_fed.coordinator.server import CoordinatorServer
from nacl.signing import SigningKey

from msin_fed import pki
from msin_fed.keyholder import load_config, running
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.threshold import deal, write_dealing

UNUSABLE = "revocation list unusable"


@dataclass
class Served:
    """A CA, the CRL file a server reads, and a way to (re)start that server and call it."""

    ca: Path
    crl: Path
    start: Callable[[], AbstractContextManager[int]]
    call: Callable[[int, pki.Identity], None]
    member: pki.Identity

    def install(self, source: Path) -> None:
        """Copy a CRL into place, as an operator distributing it would."""
        shutil.copyfile(source, self.crl)


def _coordinator(root: Path, ca: Path, crl: Path) -> tuple[Callable[[], AbstractContextManager[int]], Callable[[int, pki.Identity], None]]:
    pki.issue(ca, "coordinator", "sttg", root / "sttg")
    config = CoordinatorConfig(
        identity_dir=root / "sttg", store_url=str(root / "shared.db"), listen="127.0.0.1:0",
        crl=crl, crl_number_file=root / "crl.number", verify_redaction=False,
        intake_workers=0, grace_seconds=0, audit_head_file=root / "audit.head",
    )

    @contextmanager
    def start() -> Iterator[int]:
        with CoordinatorServer(config) as server:
            yield server.port

    def call(port: int, who: pki.Identity) -> None:
        with pki.secure_channel(f"127.0.0.1:{port}", who, role="coordinator", name="sttg") as channel:
            pb_grpc.CoordinatorStub(channel).ListMatches(pb.ListMatchesRequest(), timeout=5)  # type: ignore[no-untyped-call]

    return start, call


# No roster installed (the holder evaluates for nobody): enough for calls that need no membership.
# The roster threshold must be at least the dealing's (2) and at most the pinned signers.
_ROSTER_SECTION = (
    'usage_db = "{root}/usage.db"\n[roster]\nfile = "{root}/roster.json"\nthreshold = 2\n[roster.signers]\n'
    + "".join(f'kh{i} = "{bytes(SigningKey(bytes([i]) * 32).verify_key).hex()}"\n' for i in (1, 2, 3))
)


def _keyholder(root: Path, ca: Path, crl: Path) -> tuple[Callable[[], AbstractContextManager[int]], Callable[[int, pki.Identity], None]]:
    pki.issue(ca, "keyholder", "kh1", root / "kh1")
    write_dealing(deal(2, 3, 1), root / "dealing")
    path = root / "keyholder.toml"
    path.write_text(
        f'listen = "127.0.0.1:0"\nidentity_dir = "{root / "kh1"}"\ncrl = "{crl}"\n'
        f'crl_number_file = "{root / "crl.number"}"\n'
        f'share_files = ["{root / "dealing" / "holder-1.share.json"}"]\n'
        "rate_limit_per_second = 1000\n" + _ROSTER_SECTION.format(root=root)
    )

    @contextmanager
    def start() -> Iterator[int]:
        with running(load_config(path), grace=0) as server:
            yield server.port

    def call(port: int, who: pki.Identity) -> None:
        with pki.secure_channel(f"127.0.0.1:{port}", who, role="keyholder", name="kh1") as channel:
            keyholder_pb2_grpc.KeyHolderStub(channel).GetPublicKey(  # type: ignore[no-untyped-call]
                keyholder_pb2.GetPublicKeyRequest(), timeout=5
            )

    return start, call


@pytest.fixture(params=["coordinator", "keyholder"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Served:
    ca = pki.init_ca(tmp_path / "ca")
    crl = tmp_path / "served" / "crl.pem"
    crl.parent.mkdir()
    shutil.copyfile(ca / "crl.pem", crl)
    maker = _coordinator if request.param == "coordinator" else _keyholder
    start, call = maker(tmp_path, ca, crl)
    pki.issue(ca, "member", "alpha", tmp_path / "alpha")
    return Served(ca, crl, start, call, pki.load_identity(tmp_path / "alpha"))


def _refused(served: Served, port: int, who: pki.Identity | None = None) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as exc:
        served.call(port, who or served.member)
    return exc.value


def _signed_crl(ca: Path, *, next_update: dt.datetime | None, number: int | None) -> bytes:
    """A CRL signed by the real CA key, shaped as the test needs."""
    ca_cert = x509.load_pem_x509_certificate((ca / "ca.pem").read_bytes())
    key = serialization.load_pem_private_key((ca / "ca.key").read_bytes(), None)
    now = dt.datetime.now(dt.UTC)
    builder = x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
    builder = builder.last_update(now - dt.timedelta(days=2))
    if next_update is not None:
        builder = builder.next_update(next_update)
    if number is not None:
        builder = builder.add_extension(x509.CRLNumber(number), critical=False)
    crl = builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return crl.public_bytes(serialization.Encoding.PEM)


def _other_ca_crl(tmp: Path) -> bytes:
    # Same subject name as the real CA ("MSIN network CA"): only the signature differs.
    other = pki.init_ca(tmp / "other-ca")
    pki.refresh_crl(other)
    pki.refresh_crl(other)  # and a higher number than the real CRL
    return (other / "crl.pem").read_bytes()


CASES: dict[str, tuple[Callable[[Served, Path], None], str]] = {
    "missing": (lambda s, _t: s.crl.unlink(), "is missing"),
    "garbage": (lambda s, _t: s.crl.write_bytes(b"-----BEGIN X509 CRL-----\nnot a crl\n"), "is not a PEM"),
    "empty": (lambda s, _t: s.crl.write_bytes(b""), "is not a PEM"),
    "other-key": (lambda s, t: s.crl.write_bytes(_other_ca_crl(t)), "is not signed by the network CA"),
    "expired": (
        lambda s, _t: s.crl.write_bytes(
            _signed_crl(s.ca, next_update=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), number=1)
        ),
        "expired",
    ),
    "unnumbered": (
        lambda s, _t: s.crl.write_bytes(
            _signed_crl(s.ca, next_update=dt.datetime.now(dt.UTC) + dt.timedelta(days=1), number=None)
        ),
        "has no CRL number",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_untrustworthy_crl_refuses_every_call(served: Served, tmp_path: Path, case: str) -> None:
    spoil, reason = CASES[case]
    good = tmp_path / "good-crl.pem"
    shutil.copyfile(served.crl, good)
    with served.start() as port:
        served.call(port, served.member)  # accepted with the good CRL
        spoil(served, tmp_path)
        err = _refused(served, port)
        assert err.code() == grpc.StatusCode.UNAVAILABLE
        assert UNUSABLE in (err.details() or "") and reason in (err.details() or "")
        assert "Traceback" not in (err.details() or "") and "Exception" not in (err.details() or "")
        served.install(good)  # fixing the file is enough: no restart
        served.call(port, served.member)


def test_an_older_crl_put_back_is_refused_even_after_a_restart(served: Served, tmp_path: Path) -> None:
    older = tmp_path / "crl-1.pem"
    shutil.copyfile(served.crl, older)
    pki.issue(served.ca, "member", "gone", tmp_path / "gone")
    gone = pki.load_identity(tmp_path / "gone")
    pki.revoke(served.ca, tmp_path / "gone" / "cert.pem")  # CRL number 2 revokes "gone"
    served.install(served.ca / "crl.pem")
    with served.start() as port:
        assert _refused(served, port, gone).code() == grpc.StatusCode.UNAUTHENTICATED
        served.install(older)  # number 1, validly signed, does not list "gone"
        err = _refused(served, port, gone)
        assert err.code() == grpc.StatusCode.UNAVAILABLE
        assert "number 1 is older than number 2" in (err.details() or "")
    with served.start() as port:  # the high-water mark is on disk
        err = _refused(served, port, served.member)
        assert err.code() == grpc.StatusCode.UNAVAILABLE and "older than number 2" in (err.details() or "")
        served.install(served.ca / "crl.pem")
        served.call(port, served.member)
        assert _refused(served, port, gone).code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_server_without_a_crl_file_starts_but_refuses(served: Served) -> None:
    served.crl.unlink()
    with served.start() as port:
        err = _refused(served, port)
        assert err.code() == grpc.StatusCode.UNAVAILABLE and "is missing" in (err.details() or "")


def test_servers_refuse_to_start_without_a_crl_setting(tmp_path: Path) -> None:
    from msin_fed.errors import ConfigError

    ca = pki.init_ca(tmp_path / "ca")
    pki.issue(ca, "coordinator", "sttg", tmp_path / "sttg")
    config = CoordinatorConfig(identity_dir=tmp_path / "sttg", store_url=str(tmp_path / "s.db"), listen="127.0.0.1:0")
    with pytest.raises(ConfigError, match=r"server\.crl"):
        CoordinatorServer(config, verifier=None)
    pki.issue(ca, "keyholder", "kh1", tmp_path / "kh1")
    write_dealing(deal(2, 3, 1), tmp_path / "dealing")
    path = tmp_path / "keyholder.toml"
    path.write_text(
        f'listen = "127.0.0.1:0"\nidentity_dir = "{tmp_path / "kh1"}"\n'
        f'share_files = ["{tmp_path / "dealing" / "holder-1.share.json"}"]\n'
        "rate_limit_per_second = 1000\n" + _ROSTER_SECTION.format(root=tmp_path)
    )
    with pytest.raises(ConfigError, match="crl: missing"):
        load_config(path)
