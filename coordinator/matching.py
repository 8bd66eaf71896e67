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

Scoring is exactly :data:`msin_fed.linkage.scoring.DEFAULT_MODEL` (or the model given):
two records of *different* members are scored from the tokens they share, each with its
frequency (distinct records holding it, counted in the store), so frequent tokens are
down-weighted and, past ``max_frequency``, ignored. Only tokens are read: candidates come
from the indexed token key (a prefix of the value), never from a scan.

Incremental rules:

- a new record is scored against every record sharing one of its tokens;
- a token whose frequency changed (a record added or withdrawn) rescores the pairs of
  its other holders, because its weight changed (while it is under ``max_frequency``);
- clusters are the connected components of matched pairs; only the components touching
  a changed pair are recomputed. A component keeps the id most of its records had
  before (a split leaves the largest part the old id), so cluster ids stay stable.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel
from msin_fed.model import Token

from .store import (
    ClusterInfo,
    SharedStore,
    _chunks,
    bulk_insert,
    cluster_of,
    pairs,
    select_in,
    token_key,
    tokens,
)

__all__ = ["Entry", "MatchChange", "MatchEngine", "MatchView"]

TokenLike = Token | tuple[str, bytes]
Entry = tuple[str, str, Iterable[TokenLike]]
_PairKey = tuple[str, str]

TOKEN_COLUMNS = ("record_id", "member_id", "kind", "value", "epoch", "key")

