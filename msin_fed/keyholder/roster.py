"""The membership roster: which members the key holders evaluate for, signed by a quorum.

The network CA (run by STTG) can issue any certificate, so a certificate alone must not
make anyone a member for token purposes. A key holder evaluates only for callers on the
*roster*: a versioned document listing member ids, the SHA-256 fingerprints of the
SubjectPublicKeyInfo of each member's certificate key(s), and the daily budget. A roster
counts only with valid Ed25519 signatures of at least ``threshold`` of the key holders,
whose roster-signing public keys every holder pins in its configuration.

Roster file (JSON, ``msin-roster/1``)::

    {"format": "msin-roster/1",
     "roster": {"version": 3, "daily_budget": 10000,
                "members": {"grower-a": {"keys": ["<64 hex>"]},
                            "ngo-b": {"keys": ["<64 hex>", "<64 hex>"], "daily_budget": 20000}}},
     "signatures": {"kh1": "<128 hex>", "kh2": "<128 hex>"}}

Each signature is over :data:`SIGNATURE_CONTEXT` followed by the canonical JSON of
``roster`` (sorted keys, no spaces), so adding or dropping a signature never changes
what the others signed. Verification raises one opaque :class:`RosterRefused` naming
what is wrong (too few valid signatures, an older version), never key material.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from msin_fed.errors import RosterRefused, ValidationError
from msin_fed.private_files import read_private

__all__ = [
    "DEFAULT_DAILY_BUDGET",
    "FORMAT",
    "SIGNATURE_CONTEXT",
    "Roster",
    "RosterMember",
    "RosterRefused",
    "SignedRoster",
    "certificate_role_and_name",
    "guesses_per_day",
    "load_signing_key",
    "members_from_certificates",
    "read_signed_roster",
    "spki_fingerprint",
    "verify_roster",
    "write_signed_roster",
    "write_signing_key",
]

FORMAT = "msin-roster/1"
#: Domain separation of roster signatures from every other Ed25519 signature in msin.
SIGNATURE_CONTEXT = b"msin.v1.Roster\x00"
#: Member ids follow the certificate-name rule of :mod:`msin_fed.pki`.
_MEMBER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_MAX_BUDGET = 10**9
#: Default daily budget per member at each key holder, in blinded elements. The demo's
#: members used 6-11 elements per report (up to ~30 for a person with a date of birth),
#: and the node caches every token it has, so a member sharing a few hundred reports a
#: month needs at most a few thousand on its busiest day; 5,000 covers some 100-800 new
#: reports in a day. A backfill gets a larger per-member budget on a roster the quorum
#: signs for it. See docs/tokens.md ("Budgets, and the bound on guessing").
DEFAULT_DAILY_BUDGET = 5_000


def spki_fingerprint(cert_pem: bytes) -> str:
    """Hex SHA-256 of the certificate's SubjectPublicKeyInfo (DER): what a roster pins.

    The key, not the certificate, is pinned: a certificate the CA issues for the same
    name with another key is not the rostered member, whatever its name says.
    """
    cert = x509.load_pem_x509_certificate(cert_pem)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def certificate_role_and_name(cert_pem: bytes) -> tuple[str, str]:
    """The ``(role, name)`` a network certificate carries in its ``urn:msin:ROLE:NAME`` URI."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        raise ValidationError("certificate", "not a network certificate (no subject alternative name)") from None
    uris = [u for u in sans.get_values_for_type(x509.UniformResourceIdentifier) if u.startswith("urn:msin:")]
    if len(uris) != 1:
        raise ValidationError("certificate", "carries no msin role and name")
    role, _, name = uris[0][len("urn:msin:") :].partition(":")
    return role, name


