"""A Bloom filter of the token keys ever stored, so intake skips lookups for fresh tokens.

Most tokens a record brings have never been seen (a new phone, a new plate): looking each
one up in the token index cost the match engine about as much as inserting it. The
filter answers "certainly never stored" for those with no database access; "maybe"
(every stored key, plus about 1% false positives) goes to the index as before, so
matching results are unchanged.

Token keys are prefixes of OPRF outputs, uniformly random 64-bit integers, so bit
positions come straight from the key (double hashing), without a hash function.

Only valid while its engine is the only writer of the token table (the coordinator
process): keys written by another process would be missed. Withdrawn keys stay set,
which only costs a lookup. Each layer holds ~0.7% false positives when full; layers
double in size, so the combined rate stays within a few percent.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["SeenKeys"]

_HASHES = 7  # with 10 bits per key: ~0.8% false positives
_BITS_PER_KEY = 10


class _Layer:
    """One fixed-size Bloom filter."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        n_bits = 1 << max(16, (capacity * _BITS_PER_KEY - 1).bit_length())
        self.mask = np.uint64(n_bits - 1)
        self.bits = np.zeros(n_bits // 8, dtype=np.uint8)
        self.count = 0

    def positions(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        u = keys.view(np.uint64)
        h2 = (u >> np.uint64(29)) | np.uint64(1)
        steps = np.arange(_HASHES, dtype=np.uint64)[:, None]
        with np.errstate(over="ignore"):  # wrap-around is the intent
            return (u[None, :] + steps * h2[None, :]) & self.mask

    def add(self, keys: npt.NDArray[np.int64]) -> None:
        pos = self.positions(keys).ravel()
        np.bitwise_or.at(self.bits, pos >> np.uint64(3), np.left_shift(1, pos & np.uint64(7)).astype(np.uint8))
        self.count += len(keys)

    def may_contain(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        pos = self.positions(keys)
        hit = (self.bits[pos >> np.uint64(3)] >> (pos & np.uint64(7)).astype(np.uint8)) & 1
        return np.asarray(hit.all(axis=0), dtype=bool)


class SeenKeys:
    """Keys added so far. When a layer fills up a new one, twice as big, takes the next
    keys (a "scalable" Bloom filter): growing never needs the stored keys again."""

    def __init__(self, keys: npt.NDArray[np.int64] | Iterable[int] = (), capacity: int = 1 << 20) -> None:
        existing = keys if isinstance(keys, np.ndarray) else np.fromiter(keys, dtype=np.int64)
        self._layers = [_Layer(max(capacity, 2 * len(existing)))]
        self.add(existing)

    @property
    def count(self) -> int:
        """Keys added (with repeats)."""
        return sum(layer.count for layer in self._layers)

    @property
    def size_bytes(self) -> int:
        """Memory held by the bit arrays."""
        return sum(layer.bits.nbytes for layer in self._layers)

    def add(self, keys: npt.NDArray[np.int64]) -> None:
        """Record ``keys`` as stored."""
        if not len(keys):
            return
        last = self._layers[-1]
        if last.count + len(keys) > last.capacity:
            last = _Layer(2 * last.capacity)
            self._layers.append(last)
        last.add(keys)

    def may_contain(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Per key: False when it was certainly never added, True when it may have been."""
        out = np.zeros(len(keys), dtype=bool)
        if len(keys):
            for layer in self._layers:
                out |= layer.may_contain(keys)
        return out