NEW = "new"
UPDATED = "updated"
REMOVED = "removed"


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
    """Incremental matcher over a :class:`SharedStore` (see the module docstring)."""

    def __init__(self, store: SharedStore, model: ScoringModel = DEFAULT_MODEL, epoch: int = 1) -> None:
        self.store = store
        self.model = model
        #: Epoch recorded for ``(kind, value)`` tokens given without one.
        self.epoch = epoch

    # ------------------------------------------------------------------ public API

    def ingest(self, entries: Iterable[Entry], conn: Connection | None = None) -> list[MatchChange]:
        """Add records' tokens and update matches and clusters; the records' changes."""
        with self._tx(conn) as c:
            return self._ingest(c, entries)

    def withdraw(self, record_id: str, conn: Connection | None = None) -> list[MatchChange]:
        """Remove a record's tokens and matches; the changes of the records it matched."""
        with self._tx(conn) as c:
            return self._withdraw(c, record_id)

    def pairs(self) -> Iterator[tuple[str, str, float]]:
        """Every matched pair ``(record_a, record_b, score)`` with ``record_a < record_b``."""
        with self.store.read() as conn:
            rows = conn.execute(
                sa.select(pairs.c.record_a, pairs.c.record_b, pairs.c.score).order_by(
                    pairs.c.record_a, pairs.c.record_b
                )
            ).all()
        for a, b, s in rows:
            yield a, b, float(s)

    def clusters(self, limit: int | None = None) -> list[ClusterInfo]:
        """Clusters of matched records, largest first."""
        return self.store.clusters(limit)

    def views(self, record_ids: Sequence[str]) -> dict[str, MatchView]:
        """Current match views of the records given (records without matches are absent)."""
        with self.store.read() as conn:
            rows = self._pairs_touching(conn, set(record_ids))
            cids = self._cluster_ids(conn, set(record_ids))
        return _views(set(record_ids), rows, cids)

    # ------------------------------------------------------------------ ingest / withdraw

    def _ingest(self, conn: Connection, entries: Iterable[Entry]) -> list[MatchChange]:
        new_tokens: dict[str, set[tuple[str, bytes]]] = {}
        rows: list[tuple[str, str, str, bytes, int, int]] = []
        for record_id, member_id, toks in entries:
            seen = new_tokens.setdefault(record_id, set())
            for tok in toks:
                kind, value, epoch = (
                    (tok.kind, tok.value, tok.epoch)
                    if isinstance(tok, Token)
                    else (tok[0], tok[1], self.epoch)
                )
                if (kind, value) in seen:
                    continue
                seen.add((kind, value))
                rows.append((record_id, member_id, kind, value, epoch, token_key(value)))
        bulk_insert(conn, tokens, TOKEN_COLUMNS, rows)
        values = {v for toks in new_tokens.values() for _k, v in toks}
        freq = self._frequencies(conn, values)
        limit = self.model.max_frequency + 1
        # Holders of tokens that can still carry weight (or just lost it).
        holders = self._holders(conn, [v for v in values if 2 <= freq.get(v, 0) <= limit])
        candidates: set[_PairKey] = set()
        for value, held in holders.items():
            ids = sorted(held)
            new_here = [r for r in ids if r in new_tokens]
            old_here = [r for r in ids if r not in new_tokens]
            for r in new_here:
                for other in ids:
                    if other != r and held[other] != held[r]:
                        candidates.add(_key(r, other))
            # The token's frequency changed, so every pair of its older holders rescores.
            if new_here and len(old_here) >= 2:
                for a, b in combinations(old_here, 2):
                    if held[a] != held[b]:
                        candidates.add(_key(a, b))
            del value
        return self._update(conn, candidates, removed=set())

    def _withdraw(self, conn: Connection, record_id: str) -> list[MatchChange]:
        values = set(conn.execute(sa.select(tokens.c.value).where(tokens.c.record_id == record_id)).scalars())
        conn.execute(tokens.delete().where(tokens.c.record_id == record_id))
        freq = self._frequencies(conn, values)
        limit = self.model.max_frequency + 1
        holders = self._holders(conn, [v for v in values if 2 <= freq.get(v, 0) < limit])
        candidates: set[_PairKey] = set()
        for held in holders.values():
            for a, b in combinations(sorted(held), 2):
                if held[a] != held[b]:
                    candidates.add(_key(a, b))
        return self._update(conn, candidates, removed={record_id})

    # ------------------------------------------------------------------ the update

    def _update(self, conn: Connection, candidates: set[_PairKey], removed: set[str]) -> list[MatchChange]:
        endpoints = {r for pair in candidates for r in pair}
        old_rows = self._pairs_touching(conn, endpoints | removed)
        neighbours_of_removed = {
            x for (a, b) in old_rows if a in removed or b in removed for x in (a, b)
        } - removed
        touched = endpoints | neighbours_of_removed
        old_cids = self._cluster_ids(conn, touched | removed)
        old_views = _views(touched, old_rows, old_cids)

        scored = self._score(conn, candidates)
        new_rows = {k: v for k, v in old_rows.items() if not (set(k) & removed)}
        changed_pairs: set[_PairKey] = {k for k in old_rows if set(k) & removed}
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

        for chunk in _chunks(sorted(changed_pairs)):
            conn.execute(pairs.delete().where(sa.tuple_(pairs.c.record_a, pairs.c.record_b).in_(chunk)))
        inserts = [
            {
                "record_a": a,
                "record_b": b,
                "member_a": p.member_a,
                "member_b": p.member_b,
                "score": p.score,
                "kinds": p.kinds,
            }
            for (a, b), p in new_rows.items()
            if (a, b) in changed_pairs
        ]
        if inserts:
            conn.execute(pairs.insert(), inserts)
        if removed:
            conn.execute(cluster_of.delete().where(cluster_of.c.record_id.in_(sorted(removed))))

        changed_records = {r for k in changed_pairs for r in k} - removed
        new_cids = self._recluster(conn, changed_records, old_cids)
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

    def _score(self, conn: Connection, candidates: set[_PairKey]) -> dict[_PairKey, _PairResult]:
        """Matched pairs among the candidates (unmatched ones are absent)."""
        if not candidates:
            return {}
        ids = sorted({r for pair in candidates for r in pair})
        held: dict[str, dict[bytes, str]] = {}
        member: dict[str, str] = {}
        for chunk in _chunks(ids):
            for rid, mid, kind, value in conn.execute(
                sa.select(tokens.c.record_id, tokens.c.member_id, tokens.c.kind, tokens.c.value).where(
                    tokens.c.record_id.in_(chunk)
                )
            ):
                held.setdefault(rid, {})[bytes(value)] = kind
                member[rid] = mid
        shared_values: set[bytes] = set()
        for a, b in candidates:
            ta, tb = held.get(a, {}), held.get(b, {})
            shared_values.update(ta.keys() & tb.keys())
        freq = self._frequencies(conn, shared_values)
        disagree_kinds = set(self.model.disagreement)
        out: dict[_PairKey, _PairResult] = {}
        for a, b in candidates:
            ta, tb = held.get(a, {}), held.get(b, {})
            if not ta or not tb or member[a] == member[b]:
                continue
            common = ta.keys() & tb.keys()
            shared = [(ta[v], max(freq.get(v, 2), 2)) for v in common]
            agreed = {k for k, _f in shared}
            disagree: list[str] = []
            if disagree_kinds:
                ka, kb = set(ta.values()), set(tb.values())
                disagree = [k for k in disagree_kinds & ka & kb if k not in agreed]
            score = self.model.pair_score(shared, disagree)
            if self.model.is_match(score):
                kinds = sorted({k for k, f in shared if self.model.useful(k, f)})
                out[(a, b)] = _PairResult(member[a], member[b], round(score, 6), ",".join(kinds))
        return out

    def _recluster(self, conn: Connection, seeds: set[str], old_cids: dict[str, str]) -> dict[str, str]:
        """Recompute the components containing ``seeds``; their records' cluster ids."""
        assigned: dict[str, str] = {}
        done: set[str] = set()
        for seed in sorted(seeds):
            if seed in done:
                continue
            component = self._component(conn, seed)
            done |= component
            if len(component) < 2:
                conn.execute(cluster_of.delete().where(cluster_of.c.record_id == seed))
                continue
            previous = self._cluster_ids(conn, component)
            votes = Counter(previous.values())
            # Keep the id most records had, unless another component already took it.
            cid = (
                next(
                    (
                        c
                        for c, _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                        if c not in assigned.values()
                    ),
                    None,
                )
                or uuid.uuid4().hex
            )
            stale = [r for r in component if previous.get(r) != cid]
            for chunk in _chunks(sorted(stale)):
                conn.execute(cluster_of.delete().where(cluster_of.c.record_id.in_(chunk)))
            if stale:
                conn.execute(cluster_of.insert(), [{"record_id": r, "cluster_id": cid} for r in stale])
            for r in component:
                assigned[r] = cid
        del old_cids
        return assigned

    def _component(self, conn: Connection, seed: str) -> set[str]:
        seen = {seed}
        frontier = {seed}
        while frontier:
            nxt: set[str] = set()
            for chunk in _chunks(sorted(frontier)):
                for a, b in conn.execute(
                    sa.select(pairs.c.record_a, pairs.c.record_b).where(
                        sa.or_(pairs.c.record_a.in_(chunk), pairs.c.record_b.in_(chunk))
                    )
                ):
                    nxt.update((a, b))
            frontier = nxt - seen
            seen |= frontier
        return seen

    # ------------------------------------------------------------------ queries

    def _frequencies(self, conn: Connection, values: Iterable[bytes]) -> dict[bytes, int]:
        """value -> number of records holding it (values held by none are absent)."""
        wanted = set(values)
        rows = select_in(
            conn,
            "SELECT value, COUNT(*) FROM tokens WHERE key IN ({}) GROUP BY value",
            {token_key(v) for v in wanted},
        )
        return {bytes(v): int(n) for v, n in rows if bytes(v) in wanted}

    def _holders(self, conn: Connection, values: Sequence[bytes]) -> dict[bytes, dict[str, str]]:
        """value -> {record_id: member_id} for the values given."""
        wanted = set(values)
        out: dict[bytes, dict[str, str]] = {}
        for value, rid, mid in select_in(
            conn,
            "SELECT value, record_id, member_id FROM tokens WHERE key IN ({})",
            {token_key(v) for v in wanted},
        ):
            if bytes(value) in wanted:
                out.setdefault(bytes(value), {})[rid] = mid
        return out

    def _pairs_touching(self, conn: Connection, record_ids: set[str]) -> dict[_PairKey, _PairResult]:
        out: dict[_PairKey, _PairResult] = {}
        for chunk in _chunks(sorted(record_ids)):
            for row in conn.execute(
                sa.select(pairs).where(sa.or_(pairs.c.record_a.in_(chunk), pairs.c.record_b.in_(chunk)))
            ):
                out[(row.record_a, row.record_b)] = _PairResult(
                    row.member_a, row.member_b, float(row.score), row.kinds
                )
        return out

    def _cluster_ids(self, conn: Connection, record_ids: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(sorted(record_ids)):
            for rid, cid in conn.execute(
                sa.select(cluster_of.c.record_id, cluster_of.c.cluster_id).where(
                    cluster_of.c.record_id.in_(chunk)
                )
            ):
                out[rid] = cid
        return out

    @contextmanager
    def _tx(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.store.write() as c:
                yield c


def _key(a: str, b: str) -> _PairKey:
    return (a, b) if a < b else (b, a)


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
