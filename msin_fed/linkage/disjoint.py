"""Disjoint sets (union-find with path halving), for the groupings linkage makes of
records, numbers and places."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class DisjointSets(Generic[K]):
    """Items joined into groups; an item is added the first time it is named."""

    def __init__(self, items: Iterable[K] = ()) -> None:
        self._parent: dict[K, K] = {}
        for item in items:
            self.find(item)

    def find(self, x: K) -> K:
        """The representative of ``x``'s group."""
        parent = self._parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: K, b: K) -> bool:
        """Join the groups of ``a`` and ``b``; whether they were apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self._parent[ra] = rb
        return True

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._parent))

    def groups(self) -> list[set[K]]:
        """Every group, largest first."""
        out: dict[K, set[K]] = {}
        for x in self:
            out.setdefault(self.find(x), set()).add(x)
        return sorted(out.values(), key=len, reverse=True)
