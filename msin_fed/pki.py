"""The network's certificate authority and mutual TLS.

Every process holds an *identity*: a certificate issued by the network CA, its private
key, and the CA certificate. The certificate carries the holder's role and name (the
member id for a member node) in a subject-alternative-name URI ``urn:msin:ROLE:NAME``,
so servers learn who calls from the TLS handshake itself, never from a request field.

Clients check the server the same way, in the handshake: every certificate also carries
the DNS name ``NAME.ROLE.msin.internal`` (:func:`server_name`), and
:func:`secure_channel` makes gRPC check the server's certificate against the name of
the role and name the caller expects, whatever address it dials. gRPC Python cannot show
a client the server's certificate after the handshake, so the role has to be in a name
gRPC itself verifies; the CA writes that name only from the role it certifies, and
refuses host names under ``msin.internal``, so a member's (or any other role's)
certificate can never pass as a coordinator or a key holder. Certificates name no other
host unless asked (``hosts``, for keyholder and coordinator certificates only).
Members' certificates also carry their Ed25519 record-signing public key, binding every
signed shared record to the certificate that was used to submit it.

Revocation: ``revoke`` adds a serial number to ``DIR/revoked.txt`` and re-signs
``DIR/crl.pem`` (numbered, written atomically); servers check every call against it in
:class:`AuthInterceptor` (gRPC Python cannot check CRLs in the handshake) and refuse
every call while the CRL is missing, unreadable, wrongly signed, expired or older than
one already seen (:mod:`msin_fed.revocation`).

Files in an identity directory: ``cert.pem``, ``key.pem`` (mode 0600), ``ca.pem``,
and for members ``signing.key`` (raw 32-byte Ed25519 seed, mode 0600); member, analyst and
advisory certificates also carry an X25519 sealing key (``sealing.key``, raw 32 bytes,
mode 0600), which case messages to that party are sealed to.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from msin_fed.errors import ConfigError, RevocationUnavailable, ValidationError
from msin_fed.private_files import read_private, write_private
from msin_fed.revocation import CRL_DAYS, RevocationList, atomic_write, write_crl

__all__ = [
    "ROLES",
    "SEALING_KEY_OID",
    "SEALING_ROLES",
    "AuthInterceptor",
    "Identity",
    "Peer",
    "RevocationList",
    "certified_party",
    "channel_credentials",
    "init_ca",
    "issue",
    "load_identity",
    "peer_of",
    "refresh_crl",
    "revoke",
    "secure_channel",
    "server_credentials",
    "server_name",
]

ROLES: frozenset[str] = frozenset({"member", "analyst", "advisory", "keyholder", "coordinator", "admin"})
SERVER_ROLES: frozenset[str] = frozenset({"keyholder", "coordinator"})

#: Private-arc OID for the Ed25519 record-signing key carried in member certificates.
SIGNING_KEY_OID = x509.ObjectIdentifier("1.3.6.1.4.1.59999.77.1")
#: Private-arc OID for the X25519 key messages on cases are sealed to (member, analyst
#: and advisory certificates): the CA binds it to the holder's role and name exactly as
#: it binds the signing key, so a party's sealing key is read from its certificate.
SEALING_KEY_OID = x509.ObjectIdentifier("1.3.6.1.4.1.59999.77.2")
#: Roles whose certificates carry a sealing key (``sealing.key`` beside ``key.pem``).
SEALING_ROLES: frozenset[str] = frozenset({"member", "analyst", "advisory"})
_URI_PREFIX = "urn:msin:"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")

CA_DAYS = 3650
LEAF_DAYS = 365
#: Hosts a certificate names besides its role name: none unless asked for.
DEFAULT_HOSTS: tuple[str, ...] = ()
#: DNS suffix of the role names (``NAME.ROLE`` + this); reserved, never a ``hosts`` entry.
ROLE_DOMAIN = "msin.internal"


def server_name(role: str, name: str) -> str:
    """The DNS name a certificate of ``role``/``name`` carries and clients check: ``NAME.ROLE.msin.internal``."""
    if role not in ROLES:
        raise ValidationError("role", f"unknown role {role!r} (expected one of {sorted(ROLES)})")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationError("name", "must be 1-64 letters, digits, '_', '.' or '-'")
    # The role is the last label before the suffix, so no name of one role can spell the
    # name of another role ("x.coordinator" as a member is x.coordinator.member...).
    return f"{name}.{role}.{ROLE_DOMAIN}".lower()


def _check_host(role: str, host: str) -> str:
    if role not in SERVER_ROLES:
        raise ValidationError("hosts", f"only keyholder and coordinator certificates name hosts, not {role}")
    if not isinstance(host, str) or not host or "*" in host or any(c.isspace() for c in host):
        raise ValidationError("hosts", "each must be a DNS name or IP address without wildcards")
    folded = host.lower().rstrip(".")
    if folded == ROLE_DOMAIN or folded.endswith("." + ROLE_DOMAIN):
        raise ValidationError("hosts", f"names under {ROLE_DOMAIN} are reserved for role names")
    return host


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret with owner-only permissions from the first byte."""
    write_private(path, data)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def init_ca(directory: str | os.PathLike[str], name: str = "MSIN network CA") -> Path:
    """Create a network CA in ``directory`` (``ca.pem``, ``ca.key``, an empty CRL).

    Refuses to overwrite an existing CA.
    """
    ca_dir = Path(directory)
    if (ca_dir / "ca.key").exists():
        raise ValidationError("ca_dir", f"{ca_dir} already holds a CA (ca.key exists)")
    ca_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))
        .not_valid_after(now + _dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(ca_dir / "ca.key", _key_pem(key))
    (ca_dir / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (ca_dir / "revoked.txt").write_text("")
    _write_crl(ca_dir, [])
    return ca_dir


def _load_ca(ca_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key(read_private(ca_dir / "ca.key", "ca.key"), None)
    except FileNotFoundError as exc:
        raise ValidationError("ca_dir", f"{ca_dir} is not a CA directory ({exc.filename} missing)") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValidationError("ca_dir", "ca.key is not an EC private key")
    return cert, key


def issue(
    ca_dir: str | os.PathLike[str],
    role: str,
    name: str,
    out_dir: str | os.PathLike[str],
    *,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    days: int = LEAF_DAYS,
    not_before: _dt.datetime | None = None,
) -> Path:
    """Issue a certificate and key for ``role``/``name`` into ``out_dir``.

    Members also get an Ed25519 signing key whose public half the certificate carries.
    Every certificate carries its role name (:func:`server_name`), which is what msin
    clients check. ``hosts`` are further DNS names or IP addresses a keyholder or
    coordinator certificate is valid for, for other TLS clients (none by default).
    """
    role_name = server_name(role, name)
    extra_hosts = [_check_host(role, h) for h in hosts]
    if days < 1:
        raise ValidationError("days", "must be at least 1")
    ca_path = Path(ca_dir)
    ca_cert, ca_key = _load_ca(ca_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [
        x509.UniformResourceIdentifier(f"{_URI_PREFIX}{role}:{name}"),
        # Always present: with any DNS name in the certificate gRPC never falls back to
        # matching the common name (a member could be named like a server's host).
        x509.DNSName(role_name),
    ]
    for host in extra_hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    start = not_before or (_now() - _dt.timedelta(minutes=5))
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, name),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + _dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
    )
    if role == "member":
        signing = SigningKey.generate()
        _write_private(out / "signing.key", bytes(signing))
        raw = bytes(signing.verify_key)
        # DER OCTET STRING wrapping the 32-byte Ed25519 public key.
        builder = builder.add_extension(
            x509.UnrecognizedExtension(SIGNING_KEY_OID, b"\x04\x20" + raw), critical=False
        )
    if role in SEALING_ROLES:
        sealing = PrivateKey.generate()
        _write_private(out / "sealing.key", bytes(sealing))
        builder = builder.add_extension(
            x509.UnrecognizedExtension(SEALING_KEY_OID, b"\x04\x20" + bytes(sealing.public_key)), critical=False
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    _write_private(out / "key.pem", _key_pem(key))
    (out / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    with (ca_path / "issued.txt").open("a") as log:
        log.write(f"{cert.serial_number:x} {role} {name} {cert.not_valid_after_utc.isoformat()}\n")
    return out


def revoke(ca_dir: str | os.PathLike[str], serial: int | str | os.PathLike[str]) -> Path:
    """Revoke a certificate (by serial number, hex string, or path to its PEM); return the CRL path."""
    ca_path = Path(ca_dir)
    if isinstance(serial, int):
        number = serial
    elif isinstance(serial, str) and re.fullmatch(r"(0x)?[0-9a-fA-F]+", serial):
        number = int(serial, 16)
    else:
        try:
            number = x509.load_pem_x509_certificate(Path(serial).read_bytes()).serial_number
        except (OSError, ValueError):
            raise ValidationError(
                "certificate", "neither a hex serial number nor a PEM certificate file"
            ) from None
    _load_ca(ca_path)
    serials = _revoked_serials(ca_path)
    serials.add(number)
    atomic_write(ca_path / "revoked.txt", "".join(f"{s:x}\n" for s in sorted(serials)).encode())
    return _write_crl(ca_path, serials)


def _write_crl(ca_dir: Path, serials: Iterable[int], days: int = CRL_DAYS) -> Path:
    ca_cert, ca_key = _load_ca(ca_dir)
    path = ca_dir / "crl.pem"
    write_crl(path, ca_cert, ca_key, sorted(serials), days=days)
    return path


def refresh_crl(ca_dir: str | os.PathLike[str], days: int = CRL_DAYS) -> Path:
    """Re-sign the CRL with the same revocations, a new number and a new next-update time.

    Servers refuse every call once the CRL's next-update time has passed, so the CA runs
    this (``msin ca crl``) well within :data:`~msin_fed.revocation.CRL_DAYS`.
    """
    if days < 1:
        raise ValidationError("days", "must be at least 1")
    ca_path = Path(ca_dir)
    return _write_crl(ca_path, _revoked_serials(ca_path), days)


def _revoked_serials(ca_path: Path) -> set[int]:
    revoked_file = ca_path / "revoked.txt"
    return {int(s, 16) for s in revoked_file.read_text().split()} if revoked_file.exists() else set()


@dataclass(frozen=True)
class Identity:
    """A process's certificate, key and CA, with the role and name the certificate carries."""

    role: str
    name: str
    cert_pem: bytes = field(repr=False)
    key_pem: bytes = field(repr=False)
    ca_pem: bytes = field(repr=False)
    signing_seed: bytes | None = field(default=None, repr=False)
    directory: Path | None = None
    sealing_seed: bytes | None = field(default=None, repr=False)

    @property
    def sealing_key(self) -> PrivateKey:
        """The X25519 key case messages to this party are sealed to (see docs/cases.md)."""
        if self.sealing_seed is None:
            raise ValidationError(
                "identity", f"this {self.role} certificate has no sealing key (reissue it with msin ca issue)"
            )
        return PrivateKey(self.sealing_seed)

    @property
    def signing_key(self) -> SigningKey:
        """The member's Ed25519 record-signing key."""
        if self.signing_seed is None:
            raise ValidationError("identity", f"a {self.role} certificate has no signing key")
        return SigningKey(self.signing_seed)

    @property
    def not_valid_after(self) -> _dt.datetime:
        """Expiry of the certificate."""
        return x509.load_pem_x509_certificate(self.cert_pem).not_valid_after_utc


def load_identity(directory: str | os.PathLike[str]) -> Identity:
    """Load ``cert.pem``, ``key.pem``, ``ca.pem`` (and ``signing.key``) from ``directory``."""
    path = Path(directory)
    try:
        cert_pem = (path / "cert.pem").read_bytes()
        key_pem = read_private(path / "key.pem", "key.pem")
        ca_pem = (path / "ca.pem").read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(str(path), Path(exc.filename).name, "file missing") from None
    try:
        peer = _parse_certificate(cert_pem)
    except ValueError as exc:
        raise ConfigError(str(path / "cert.pem"), "certificate", str(exc)) from None
    seed_path = path / "signing.key"
    seed = read_private(seed_path, "signing.key") if seed_path.exists() else None
    if seed is not None and len(seed) != 32:
        raise ConfigError(str(seed_path), "signing.key", "must hold a 32-byte Ed25519 seed")
    sealing_path = path / "sealing.key"
    sealing = sealing_path.read_bytes() if sealing_path.exists() else None
    if sealing is not None and len(sealing) != 32:
        raise ConfigError(str(sealing_path), "sealing.key", "must hold a 32-byte X25519 private key")
    if sealing is not None and bytes(PrivateKey(sealing).public_key) != peer.sealing_public_key:
        raise ConfigError(str(sealing_path), "sealing.key", "does not match the certificate's sealing key")
    return Identity(peer.role, peer.name, cert_pem, key_pem, ca_pem, seed, path, sealing)


@dataclass(frozen=True)
class Peer:
    """Who is calling, from the certificate presented in the TLS handshake."""

    role: str
    name: str
    serial: int
    signing_public_key: bytes | None = field(default=None, repr=False)
    #: X25519 public key the certificate carries (member, analyst, advisory).
    sealing_public_key: bytes | None = field(default=None, repr=False)

    @property
    def member_id(self) -> str:
        """The member id (the certificate name) of a member caller."""
        return self.name


def _parse_certificate(pem: bytes) -> Peer:
    cert = x509.load_pem_x509_certificate(pem)
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise ValueError("certificate has no subject alternative name") from None
    uris = [u for u in sans.get_values_for_type(x509.UniformResourceIdentifier) if u.startswith(_URI_PREFIX)]
    if len(uris) != 1:
        raise ValueError("certificate carries no msin role")
    role, _, name = uris[0][len(_URI_PREFIX) :].partition(":")
    if role not in ROLES or not _NAME.fullmatch(name):
        raise ValueError("certificate carries an invalid msin role or name")
    signing: bytes | None = None
    try:
        ext = cert.extensions.get_extension_for_oid(SIGNING_KEY_OID).value
        raw = ext.value if isinstance(ext, x509.UnrecognizedExtension) else b""
        if len(raw) == 34 and raw[:2] == b"\x04\x20":
            signing = raw[2:]
    except x509.ExtensionNotFound:
        pass
    return Peer(role, name, cert.serial_number, signing, _octets_extension(cert, SEALING_KEY_OID))


def _octets_extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bytes | None:
    """The 32 bytes of a DER OCTET STRING extension, or None when absent or malformed."""
    try:
        ext = cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    raw = ext.value if isinstance(ext, x509.UnrecognizedExtension) else b""
    return raw[2:] if len(raw) == 34 and raw[:2] == b"\x04\x20" else None


def certified_party(cert_pem: bytes, ca_pem: bytes) -> Peer:
    """The role, name and keys of a certificate the network CA issued (another party's,
    handed over in a sealed reveal); ValidationError when it is not the CA's or is expired."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        ca = x509.load_pem_x509_certificate(ca_pem)
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise ValidationError("certificate", "is not issued by the network CA") from None
    now = _now()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise ValidationError("certificate", "is expired or not yet valid")
    try:
        return _parse_certificate(cert_pem)
    except ValueError as exc:
        raise ValidationError("certificate", str(exc)) from None


_peer_cache: dict[bytes, Peer] = {}
_peer_cache_lock = threading.Lock()


def peer_of(context: grpc.ServicerContext) -> Peer:
    """The authenticated caller of the current RPC (parsed from its client certificate).

    Raises ``PermissionError`` when the call carries no valid msin certificate; servers
    only accept calls over mutual TLS, so that means a misconfigured server.
    """
    auth = context.auth_context()
    pems: Any = auth.get("x509_pem_cert") or []
    if not pems or not isinstance(pems, list):
        raise PermissionError("no client certificate")
    pem = bytes(pems[0])
    with _peer_cache_lock:
        cached = _peer_cache.get(pem)
    if cached is not None:
        return cached
    try:
        peer = _parse_certificate(pem)
    except ValueError as exc:
        raise PermissionError(str(exc)) from None
    with _peer_cache_lock:
        if len(_peer_cache) > 10_000:
            _peer_cache.clear()
        _peer_cache[pem] = peer
    return peer


def server_credentials(identity: Identity) -> grpc.ServerCredentials:
    """TLS server credentials that require and verify a client certificate from the CA."""
    return grpc.ssl_server_credentials(
        [(identity.key_pem, identity.cert_pem)],
        root_certificates=identity.ca_pem,
        require_client_auth=True,
    )


def channel_credentials(identity: Identity) -> grpc.ChannelCredentials:
    """TLS channel credentials presenting ``identity`` and trusting only the network CA."""
    return grpc.ssl_channel_credentials(
        root_certificates=identity.ca_pem,
        private_key=identity.key_pem,
        certificate_chain=identity.cert_pem,
    )


#: Message size limit for every channel and server (bytes).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def channel_options(max_message_bytes: int = MAX_MESSAGE_BYTES) -> list[tuple[str, Any]]:
    """gRPC channel/server options shared by every process."""
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        # Reconnect promptly after an outage (gRPC's default backoff grows to 120 s), so
        # outboxes drain soon after the coordinator comes back. No client keepalive
        # pings: servers with default settings answer them with GOAWAY too_many_pings.
        ("grpc.max_reconnect_backoff_ms", 5_000),
    ]


def server_options(max_message_bytes: int = MAX_MESSAGE_BYTES) -> list[tuple[str, Any]]:
    """gRPC server options: :func:`channel_options`, and a port that only one server binds.

    gRPC sets SO_REUSEPORT by default, so a second server started on a port in use binds
    it too and the kernel shares the calls between the two; with it off the second one
    fails to start (:func:`bind_error` says so).
    """
    return [*channel_options(max_message_bytes), ("grpc.so_reuseport", 0)]


def bind_error(address: str) -> str:
    """Why a server could not bind ``address``, for a ConfigError on its listen key."""
    return f"cannot listen on {address}: the address is in use (another server?) or not available on this host"


def secure_channel(target: str, identity: Identity, *, role: str, name: str) -> grpc.Channel:
    """A mutual-TLS channel to ``target`` (``host:port``) that talks only to ``role``/``name``.

    gRPC checks, in every handshake on the channel, that the server's certificate from
    the network CA carries :func:`server_name` of ``role`` and ``name`` (a keyholder or
    the coordinator); any other certificate fails the handshake and calls end
    UNAVAILABLE, before a request byte is sent. ``target`` only says where to dial.
    """
    if role not in SERVER_ROLES:
        raise ValidationError("role", f"servers are {sorted(SERVER_ROLES)}, not {role!r}")
    options = channel_options()
    options.append(("grpc.ssl_target_name_override", server_name(role, name)))
    return grpc.secure_channel(target, channel_credentials(identity), options=options)


Policy = Mapping[str, frozenset[str]]

if TYPE_CHECKING:
    _ServerInterceptor = grpc.ServerInterceptor[Any, Any]
else:  # grpc's classes are not subscriptable at run time
    _ServerInterceptor = grpc.ServerInterceptor


class _Undecodable:
    """Stands for a request whose bytes do not parse, so that the call is refused
    INVALID_ARGUMENT with a reason (gRPC's own answer is INTERNAL, with a log line)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __str__(self) -> str:
        return f"is not a serialized {self.kind}"


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    kind = getattr(getattr(deserializer, "__self__", None), "DESCRIPTOR", None)
    name = getattr(kind, "full_name", "request message")

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:  # DecodeError, and anything else a parser raises on bad bytes
            return _Undecodable(name)

    return parse


def _rechecked(responses: Iterator[Any], check: Callable[[], None]) -> Iterator[Any]:
    """``responses``, with the caller checked again before each one is sent.

    A stream opened before its certificate was revoked, or before the CRL became
    untrustworthy, would otherwise go on carrying events: revocation bites per message.
    Closing the handler's generator runs its clean-up (stream slots, audit).
    """
    try:
        for response in responses:
            check()
            yield response
    finally:
        close = getattr(responses, "close", None)
        if close is not None:
            close()


class AuthInterceptor(_ServerInterceptor):
    """Checks the caller's certificate role against a per-method policy, and revocation.

    Every call, health checks included, is refused UNAVAILABLE with the reason while
    the CRL cannot be trusted (:class:`~msin_fed.revocation.RevocationList`).

    ``policy`` maps a method name (the last part of the gRPC path, such as
    ``SubmitBatch``) to the roles allowed to call it; methods not listed (health,
    reflection) are open to any certificate the CA issued. A plain ServerInterceptor
    cannot see the TLS peer, so the check runs inside a wrapper of the handler.
    """

    def __init__(self, policy: Policy, revocations: RevocationList) -> None:
        if not isinstance(revocations, RevocationList):
            raise TypeError("revocations must be a RevocationList: servers never run without a CRL")
        self._policy = dict(policy)
        self._revocations = revocations

    def _check(self, method: str, context: grpc.ServicerContext) -> None:
        try:
            peer = peer_of(context)
        except PermissionError as exc:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        try:
            revoked = self._revocations.is_revoked(peer.serial)
        except RevocationUnavailable as exc:
            # Fail closed: without a CRL we can trust, nobody is known not to be revoked.
            context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
        if revoked:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "certificate revoked")
        allowed = self._policy.get(method)
        if allowed is not None and peer.role not in allowed:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, f"role {peer.role!r} may not call {method}")

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method.rsplit("/", 1)[-1]
        check = self._check
        deserialize = _tolerant(handler.request_deserializer)

        def checked(request: Any, context: grpc.ServicerContext) -> None:
            check(method, context)  # who is calling comes first, then what they sent
            if isinstance(request, _Undecodable):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"request: {request}")

        def wrap(behavior: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
                checked(request, context)
                return behavior(request, context)

            return wrapped

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                wrap(handler.unary_unary),
                request_deserializer=deserialize,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            behavior = handler.unary_stream

            def streamed(request: Any, context: grpc.ServicerContext) -> Any:
                checked(request, context)
                yield from _rechecked(behavior(request, context), lambda: check(method, context))

            return grpc.unary_stream_rpc_method_handler(
                streamed,
                request_deserializer=deserialize,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                wrap(handler.stream_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        stream_behavior = handler.stream_stream
        if stream_behavior is None:
            return handler

        def bidi(requests: Any, context: grpc.ServicerContext) -> Any:
            check(method, context)
            yield from _rechecked(stream_behavior(requests, context), lambda: check(method, context))

        return grpc.stream_stream_rpc_method_handler(
            bidi,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