def _budget(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_BUDGET:
        raise ValidationError(field_name, f"must be a whole number from 1 to {_MAX_BUDGET}")
    return value


@dataclass(frozen=True)
class RosterMember:
    """One rostered member: its id, its certificate key fingerprints, its own budget if any."""

    member_id: str
    keys: frozenset[str]
    daily_budget: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.member_id, str) or not _MEMBER_ID.fullmatch(self.member_id):
            raise ValidationError("members", "a member id must be 1-64 letters, digits, '_', '.' or '-'")
        if not self.keys:
            raise ValidationError(f"members.{self.member_id}.keys", "at least one key fingerprint is needed")
        for key in self.keys:
            if not isinstance(key, str) or not _FINGERPRINT.fullmatch(key):
                raise ValidationError(
                    f"members.{self.member_id}.keys", "each must be 64 lowercase hex digits (SHA-256 of the SPKI)"
                )
        if self.daily_budget is not None:
            _budget(self.daily_budget, f"members.{self.member_id}.daily_budget")


@dataclass(frozen=True)
class Roster:
    """The signed content: a version, the default daily budget, and the members."""

    version: int
    daily_budget: int
    members: Mapping[str, RosterMember] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or not 1 <= self.version < 2**63:
            raise ValidationError("version", "must be a positive whole number")
        _budget(self.daily_budget, "daily_budget")
        for member_id, member in self.members.items():
            if member_id != member.member_id:
                raise ValidationError("members", "member ids and entries disagree")

    def budget_of(self, member_id: str) -> int:
        """The daily budget of a rostered member at each key holder."""
        own = self.members[member_id].daily_budget
        return own if own is not None else self.daily_budget

    def to_json(self) -> dict[str, Any]:
        """The JSON object that is signed."""
        members: dict[str, Any] = {}
        for member_id in sorted(self.members):
            m = self.members[member_id]
            entry: dict[str, Any] = {"keys": sorted(m.keys)}
            if m.daily_budget is not None:
                entry["daily_budget"] = m.daily_budget
            members[member_id] = entry
        return {"version": self.version, "daily_budget": self.daily_budget, "members": members}

    def canonical_bytes(self) -> bytes:
        """The bytes every signature covers (after :data:`SIGNATURE_CONTEXT`)."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the canonical bytes: tells two rosters of one version apart."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @classmethod
    def from_json(cls, data: Any) -> Roster:
        """Parse and validate the ``roster`` object of a roster file."""
        if not isinstance(data, dict):
            raise ValidationError("roster", "must be an object")
        unknown = sorted(set(data) - {"version", "daily_budget", "members"})
        if unknown:
            raise ValidationError(f"roster.{unknown[0]}", "unknown field")
        raw_members = data.get("members", {})
        if not isinstance(raw_members, dict):
            raise ValidationError("roster.members", "must be an object of member id -> entry")
        members: dict[str, RosterMember] = {}
        for member_id, entry in raw_members.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("keys"), list) or not all(
                isinstance(k, str) for k in entry["keys"]
            ):
                raise ValidationError(f"roster.members.{member_id}", "must be an object with a list of keys")
            extra = sorted(set(entry) - {"keys", "daily_budget"})
            if extra:
                raise ValidationError(f"roster.members.{member_id}.{extra[0]}", "unknown field")
            members[member_id] = RosterMember(member_id, frozenset(entry["keys"]), entry.get("daily_budget"))
        if "version" not in data:
            raise ValidationError("roster.version", "missing")
        if "daily_budget" not in data:
            raise ValidationError("roster.daily_budget", "missing")
        return cls(data["version"], data["daily_budget"], members)


@dataclass(frozen=True)
class SignedRoster:
    """A roster with the signatures collected so far, by signer name (hex)."""

    roster: Roster
    signatures: Mapping[str, str] = field(default_factory=dict)

    def signed_by(self, signer: str, key: SigningKey) -> SignedRoster:
        """This roster with ``signer``'s signature added (or replaced)."""
        signature = key.sign(SIGNATURE_CONTEXT + self.roster.canonical_bytes()).signature
        return SignedRoster(self.roster, {**self.signatures, signer: signature.hex()})

    def valid_signers(self, signers: Mapping[str, bytes]) -> frozenset[str]:
        """Names of the pinned ``signers`` whose signature on this roster verifies."""
        message = SIGNATURE_CONTEXT + self.roster.canonical_bytes()
        valid = set()
        for name, public in signers.items():
            signature = self.signatures.get(name)
            if not isinstance(signature, str):
                continue
            try:
                VerifyKey(public).verify(message, bytes.fromhex(signature))
            except (BadSignatureError, ValueError):
                continue
            valid.add(name)
        # Two pinned names with one key would let one holder count twice.
        keys = {bytes(signers[n]) for n in valid}
        return frozenset(valid) if len(keys) == len(valid) else frozenset()

    def to_json(self) -> dict[str, Any]:
        """The roster file's JSON object."""
        return {
            "format": FORMAT,
            "roster": self.roster.to_json(),
            "signatures": dict(sorted(self.signatures.items())),
        }


