"""Sealing on cases: messages between two parties, and brokered reveals of identity.

Recipes over PyNaCl public-key boxes (X25519 + XSalsa20-Poly1305). Each party's X25519
key is carried in its certificate (:data:`msin_fed.pki.SEALING_KEY_OID`), so the
coordinator relays and stores ciphertext it cannot open:

- :func:`seal_message` / :func:`open_message`: a ``Box`` from the sender's private key
  to the recipient's public key. Either party opens it (the box key is shared), nobody
  else does; the Poly1305 tag authenticates the sender's key.
- :func:`seal_to_self` / :func:`open_from_self`: a ``SealedBox`` to one's own key, for
  what the coordinator keeps on a party's behalf until it may be passed on (a consent's
  reveal, until the other member consents too).
- :class:`Reveal`: what a member hands the other member of an agreed proposal: its
  member id, a contact point and its certificate; :meth:`Reveal.verify` checks the
  certificate is the network CA's, names that member and carries the key that sealed it.

Every failure to open raises one opaque :class:`SealError`, whatever failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey, SealedBox

from msin_fed import pki
from msin_fed.errors import MsinError, ValidationError

__all__ = [
    "KEY_SIZE",
    "MAX_SEALED",
    "Reveal",
    "SealError",
    "open_from_self",
    "open_message",
    "seal_message",
    "seal_to_self",
]

#: Size of an X25519 public key.
KEY_SIZE = 32
#: Largest ciphertext the coordinator accepts (a message of a few pages of text).
MAX_SEALED = 64 * 1024
#: Longest message text.
MAX_TEXT = 16 * 1024


class SealError(MsinError):
    """A ciphertext could not be opened with this key (not for us, altered, or garbage)."""

    def __init__(self) -> None:
        super().__init__("cannot open: not sealed to this key, or altered")


def _public(key: bytes, field: str = "key") -> PublicKey:
    if len(key) != KEY_SIZE:
        raise ValidationError(field, f"must be a {KEY_SIZE}-byte X25519 public key")
    return PublicKey(key)


def seal_message(text: str, sender: PrivateKey, recipient_key: bytes) -> bytes:
    """``text`` sealed from ``sender`` to the holder of ``recipient_key`` (nonce || box)."""
    if not text.strip():
        raise ValidationError("text", "is empty")
    if len(text) > MAX_TEXT:
        raise ValidationError("text", f"is too long (at most {MAX_TEXT} characters)")
    return bytes(Box(sender, _public(recipient_key, "recipient_key")).encrypt(text.encode("utf-8")))


def open_message(sealed: bytes, own: PrivateKey, other_key: bytes) -> str:
    """The text of a message between ``own`` and the holder of ``other_key`` (either direction)."""
    try:
        return Box(own, _public(other_key, "other_key")).decrypt(sealed).decode("utf-8")
    except (CryptoError, ValueError, UnicodeDecodeError):
        raise SealError() from None


def seal_to_self(data: bytes, own_key: bytes) -> bytes:
    """``data`` sealed (anonymously) to one's own public key."""
    return bytes(SealedBox(_public(own_key)).encrypt(data))


def open_from_self(sealed: bytes, own: PrivateKey) -> bytes:
    """What :func:`seal_to_self` sealed to ``own``."""
    try:
        return bytes(SealedBox(own).decrypt(sealed))
    except (CryptoError, ValueError):
        raise SealError() from None


@dataclass(frozen=True)
class Reveal:
    """A member's identity and contact point, for the other member of an agreed proposal."""

    proposal_id: str
    member_id: str
    contact: str
    certificate_pem: bytes

    def to_bytes(self) -> bytes:
        """The plaintext that is sealed."""
        return json.dumps(
            {
                "proposal_id": self.proposal_id,
                "member_id": self.member_id,
                "contact": self.contact,
                "certificate": self.certificate_pem.decode("ascii"),
            },
            sort_keys=True,
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Reveal:
        """Parse a reveal's plaintext; ValidationError naming what is wrong."""
        try:
            item = json.loads(data)
            return cls(
                str(item["proposal_id"]),
                str(item["member_id"]),
                str(item["contact"]),
                str(item["certificate"]).encode("ascii"),
            )
        except (ValueError, KeyError, TypeError, UnicodeError):
            raise ValidationError("reveal", "is not a reveal") from None

    def verify(self, proposal_id: str, sender_key: bytes, ca_pem: bytes) -> None:
        """Raise ValidationError unless this reveal is for ``proposal_id`` and its
        certificate is the CA's, names a member with this id and carries ``sender_key``."""
        if self.proposal_id != proposal_id:
            raise ValidationError("reveal.proposal_id", "is for another proposal")
        party = pki.certified_party(self.certificate_pem, ca_pem)
        if party.role != "member" or party.name != self.member_id:
            raise ValidationError("reveal.member_id", "is not the member the certificate names")
        if party.sealing_public_key != sender_key:
            raise ValidationError("reveal.certificate", "does not carry the key that sealed the reveal")

    def __repr__(self) -> str:
        return f"Reveal(proposal_id={self.proposal_id!r})"
