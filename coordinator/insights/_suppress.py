"""Small-cell suppression with secondary (complementary) suppression.

Every published count is a *quantity* named by a :data:`Key`: the set of
``(dimension, value)`` conditions a record must meet to be counted, so the same
quantity appearing in two tables (``{region=TLD}`` is a row total of the region-by-sector
table and a cell of the by-region table) is hidden or shown in both alike.

Published sums are *lines*: ``sum(parts) == total``. Primary suppression hides every
non-zero quantity under ``min_records`` records or from fewer than ``min_members``
members. Secondary suppression then walks every line whose total is published: if it
hides any part, the hidden parts together must number at least two and, summed, be
publishable themselves (so subtracting the published parts from the total reveals
neither a single hidden cell nor a small group). Otherwise the smallest non-zero
published part is hidden as well, or, when none is left, the line's total. Hiding a total
makes it a hidden part of the lines it belongs to; a hidden total whose parts are all
published would be their sum, so one of them is hidden too. The walk repeats until
nothing changes. Zero counts are published: they describe nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Key", "Line", "Rule", "Tally", "key", "suppress"]

#: A quantity: the conditions a counted record meets, e.g. ``{("region", "TLD")}``.
Key = frozenset[tuple[str, str]]


def key(**conditions: str) -> Key:
    """The quantity counting records that meet every condition given."""
    return frozenset(conditions.items())


@dataclass(frozen=True, slots=True)
class Line:
    """A published sum: the parts add up to the total."""

    parts: tuple[Key, ...]
    total: Key


@dataclass(frozen=True, slots=True)
class Rule:
    """The small-cell rule."""

    min_records: int = 5
    min_members: int = 2

    def sensitive(self, count: int, members: int) -> bool:
        """True when a non-zero count may not be published on its own."""
        return count > 0 and (count < self.min_records or members < self.min_members)


@dataclass
class Tally:
    """Counts and distinct contributing members per quantity (members stay in here)."""

    counts: dict[Key, int] = field(default_factory=dict)
    _members: dict[Key, set[str]] = field(default_factory=dict)

    def add(self, k: Key, member_id: str) -> None:
        """Count one record of ``member_id`` under quantity ``k``."""
        self.counts[k] = self.counts.get(k, 0) + 1
        self._members.setdefault(k, set()).add(member_id)

    def ensure(self, keys: Iterable[Key]) -> None:
        """Make sure each quantity exists (with a zero count when nothing was added)."""
        for k in keys:
            self.counts.setdefault(k, 0)
            self._members.setdefault(k, set())

    def count(self, k: Key) -> int:
        """The count of a quantity (0 when unknown)."""
        return self.counts.get(k, 0)

    def member_count(self, keys: Iterable[Key]) -> int:
        """How many distinct members contributed to the given quantities together."""
        seen: set[str] = set()
        for k in keys:
            seen |= self._members.get(k, set())
        return len(seen)


def _order(tally: Tally, k: Key) -> tuple[int, tuple[tuple[str, str], ...]]:
    return (tally.count(k), tuple(sorted(k)))


def suppress(tally: Tally, lines: Sequence[Line], rule: Rule) -> frozenset[Key]:
    """The quantities to hide: primary cells plus complements that protect them."""
    hidden = {
        k for k, n in tally.counts.items() if rule.sensitive(n, tally.member_count((k,)))
    }
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.total in hidden:
                # A hidden total whose parts are all published is their sum: hide a part too.
                if not any(p in hidden for p in line.parts):
                    spare = [p for p in line.parts if tally.count(p) > 0]
                    if spare:
                        hidden.add(min(spare, key=lambda p: _order(tally, p)))
                        changed = True
                continue
            group = [p for p in line.parts if p in hidden]
            if not group:
                continue
            while not (
                len(group) >= 2
                and not rule.sensitive(sum(tally.count(p) for p in group), tally.member_count(group))
            ):
                spare = [p for p in line.parts if p not in hidden and tally.count(p) > 0]
                if not spare:
                    hidden.add(line.total)
                    changed = True
                    break
                pick = min(spare, key=lambda p: _order(tally, p))
                hidden.add(pick)
                group.append(pick)
                changed = True
    return frozenset(hidden)
