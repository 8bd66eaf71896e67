"""A pure, incremental matcher over blind tokens, scoring pairs with the one model.

It holds what the coordinator holds (record keys, their member, and ``(kind, token)``
pairs) and nothing else, so the coordinator can embed it as is: add or remove records
as they are shared or withdrawn, and ask for the scored pairs touching a record or for
all of them. Only records of *different* members are ever paired.

Candidate pairs come from the inverted index token -> holders; a token that the model
says cannot add anything at its frequency (held by more than ``max_frequency`` records,
or discounted to zero) is never expanded into pairs, which also keeps the work linear
in practice: a shared office landline held by 200 records costs nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

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

    def __init__(self, model: ScoringModel = DEFAULT_MODEL) -> None:
        self.model = model
        self._member: dict[K, Hashable] = {}
        self._tokens: dict[K, frozenset[TokenKey]] = {}
        self._kinds: dict[K, frozenset[str]] = {}
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
        self._kinds[record] = frozenset(kind for kind, _ in held)
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
        self._kinds.pop(record, None)
        self._order.pop(record, None)

    def frequency(self, kind: str, value: bytes) -> int:
        """How many records hold this token."""
        return len(self._holders.get((kind, value), ()))

    def _score(self, a: K, b: K, shared: list[tuple[str, int]]) -> float:
        disagreement = self.model.disagreement
        disagree: list[str] = []
        if disagreement:
            shared_kinds = {kind for kind, _ in shared}
            both = self._kinds[a] & self._kinds[b]
            disagree = [k for k in both if k in disagreement and k not in shared_kinds]
        return self.model.pair_score(shared, disagree)

    def _candidates(self, records: Iterable[K]) -> dict[tuple[K, K], list[tuple[str, int]]]:
        shared: dict[tuple[K, K], list[tuple[str, int]]] = defaultdict(list)
        useful = self.model.useful
        seen_tokens: set[TokenKey] = set()
        for record in records:
            for token in self._tokens.get(record, ()):
                if token in seen_tokens:
                    continue
                seen_tokens.add(token)
                holders = self._holders[token]
                freq = len(holders)
                if freq < 2 or not useful(token[0], freq):
                    continue
                ordered = sorted(holders, key=self._order.__getitem__)
                for i, a in enumerate(ordered):
                    for b in ordered[i + 1 :]:
                        if self._member[a] != self._member[b]:
                            shared[(a, b)].append((token[0], freq))
        return shared

    def _scored(self, shared: dict[tuple[K, K], list[tuple[str, int]]]) -> Iterator[ScoredPair[K]]:
        for (a, b), tokens in shared.items():
            score = self._score(a, b, tokens)
            if self.model.is_match(score):
                yield ScoredPair(a, b, score, frozenset(kind for kind, _ in tokens))

    def pairs_for(self, record: K) -> list[ScoredPair[K]]:
        """Matched pairs involving ``record`` (e.g. after it was added)."""
        shared = self._candidates([record])
        mine = {key: v for key, v in shared.items() if record in key}
        return list(self._scored(mine))

    def pairs(self) -> list[ScoredPair[K]]:
        """Every matched pair of records from different members."""
        return list(self._scored(self._candidates(list(self._member))))
