"""The OPRF layer's guarantees beyond the vectors: validation, proofs that catch lies."""

from __future__ import annotations

import os

import pytest

from msin_fed import oprf
from msin_fed.errors import TokenError, ValidationError
from msin_fed.oprf import _group as G

SK, PK = oprf.derive_key_pair(b"\x01" * 32, b"test")


def test_round_trip_with_random_blinds_equals_evaluate() -> None:
    inputs = [b"phone:+447700900123", b"email:someone@example.org", b""]
    blinds, blinded = zip(*(oprf.blind(x) for x in inputs))
    evaluated, proof = oprf.blind_evaluate_batch(SK, PK, list(blinded))
    tokens = oprf.finalize_batch(inputs, list(blinds), evaluated, list(blinded), PK, proof)
    assert tokens == [oprf.evaluate(SK, x) for x in inputs]
    assert all(len(t) == oprf.OUTPUT_SIZE for t in tokens)


def test_blinds_are_fresh() -> None:
    assert oprf.blind(b"x")[1] != oprf.blind(b"x")[1]


def test_modes_give_different_outputs() -> None:
    assert oprf.evaluate(SK, b"x", oprf.Mode.OPRF) != oprf.evaluate(SK, b"x", oprf.Mode.VOPRF)


def test_wrong_evaluation_fails_its_proof() -> None:
    _, c = oprf.blind(b"a")
    _, c2 = oprf.blind(b"b")
    d, proof = oprf.blind_evaluate_batch(SK, PK, [c, c2])
    other_sk, _ = oprf.derive_key_pair(b"\x02" * 32, b"test")
    wrong = [d[0], oprf.blind_evaluate(other_sk, c2)]
    assert oprf.verify_proof(oprf.GENERATOR, PK, [c, c2], d, proof)
    assert not oprf.verify_proof(oprf.GENERATOR, PK, [c, c2], wrong, proof)
    # Flip a bit that always changes the proof (its last byte, the top of a scalar below
    # 2**253, is 0 about one time in 16, so zeroing it was sometimes no change at all).
    assert not oprf.verify_proof(oprf.GENERATOR, PK, [c, c2], d, bytes([proof[0] ^ 1]) + proof[1:])
    assert not oprf.verify_proof(oprf.GENERATOR, PK, [c, c2], d, proof[:-1] + bytes([proof[-1] ^ 1]))
    assert not oprf.verify_proof(oprf.GENERATOR, PK, [c, c2], d, b"\xff" * 64)
    assert not oprf.verify_proof(oprf.GENERATOR, PK, [c, c2], d, b"short")
    with pytest.raises(TokenError):
        oprf.finalize_batch([b"a", b"b"], [os.urandom(32)[:31] + b"\x00"] * 2, wrong, [c, c2], PK, proof)


@pytest.mark.parametrize(
    ("element", "problem"),
    [
        (bytes(32), "identity"),
        (b"\x01" * 31, "32 bytes"),
        (b"\x01" * 33, "32 bytes"),
        (b"\xff" * 32, "not a valid"),
        (b"\x01" + bytes(31), "not a valid"),  # non-canonical / not on the group
    ],
)
def test_malformed_elements_are_refused(element: bytes, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        oprf.blind_evaluate(SK, element)
    with pytest.raises(ValidationError, match=problem):
        oprf.blind_evaluate_batch(SK, PK, [element])


def test_empty_batch_is_refused() -> None:
    with pytest.raises(ValidationError, match="empty"):
        oprf.blind_evaluate_batch(SK, PK, [])
    with pytest.raises(ValidationError, match="empty"):
        oprf.verify_proof(oprf.GENERATOR, PK, [], [], bytes(64))


@pytest.mark.parametrize(
    "key", [bytes(32), b"\x01" * 31, G.ORDER.to_bytes(32, "little")], ids=["zero", "short", "order"]
)
def test_bad_secret_keys_are_refused(key: bytes) -> None:
    with pytest.raises(ValidationError):
        oprf.evaluate(key, b"x")


def test_derive_key_pair_checks_its_seed() -> None:
    with pytest.raises(ValidationError, match="seed"):
        oprf.derive_key_pair(b"short", b"")


def test_batch_invert() -> None:
    xs = [G.random_scalar() for _ in range(5)]
    for x, inv in zip(xs, G.batch_invert(xs)):
        assert G.scalar_mul(x, inv) == G.int_to_scalar(1)


def test_public_surface() -> None:
    assert set(oprf.__all__) <= set(dir(oprf))
    for name in ("derive_key_pair", "evaluate", "blind", "blind_evaluate", "finalize",
                 "generate_proof", "verify_proof"):
        assert name in oprf.__all__
