"""What the analyst queries select and return, free of gRPC: cluster filters and one cluster in full."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from msin_fed.errors import ValidationError
from msin_fed.model import SharedRecord

from .store import ActionRow, AlertRow, ClusterInfo

__all__ = ["ClusterDetail", "ClusterFilter"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
KINDS = frozenset({"perpetrator", "site"})


@dataclass(frozen=True)
class ClusterFilter:
    """Conditions a listed cluster must meet; empty strings and 0 mean "any"."""

    kind: str = ""
    region: str = ""
    sector: str = ""
    exploitation_type: str = ""
    min_members: int = 0
    since_month: str = ""
    matched_kind: str = ""

    def is_empty(self) -> bool:
        """True when no condition is set."""
        return self == ClusterFilter()

    def check(self) -> None:
        """ValidationError naming the field when a condition cannot be right."""
        if self.kind and self.kind not in KINDS:
            raise ValidationError("kind", f"must be one of {sorted(KINDS)}, not {self.kind!r}")
        if self.since_month and not _MONTH.fullmatch(self.since_month):
            raise ValidationError("since_month", f"wrong format (expected YYYY-MM), got {self.since_month!r}")

    def admits_cluster(self, cluster: ClusterInfo) -> bool:
        """The conditions on the cluster itself."""
        return (
            (not self.kind or cluster.kind == self.kind)
            and len(cluster.members) >= self.min_members
            and (not self.since_month or cluster.last_month >= self.since_month)
            and (not self.matched_kind or self.matched_kind in cluster.matched_kinds)
        )

    def admits_records(self, records: Iterable[SharedRecord]) -> bool:
        """The conditions on its records: each set one holds for at least one record."""
        recs = list(records)
        return (
            (not self.region or any(r.region.value == self.region for r in recs))
            and (not self.sector or any(r.sector.value == self.sector for r in recs))
            and (not self.exploitation_type or any(r.exploitation_type.value == self.exploitation_type for r in recs))
        )


@dataclass(frozen=True)
class ClusterDetail:
    """One cluster, its records (by id), when each was stored, the alerts on them and the actions."""

    cluster: ClusterInfo
    records: dict[str, SharedRecord]
    received_at: dict[str, _dt.datetime]
    alerts: list[AlertRow]
    actions: list[ActionRow]
