"""Incremental cross-member matching over blind tokens, and clusters.

Usable in-process without gRPC (``msin link`` routes through it too)::

    store = SharedStore("sqlite://")            # or a file path / PostgreSQL URL
    engine = MatchEngine(store)                 # model defaults to linkage DEFAULT_MODEL
    changes = engine.ingest([("r1", "tesco", [("phone", token_bytes), ...]), ...])
    changes = engine.withdraw("r1")
    for a, b, score in engine.pairs(): ...      # matched pairs, record_a < record_b
    for cluster in engine.clusters(): ...       # :class:`.store.ClusterInfo`, largest first

An *entry* is ``(record_id, member_id, tokens)`` where each token is a
:class:`msin_fed.model.Token` or a ``(kind, value)`` pair. ``ingest`` and ``withdraw``
take an optional open write connection (``conn=``) so the coordinator stores a batch's
records, tokens, matches and events in one transaction; without one they open their own.
Each returns a list of :class:`MatchChange`: one per record whose matches changed (the
record's new :class:`MatchView` and whether the match is new, updated or removed).

Candidates and scores are :mod:`msin_fed.linkage.core`, the same functions ``msin link``
calls, with :data:`msin_fed.linkage.scoring.DEFAULT_MODEL` (or the model given): two
records of *different* members are scored from the tokens they share, each discounted by
the number of distinct entities holding it (``core.entity_count``, from the holders'
own tokens), and a token held by more than ``max_frequency`` records is ignored. Only
tokens are read: candidates come from the indexed token key (a prefix of the value),
never from a scan; scoring reads the holders of the values candidates share and their
tokens.

Incremental rules:

- a new record is scored against every record sharing one of its tokens;
- a token whose holders changed (a record added or withdrawn) rescores the pairs of
  its other holders, because its entity count may have changed (while it is under
  ``max_frequency``);
- clusters are the connected components of matched pairs, each split where its records
  contradict (:func:`msin_fed.linkage.core.cluster_records`, the same function ``msin
  link --clusters`` uses); only the components touching a changed pair are recomputed.
  A cluster keeps the id most of its records had before, unless a cluster visited
  earlier took it (clusters are visited in order of their smallest changed record, so
  when a cluster splits that part keeps the old id, whatever its size), so cluster ids
  stay stable.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy.engine import Connection

from msin_fed.linkage.core import candidate_pairs, cluster_records, score_pairs
from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel
from msin_fed.model import Token
from msin_fed.model.shared import MAX_TOKENS

from .fairness import Busy
from .seen_keys import StoredKeys
from .store import ClusterInfo, SharedStore, pack_tokens, token_key
from .store import postings as P
from .store.engine import hold_write_lock, kept_busy
from .store.postings import HeldTokens, TokenRow
from .token_columns import TokenColumns

__all__ = [
    "MAX_BATCH_PAIRS",
    "Entry",
    "MatchBudgetExceeded",
    "MatchChange",
    "MatchEngine",
    "MatchView",
    "RecordTokens",
    "TokenRow",
    "prepare_tokens",
]

TokenLike = Token | tuple[str, bytes]
Entry = tuple[str, str, Iterable[TokenLike]]
_PairKey = tuple[str, str]

NEW = "new"
UPDATED = "updated"
REMOVED = "removed"


#: The most candidate pairs one batch may give the match step to score (the pairs of the
#: holders of every token its records share, since each such token's pairs rescore). The
#: match step runs under the write lock, so this bounds how long one batch can hold every
#: other member's intake: a hostile batch of records each holding many tokens that many
#: stored records share would otherwise keep it for seconds. Ordinary intake gives a
#: batch of 500 records tens of pairs; the dense 400-record batch of test_attack_scale's
#: idle-limit test (every token held by 38 records of two members), 83,288.
MAX_BATCH_PAIRS = 100_000
#: The most tokens shared within its candidate pairs one batch may give the match step to
#: weigh (a pair's scoring weighs every token its two records share). Without it the pair
#: budget bounds the pairs, not their work: stored records sharing 150 common tokens made
#: each of 91,520 pairs (under the pair budget) weigh 151, and one record held the write
#: lock 61 s on the 2-core machine. Ordinary pairs share a few to a few dozen tokens.
MAX_BATCH_AGREEMENTS = 1_000_000
_PAIRS = "candidate pairs to score"
_AGREEMENTS = "tokens shared within its candidate pairs to weigh"


class MatchBudgetExceeded(Busy):
    """A batch would give the match step more candidate pairs than :data:`MAX_BATCH_PAIRS`
    or more shared tokens to weigh than :data:`MAX_BATCH_AGREEMENTS` (RESOURCE_EXHAUSTED,
    naming ``submissions``); nothing of it is stored. ``batch``: its position among the
    batches matched together."""

    def __init__(self, batch: int, pairs: int, budget: int, what: str = _PAIRS) -> None:
        self.batch = batch
        super().__init__(
            f"submissions: the records share tokens with too many stored records for one batch "
            f"({pairs} {what}, at most {budget}): send fewer records per batch"
        )


#: A candidates' records' tokens (record -> value -> kind) and members (record -> member).
_Held = tuple[dict[str, dict[bytes, str]], dict[str, str]]


def _shared_counts(pairs: Iterable[tuple[str, str]], held: Mapping[str, Mapping[bytes, str]]) -> dict[tuple[str, str], int]:
    """Each pair's number of shared tokens: what scoring it weighs."""
    empty: Mapping[bytes, str] = {}
    return {(a, b): len(held.get(a, empty).keys() & held.get(b, empty).keys()) for a, b in pairs}


