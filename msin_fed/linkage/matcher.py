"""A pure, incremental matcher over blind tokens, scoring pairs with the one model.

It holds what the coordinator holds (record keys, their member, and ``(kind, token)``
pairs) and nothing else, so the coordinator can embed it as is: add or remove records
as they are shared or withdrawn, and ask for the scored pairs touching a record or for
all of them. Only records of *different* members are ever paired.

Candidate pairs come from the inverted index token -> holders; a token held by more than
``max_frequency`` records is never expanded into pairs, which also keeps the work linear
in practice: a shared office landline held by 200 records costs nothing. Candidates,
entity counts and scores are :mod:`msin_fed.linkage.core`, shared with the coordinator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from msin_fed.linkage.core import candidate_pairs, cluster_records, score_pairs
from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel

__all__ = ["Matcher", "ScoredPair"]

K = TypeVar("K", bound=Hashable)
TokenKey = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class ScoredPair(Generic[K]):
    """A matched pair of records (``left`` was added before ``right``) and its score."""

    left: K
    right: K
    score: float
    kinds: frozenset[str]  # token kinds the pair shares (what members are told)


class Matcher(Generic[K]):
    """Records of several members, their tokens, and the pairs the model matches."""

    def __init__(self, model: ScoringModel = DEFAULT_MODEL, order: Callable[[K], Any] | None = None) -> None:
        """``order``: how records sort where pairs tie in :meth:`clusters` (the record itself
        when None). The coordinator sorts by record id, so ``msin link`` passes the record
        id first: a report matching two records that contradict with equal scores then
        joins the same one on both paths, whatever order the files were read in."""
        self.model = model
        self._key: Callable[[K], Any] = order if order is not None else (lambda r: r)
        self._member: dict[K, Hashable] = {}
        self._tokens: dict[K, frozenset[TokenKey]] = {}
        self._values: dict[K, dict[bytes, str]] = {}
        self._holders: dict[TokenKey, set[K]] = defaultdict(set)
        self._order: dict[K, int] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._member)

    def add(self, record: K, member: Hashable, tokens: Iterable[tuple[str, bytes]]) -> None:
        """Add (or replace) ``record`` of ``member`` with its ``(kind, token)`` pairs."""
        if record in self._member:
            self.remove(record)
        held = frozenset((kind, bytes(value)) for kind, value in tokens)
        self._member[record] = member
        self._order[record] = self._next
        self._next += 1
        self._tokens[record] = held
        self._values[record] = {value: kind for kind, value in held}
        for token in held:
            self._holders[token].add(record)

    def remove(self, record: K) -> None:
        """Withdraw ``record``: its tokens no longer count for anyone's frequencies."""
        for token in self._tokens.pop(record, frozenset()):
            holders = self._holders[token]
            holders.discard(record)
            if not holders:
                del self._holders[token]
        self._member.pop(record, None)
        self._values.pop(record, None)
        self._order.pop(record, None)

    def frequency(self, kind: str, value: bytes) -> int:
        """How many records hold this token."""
        return len(self._holders.get((kind, value), ()))

    def _score(self, candidates: set[tuple[K, K]]) -> list[ScoredPair[K]]:
        endpoints = {r for pair in candidates for r in pair}
        held: dict[K, dict[bytes, str]] = {}
        holders: dict[bytes, set[K]] = {}
        most = self.model.max_frequency
        for r in endpoints:
            held[r] = self._values[r]
        for a, b in candidates:
            ta, tb = held[a], held[b]
            for value in ta.keys() & tb.keys():
                if value not in holders:
                    group = self._holders[(ta[value], value)]
                    if len(group) <= most:
                        holders[value] = group
        for group in holders.values():
            for r in group:
                if r not in held:
                    held[r] = self._values[r]
        scored = score_pairs(self.model, candidates, held, self._member, holders)
        return [ScoredPair(a, b, p.score, p.kinds) for (a, b), p in scored.items()]

    def _groups(self, records: Iterable[K]) -> list[dict[K, Hashable]]:
        seen: set[TokenKey] = set()
        groups: list[dict[K, Hashable]] = []
        most = self.model.max_frequency
        for record in records:
            for token in self._tokens.get(record, ()):
                if token in seen:
                    continue
                seen.add(token)
                group = self._holders[token]
                if 2 <= len(group) <= most:
                    groups.append({r: self._member[r] for r in group})
        return groups

    def pairs_for(self, record: K) -> list[ScoredPair[K]]:
        """Matched pairs involving ``record`` (e.g. after it was added)."""
        candidates = {p for p in candidate_pairs(self._groups([record]), self._order.__getitem__) if record in p}
        return self._score(candidates)

    def pairs(self) -> list[ScoredPair[K]]:
        """Every matched pair of records from different members."""
        return self._score(candidate_pairs(self._groups(list(self._member)), self._order.__getitem__))

    def clusters(self, pairs: Iterable[ScoredPair[K]] | None = None) -> list[set[K]]:
        """Clusters of the matched ``pairs`` (all pairs when None), largest first: what the
        coordinator shows STTG, by the same :func:`msin_fed.linkage.core.cluster_records`."""
        scored = self.pairs() if pairs is None else pairs
        edges = [(p.left, p.right, p.score) for p in scored]
        return cluster_records(edges, self._values, self._key)
