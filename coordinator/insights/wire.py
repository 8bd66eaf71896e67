"""GetInsights on the wire: :class:`~._aggregate.Insights` to protobuf and back.

Only what the insights report publishes crosses: a suppressed count travels as
``suppressed`` with no value, so the true count never leaves the coordinator. Used by
the coordinator's servicer and by :class:`msin_fed.analyst.AnalystClient`; nothing else
sees these messages.
"""

from __future__ import annotations

from msin_fed.coordinator.insights._aggregate import (
    ActionSummary,
    AlertSummary,
    ClusterGrowth,
    ClusterRow,
    Insights,
    Table,
)
from msin_fed.coordinator.insights._config import InsightConfig

from msin_fed.errors import ValidationError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import tlp_from_pb, tlp_to_pb

__all__ = ["insights_from_pb", "insights_to_pb"]


def _count_pb(value: int | None) -> pb.InsightCount:
    return pb.InsightCount(suppressed=True) if value is None else pb.InsightCount(value=value)


def _count(msg: pb.InsightCount) -> int | None:
    return None if msg.suppressed else int(msg.value)


def _table_pb(t: Table) -> pb.InsightTable:
    msg = pb.InsightTable(
        name=t.name, title=t.title, row_title=t.row_title,
        row_codes=t.row_codes, row_labels=t.row_labels, col_codes=t.col_codes, col_labels=t.col_labels,
        values=[_count_pb(v) for row in t.values for v in row],
        has_margins=t.row_totals is not None, has_total=t.has_total,
    )
    if t.row_totals is not None:
        msg.row_totals.extend(_count_pb(v) for v in t.row_totals)
        msg.col_totals.extend(_count_pb(v) for v in t.col_totals or ())
    if t.has_total:
        msg.total.CopyFrom(_count_pb(t.total))
    return msg


def _table(msg: pb.InsightTable) -> Table:
    cols = len(msg.col_codes)
    rows = len(msg.row_codes)
    if len(msg.values) != rows * cols or len(msg.row_labels) != rows or len(msg.col_labels) != cols:
        raise ValidationError(f"tables[{msg.name}]", "cell count does not match its rows and columns")
    cells = [_count(v) for v in msg.values]
    return Table(
        name=msg.name, title=msg.title, row_title=msg.row_title,
        row_codes=tuple(msg.row_codes), row_labels=tuple(msg.row_labels),
        col_codes=tuple(msg.col_codes), col_labels=tuple(msg.col_labels),
        values=tuple(tuple(cells[i * cols:(i + 1) * cols]) for i in range(rows)),
        row_totals=tuple(_count(v) for v in msg.row_totals) if msg.has_margins else None,
        col_totals=tuple(_count(v) for v in msg.col_totals) if msg.has_margins else None,
        total=_count(msg.total) if msg.has_total else None,
        has_total=msg.has_total,
    )


def insights_to_pb(ins: Insights) -> pb.GetInsightsResponse:
    """The wire form of computed (already suppressed) insights."""
    acts = ins.actions
    return pb.GetInsightsResponse(
        month=ins.month,
        window=ins.window,
        min_records=ins.config.min_records,
        min_members=ins.config.min_members,
        network_name=ins.config.network_name,
        tables=[_table_pb(t) for t in ins.tables.values()],
        clusters=[
            pb.InsightCluster(label=c.label, members=c.members, regions=c.regions, months=c.months,
                              records=c.records, first_month=c.first_month, last_month=c.last_month)
            for c in ins.clusters
        ],
        clusters_unpublished=ins.clusters_unpublished,
        growth_months=ins.growth.months,
        growth_new=ins.growth.new,
        growth_cumulative=ins.growth.cumulative,
        median_days=[
            pb.InsightMedian(outcome=o, shown=d is not None, days=d or 0.0) for o, d in acts.median_days.items()
        ],
        overall_median=pb.InsightMedian(outcome="all", shown=acts.overall_median_days is not None,
                                        days=acts.overall_median_days or 0.0),
        clusters_total=acts.clusters_total,
        clusters_without_action=acts.clusters_without_action,
        alerts=[
            pb.InsightAlert(summary=a.summary, tlp=tlp_to_pb(a.tlp), region=a.region, sector=a.sector,  # type: ignore[arg-type]
                            exploitation_type=a.exploitation_type, date=a.date)
            for a in ins.alerts
        ],
        lessons=ins.lessons,
        tlp=tlp_to_pb(ins.tlp) if ins.tlp is not None else pb.TLP_UNSPECIFIED,  # type: ignore[arg-type]
        records_excluded_by_tlp=ins.records_excluded_by_tlp,
        member_lessons=ins.member_lessons,
        member_lessons_written=ins.member_lessons_written,
    )


def insights_from_pb(msg: pb.GetInsightsResponse) -> Insights:
    """:class:`Insights` from the wire (the charts, tables and texts of the report draw on it).

    ``config.lessons`` is empty: the analysts' own lessons arrive merged into ``lessons``.
    """
    tables = {t.name: _table(t) for t in msg.tables}
    if "actions" not in tables or "month" not in tables:
        raise ValidationError("tables", "the answer lacks the actions or month table")
    config = InsightConfig(min_records=msg.min_records, min_members=msg.min_members,
                           window_months=len(msg.window), network_name=msg.network_name)
    medians = {m.outcome: (m.days if m.shown else None) for m in msg.median_days}
    return Insights(
        month=msg.month,
        window=tuple(msg.window),
        config=config,
        tables=tables,
        clusters=tuple(
            ClusterRow(c.label, c.members, c.regions, c.months, c.records, c.first_month, c.last_month)
            for c in msg.clusters
        ),
        clusters_unpublished=msg.clusters_unpublished,
        growth=ClusterGrowth(tuple(msg.growth_months), tuple(msg.growth_new), tuple(msg.growth_cumulative)),
        actions=ActionSummary(
            table=tables["actions"],
            median_days=medians,
            overall_median_days=msg.overall_median.days if msg.overall_median.shown else None,
            clusters_total=msg.clusters_total,
            clusters_without_action=msg.clusters_without_action,
        ),
        alerts=tuple(
            AlertSummary(a.summary, tlp_from_pb(a.tlp, "alerts.tlp"), a.region, a.sector, a.exploitation_type, a.date)
            for a in msg.alerts
        ),
        lessons=tuple(msg.lessons),
        tlp=tlp_from_pb(msg.tlp) if msg.tlp != pb.TLP_UNSPECIFIED else None,
        records_excluded_by_tlp=msg.records_excluded_by_tlp,
        member_lessons=tuple(msg.member_lessons),
        member_lessons_written=msg.member_lessons_written,
    )