class RecordTokens(NamedTuple):
    """A record's tokens ready to store: its ``tokens`` rows (each ``(kind, value)`` once)
    and its packed ``record_tokens`` value."""

    rows: list[TokenRow]
    packed: bytes

    def __reduce__(self) -> tuple[Any, ...]:
        # Intake workers send these to the writer: rows pickled as plain tuples cost a
        # third of what pickling each TokenRow by its own __reduce__ did.
        return (_record_tokens, (list(map(tuple, self.rows)), self.packed))


def _record_tokens(rows: list[tuple[str, str, str, bytes, int, int]], packed: bytes) -> RecordTokens:
    # tuple.__new__ called from C: TokenRow's own Python __new__ (or _make) per row cost
    # the writer several times as much.
    return RecordTokens(list(map(_as_token_row, rows)), packed)


_as_token_row = functools.partial(tuple.__new__, TokenRow)


def _columns(by_record: Mapping[str, RecordTokens] | TokenColumns) -> TokenColumns:
    return by_record if isinstance(by_record, TokenColumns) else TokenColumns.from_records(by_record)


def prepare_tokens(record_id: str, member_id: str, toks: Iterable[TokenLike], epoch: int) -> RecordTokens:
    """A record's :class:`RecordTokens`; ``epoch`` is recorded for ``(kind, value)`` pairs
    given without one. The coordinator calls this in its intake workers, off the writer."""
    seen: set[tuple[str, bytes]] = set()
    rows: list[TokenRow] = []
    for tok in toks:
        if isinstance(tok, Token):
            kind, value, tok_epoch = tok.kind, tok.value, tok.epoch
        else:
            (kind, value), tok_epoch = tok, epoch
        if (kind, value) not in seen:
            seen.add((kind, value))
            rows.append(_as_token_row((record_id, member_id, kind, value, tok_epoch, token_key(value))))
    return RecordTokens(rows, pack_tokens((row.kind, row.value) for row in rows))


class _Sifted(NamedTuple):
    """A batch's token positions in key order, their keys in that order, the distinct keys
    and which of those to look up (may be stored, or repeated in the batch)."""

    order: npt.NDArray[np.int64]
    keys: npt.NDArray[np.int64]
    distinct: npt.NDArray[np.int64]
    wanted: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MatchView:
    """What the owner of ``record_id`` may learn of its matches (disclosure applied later)."""

    record_id: str
    member_id: str
    cluster_id: str
    other_members: frozenset[str]
    kinds: frozenset[str]
    score: float


@dataclass(frozen=True)
class MatchChange:
    """A record whose matches changed: ``change`` is "new", "updated" or "removed"."""

    change: str
    view: MatchView


