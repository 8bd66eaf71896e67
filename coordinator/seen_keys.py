"""A Bloom filter of the token keys ever stored, so intake skips lookups for fresh tokens.

Most tokens a record brings have never been seen (a new phone, a new plate): looking each
one up in the token index cost the match engine about as much as inserting it. The
filter answers "certainly never stored" for those with no database access; "maybe"
(every stored key, plus about 1% false positives) goes to the index as before, so
matching results are unchanged.

Token keys are prefixes of OPRF outputs, uniformly random 64-bit integers, so bit
positions come straight from the key (double hashing), without a hash function. The
filter is blocked: each key's bits lie in one cache line.

:class:`StoredKeys` keeps a filter true to the store. On SQLite its engine is the only
writer of the token table (the coordinator process holds the store's lock), so the
filter is built once and grows with what the engine stores. On PostgreSQL other
processes store tokens too: each ``record_tokens`` row carries the id of the transaction
that stored it (``xact``, the column's default ``pg_current_xact_id()``), and before
looking anything up the engine adds the keys of the transactions that committed since it
last read, as one statement's snapshot tells them apart from those still in progress
(:func:`.store.postings.keys_committed_since`). Whatever another process committed before
this transaction's catching up is then in the filter, without numbering anything under
the write lock. Withdrawn keys stay set, which only costs a lookup. Each layer holds ~1%
false positives when full; layers double in size, so the combined rate stays within a
few percent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from sqlalchemy.engine import Connection

from .store import postings as P

__all__ = ["SeenKeys", "StoredKeys"]

_HASHES = 7  # with 10 bits per key, in 512-bit blocks: ~1% false positives
_BITS_PER_KEY = 10
_BLOCK_BITS = 512  # a 64-byte cache line
_STEPS = np.arange(_HASHES, dtype=np.uint16)[None, :]


class _Layer:
    """One fixed-size Bloom filter, blocked: a key's bits all fall in one 64-byte block (one
    cache line), so a lookup costs one cache miss instead of one per hash."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        n_bits = 1 << max(16, (capacity * _BITS_PER_KEY - 1).bit_length())
        self.block_mask = np.uint64(n_bits // _BLOCK_BITS - 1)
        self.bits = np.zeros(n_bits // 8, dtype=np.uint8)
        self.count = 0

    def positions(self, keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
        """Each key's bits as (byte index, bit mask), one row per key: the block from the
        key's low bits, offsets in the block by double hashing on its high bits (which
        are independent of the low ones)."""
        u = keys.view(np.uint64)
        block_byte = (u & self.block_mask) * np.uint64(_BLOCK_BITS // 8)
        first = (u >> np.uint64(37)).astype(np.uint16)
        step = ((u >> np.uint64(46)) | np.uint64(1)).astype(np.uint16)
        with np.errstate(over="ignore"):  # wrap-around is the intent
            offset = (first[:, None] + _STEPS * step[:, None]) & np.uint16(_BLOCK_BITS - 1)
        where = block_byte[:, None] + (offset >> np.uint16(3)).astype(np.uint64)
        return where, np.left_shift(np.uint8(1), (offset & np.uint16(7)).astype(np.uint8))

    def add(self, keys: npt.NDArray[np.int64]) -> None:
        where, bit = (a.ravel() for a in self.positions(keys))
        # A fancy-indexed |= keeps only one update per repeated byte; the few lost bits are
        # found and set again with the exact (but many times slower) ufunc.at.
        self.bits[where] |= bit
        lost = (self.bits[where] & bit) != bit
        if lost.any():
            np.bitwise_or.at(self.bits, where[lost], bit[lost])
        self.count += len(keys)

    def may_contain(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        where, bit = self.positions(keys)
        return np.asarray(((self.bits[where] & bit) != 0).all(axis=1), dtype=bool)


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


class StoredKeys:
    """A :class:`SeenKeys` of every key in the store's token table, for one match engine.

    Call :meth:`catch_up` inside the write transaction before its lookups (on PostgreSQL
    under the write lock, so that it covers every transaction that matched before this
    one; it may be called before the lock too, so that the catching up under it reads only
    what committed meanwhile) and :meth:`stored` with the keys the transaction stores.
    ``shared``: other processes write the table too (PostgreSQL).

    Thread-safe: a process may have several intake transactions in flight (one storing its
    rows while another holds the write lock), each catching up and adding on its own
    connection. Catching up is one short statement, taken in turns so the horizon moves
    forward in one line; own transactions' keys are never read back, so a transaction
    must test its keys against :meth:`may_contain` under the write lock, after every
    transaction of this process that matched before it has called :meth:`stored`.
    """

    def __init__(self, *, shared: bool) -> None:
        self.shared = shared
        self._seen: SeenKeys | None = None
        self._since: P.Horizon | None = None  # shared: what is read of others' rows
        self._lock = threading.Lock()

    @property
    def seen(self) -> SeenKeys | None:
        """The filter (None until the first :meth:`catch_up`)."""
        return self._seen

    def catch_up(self, conn: Connection) -> None:
        """Add the keys committed so far (shared: the keys other transactions committed
        since the last catching up; the whole table the first time).

        A transaction still in progress when a catching up reads, whatever its id (smaller
        than ones already read, too), stays pending until one that sees it committed; a
        rolled-back one is never read (:class:`.store.postings.Horizon`).
        """
        with self._lock:
            self._catch_up(conn)

    def _catch_up(self, conn: Connection) -> None:
        if self._seen is None:  # once per process: later growth needs no scan
            # The horizon first: keys committed between the two reads are read twice (a
            # repeat in the filter), never missed.
            since = P.horizon(conn) if self.shared else None
            self._seen = SeenKeys(P.all_keys(conn))
            self._since = since
            return
        if self._since is None:
            return
        keys, self._since = P.keys_committed_since(conn, self._since)
        self._seen.add(keys)

    def stored(self, keys: npt.NDArray[np.int64]) -> None:
        """Add the keys this transaction stored (a rollback leaves them: a lookup more)."""
        assert self._seen is not None, "catch_up first"
        with self._lock:
            self._seen.add(keys)

    def may_contain(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Per key: whether it may be stored (all True before the first :meth:`catch_up`)."""
        with self._lock:
            if self._seen is None:
                return np.ones(len(keys), dtype=bool)
            return self._seen.may_contain(keys)