def verify_roster(
    signed: SignedRoster,
    signers: Mapping[str, bytes],
    threshold: int,
    *,
    current: Roster | None = None,
) -> Roster:
    """The roster, if at least ``threshold`` pinned signers signed it and it is not older.

    ``current`` is the roster already held: a lower version is a rollback and refused; the
    same version is accepted only if it is the same roster.
    """
    valid = signed.valid_signers(signers)
    if len(valid) < threshold:
        raise RosterRefused(
            f"roster version {signed.roster.version} has {len(valid)} valid signature(s) of the "
            f"{threshold} needed from the pinned key holders"
        )
    if current is not None:
        if signed.roster.version < current.version:
            raise RosterRefused(
                f"roster version {signed.roster.version} is older than the installed version "
                f"{current.version} (rollback refused)"
            )
        if signed.roster.version == current.version and signed.roster.digest != current.digest:
            raise RosterRefused(
                f"roster version {signed.roster.version} differs from the installed roster of the "
                "same version (a new roster needs a higher version)"
            )
    return signed.roster


def read_signed_roster(path: str | os.PathLike[str]) -> SignedRoster:
    """Read a roster file (signed or not yet signed); ValidationError names the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValidationError("roster", f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError("roster", f"{path} is not a roster file ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError("format", f"{path} is not a {FORMAT} file")
    signatures = data.get("signatures", {})
    if not isinstance(signatures, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in signatures.items()
    ):
        raise ValidationError("signatures", "must be an object of signer name -> hex signature")
    return SignedRoster(Roster.from_json(data.get("roster")), dict(signatures))


def write_signed_roster(signed: SignedRoster, path: str | os.PathLike[str]) -> Path:
    """Write a roster file atomically (a reader sees the old file or the new, never half)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w") as fh:
        json.dump(signed.to_json(), fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def write_signing_key(path: str | os.PathLike[str]) -> VerifyKey:
    """Create a key holder's roster-signing key (raw seed, 0600); refuses to overwrite."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError("key", f"{path} already exists") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(bytes(key))
    return key.verify_key


def load_signing_key(path: str | os.PathLike[str]) -> SigningKey:
    """Load a roster-signing key written by :func:`write_signing_key`."""
    path = Path(path)
    try:
        seed = read_private(path, "roster.signing_key")
    except OSError:
        raise ValidationError("signing_key", f"{path} cannot be read") from None
    if len(seed) != 32:
        raise ValidationError("signing_key", f"{path} must hold a 32-byte Ed25519 seed")
    return SigningKey(seed)


def guesses_per_day(daily_budget: int, holders: int, threshold: int) -> int:
    """The most evaluations one member can obtain per day across the network.

    Each evaluation needs answers from ``threshold`` distinct key holders and each holder
    answers a member at most ``daily_budget`` elements a day, so ``holders * budget``
    answers make at most ``floor(holders * budget / threshold)`` evaluations.
    """
    if holders < 1 or not 1 <= threshold <= holders:
        raise ValidationError("threshold", "must be between 1 and the number of holders")
    return (holders * daily_budget) // threshold


def members_from_certificates(pems: Iterable[tuple[str, bytes]]) -> dict[str, RosterMember]:
    """Roster entries for ``(member id, certificate PEM)`` pairs (one key per certificate)."""
    members: dict[str, set[str]] = {}
    for member_id, pem in pems:
        members.setdefault(member_id, set()).add(spki_fingerprint(pem))
    return {m: RosterMember(m, frozenset(keys)) for m, keys in members.items()}