@dataclass
class _PairResult:
    member_a: str
    member_b: str
    score: float
    kinds: str


class MatchEngine:
    """Incremental matcher over a :class:`SharedStore` (see the module docstring).

    ``single_writer``: on SQLite, this engine is the store's only writer of tokens (the
    serving coordinator), so it may keep a filter of the stored keys and skip looking up
    tokens never stored. On PostgreSQL the engine always keeps one, caught up on other
    processes' writes under the write lock (:class:`.seen_keys.StoredKeys`).
    """

    def __init__(
        self,
        store: SharedStore,
        model: ScoringModel = DEFAULT_MODEL,
        epoch: int = 1,
        *,
        single_writer: bool = False,
        max_batch_pairs: int = MAX_BATCH_PAIRS,
        max_batch_agreements: int = MAX_BATCH_AGREEMENTS,
    ) -> None:
        self.store = store
        self.model = model
        #: See :data:`MAX_BATCH_PAIRS` and :data:`MAX_BATCH_AGREEMENTS` (checked by
        #: :meth:`check_budget` and :meth:`match_rows`).
        self.max_batch_pairs = max_batch_pairs
        self.max_batch_agreements = max_batch_agreements
        #: Epoch recorded for ``(kind, value)`` tokens given without one.
        self.epoch = epoch
        # Remember which keys are stored and skip looking up the ones never stored: on
        # SQLite only when this engine alone writes the token table (the coordinator
        # process); on PostgreSQL always, caught up on other writers' keys under the lock.
        self._stored_keys: StoredKeys | None = None
        if not store.is_sqlite:
            self._stored_keys = StoredKeys(shared=True)
        elif single_writer:
            self._stored_keys = StoredKeys(shared=False)

    # ------------------------------------------------------------------ public API

    def ingest(self, entries: Iterable[Entry], conn: Connection | None = None) -> list[MatchChange]:
        """Add records' tokens and update matches and clusters; the records' changes."""
        merged: dict[str, tuple[str, list[TokenLike]]] = {}
        for record_id, member_id, toks in entries:
            merged.setdefault(record_id, (member_id, []))[1].extend(toks)
        return self.ingest_rows(
            {rid: prepare_tokens(rid, mid, toks, self.epoch) for rid, (mid, toks) in merged.items()}, conn
        )

    def ingest_rows(
        self, by_record: Mapping[str, RecordTokens] | TokenColumns, conn: Connection | None = None
    ) -> list[MatchChange]:
        """:meth:`ingest` of tokens already prepared: by :func:`prepare_tokens` (record id ->
        its :class:`RecordTokens`) or as a batch's :class:`.token_columns.TokenColumns`
        (the coordinator's intake)."""
        with self._tx(conn) as c:
            self.stage_rows(c, by_record)
            self.check_budget(c, by_record, [_columns(by_record).record_set()])
            return self.match_rows(c, by_record)

    def stage_rows(self, conn: Connection, by_record: Mapping[str, RecordTokens] | TokenColumns) -> None:
        """The first half of :meth:`ingest_rows`, which needs no write lock: store the token
        rows and the packed tokens, bring this process's key filter up to what has
        committed so far and sort the batch's keys into those to look up and those
        certainly never stored.

        Rows stored here are seen by other transactions only once this one commits, after
        its :meth:`match_rows` (under the write lock): of two transactions sharing a token,
        the later to take the lock finds the earlier's rows and makes the pair, the earlier
        cannot see the later's, so every pair is found exactly once, as in one process.
        """
        cols = _columns(by_record)
        # In key order, the index takes the batch in one sweep rather than at random places.
        # (A stable numpy sort of the keys: the order list.sort(key=key) gives, for less.)
        order = np.argsort(cols.keys, kind="stable")
        # Rows the checking threads encoded for COPY go as they are (.intake_copy).
        encoded = cols.copy
        P.insert_token_columns(
            conn, cols.record_ids, cols.member_ids, cols.owners(), cols.kinds, cols.values, cols.epochs, cols.keys, order,
            None if encoded is None else encoded.tokens,
        )  # fmt: skip
        if cols.counts.all():
            P.insert_packed_columns(
                conn, cols.record_ids, cols.member_ids, cols.packed, None if encoded is None else encoded.packed
            )
        else:  # records without tokens have no record_tokens row
            P.insert_packed(conn, cols.packed_rows())
        if self._stored_keys is not None:
            self._stored_keys.catch_up(conn)
            SharedStore.tx_state(conn)[self] = self._sift(cols, self._stored_keys, order)

    def check_budget(
        self, conn: Connection, by_record: Mapping[str, RecordTokens] | TokenColumns, batches: Sequence[AbstractSet[str]]
    ) -> None:
        """Before the write lock, after :meth:`stage_rows`: refuse (MatchBudgetExceeded,
        naming the first) a batch to which the rows committed so far would give the match
        step more than ``max_batch_pairs`` candidate pairs to score.

        ``batches``: the record ids of each batch matched together. First an upper bound
        from one indexed count (no lock): for each distinct key the batch holds, the pairs
        of different members among its 2 to ``max_frequency + 1`` holders (the match step
        rescores every pair of such a token). Only over the budget are the holders read
        and the candidate pairs counted exactly, as the match step will. Only keys the
        filter says may be stored, or two rows of the batch share, are counted. Rows
        committed between this and the lock are bounded again under it
        (:meth:`match_rows`).
        """
        cols = _columns(by_record)
        sifted: _Sifted | None = SharedStore.tx_state(conn).get(self)
        if sifted is None or len(sifted.order) != len(cols.values):
            sifted = self._sift(cols, None)
            sifted.wanted[:] = True
        wanted = sifted.distinct[sifted.wanted]
        most = self.model.max_frequency + 1
        if len(wanted) * (most * (most - 1) // 2) <= self.max_batch_pairs:
            # Even every key held by the most holders counted is under it: no query. (Its
            # pairs may still share many tokens each: bounded under the lock, before scoring.)
            return
        bound = 0
        kept: set[int] = set()
        for key, per_member in P.member_counts(conn, wanted.tolist()).items():
            n = sum(per_member)
            if 2 <= n <= most:
                kept.add(key)
                bound += (n * n - sum(m * m for m in per_member)) // 2
        if bound <= self.max_batch_pairs and bound * MAX_TOKENS <= self.max_batch_agreements:
            return  # every batch together is under both budgets, however many tokens pairs share
        at = sifted.order[np.isin(sifted.keys, np.fromiter(kept, dtype=np.int64, count=len(kept)))]
        lookup = {cols.values[i]: k for i, k in zip(at.tolist(), cols.keys[at].tolist(), strict=True)}
        # Counting can outlast the session's idle limit (a large honest batch): keep it busy.
        with kept_busy(conn):
            groups = list(self._shared_holders(conn, lookup, most).values())
            for i, ids in enumerate(batches):
                pairs = candidate_pairs(held for held in groups if not ids.isdisjoint(held))
                if len(pairs) > self.max_batch_pairs:
                    raise MatchBudgetExceeded(i, len(pairs), self.max_batch_pairs)
                if len(pairs) * MAX_TOKENS > self.max_batch_agreements:
                    held, _member = self._held(conn, pairs, cols)
                    shared = sum(_shared_counts(pairs, held).values())
                    if shared > self.max_batch_agreements:
                        raise MatchBudgetExceeded(i, shared, self.max_batch_agreements, _AGREEMENTS)

    def match_rows(
        self,
        conn: Connection,
        by_record: Mapping[str, RecordTokens] | TokenColumns,
        batches: Sequence[AbstractSet[str]] = (),
    ) -> list[MatchChange]:
        """The second half of :meth:`ingest_rows`, after :meth:`stage_rows` in the same
        transaction: under the write lock, catch the key filter up on what committed since
        :meth:`stage_rows`, look up the holders of the batch's tokens and update pairs and
        clusters. A batch of ``batches`` (record ids of each; default: one of every record)
        given more than ``max_batch_pairs`` candidate pairs by rows committed since
        :meth:`check_budget` is refused before they are scored (MatchBudgetExceeded)."""
        hold_write_lock(conn)
        with kept_busy(conn):
            return self._ingest(conn, _columns(by_record), batches)

    @staticmethod
    def _sift(cols: TokenColumns, seen: StoredKeys | None, order: npt.NDArray[np.int64] | None = None) -> _Sifted:
        if order is None:
            order = np.argsort(cols.keys, kind="stable")
        keys = cols.keys[order]
        distinct, n_rows = np.unique(keys, return_counts=True)
        # Look up keys that may be stored already or that two records of this batch hold.
        wanted = n_rows >= 2
        if seen is not None:
            wanted |= seen.may_contain(distinct)
        return _Sifted(order, keys, distinct, wanted)

    def withdraw(self, record_id: str, conn: Connection | None = None) -> list[MatchChange]:
        """Remove a record's tokens and matches; the changes of the records it matched."""
        with self._tx(conn) as c:
            hold_write_lock(c)
            with kept_busy(c):
                return self._withdraw(c, record_id)

    def pairs(self) -> Iterator[tuple[str, str, float]]:
        """Every matched pair ``(record_a, record_b, score)`` with ``record_a < record_b``."""
        with self.store.read() as conn:
            rows = P.all_pairs(conn)
        yield from rows

    def clusters(self, limit: int | None = None) -> list[ClusterInfo]:
        """Clusters of matched records, largest first."""
        return self.store.clusters(limit)

    def views(self, record_ids: Sequence[str], conn: Connection | None = None) -> dict[str, MatchView]:
        """Current match views of the records given (records without matches are absent).

        ``conn`` reads inside a transaction already open (the withdrawal's own).
        """
        if conn is None:
            with self.store.read() as own:
                return self.views(record_ids, own)
        rows = self._pairs_touching(conn, set(record_ids))
        cids = self._cluster_ids(conn, set(record_ids))
        return _views(set(record_ids), rows, cids)

    # ------------------------------------------------------------------ ingest / withdraw

    def _ingest(
        self, conn: Connection, cols: TokenColumns, batches: Sequence[AbstractSet[str]] = ()
    ) -> list[MatchChange]:
        values = cols.values
        if self._stored_keys is None:
            lookup = dict(zip(values, cols.keys.tolist(), strict=True))
        else:
            sifted: _Sifted | None = SharedStore.tx_state(conn).pop(self, None)
            # Caught up on every other writer's keys, under the lock, before the lookups.
            self._stored_keys.catch_up(conn)
            if sifted is None or len(sifted.order) != len(values):
                sifted = self._sift(cols, self._stored_keys)
            else:
                # The keys stage_rows found certainly new are tested again: the filter now
                # also holds the keys committed since (caught up just now) and those of
                # this process's other transactions that matched in between (a process
                # has two in flight; catching up never reads its own back).
                rest = np.flatnonzero(~sifted.wanted)
                if len(rest):
                    sifted.wanted[rest] = self._stored_keys.may_contain(sifted.distinct[rest])
            self._stored_keys.stored(sifted.distinct)
            wanted = sifted.distinct[sifted.wanted]
            at = sifted.order[np.isin(sifted.keys, wanted)]
            lookup = {values[i]: k for i, k in zip(at.tolist(), cols.keys[at].tolist(), strict=True)}
        # Holders of tokens that can still carry weight (or just lost it): every pair of
        # a token a new record holds rescores, since the token's entity count changed.
        holders = self._shared_holders(conn, lookup, self.model.max_frequency + 1)
        fresh = cols.record_set()
        candidates = candidate_pairs(held for held in holders.values() if not fresh.isdisjoint(held))
        if len(candidates) > self.max_batch_pairs:
            for i, ids in enumerate(batches or [fresh]):
                pairs = len(candidate_pairs(held for held in holders.values() if not ids.isdisjoint(held)))
                if pairs > self.max_batch_pairs:
                    raise MatchBudgetExceeded(i, pairs, self.max_batch_pairs)
        read = None
        if len(candidates) * MAX_TOKENS > self.max_batch_agreements:
            # The tokens the scoring reads, read here (once) to bound what it will weigh.
            read = self._held(conn, candidates, cols)
            counts = _shared_counts(candidates, read[0])
            if sum(counts.values()) > self.max_batch_agreements:
                for i, ids in enumerate(batches or [fresh]):
                    mine = candidate_pairs(held for held in holders.values() if not ids.isdisjoint(held))
                    shared = sum(counts[pair] for pair in mine)
                    if shared > self.max_batch_agreements:
                        raise MatchBudgetExceeded(i, shared, self.max_batch_agreements, _AGREEMENTS)
        return self._update(conn, candidates, removed=set(), fresh=cols, known=holders, read=read)

    def _withdraw(self, conn: Connection, record_id: str) -> list[MatchChange]:
        held = self._tokens_of(conn, [record_id]).get(record_id)
        keys = {t.value: token_key(t.value) for t in (held.tokens if held else [])}
        P.delete_postings(conn, record_id, keys.values())
        holders = self._shared_holders(conn, keys, self.model.max_frequency)
        return self._update(conn, candidate_pairs(holders.values()), removed={record_id}, known=holders)

    # ------------------------------------------------------------------ the update

    def _update(
        self,
        conn: Connection,
        candidates: set[_PairKey],
        removed: set[str],
        fresh: TokenColumns | None = None,
        known: Mapping[bytes, Mapping[str, str]] | None = None,
        read: _Held | None = None,
    ) -> list[MatchChange]:
        endpoints = {r for pair in candidates for r in pair}
        old_rows = self._pairs_touching(conn, endpoints | removed)
        neighbours_of_removed = {
            x for (a, b) in old_rows if a in removed or b in removed for x in (a, b)
        } - removed
        touched = endpoints | neighbours_of_removed
        old_cids = self._cluster_ids(conn, touched | removed)
        old_views = _views(touched, old_rows, old_cids)

        scored = self._score(conn, candidates, fresh, known or {}, read)
        changed_pairs: set[_PairKey] = {k for k in old_rows if k[0] in removed or k[1] in removed}
        new_rows = {k: v for k, v in old_rows.items() if k not in changed_pairs}
        for key in candidates:
            before = old_rows.get(key)
            after = scored.get(key)
            if after is None:
                if before is not None:
                    new_rows.pop(key, None)
                    changed_pairs.add(key)
            elif before is None or before.score != after.score or before.kinds != after.kinds:
                new_rows[key] = after
                changed_pairs.add(key)
        if not changed_pairs:
            return []

        P.replace_pairs(
            conn,
            changed_pairs,
            [
                P.PairRow(a, b, p.member_a, p.member_b, p.score, p.kinds)
                for (a, b), p in new_rows.items()
                if (a, b) in changed_pairs
            ],
        )
        if removed:
            P.replace_cluster_ids(conn, removed, [])

        changed_records = {r for k in changed_pairs for r in k} - removed
        new_cids = self._recluster(conn, changed_records)
        new_views = _views(changed_records, new_rows, new_cids)
        changes: list[MatchChange] = []
        for rid in sorted(changed_records):
            before_view, after_view = old_views.get(rid), new_views.get(rid)
            if after_view is None and before_view is not None:
                changes.append(MatchChange(REMOVED, before_view))
            elif after_view is not None and before_view is None:
                changes.append(MatchChange(NEW, after_view))
            elif (
                after_view is not None
                and before_view is not None
                and (
                    after_view.other_members != before_view.other_members
                    or after_view.kinds != before_view.kinds
                    or after_view.score != before_view.score
                )
            ):
                changes.append(MatchChange(UPDATED, after_view))
        return changes

    def _score(
        self,
        conn: Connection,
        candidates: set[_PairKey],
        fresh: TokenColumns | None,
        known: Mapping[bytes, Mapping[str, str]],
        read: _Held | None = None,
    ) -> dict[_PairKey, _PairResult]:
        """Matched pairs among the candidates (unmatched ones are absent), scored by
        :func:`msin_fed.linkage.core.score_pairs`. ``fresh`` holds the token rows already
        at hand (of the records being ingested) and ``known`` holders already read; only
        the rest is read: the holders of the values candidates share, and their tokens
        (``read``: the candidates' own tokens, already read by :meth:`_held`)."""
        if not candidates:
            return {}
        held, member = read if read is not None else self._held(conn, candidates, fresh)
        most = self.model.max_frequency
        holders: dict[bytes, Collection[str]] = {}
        unknown: dict[bytes, int] = {}
        for a, b in candidates:
            ta, tb = held.get(a, {}), held.get(b, {})
            for value in ta.keys() & tb.keys():
                if value in holders or value in unknown:
                    continue
                group = known.get(value)
                if group is not None:
                    if len(group) <= most:
                        holders[value] = group.keys()
                else:
                    unknown[value] = token_key(value)
        if unknown:
            holders.update((v, g.keys()) for v, g in self._shared_holders(conn, unknown, most).items())
        self._read_tokens(conn, {r for group in holders.values() for r in group}, held, member)
        scored = score_pairs(self.model, candidates, held, member, holders)
        return {
            pair: _PairResult(member[pair[0]], member[pair[1]], p.score, ",".join(sorted(p.kinds)))
            for pair, p in scored.items()
        }

    def _held(self, conn: Connection, candidates: set[_PairKey], fresh: TokenColumns | None) -> _Held:
        """The tokens (value -> kind) and members of the candidates' records: from
        ``fresh`` (the batch) where it has them, else read."""
        held: dict[str, dict[bytes, str]] = {}
        member: dict[str, str] = {}
        endpoints = {r for pair in candidates for r in pair}
        if fresh is not None:  # only the candidates' tokens become mappings
            for r in endpoints:
                got = fresh.held(r)
                if got is not None:
                    member[r], held[r] = got
        self._read_tokens(conn, endpoints, held, member)
        return held, member

    def _read_tokens(
        self, conn: Connection, records: set[str], held: dict[str, dict[bytes, str]], member: dict[str, str]
    ) -> None:
        """Add the stored tokens of ``records`` not yet in ``held``."""
        missing = sorted(records - held.keys())
        for rid, (mid, tokens) in P.token_maps(conn, missing).items():
            held[rid] = tokens
            member[rid] = mid

    def _recluster(self, conn: Connection, seeds: set[str]) -> dict[str, str]:
        """Recompute the clusters of the components containing ``seeds``; their records' ids.

        One breadth-first search from every seed at once (a query per level, not per seed
        and level) finds the connected components of matched pairs; each is split into
        clusters by :func:`msin_fed.linkage.core.cluster_records` (the function ``msin
        link --clusters`` calls: strongest pairs first, never joining records that
        contradict), then one lookup of the previous cluster ids and bulk rewrites of the
        ``cluster_of`` rows that changed.
        """
        component_of, edges = self._components(conn, seeds)
        members: dict[str, list[str]] = {}
        for r, root in component_of.items():
            members.setdefault(root, []).append(r)
        in_pairs = sorted({r for group in members.values() if len(group) >= 2 for r in group})
        previous = self._cluster_ids(conn, set(in_pairs))
        stored = P.token_maps(conn, in_pairs)
        held = {rid: tokens for rid, (_m, tokens) in stored.items()}
        member = {rid: mid for rid, (mid, _t) in stored.items()}
        by_root: dict[str, list[tuple[str, str, float]]] = {}
        for (a, b), score in edges.items():
            by_root.setdefault(component_of[a], []).append((a, b, score))
        groups: list[list[str]] = []
        for root, group in members.items():
            if len(group) >= 2:
                groups.extend(sorted(c) for c in cluster_records(by_root.get(root, []), held, member=member))
        clustered = {r for g in groups for r in g}
        drop = sorted((set(component_of) - clustered) & (set(previous) | seeds))
        # Clusters in the order of their smallest seed (then smallest record), so that new
        # ids are drawn deterministically and a split keeps the old id on the seed's side.
        groups.sort(key=lambda g: (min((r for r in g if r in seeds), default="\uffff"), g[0]))
        assigned: dict[str, str] = {}
        taken: set[str] = set()
        write: list[tuple[str, str]] = []
        for component in groups:
            votes = Counter(previous[r] for r in component if r in previous)
            # Keep the id most records had, unless another cluster already took it.
            cid = (
                next(
                    (c for c, _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])) if c not in taken),
                    None,
                )
                or uuid.uuid4().hex
            )
            taken.add(cid)
            for r in component:
                assigned[r] = cid
                if previous.get(r) != cid:
                    write.append((r, cid))
        P.replace_cluster_ids(conn, drop + [r for r, _c in write], write)
        return assigned

    def _components(self, conn: Connection, seeds: set[str]) -> tuple[dict[str, str], dict[_PairKey, float]]:
        """record -> a representative of its connected component, for every record connected
        to a seed (a seed without pairs is its own component), and the components' pairs
        with their scores."""
        parent: dict[str, str] = {s: s for s in seeds}
        edges: dict[_PairKey, float] = {}

        def find(x: str) -> str:
            root = x
            while parent[root] != root:
                root = parent[root]
            while parent[x] != root:
                parent[x], x = root, parent[x]
            return root

        frontier = sorted(seeds)
        while frontier:
            found: list[str] = []
            for (a, b), row in P.pairs_touching(conn, frontier).items():
                edges[(a, b)] = row.score
                for x in (a, b):
                    if x not in parent:
                        parent[x] = x
                        found.append(x)
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[rb] = ra
            frontier = sorted(found)
        return {r: find(r) for r in parent}, edges

    # ------------------------------------------------------------------ queries

    @staticmethod
    def _frequencies(conn: Connection, keys: dict[bytes, int]) -> dict[bytes, int]:
        """value -> number of records holding it, for the values given (value -> token key)
        held by at least two records (values held by fewer are absent)."""
        return {v: n for v, n in P.value_counts(conn, keys.values()).items() if v in keys}

    def _shared_holders(self, conn: Connection, keys: dict[bytes, int], most: int) -> dict[bytes, dict[str, str]]:
        """value -> {record_id: member_id} for the values given (value -> token key) that are
        held by 2 to ``most`` records (token rows).

        One statement counts the rows by key (the key index only) and reads the rows of
        the keys held 2 to ``most`` times. A key held more than ``most`` times (a very frequent token) is
        grouped by value instead, so its holders are read only when a value under that
        key is itself under the limit (two values sharing a key prefix).
        """
        found, many = P.holders_of_shared_keys(conn, keys.values(), most)
        if many:
            freq = self._frequencies(conn, {v: k for v, k in keys.items() if k in many})
            found.extend(P.holders(conn, {keys[v] for v, n in freq.items() if n <= most}))
        count: Counter[bytes] = Counter()
        out: dict[bytes, dict[str, str]] = {}
        for h in found:
            if h.value in keys:
                count[h.value] += 1
                out.setdefault(h.value, {})[h.record_id] = h.member_id
        return {v: held for v, held in out.items() if 2 <= count[v] <= most}

    @staticmethod
    def _tokens_of(conn: Connection, record_ids: Sequence[str]) -> dict[str, HeldTokens]:
        """record -> its member and tokens, for the records given that have tokens."""
        return P.tokens_of(conn, record_ids)

    @staticmethod
    def _pairs_touching(conn: Connection, record_ids: set[str]) -> dict[_PairKey, _PairResult]:
        return {
            key: _PairResult(row.member_a, row.member_b, row.score, row.kinds)
            for key, row in P.pairs_touching(conn, record_ids).items()
        }

    @staticmethod
    def _cluster_ids(conn: Connection, record_ids: set[str]) -> dict[str, str]:
        return P.cluster_ids(conn, record_ids)

    @contextmanager
    def _tx(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.store.write() as c:
                yield c


def _views(
    record_ids: set[str], rows: dict[_PairKey, _PairResult], cids: dict[str, str]
) -> dict[str, MatchView]:
    members: dict[str, str] = {}
    others: dict[str, set[str]] = {}
    kinds: dict[str, set[str]] = {}
    best: dict[str, float] = {}
    for (a, b), p in rows.items():
        members[a], members[b] = p.member_a, p.member_b
        for mine, other_member in ((a, p.member_b), (b, p.member_a)):
            if mine not in record_ids:
                continue
            others.setdefault(mine, set()).add(other_member)
            kinds.setdefault(mine, set()).update(k for k in p.kinds.split(",") if k)
            best[mine] = max(best.get(mine, 0.0), p.score)
    return {
        rid: MatchView(
            rid, members[rid], cids.get(rid, ""), frozenset(others[rid]), frozenset(kinds[rid]), best[rid]
        )
        for rid in others
    }
