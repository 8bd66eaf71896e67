"""RFC 9497 OPRF (mode 0x00) and VOPRF (mode 0x01), ciphersuite ristretto255-SHA512.

Function names follow the RFC. Section numbers refer to RFC 9497.
Randomness (blinds, proof nonces) is drawn here; deterministic variants, needed only to
check the Appendix A vectors, are the underscore-prefixed ``_..._with`` functions.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Sequence

from msin_fed.errors import TokenError, ValidationError
from msin_fed.oprf import _group as G

#: RFC 9497 section 4.1 identifier of the ciphersuite.
SUITE_ID = b"ristretto255-SHA512"
#: Largest batch a proof can cover: the composite index is a 2-byte I2OSP (section 2.2.1).
MAX_BATCH = 0xFFFF
PROOF_SIZE = 2 * G.SCALAR_SIZE
OUTPUT_SIZE = G.HASH_SIZE


class Mode(enum.IntEnum):
    """Protocol modes of section 3.1 (POPRF is not implemented)."""

    OPRF = 0x00
    VOPRF = 0x01


class _Suite:
    """Domain-separation labels of one mode (section 3.1 and 4.1), computed once."""

    __slots__ = ("context", "dst_challenge", "dst_derive", "dst_group", "dst_scalar", "seed_dst")

    def __init__(self, mode: Mode) -> None:
        self.context = b"OPRFV1-" + G.i2osp(int(mode), 1) + b"-" + SUITE_ID
        self.dst_group = b"HashToGroup-" + self.context
        self.dst_scalar = b"HashToScalar-" + self.context
        self.dst_derive = b"DeriveKeyPair" + self.context
        self.seed_dst = b"Seed-" + self.context
        self.dst_challenge = self.dst_scalar


_SUITES = {m: _Suite(m) for m in Mode}


def _suite(mode: Mode) -> _Suite:
    try:
        return _SUITES[Mode(mode)]
    except ValueError:
        raise ValidationError("mode", "must be OPRF (0) or VOPRF (1)") from None


def _lp(data: bytes) -> bytes:
    """Length-prefixed: I2OSP(len(data), 2) || data."""
    return len(data).to_bytes(2, "big") + data


# --- 3.2 Offline key generation ---------------------------------------------------------


def derive_key_pair(seed: bytes, info: bytes, mode: Mode = Mode.VOPRF) -> tuple[bytes, bytes]:
    """DeriveKeyPair (section 3.2.1): (skS, pkS) from a 32-byte seed and an info string.

    The mode takes part in the derivation; tokens use VOPRF mode, the default.
    """
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise ValidationError("seed", "must be 32 bytes")
    if not isinstance(info, bytes) or len(info) > 0xFFFF:
        raise ValidationError("info", "must be bytes, at most 65535 long")
    suite = _suite(mode)
    derive_input = seed + _lp(info)
    for counter in range(256):
        sk = G.hash_to_scalar(derive_input + G.i2osp(counter, 1), suite.dst_derive)
        if sk != bytes(G.SCALAR_SIZE):
            return sk, G.scalar_mult_gen(sk)
    raise TokenError("DeriveKeyPairError")  # pragma: no cover - probability 2^-256


def public_key(sk: bytes) -> bytes:
    """pkS = skS * G for a secret key."""
    return G.scalar_mult_gen(G.deserialize_scalar(sk, "secret key"))


# --- 3.3.1 OPRF protocol ----------------------------------------------------------------


def _input_element(input: bytes, suite: _Suite) -> bytes:
    if not isinstance(input, bytes):
        raise ValidationError("input", "must be bytes")
    if len(input) > 0xFFFF:
        raise ValidationError("input", "must be at most 65535 bytes")
    element = G.hash_to_group(input, suite.dst_group)
    if element == G.IDENTITY:  # pragma: no cover - needs a hash preimage
        raise ValidationError("input", "maps to the identity element")
    return element


def blind(input: bytes, mode: Mode = Mode.VOPRF) -> tuple[bytes, bytes]:
    """Blind (section 3.3.1): a fresh random blind and the blinded element of ``input``."""
    return _blind_with(input, G.random_scalar(), mode)


def _blind_with(input: bytes, blind_scalar: bytes, mode: Mode = Mode.VOPRF) -> tuple[bytes, bytes]:
    """Blind with a given scalar. For test vectors only: a reused blind links inputs."""
    r = G.deserialize_scalar(blind_scalar, "blind")
    return r, G.scalar_mult(r, _input_element(input, _suite(mode)))


def blind_evaluate(sk: bytes, blinded_element: bytes) -> bytes:
    """BlindEvaluate (section 3.3.1, OPRF mode): skS * blindedElement."""
    k = G.deserialize_scalar(sk, "secret key")
    return G.scalar_mult(k, G.deserialize_element(blinded_element, "blinded element"))


def _finalize_hash(input: bytes, unblinded: bytes) -> bytes:
    return hashlib.sha512(_lp(input) + _lp(unblinded) + b"Finalize").digest()


def finalize(input: bytes, blind: bytes, evaluated_element: bytes) -> bytes:
    """Finalize (section 3.3.1): unblind and hash. Checks no proof: see ``finalize_batch``."""
    r = G.deserialize_scalar(blind, "blind")
    z = G.deserialize_element(evaluated_element, "evaluated element")
    return _finalize_hash(input, G.scalar_mult(G.scalar_invert(r), z))


def finalize_unblinded(input: bytes, unblinded_element: bytes) -> bytes:
    """The Finalize hash of an already unblinded element (used after threshold combination)."""
    return _finalize_hash(input, unblinded_element)


def evaluate(sk: bytes, input: bytes, mode: Mode = Mode.VOPRF) -> bytes:
    """Evaluate (section 3.3.1/3.3.2): the 64-byte PRF output of ``input`` under ``sk``.

    What a client obtains through blind, evaluation and finalize, computed by a key
    holder of the whole key. Tokens are VOPRF-mode outputs, the default.
    """
    k = G.deserialize_scalar(sk, "secret key")
    return _finalize_hash(input, G.scalar_mult(k, _input_element(input, _suite(mode))))


# --- 2.2 Discrete-log equivalence proofs --------------------------------------------------


def _composite_scalars(suite: _Suite, b: bytes, c: Sequence[bytes], d: Sequence[bytes]) -> list[bytes]:
    """The d_i of ComputeComposites (section 2.2.1), shared by both variants."""
    seed = hashlib.sha512(_lp(b) + _lp(suite.seed_dst)).digest()
    prefix = _lp(seed)
    out = []
    for i, (ci, di) in enumerate(zip(c, d, strict=True)):
        transcript = prefix + i.to_bytes(2, "big") + _lp(ci) + _lp(di) + b"Composite"
        out.append(G.hash_to_scalar(transcript, suite.dst_scalar))
    return out


def _sum_of_products(scalars: Sequence[bytes], elements: Sequence[bytes]) -> bytes:
    """sum_i scalars[i] * elements[i] (one scalar multiplication per term)."""
    acc = G.scalar_mult(scalars[0], elements[0])
    for s, e in zip(scalars[1:], elements[1:], strict=True):
        acc = G.add(acc, G.scalar_mult(s, e))
    return acc


def compute_composites(
    b: bytes, c: Sequence[bytes], d: Sequence[bytes], mode: Mode = Mode.VOPRF
) -> tuple[bytes, bytes]:
    """ComputeComposites (section 2.2.1, verifier side): (M, Z), 2 scalar mults per element."""
    ds = _composite_scalars(_suite(mode), b, c, d)
    return _sum_of_products(ds, c), _sum_of_products(ds, d)


def compute_composites_fast(
    k: bytes, b: bytes, c: Sequence[bytes], d: Sequence[bytes], mode: Mode = Mode.VOPRF
) -> tuple[bytes, bytes]:
    """ComputeCompositesFast (section 2.2.1, prover side): Z = k * M, saving n mults."""
    m = _sum_of_products(_composite_scalars(_suite(mode), b, c, d), c)
    return m, G.scalar_mult(k, m)


def _challenge(suite: _Suite, b: bytes, m: bytes, z: bytes, t2: bytes, t3: bytes) -> bytes:
    transcript = _lp(b) + _lp(m) + _lp(z) + _lp(t2) + _lp(t3) + b"Challenge"
    return G.hash_to_scalar(transcript, suite.dst_challenge)


def _check_batch(c: Sequence[bytes], d: Sequence[bytes]) -> None:
    if len(c) == 0:
        raise ValidationError("batch", "is empty")
    if len(c) != len(d):
        raise ValidationError("batch", "blinded and evaluated elements differ in number")
    if len(c) > MAX_BATCH:
        raise ValidationError("batch", f"has more than {MAX_BATCH} elements")


def generate_proof(
    k: bytes,
    a: bytes,
    b: bytes,
    c: Sequence[bytes],
    d: Sequence[bytes],
    mode: Mode = Mode.VOPRF,
) -> bytes:
    """GenerateProof (section 2.2.1): proof that d[i] = k * c[i] for all i and b = k * a.

    Returns the 64-byte serialized proof c || s.
    """
    return _generate_proof_with(k, a, b, c, d, G.random_scalar(), mode)


def _generate_proof_with(
    k: bytes,
    a: bytes,
    b: bytes,
    c: Sequence[bytes],
    d: Sequence[bytes],
    r: bytes,
    mode: Mode = Mode.VOPRF,
) -> bytes:
    """GenerateProof with a given nonce. For test vectors only: a reused nonce leaks k."""
    _check_batch(c, d)
    suite = _suite(mode)
    m, z = compute_composites_fast(k, b, c, d, mode)
    t2 = G.scalar_mult_gen(r) if a == G.GENERATOR else G.scalar_mult(r, a)
    t3 = G.scalar_mult(r, m)
    ch = _challenge(suite, b, m, z, t2, t3)
    s = G.scalar_sub(r, G.scalar_mul(ch, k))
    return ch + s


def verify_proof(
    a: bytes,
    b: bytes,
    c: Sequence[bytes],
    d: Sequence[bytes],
    proof: bytes,
    mode: Mode = Mode.VOPRF,
) -> bool:
    """VerifyProof (section 2.2.2): True if ``proof`` shows d[i] = k * c[i] with b = k * a.

    Elements must already be validated (``deserialize_element``); a malformed proof is
    simply False.
    """
    _check_batch(c, d)
    if not isinstance(proof, bytes) or len(proof) != PROOF_SIZE:
        return False
    ch, s = proof[: G.SCALAR_SIZE], proof[G.SCALAR_SIZE :]
    if G.scalar_to_int(ch) >= G.ORDER or G.scalar_to_int(s) >= G.ORDER:
        return False
    suite = _suite(mode)
    m, z = compute_composites(b, c, d, mode)
    sa = G.scalar_mult_gen(s) if a == G.GENERATOR else G.scalar_mult(s, a)
    t2 = G.add(sa, G.scalar_mult(ch, b))
    t3 = G.add(G.scalar_mult(s, m), G.scalar_mult(ch, z))
    return hmac.compare_digest(_challenge(suite, b, m, z, t2, t3), ch)


# --- 3.3.2 VOPRF protocol ---------------------------------------------------------------


def blind_evaluate_batch(
    sk: bytes, pk: bytes, blinded_elements: Sequence[bytes], mode: Mode = Mode.VOPRF
) -> tuple[list[bytes], bytes]:
    """BlindEvaluate (section 3.3.2) over a batch: evaluated elements and one proof."""
    return _blind_evaluate_batch_with(sk, pk, blinded_elements, G.random_scalar(), mode)


def _blind_evaluate_batch_with(
    sk: bytes, pk: bytes, blinded_elements: Sequence[bytes], r: bytes, mode: Mode = Mode.VOPRF
) -> tuple[list[bytes], bytes]:
    k = G.deserialize_scalar(sk, "secret key")
    if len(blinded_elements) == 0:
        raise ValidationError("blinded elements", "batch is empty")
    c = [G.deserialize_element(e, "blinded element") for e in blinded_elements]
    d = [G.scalar_mult(k, ci) for ci in c]
    return d, _generate_proof_with(k, G.GENERATOR, pk, c, d, r, mode)


def finalize_batch(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    evaluated_elements: Sequence[bytes],
    blinded_elements: Sequence[bytes],
    pk: bytes,
    proof: bytes,
    mode: Mode = Mode.VOPRF,
) -> list[bytes]:
    """Finalize (section 3.3.2): verify the batch proof against ``pk``, then unblind.

    Raises :class:`TokenError` if the proof does not verify.
    """
    if not (len(inputs) == len(blinds) == len(evaluated_elements) == len(blinded_elements)):
        raise ValidationError("batch", "inputs, blinds and elements differ in number")
    d = [G.deserialize_element(e, "evaluated element") for e in evaluated_elements]
    c = [G.deserialize_element(e, "blinded element") for e in blinded_elements]
    if not verify_proof(G.GENERATOR, G.deserialize_element(pk, "public key"), c, d, proof, mode):
        raise TokenError("evaluation proof failed to verify")
    inverses = G.batch_invert([G.deserialize_scalar(r, "blind") for r in blinds])
    return [
        _finalize_hash(x, G.scalar_mult(inv, di))
        for x, inv, di in zip(inputs, inverses, d, strict=True)
    ]
