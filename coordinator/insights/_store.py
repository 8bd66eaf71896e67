"""The coordinator's shared store seen as an :class:`~._inputs.InsightSource`."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from msin_fed.coordinator.insights._inputs import ActionView, AlertView, CaseActionView, ClusterView, Outcome

from msin_fed.errors import ValidationError
from msin_fed.model import SharedRecord

if TYPE_CHECKING:
    from ..store import SharedStore

__all__ = ["StoreSource"]

log = logging.getLogger(__name__)


class StoreSource:
    """Reads records, clusters, actions and alerts from a :class:`SharedStore`.

    Clusters and alerts are read once and kept; records are streamed in batches.
    Alerts take TLP and coarse facts from their record; an alert whose record was
    withdrawn is left out, since its TLP is no longer known.
    """

    def __init__(self, store: SharedStore) -> None:
        self.store = store
        self._clusters: list[ClusterView] | None = None
        self._alerts: list[AlertView] | None = None

    def count_records(self) -> int:
        """How many records the store holds (for progress)."""
        return self.store.count_records()

    def iter_records(self) -> Iterator[SharedRecord]:
        """Every record, in batches."""
        return self.store.iter_records()

    def clusters(self) -> Iterable[ClusterView]:
        """Current clusters (no creation time is kept by the store)."""
        if self._clusters is None:
            self._clusters = [ClusterView(c.cluster_id, tuple(c.record_ids)) for c in self.store.clusters()]
        return self._clusters

    def actions(self) -> Iterable[ActionView]:
        """Every action; rows with an unknown outcome or bad date are skipped and counted in the log."""
        out = []
        bad = 0
        for row in self.store.actions():
            try:
                out.append(
                    ActionView(
                        action_id=row.action_id,
                        outcome=Outcome.parse(row.outcome),
                        date=_dt.date.fromisoformat(row.date),
                        record_id=row.record_id or None,
                        alert_id=row.alert_id or None,
                        created_at=row.created_at,
                        member_id=row.member_id,
                    )
                )
            except (ValidationError, ValueError):
                bad += 1
        if bad:
            log.warning("skipped %d action row(s) with an unknown outcome or date", bad)
        return out

    def case_actions(self) -> Iterable[CaseActionView]:
        """Every action recorded on a case; rows with a bad date are skipped."""
        from ..cases import CaseStore

        out = []
        for row in CaseStore(self.store).all_actions():
            try:
                when = _dt.date.fromisoformat(row.date)
            except ValueError:
                continue
            out.append(CaseActionView(row.case_id, row.kind, row.outcome, when, row.member_id, row.lessons))
        return out

    def alerts(self) -> Iterable[AlertView]:
        """Every alert whose record is still stored."""
        if self._alerts is None:
            rows = self.store.alerts()
            recs = self.store.records_by_id(sorted({r.record_id for r in rows}))
            self._alerts = []
            for row in rows:
                rec = recs.get(row.record_id)
                if rec is None:
                    continue
                self._alerts.append(
                    AlertView(
                        alert_id=row.alert_id,
                        summary=row.summary,
                        tlp=rec.tlp,
                        region=rec.region,
                        sector=rec.sector,
                        exploitation_type=rec.exploitation_type,
                        created_at=row.created_at,
                        record_id=row.record_id,
                    )
                )
        return self._alerts
