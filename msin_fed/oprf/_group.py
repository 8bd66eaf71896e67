"""ristretto255 with SHA-512: the prime-order group of RFC 9497 section 4.1.

Thin, validated wrappers over libsodium's ristretto255 functions (through ``rbcl``).
Elements and scalars stay in their 32-byte canonical encodings throughout, because
that is what libsodium takes and returns; validation happens once, on the way in.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import rbcl

from msin_fed.errors import ValidationError

#: Order of the ristretto255 group (RFC 9496).
ORDER = 2**252 + 27742317777372353535851937790883648493
ELEMENT_SIZE = 32
SCALAR_SIZE = 32
HASH_SIZE = 64  # SHA-512, also the Finalize output size (Nh)
IDENTITY = bytes(ELEMENT_SIZE)
GENERATOR = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")

# expand_message_xmd(SHA-512) absorbs a 128-byte block of zeros first (RFC 9380 5.3.1);
# hashing it once and copying the state saves a compression per call.
_ZPAD_STATE = hashlib.sha512(bytes(128))


def i2osp(value: int, length: int) -> bytes:
    """Big-endian encoding of ``value`` in ``length`` bytes (RFC 8017 I2OSP)."""
    return value.to_bytes(length, "big")


def expand_message_xmd(msg: bytes, dst: bytes, length: int = HASH_SIZE) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512; only the 64-byte output this suite needs."""
    if length != HASH_SIZE:
        raise ValueError("this suite only expands to 64 bytes")
    if len(dst) > 255:
        raise ValueError("DST longer than 255 bytes")
    dst_prime = dst + i2osp(len(dst), 1)
    h = _ZPAD_STATE.copy()
    h.update(msg)
    h.update(b"\x00\x40\x00")  # I2OSP(64, 2) || I2OSP(0, 1)
    h.update(dst_prime)
    b0 = h.digest()
    return hashlib.sha512(b0 + b"\x01" + dst_prime).digest()


def hash_to_group(msg: bytes, dst: bytes) -> bytes:
    """HashToGroup: hash_to_ristretto255 with expand_message_xmd(SHA-512)."""
    element: bytes = rbcl.crypto_core_ristretto255_from_hash(expand_message_xmd(msg, dst))
    return element


def hash_to_scalar(msg: bytes, dst: bytes) -> bytes:
    """HashToScalar: 64 uniform bytes reduced modulo the group order (little-endian)."""
    scalar: bytes = rbcl.crypto_core_ristretto255_scalar_reduce(expand_message_xmd(msg, dst))
    return scalar


def random_scalar() -> bytes:
    """A uniformly random non-zero scalar."""
    while True:
        s: bytes = rbcl.crypto_core_ristretto255_scalar_reduce(os.urandom(64))
        if s != bytes(SCALAR_SIZE):
            return s


def scalar_to_int(s: bytes) -> int:
    return int.from_bytes(s, "little")


def int_to_scalar(n: int) -> bytes:
    return (n % ORDER).to_bytes(SCALAR_SIZE, "little")


def deserialize_scalar(data: bytes, field: str = "scalar", *, allow_zero: bool = False) -> bytes:
    """DeserializeScalar: 32 bytes, canonical (below the group order), non-zero by default."""
    if not isinstance(data, bytes):
        raise ValidationError(field, "must be bytes")
    if len(data) != SCALAR_SIZE:
        raise ValidationError(field, f"must be {SCALAR_SIZE} bytes, got {len(data)}")
    if scalar_to_int(data) >= ORDER:
        raise ValidationError(field, "is not a canonical scalar (not below the group order)")
    if not allow_zero and data == bytes(SCALAR_SIZE):
        raise ValidationError(field, "must not be zero")
    return data


def deserialize_element(data: bytes, field: str = "element") -> bytes:
    """DeserializeElement: 32 bytes, a canonical ristretto255 encoding, not the identity."""
    if not isinstance(data, bytes):
        raise ValidationError(field, "must be bytes")
    if len(data) != ELEMENT_SIZE:
        raise ValidationError(field, f"must be {ELEMENT_SIZE} bytes, got {len(data)}")
    if hmac.compare_digest(data, IDENTITY):
        raise ValidationError(field, "is the identity element")
    if not rbcl.crypto_core_ristretto255_is_valid_point(data):
        raise ValidationError(field, "is not a valid ristretto255 element")
    return data


def scalar_mult(s: bytes, p: bytes) -> bytes:
    """s * p. Zero scalars and identity results give the identity encoding."""
    out: bytes = rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero(s, p)
    return out


def scalar_mult_gen(s: bytes) -> bytes:
    """s * generator."""
    out: bytes = rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero(s)
    return out


def add(p: bytes, q: bytes) -> bytes:
    out: bytes = rbcl.crypto_core_ristretto255_add(p, q)
    return out


def scalar_mul(a: bytes, b: bytes) -> bytes:
    out: bytes = rbcl.crypto_core_ristretto255_scalar_mul(a, b)
    return out


def scalar_sub(a: bytes, b: bytes) -> bytes:
    out: bytes = rbcl.crypto_core_ristretto255_scalar_sub(a, b)
    return out


def scalar_invert(a: bytes) -> bytes:
    out: bytes = rbcl.crypto_core_ristretto255_scalar_invert(a)
    return out


def batch_invert(scalars: list[bytes]) -> list[bytes]:
    """Inverses of non-zero scalars with one inversion (Montgomery's trick), constant time."""
    if not scalars:
        return []
    prefix = [scalars[0]]
    for s in scalars[1:]:
        prefix.append(scalar_mul(prefix[-1], s))
    inv = scalar_invert(prefix[-1])
    out = [b""] * len(scalars)
    for i in range(len(scalars) - 1, 0, -1):
        out[i] = scalar_mul(inv, prefix[i - 1])
        inv = scalar_mul(inv, scalars[i])
    out[0] = inv
    return out
