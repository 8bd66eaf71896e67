"""Sealing on cases: boxes between two keys, self-sealed consent blobs, verified reveals,
and the X25519 key the CA binds into member, analyst and advisory certificates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from msin_fed import pki
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.sealing import Reveal, SealError, open_from_self, open_message, seal_message, seal_to_self

MakeId = Callable[[str, str], pki.Identity]


def _pub(key: PrivateKey) -> bytes:
    return bytes(key.public_key)


def test_a_message_opens_for_its_two_parties_only() -> None:
    a, b, c = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    sealed = seal_message("Meet the auditor on Monday.", a, _pub(b))
    assert b"auditor" not in sealed
    assert open_message(sealed, b, _pub(a)) == "Meet the auditor on Monday."
    assert open_message(sealed, a, _pub(b)) == "Meet the auditor on Monday."  # the sender reads its own
    for own, other in ((c, _pub(a)), (c, _pub(b)), (b, _pub(c))):
        with pytest.raises(SealError):
            open_message(sealed, own, other)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealError):
        open_message(tampered, b, _pub(a))
    with pytest.raises(ValidationError, match="text"):
        seal_message("  ", a, _pub(b))
    with pytest.raises(ValidationError, match="recipient_key"):
        seal_message("hi", a, b"short")


def test_a_self_sealed_blob_opens_for_its_owner_only() -> None:
    a, b = PrivateKey.generate(), PrivateKey.generate()
    blob = seal_to_self(b"contact", _pub(a))
    assert open_from_self(blob, a) == b"contact"
    with pytest.raises(SealError):
        open_from_self(blob, b)


def test_certificates_carry_the_sealing_key_and_reveals_are_checked(make_identity: MakeId, tmp_path: Path) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    analyst, adviser = make_identity("analyst", "sttg-a"), make_identity("advisory", "adv-x")
    for ident in (alpha, analyst, adviser):
        peer = pki.certified_party(ident.cert_pem, ident.ca_pem)
        assert peer.sealing_public_key == _pub(ident.sealing_key)
    keyholder = make_identity("keyholder", "kh-x")
    with pytest.raises(ValidationError, match="no sealing key"):
        _ = keyholder.sealing_key

    reveal = Reveal("p-1", "alpha", "Desk 4", alpha.cert_pem)
    assert Reveal.from_bytes(reveal.to_bytes()) == reveal
    reveal.verify("p-1", _pub(alpha.sealing_key), alpha.ca_pem)
    with pytest.raises(ValidationError, match="proposal"):
        reveal.verify("p-2", _pub(alpha.sealing_key), alpha.ca_pem)
    with pytest.raises(ValidationError, match="key that sealed"):
        reveal.verify("p-1", _pub(beta.sealing_key), alpha.ca_pem)  # someone else's key sealed it
    with pytest.raises(ValidationError, match="member_id"):
        Reveal("p-1", "beta", "Desk 4", alpha.cert_pem).verify("p-1", _pub(alpha.sealing_key), alpha.ca_pem)
    other_ca = pki.init_ca(tmp_path / "other-ca")
    forged = pki.load_identity(pki.issue(other_ca, "member", "alpha", tmp_path / "forged"))
    with pytest.raises(ValidationError, match="network CA"):
        Reveal("p-1", "alpha", "x", forged.cert_pem).verify("p-1", _pub(forged.sealing_key), alpha.ca_pem)
    with pytest.raises(ValidationError, match="not a reveal"):
        Reveal.from_bytes(b"{}")


def test_a_sealing_key_file_that_does_not_match_the_certificate_is_refused(tmp_path: Path) -> None:
    ca = pki.init_ca(tmp_path / "ca")
    out = pki.issue(ca, "member", "alpha", tmp_path / "alpha")
    assert (out / "sealing.key").stat().st_mode & 0o077 == 0
    (out / "sealing.key").write_bytes(bytes(PrivateKey.generate()))
    with pytest.raises(ConfigError, match=r"sealing\.key"):
        pki.load_identity(out)
