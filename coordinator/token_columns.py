"""A batch's tokens as columns, from intake's checks through storing and matching.

Intake handles thousands of tokens a batch. One Python object per token (a row tuple, a
dict entry) built in the checks, again when sorting the rows by key, again when encoding
them for ``COPY`` and again for scoring was most of a coordinator's per-record CPU, so a
batch's tokens stay in :class:`TokenColumns`: per record its id, member, token count and
packed tokens; per token its kind, value, epoch and lookup key (the keys in numpy). The
token rows go to the database encoded a column at a time
(:func:`.store.copy_binary.encode_columns`), the key filter and the holder lookups read
the key array, and only the tokens of records that share one with a stored record
become Python mappings (:meth:`TokenColumns.held`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .store import pack_tokens
from .store.postings import PackedTokens, TokenRow

__all__ = ["CopyRows", "TokenColumns", "TokenRef"]

_Ints = npt.NDArray[np.int64]


class CopyRows(NamedTuple):
    """A batch's rows encoded for binary ``COPY`` ahead of the writer
    (:func:`.store.copy_binary.encode_rows`), by the thread that checked it."""

    #: One ``tokens`` row per token, in the columns' token order.
    tokens: list[bytes]
    #: One ``record_tokens`` row per record.
    packed: list[bytes]
    #: One ``records`` row per record, without its last field (``received_at``, set by
    #: the writer) but counting it.
    records: list[bytes]


class TokenColumns:
    """The tokens of a batch of records, a column each (see the module docstring).

    ``record_ids``, ``member_ids``, ``counts`` and ``packed`` have one item per record, in
    order (records without tokens included, with a count of 0); ``kinds``, ``values``,
    ``epochs`` and ``keys`` one per token, the tokens of each record in turn, each
    ``(kind, value)`` once per record. ``keys`` are the values' lookup keys
    (:func:`.store.token_key`).
    """

    __slots__ = (
        "_index", "_starts", "copy", "counts", "epochs", "keys", "kinds", "member_ids", "packed", "record_ids", "values",
    )  # fmt: skip

    def __init__(
        self,
        record_ids: list[str],
        member_ids: list[str],
        counts: _Ints,
        packed: list[bytes],
        kinds: list[str],
        values: list[bytes],
        epochs: _Ints,
        keys: _Ints,
    ) -> None:
        self.record_ids = record_ids
        self.member_ids = member_ids
        self.counts = counts
        self.packed = packed
        self.kinds = kinds
        self.values = values
        self.epochs = epochs
        self.keys = keys
        self._index: dict[str, int] | None = None
        self._starts: list[int] | None = None
        #: The rows encoded for COPY, when the checking thread encoded them (PostgreSQL);
        #: not pickled (an intake worker's batches are encoded by the writer).
        self.copy: CopyRows | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Intake workers send these to the writer: lists and arrays pickle in bulk.
        return (
            TokenColumns,
            (self.record_ids, self.member_ids, self.counts, self.packed, self.kinds, self.values, self.epochs, self.keys),
        )

    def __len__(self) -> int:
        """The number of records."""
        return len(self.record_ids)

    @classmethod
    def empty(cls) -> TokenColumns:
        """No records."""
        none = np.zeros(0, dtype=np.int64)
        return cls([], [], none, [], [], [], none, none)

    @classmethod
    def from_records(cls, by_record: Mapping[str, Any]) -> TokenColumns:
        """Columns of per-record :class:`..matching.RecordTokens` (record id -> its rows and
        packed tokens; a record's member comes from its rows)."""
        rows: list[TokenRow] = []
        counts: list[int] = []
        members: list[str] = []
        packed: list[bytes] = []
        for record in by_record.values():
            rows.extend(record.rows)
            counts.append(len(record.rows))
            members.append(record.rows[0].member_id if record.rows else "")
            packed.append(record.packed)
        n = len(rows)
        return cls(
            list(by_record),
            members,
            np.array(counts, dtype=np.int64),
            packed,
            [r.kind for r in rows],
            [r.value for r in rows],
            np.fromiter((r.epoch for r in rows), dtype=np.int64, count=n),
            np.fromiter((r.key for r in rows), dtype=np.int64, count=n),
        )

    @classmethod
    def concat(cls, parts: Sequence[TokenColumns]) -> TokenColumns:
        """The records of ``parts`` in turn."""
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls.empty()
        chain = itertools.chain.from_iterable
        out = cls(
            list(chain(p.record_ids for p in parts)),
            list(chain(p.member_ids for p in parts)),
            np.concatenate([p.counts for p in parts]),
            list(chain(p.packed for p in parts)),
            list(chain(p.kinds for p in parts)),
            list(chain(p.values for p in parts)),
            np.concatenate([p.epochs for p in parts]),
            np.concatenate([p.keys for p in parts]),
        )
        encoded = [p.copy for p in parts]
        if all(e is not None for e in encoded):
            out.copy = CopyRows(*(list(chain(column)) for column in zip(*encoded, strict=True)))
        return out

    @classmethod
    def gather(cls, refs: Iterable[TokenRef]) -> TokenColumns:
        """The records ``refs`` point to, in order (whole batches are taken as they are)."""
        runs: list[tuple[TokenColumns, list[int]]] = []
        for ref in refs:
            if runs and runs[-1][0] is ref.columns:
                runs[-1][1].append(ref.position)
            else:
                runs.append((ref.columns, [ref.position]))
        return cls.concat([cols if picked == list(range(len(cols))) else cols.take(picked) for cols, picked in runs])

    def take(self, picked: Sequence[int]) -> TokenColumns:
        """The records at positions ``picked``, in that order."""
        at = np.asarray(picked, dtype=np.int64)
        counts = self.counts[at]
        starts = self.starts()[at]
        # Each picked record's token positions: its start plus 0..count-1.
        tokens = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        listed = tokens.tolist()
        out = TokenColumns(
            [self.record_ids[i] for i in picked],
            [self.member_ids[i] for i in picked],
            counts,
            [self.packed[i] for i in picked],
            list(map(self.kinds.__getitem__, listed)),
            list(map(self.values.__getitem__, listed)),
            self.epochs[tokens],
            self.keys[tokens],
        )
        if self.copy is not None:
            out.copy = CopyRows(
                list(map(self.copy.tokens.__getitem__, listed)),
                [self.copy.packed[i] for i in picked],
                [self.copy.records[i] for i in picked],
            )
        return out

    def starts(self) -> _Ints:
        """Each record's first token position."""
        return np.cumsum(self.counts) - self.counts

    def owners(self) -> _Ints:
        """Each token's record position."""
        return np.repeat(np.arange(len(self.record_ids), dtype=np.int64), self.counts)

    def position(self, record_id: str) -> int | None:
        """A record's position, or None when it is not here."""
        if self._index is None:
            self._index = dict(zip(self.record_ids, range(len(self.record_ids)), strict=True))
        return self._index.get(record_id)

    def record_set(self) -> set[str]:
        """The records' ids."""
        return set(self.record_ids)

    def held(self, record_id: str) -> tuple[str, dict[bytes, str]] | None:
        """A record's member and its tokens as value -> kind (what scoring reads), or None
        when the record is not here or has no tokens."""
        i = self.position(record_id)
        if i is None or not self.counts[i]:
            return None
        if self._starts is None:
            self._starts = np.cumsum(self.counts).tolist()
        end = self._starts[i]
        start = end - int(self.counts[i])
        return self.member_ids[i], dict(zip(self.values[start:end], self.kinds[start:end], strict=True))

    def rows_of(self, i: int) -> list[TokenRow]:
        """The ``tokens`` rows of the record at position ``i`` (tests and one-off use)."""
        start = int(self.counts[:i].sum())
        end = start + int(self.counts[i])
        rid, mid = self.record_ids[i], self.member_ids[i]
        return [
            TokenRow(rid, mid, k, v, int(e), int(key))
            for k, v, e, key in zip(
                self.kinds[start:end], self.values[start:end], self.epochs[start:end], self.keys[start:end], strict=True
            )
        ]

    def packed_rows(self) -> list[PackedTokens]:
        """The ``record_tokens`` rows of the records that have tokens."""
        return [
            PackedTokens(rid, mid, blob)
            for rid, mid, blob, n in zip(self.record_ids, self.member_ids, self.packed, self.counts.tolist(), strict=True)
            if n
        ]


class TokenRef(NamedTuple):
    """One record's tokens: its position in its batch's :class:`TokenColumns`."""

    columns: TokenColumns
    position: int

    @property
    def rows(self) -> list[TokenRow]:
        """Its ``tokens`` rows."""
        return self.columns.rows_of(self.position)

    @property
    def packed(self) -> bytes:
        """Its packed tokens (:func:`.store.pack_tokens`)."""
        return self.columns.packed[self.position]

    def __eq__(self, other: object) -> bool:
        # Two refs are equal when they hold the same tokens, wherever they are kept.
        if isinstance(other, TokenRef):
            return self.rows == other.rows and self.packed == other.packed
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.packed, len(self.rows)))


def one_record(record_id: str, member_id: str, pairs: Sequence[tuple[str, bytes]], epoch: int) -> TokenColumns:
    """Columns of one record's ``(kind, value)`` pairs (each pair once, in order)."""
    unique = list(dict.fromkeys(pairs))
    n = len(unique)
    kinds = [k for k, _v in unique]
    values = [v for _k, v in unique]
    keys = np.fromiter((int.from_bytes(v[:8], "big", signed=True) for v in values), dtype=np.int64, count=n)
    return TokenColumns(
        [record_id], [member_id], np.array([n], dtype=np.int64), [pack_tokens(unique)], kinds, values,
        np.full(n, epoch, dtype=np.int64), keys,
    )  # fmt: skip
