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
import itertools
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy.engine import Connection

from msin_fed.linkage.core import candidate_pairs, cluster_records, score_pairs
from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel
from msin_fed.model import Token

from .fairness import Busy
from .seen_keys import SeenKeys, StoredKeys
from .store import ClusterInfo, SharedStore, pack_tokens, token_key
from .store import postings as P
from .store.engine import hold_write_lock, kept_busy
from .store.postings import HeldTokens, PackedTokens, TokenRow

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

_KEY = attrgetter("key")

#: The most candidate pairs one batch may give the match step to score (the pairs of the
#: holders of every token its records share, since each such token's pairs rescore). The
#: match step runs under the write lock, so this bounds how long one batch can hold every
#: other member's intake: a hostile batch of records each holding many tokens that many
#: stored records share would otherwise keep it for seconds. Ordinary intake gives a
#: batch of 500 records tens of pairs; the dense 400-record batch of test_attack_scale's
#: idle-limit test (every token held by 38 records of two members), 83,288.
MAX_BATCH_PAIRS = 100_000


class MatchBudgetExceeded(Busy):
    """A batch would give the match step more candidate pairs than :data:`MAX_BATCH_PAIRS`
    (RESOURCE_EXHAUSTED, naming ``submissions``); nothing of it is stored. ``batch``: its
    position among the batches matched together."""

    def __init__(self, batch: int, pairs: int, budget: int) -> None:
        self.batch = batch
        super().__init__(
            f"submissions: the records share tokens with too many stored records for one batch "
            f"({pairs} candidate pairs to score, at most {budget}): send fewer records per batch"
        )


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
    """A batch's token rows sorted by key, their keys, the distinct keys and which of those
    to look up (may be stored, or repeated in the batch)."""

    rows: list[TokenRow]
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
    ) -> None:
        self.store = store
        self.model = model
        #: See :data:`MAX_BATCH_PAIRS` (checked by :meth:`check_budget` and :meth:`match_rows`).
        self.max_batch_pairs = max_batch_pairs
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
        self, by_record: Mapping[str, RecordTokens], conn: Connection | None = None
    ) -> list[MatchChange]:
        """:meth:`ingest` of tokens already prepared by :func:`prepare_tokens` (record id ->
        its :class:`RecordTokens`): the coordinator prepares them in its intake workers."""
        with self._tx(conn) as c:
            self.stage_rows(c, by_record)
            self.check_budget(c, by_record, [by_record.keys()])
            return self.match_rows(c, by_record)

    def stage_rows(self, conn: Connection, by_record: Mapping[str, RecordTokens]) -> None:
        """The first half of :meth:`ingest_rows`, which needs no write lock: store the token
        rows and the packed tokens, bring this process's key filter up to what has
        committed so far and sort the batch's keys into those to look up and those
        certainly never stored.

        Rows stored here are seen by other transactions only once this one commits, after
        its :meth:`match_rows` (under the write lock): of two transactions sharing a token,
        the later to take the lock finds the earlier's rows and makes the pair, the earlier
        cannot see the later's, so every pair is found exactly once, as in one process.
        """
        rows = list(itertools.chain.from_iterable(record.rows for record in by_record.values()))
        # In key order, the index takes the batch in one sweep rather than at random places.
        # (A stable numpy sort of the keys: the order list.sort(key=key) gives, for less.)
        keys = np.fromiter(map(_KEY, rows), dtype=np.int64, count=len(rows))
        order = np.argsort(keys, kind="stable")
        rows = list(map(rows.__getitem__, order.tolist()))
        P.insert_token_rows(conn, rows)
        P.insert_packed(
            conn, [PackedTokens(rid, record.rows[0].member_id, record.packed) for rid, record in by_record.items() if record.rows]
        )
        if self._stored_keys is not None:
            self._stored_keys.catch_up(conn)
            SharedStore.tx_state(conn)[self] = self._sift(rows, self._stored_keys.seen, keys[order])

    def check_budget(
        self, conn: Connection, by_record: Mapping[str, RecordTokens], batches: Sequence[AbstractSet[str]]
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
        sifted: _Sifted | None = SharedStore.tx_state(conn).get(self)
        if sifted is None:
            rows = sorted((r for rec in by_record.values() for r in rec.rows), key=_KEY)
            sifted = self._sift(rows, None)
            sifted.wanted[:] = True
        wanted = sifted.distinct[sifted.wanted]
        most = self.model.max_frequency + 1
        if len(wanted) * (most * (most - 1) // 2) <= self.max_batch_pairs:
            return  # even every key held by the most holders counted is under it: no query
        bound = 0
        kept: set[int] = set()
        for key, per_member in P.member_counts(conn, wanted.tolist()).items():
            n = sum(per_member)
            if 2 <= n <= most:
                kept.add(key)
                bound += (n * n - sum(m * m for m in per_member)) // 2
        if bound <= self.max_batch_pairs:
            return  # every batch together is under the budget
        lookup = {row.value: row.key for row in sifted.rows if row.key in kept}
        with kept_busy(conn):  # counting many pairs may outlast the idle limit
            groups = list(self._shared_holders(conn, lookup, most).values())
            for i, ids in enumerate(batches):
                pairs = len(candidate_pairs(held for held in groups if not ids.isdisjoint(held)))
                if pairs > self.max_batch_pairs:
                    raise MatchBudgetExceeded(i, pairs, self.max_batch_pairs)

    def match_rows(
        self, conn: Connection, by_record: Mapping[str, RecordTokens], batches: Sequence[AbstractSet[str]] = ()
    ) -> list[MatchChange]:
        """The second half of :meth:`ingest_rows`, after :meth:`stage_rows` in the same
        transaction: under the write lock, catch the key filter up on what committed since
        :meth:`stage_rows`, look up the holders of the batch's tokens and update pairs and
        clusters. A batch of ``batches`` (record ids of each; default: one of every record)
        given more than ``max_batch_pairs`` candidate pairs by rows committed since
        :meth:`check_budget` is refused before they are scored (MatchBudgetExceeded)."""
        hold_write_lock(conn)
        with kept_busy(conn):
            return self._ingest(conn, by_record, batches or [by_record.keys()])

    @staticmethod
    def _sift(rows: list[TokenRow], seen: SeenKeys | None, keys: npt.NDArray[np.int64] | None = None) -> _Sifted:
        if keys is None:  # the rows' keys, in order
            keys = np.fromiter(map(_KEY, rows), dtype=np.int64, count=len(rows))
        distinct, n_rows = np.unique(keys, return_counts=True)
        # Look up keys that may be stored already or that two records of this batch hold.
        wanted = n_rows >= 2
        if seen is not None:
            wanted |= seen.may_contain(distinct)
        return _Sifted(rows, keys, distinct, wanted)

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
        self, conn: Connection, by_record: Mapping[str, RecordTokens], batches: Sequence[AbstractSet[str]] = ()
    ) -> list[MatchChange]:
        if self._stored_keys is None:
            rows = [row for record in by_record.values() for row in record.rows]
            lookup = {row.value: row.key for row in rows}
        else:
            sifted: _Sifted | None = SharedStore.tx_state(conn).pop(self, None)
            # Caught up on every other writer's keys, under the lock, before the lookups:
            # the keys committed since stage_rows sifted the batch are looked up too.
            added = self._stored_keys.catch_up(conn)
            known = self._stored_keys.seen
            if sifted is None or added is None:
                sifted = self._sift(sorted((r for rec in by_record.values() for r in rec.rows), key=_KEY), known)
            elif len(added):
                np.logical_or(sifted.wanted, np.isin(sifted.distinct, added), out=sifted.wanted)
            rows, keys = sifted.rows, sifted.keys
            self._stored_keys.stored(sifted.distinct)
            wanted = sifted.distinct[sifted.wanted]
            lookup = {rows[i].value: rows[i].key for i in np.flatnonzero(np.isin(keys, wanted)).tolist()}
        # Holders of tokens that can still carry weight (or just lost it): every pair of
        # a token a new record holds rescores, since the token's entity count changed.
        holders = self._shared_holders(conn, lookup, self.model.max_frequency + 1)
        candidates = candidate_pairs(held for held in holders.values() if not by_record.keys().isdisjoint(held))
        if len(candidates) > self.max_batch_pairs:
            for i, ids in enumerate(batches or [by_record.keys()]):
                pairs = len(candidate_pairs(held for held in holders.values() if not ids.isdisjoint(held)))
                if pairs > self.max_batch_pairs:
                    raise MatchBudgetExceeded(i, pairs, self.max_batch_pairs)
        return self._update(conn, candidates, removed=set(), fresh=by_record, known=holders)

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
        fresh: Mapping[str, RecordTokens] | None = None,
        known: Mapping[bytes, Mapping[str, str]] | None = None,
    ) -> list[MatchChange]:
        endpoints = {r for pair in candidates for r in pair}
        old_rows = self._pairs_touching(conn, endpoints | removed)
        neighbours_of_removed = {
            x for (a, b) in old_rows if a in removed or b in removed for x in (a, b)
        } - removed
        touched = endpoints | neighbours_of_removed
        old_cids = self._cluster_ids(conn, touched | removed)
        old_views = _views(touched, old_rows, old_cids)

        scored = self._score(conn, candidates, fresh or {}, known or {})
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
        fresh: Mapping[str, RecordTokens],
        known: Mapping[bytes, Mapping[str, str]],
    ) -> dict[_PairKey, _PairResult]:
        """Matched pairs among the candidates (unmatched ones are absent), scored by
        :func:`msin_fed.linkage.core.score_pairs`. ``fresh`` holds the token rows already
        at hand (of the records being ingested) and ``known`` holders already read; only
        the rest is read: the holders of the values candidates share, and their tokens."""
        if not candidates:
            return {}
        held: dict[str, dict[bytes, str]] = {}
        member: dict[str, str] = {}
        for r, record in fresh.items():
            if record.rows:
                held[r] = {row.value: row.kind for row in record.rows}
                member[r] = record.rows[0].member_id
        self._read_tokens(conn, {r for pair in candidates for r in pair}, held, member)
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
        held = {rid: tokens for rid, (_m, tokens) in P.token_maps(conn, in_pairs).items()}
        by_root: dict[str, list[tuple[str, str, float]]] = {}
        for (a, b), score in edges.items():
            by_root.setdefault(component_of[a], []).append((a, b, score))
        groups: list[list[str]] = []
        for root, group in members.items():
            if len(group) >= 2:
                groups.extend(sorted(c) for c in cluster_records(by_root.get(root, []), held))
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
