"""Aggregates over the shared store, suppressed for publication.

One pass over the records fills a :class:`~._suppress.Tally`; the tables below are views
of it whose hidden values are ``None``. Records under TLP:RED or TLP:AMBER+STRICT are
left out of everything here, because everything here may leave the analysts.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from msin_fed.coordinator.insights._config import NEVER_EXPORTED, InsightConfig
from msin_fed.coordinator.insights._inputs import AlertView, InsightSource, Outcome
from msin_fed.coordinator.insights._lessons import lessons_learned
from msin_fed.coordinator.insights._redact import scrub
from msin_fed.coordinator.insights._suppress import Key, Line, Rule, Tally, key, suppress

from msin_fed.errors import ValidationError
from msin_fed.model import ExploitationFamily, ExploitationType, Indicator, Region, Sector, Tlp
from msin_fed.model.cases import ACTION_KINDS, ACTION_OUTCOMES

__all__ = [
    "ActionSummary",
    "AlertSummary",
    "ClusterGrowth",
    "ClusterRow",
    "Insights",
    "Table",
    "compute_insights",
    "month_window",
]

_TLP_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
_ACTIONS = ("of", "actions")


def _check_month(month: str) -> tuple[int, int]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        _dt.date(year, mon, 1)
    except (ValueError, TypeError):
        raise ValidationError("month", "wrong format (expected YYYY-MM)") from None
    if len(month) != 7:
        raise ValidationError("month", "wrong format (expected YYYY-MM)")
    return year, mon


def month_window(month: str, months: int) -> tuple[str, ...]:
    """The ``months`` months ending with ``month`` (oldest first)."""
    year, mon = _check_month(month)
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{mon:02d}")
        mon -= 1
        if mon == 0:
            year, mon = year - 1, 12
    return tuple(reversed(out))


@dataclass(frozen=True)
class Table:
    """A published table of counts; ``None`` marks a suppressed value.

    One-dimensional tables have a single column and no row or column totals.
    """

    name: str
    title: str
    row_title: str
    row_codes: tuple[str, ...]
    row_labels: tuple[str, ...]
    col_codes: tuple[str, ...]
    col_labels: tuple[str, ...]
    values: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...] | None = None
    col_totals: tuple[int | None, ...] | None = None
    total: int | None = None
    has_total: bool = True

    @property
    def suppressed(self) -> int:
        """How many values of the table are hidden (totals included)."""
        vals = [v for row in self.values for v in row]
        vals += list(self.row_totals or ()) + list(self.col_totals or ())
        if self.has_total:
            vals.append(self.total)
        return sum(1 for v in vals if v is None)

    def value(self, row: str, col: str | None = None) -> int | None:
        """The value at a row code (and column code for two-dimensional tables)."""
        i = self.row_codes.index(row)
        j = 0 if col is None else self.col_codes.index(col)
        return self.values[i][j]


@dataclass(frozen=True)
class ClusterRow:
    """A repeat perpetrator or site, big enough to publish. ``label`` is a report-local number."""

    label: str
    members: int
    regions: int
    months: int
    records: int
    first_month: str
    last_month: str


@dataclass(frozen=True)
class ClusterGrowth:
    """Clusters first seen per month of the window and the running total."""

    months: tuple[str, ...]
    new: tuple[int, ...]
    cumulative: tuple[int, ...]


@dataclass(frozen=True)
class ActionSummary:
    """Actions in the window: counts by outcome and days from match or alert to action."""

    table: Table
    median_days: dict[str, float | None]
    overall_median_days: float | None
    clusters_total: int
    clusters_without_action: int


@dataclass(frozen=True)
class AlertSummary:
    """An alert of the report month as it may be mailed: scrubbed summary, coarse facts."""

    summary: str
    tlp: Tlp
    region: str
    sector: str
    exploitation_type: str
    date: str


@dataclass(frozen=True)
class Insights:
    """Everything a report, the terminal table and the STIX export publish."""

    month: str
    window: tuple[str, ...]
    config: InsightConfig
    tables: dict[str, Table]
    clusters: tuple[ClusterRow, ...]
    clusters_unpublished: int
    growth: ClusterGrowth
    actions: ActionSummary
    alerts: tuple[AlertSummary, ...]
    lessons: tuple[str, ...]
    #: The strictest TLP among the records counted (None when there were none).
    tlp: Tlp | None
    records_excluded_by_tlp: int
    #: Members' own lessons learned on cases, scrubbed; empty unless enough members wrote
    #: enough of them to publish without pointing at one.
    member_lessons: tuple[str, ...] = ()
    #: Lessons written in the window (published or not).
    member_lessons_written: int = 0


def _vocab_table(
    name: str,
    title: str,
    row_title: str,
    rows: Sequence[tuple[str, str, Key]],
    cols: Sequence[tuple[str, str, Key]] | None,
    cell: Callable[[Key, Key], Key] | None,
    total: Key | None,
    hidden: frozenset[Key],
    tally: Tally,
) -> Table:
    def show(k: Key) -> int | None:
        return None if k in hidden else tally.count(k)

    if cols is None or cell is None:
        return Table(
            name=name,
            title=title,
            row_title=row_title,
            row_codes=tuple(r[0] for r in rows),
            row_labels=tuple(r[1] for r in rows),
            col_codes=("count",),
            col_labels=("Records",),
            values=tuple((show(r[2]),) for r in rows),
            total=show(total) if total is not None else None,
            has_total=total is not None,
        )
    return Table(
        name=name,
        title=title,
        row_title=row_title,
        row_codes=tuple(r[0] for r in rows),
        row_labels=tuple(r[1] for r in rows),
        col_codes=tuple(c[0] for c in cols),
        col_labels=tuple(c[1] for c in cols),
        values=tuple(tuple(show(cell(r[2], c[2])) for c in cols) for r in rows),
        row_totals=tuple(show(r[2]) for r in rows),
        col_totals=tuple(show(c[2]) for c in cols),
        total=show(total) if total is not None else None,
        has_total=total is not None,
    )


def _grid_lines(rows: Sequence[Key], cols: Sequence[Key], total: Key) -> list[Line]:
    lines = [Line(tuple(r | c for c in cols), r) for r in rows]
    lines += [Line(tuple(r | c for r in rows), c) for c in cols]
    lines += [Line(tuple(rows), total), Line(tuple(cols), total)]
    return lines


class _MonthTallies:
    """The window's tally and one per month of it, filled in the same pass.

    Each month is suppressed on its own and a window count containing a month's hidden
    count is hidden too, so that an analyst choosing overlapping windows (window 2 minus
    window 1, or 12 ending March minus 12 ending February) solves nothing the one-month
    answers hide: every count published for a window is a sum of counts published month
    by month."""

    def __init__(self, window: Sequence[str]) -> None:
        self.window = Tally()
        self.months = {m: Tally() for m in window}

    def add(self, k: Key, member_id: str, month: str) -> None:
        self.window.add(k, member_id)
        self.months[month].add(k, member_id)

    def hidden_by_month(self, lines_for: Callable[[tuple[str, ...]], list[Line]], rule: Rule) -> set[Key]:
        """Every count hidden in some month's own answer (none for a one-month window)."""
        if len(self.months) < 2:
            return set()
        out: set[Key] = set()
        for m, tally in self.months.items():
            out |= suppress(tally, lines_for((m,)), rule)
        return out


def _record_lines(window: tuple[str, ...]) -> list[Line]:
    grand = key()
    month_keys = [key(month=m) for m in window]
    fam_keys = [key(family=f.value) for f in ExploitationFamily]
    region_keys = [key(region=r.value) for r in Region]
    sector_keys = [key(sector=s.value) for s in Sector]
    lines = _grid_lines(month_keys, fam_keys, grand)
    lines += _grid_lines(region_keys, sector_keys, grand)
    for f in ExploitationFamily:
        lines.append(
            Line(tuple(key(type=t.value) for t in ExploitationType if t.family is f), key(family=f.value))
        )
    lines.append(Line(tuple(key(type=t.value) for t in ExploitationType), grand))
    lines += [
        Line((key(indicator=i.value), key(without_indicator=i.value)), grand) for i in Indicator
    ]
    return lines


def _median(values: Iterable[float]) -> float | None:
    vals = list(values)
    return float(statistics.median(vals)) if vals else None


def compute_insights(
    source: InsightSource,
    month: str,
    config: InsightConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> Insights:
    """Aggregate and suppress everything published about ``month`` and the window before it.

    ``progress`` is called with the number of records read so far, every 1000 records.
    """
    cfg = config or InsightConfig()
    rule = Rule(cfg.min_records, cfg.min_members)
    window = month_window(month, cfg.window_months)
    in_window = set(window)
    tallies = _MonthTallies(window)
    tally = tallies.window
    grand = key()

    # Per record: its owner, month, region and time shared. Kept for clusters and actions.
    owner: dict[str, str] = {}
    rec_month: dict[str, str] = {}
    rec_region: dict[str, str] = {}
    rec_shared: dict[str, _dt.datetime] = {}
    excluded: set[str] = set()
    strictest = -1
    seen = 0
    for rec in source.iter_records():
        seen += 1
        if progress is not None and seen % 1000 == 0:
            progress(seen)
        if rec.tlp in NEVER_EXPORTED:
            excluded.add(rec.record_id)
            continue
        owner[rec.record_id] = rec.member_id
        rec_month[rec.record_id] = rec.month
        rec_region[rec.record_id] = rec.region.value
        if rec.shared_at is not None:
            rec_shared[rec.record_id] = rec.shared_at
        if rec.month not in in_window:
            continue
        strictest = max(strictest, _TLP_ORDER.index(rec.tlp))
        m, fam, typ = rec.month, rec.exploitation_type.family.value, rec.exploitation_type.value
        reg, sec = rec.region.value, rec.sector.value
        for k in (
            grand,
            key(month=m),
            key(family=fam),
            key(month=m, family=fam),
            key(type=typ),
            key(region=reg),
            key(sector=sec),
            key(region=reg, sector=sec),
        ):
            tallies.add(k, rec.member_id, m)
        shown = set(rec.indicators)
        for ind in Indicator:
            # Records *without* an indicator are the total minus the published count: tally
            # them too, so a small complement hides the indicator's count (never published).
            tallies.add(key(indicator=ind.value) if ind in shown else key(without_indicator=ind.value),
                        rec.member_id, m)
    if progress is not None:
        progress(seen)

    month_keys = [key(month=m) for m in window]
    fam_keys = [key(family=f.value) for f in ExploitationFamily]
    region_keys = [key(region=r.value) for r in Region]
    sector_keys = [key(sector=s.value) for s in Sector]
    type_keys = [key(type=t.value) for t in ExploitationType]
    tally.ensure([grand, *month_keys, *fam_keys, *region_keys, *sector_keys, *type_keys])
    tally.ensure(r | c for r in month_keys for c in fam_keys)
    tally.ensure(r | c for r in region_keys for c in sector_keys)
    tally.ensure(key(indicator=i.value) for i in Indicator)
    tally.ensure(key(without_indicator=i.value) for i in Indicator)

    # Actions share the suppression pass: their lines are separate from records'.
    action_lines, medians_raw, clusters_info = _tally_actions(
        source, tallies, window, owner, excluded, rec_shared
    )
    _tally_case_actions(source, tallies, window)

    def lines_for(w: tuple[str, ...]) -> list[Line]:
        return [*_record_lines(w), *action_lines, *_case_action_lines(w)]

    hidden = suppress(tally, lines_for(window), rule, also=tallies.hidden_by_month(lines_for, rule))

    used_regions = [r for r in Region if tally.count(key(region=r.value))]
    used_sectors = [s for s in Sector if tally.count(key(sector=s.value))]
    used_fams = [f for f in ExploitationFamily if tally.count(key(family=f.value))]
    tables: dict[str, Table] = {}
    tables["month_family"] = _vocab_table(
        "month_family",
        "Records by month and exploitation family",
        "Month",
        [(m, m, key(month=m)) for m in window],
        [(f.value, f.label, key(family=f.value)) for f in used_fams],
        lambda a, b: a | b,
        grand,
        hidden,
        tally,
    )
    tables["month"] = _vocab_table(
        "month", "Records by month", "Month", [(m, m, key(month=m)) for m in window],
        None, None, grand, hidden, tally,
    )
    tables["exploitation_type"] = _vocab_table(
        "exploitation_type",
        "Records by exploitation type",
        "Exploitation type",
        [(t.value, t.label, key(type=t.value)) for t in ExploitationType if tally.count(key(type=t.value))],
        None,
        None,
        grand,
        hidden,
        tally,
    )
    tables["region_sector"] = _vocab_table(
        "region_sector",
        "Records by region and sector",
        "Region",
        [(r.value, r.label, key(region=r.value)) for r in used_regions],
        [(s.value, s.label, key(sector=s.value)) for s in used_sectors],
        lambda a, b: a | b,
        grand,
        hidden,
        tally,
    )
    tables["region"] = _vocab_table(
        "region", "Records by region", "Region",
        [(r.value, r.label, key(region=r.value)) for r in used_regions], None, None, grand, hidden, tally,
    )
    tables["sector"] = _vocab_table(
        "sector", "Records by sector", "Sector",
        [(s.value, s.label, key(sector=s.value)) for s in used_sectors], None, None, grand, hidden, tally,
    )
    tables["indicator"] = _vocab_table(
        "indicator",
        "Records showing each ILO indicator (a record may show several)",
        "Indicator",
        [(i.value, i.label, key(indicator=i.value)) for i in Indicator if tally.count(key(indicator=i.value))],
        None,
        None,
        None,
        hidden,
        tally,
    )
    tables["actions"] = _vocab_table(
        "actions",
        "Actions recorded by outcome",
        "Outcome",
        [(o.value, o.label, key(of="actions", outcome=o.value)) for o in Outcome],
        None,
        None,
        key(of="actions"),
        hidden,
        tally,
    )
    tables["actions"] = replace(tables["actions"], col_labels=("Actions",))
    tables["case_actions"] = _vocab_table(
        "case_actions",
        "Actions on cases by type and outcome",
        "Action",
        [(k, _label(k), key(of="case_actions", kind=k)) for k in ACTION_KINDS],
        [(o, _label(o), key(of="case_actions", outcome=o)) for o in ACTION_OUTCOMES],
        lambda a, b: a | b,
        key(of="case_actions"),
        hidden,
        tally,
    )
    tables["case_actions_month"] = replace(
        _vocab_table(
            "case_actions_month",
            "Actions on cases by month",
            "Month",
            [(m, m, key(of="case_actions", month=m)) for m in window],
            None,
            None,
            key(of="case_actions"),
            hidden,
            tally,
        ),
        col_labels=("Actions",),
    )
    member_lessons, written = _member_lessons(source, window, rule)
    median_days = {
        o.value: (
            None if key(of="actions", outcome=o.value) in hidden else _median(medians_raw.get(o.value, []))
        )
        for o in Outcome
    }
    all_days = [d for ds in medians_raw.values() for d in ds]
    overall = (
        None
        if key(of="actions") in hidden or rule.sensitive(len(all_days), cfg.min_members)
        else _median(all_days)
    )
    cluster_rows, unpublished, growth = _clusters(
        source, cfg, rule, window, owner, rec_month, rec_region
    )
    summary = ActionSummary(
        table=tables["actions"],
        median_days=median_days,
        overall_median_days=overall,
        clusters_total=clusters_info[0],
        clusters_without_action=clusters_info[1],
    )
    alerts = _alerts(source, month)
    ins = Insights(
        month=month,
        window=window,
        config=cfg,
        tables=tables,
        clusters=cluster_rows,
        clusters_unpublished=unpublished,
        growth=growth,
        actions=summary,
        alerts=alerts,
        lessons=(),
        tlp=_TLP_ORDER[strictest] if strictest >= 0 else None,
        records_excluded_by_tlp=len(excluded),
        member_lessons=member_lessons,
        member_lessons_written=written,
    )
    return replace(ins, lessons=lessons_learned(ins))


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _case_month(d: _dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _tally_case_actions(source: InsightSource, tallies: _MonthTallies, window: tuple[str, ...]) -> None:
    """Count actions on cases by kind x outcome and by month, with the same small-cell rule."""
    in_window = set(window)
    total = key(of="case_actions")
    for act in source.case_actions():
        month = _case_month(act.date)
        if month not in in_window or act.kind not in ACTION_KINDS or act.outcome not in ACTION_OUTCOMES:
            continue
        for k in (
            total,
            key(of="case_actions", kind=act.kind),
            key(of="case_actions", outcome=act.outcome),
            key(of="case_actions", kind=act.kind, outcome=act.outcome),
            key(of="case_actions", month=month),
        ):
            tallies.add(k, act.member_id, month)
    kinds = [key(of="case_actions", kind=k) for k in ACTION_KINDS]
    outcomes = [key(of="case_actions", outcome=o) for o in ACTION_OUTCOMES]
    months = [key(of="case_actions", month=m) for m in window]
    tallies.window.ensure([total, *kinds, *outcomes, *months])
    tallies.window.ensure(r | c for r in kinds for c in outcomes)


def _case_action_lines(window: tuple[str, ...]) -> list[Line]:
    total = key(of="case_actions")
    kinds = [key(of="case_actions", kind=k) for k in ACTION_KINDS]
    outcomes = [key(of="case_actions", outcome=o) for o in ACTION_OUTCOMES]
    months = [key(of="case_actions", month=m) for m in window]
    return [*_grid_lines(kinds, outcomes, total), Line(tuple(months), total)]


def _member_lessons(source: InsightSource, window: tuple[str, ...], rule: Rule) -> tuple[tuple[str, ...], int]:
    """Members' lessons of the window, scrubbed, when enough lessons from enough members
    were written to pass the small-cell rule (else none: a lone lesson names its author)."""
    in_window = set(window)
    by_month: dict[str, tuple[list[str], set[str]]] = {}
    for act in source.case_actions():
        month = _case_month(act.date)
        if act.lessons.strip() and month in in_window:
            texts, authors = by_month.setdefault(month, ([], set()))
            texts.append(scrub(act.lessons.strip()))
            authors.add(act.member_id)
    written = sum(len(t) for t, _ in by_month.values())
    # Only the lessons of months that pass on their own, as counts: else window 2 minus
    # window 1 would show the lone lesson of a month.
    passed = [t for t, a in by_month.values() if not rule.sensitive(len(t), len(a))]
    return tuple(sorted({x for t in passed for x in t})), written


def _tally_actions(
    source: InsightSource,
    tallies: _MonthTallies,
    window: tuple[str, ...],
    owner: dict[str, str],
    excluded: set[str],
    rec_shared: dict[str, _dt.datetime],
) -> tuple[list[Line], dict[str, list[float]], tuple[int, int]]:
    alerts = {a.alert_id: a for a in source.alerts()}
    clusters = list(source.clusters())
    matched_at: dict[str, _dt.datetime] = {}
    for c in clusters:
        if c.created_at is None:
            continue
        for rid in c.record_ids:
            if rid not in matched_at or c.created_at < matched_at[rid]:
                matched_at[rid] = c.created_at
    in_window = set(window)
    days: dict[str, list[float]] = {}
    acted_records: set[str] = set()
    total = key(of="actions")
    for act in source.actions():
        alert: AlertView | None = alerts.get(act.alert_id) if act.alert_id else None
        if act.record_id and act.record_id in excluded:
            continue
        if alert is not None and alert.tlp in NEVER_EXPORTED:
            continue
        if act.record_id:
            acted_records.add(act.record_id)
        act_month = f"{act.date.year:04d}-{act.date.month:02d}"
        if act_month not in in_window:
            continue
        member = act.member_id or (owner.get(act.record_id, "") if act.record_id else "")
        member = member or f"unknown:{act.action_id}"
        tallies.add(total, member, act_month)
        tallies.add(key(of="actions", outcome=act.outcome.value), member, act_month)
        trigger: _dt.datetime | None = None
        if alert is not None:
            trigger = alert.created_at
        elif act.record_id:
            trigger = matched_at.get(act.record_id) or rec_shared.get(act.record_id)
        if trigger is not None:
            delta = (act.date - trigger.date()).days
            if delta >= 0:
                days.setdefault(act.outcome.value, []).append(float(delta))
    parts = tuple(key(of="actions", outcome=o.value) for o in Outcome)
    tallies.window.ensure([total, *parts])
    visible = [c for c in clusters if any(r in owner for r in c.record_ids)]
    without = sum(1 for c in visible if not any(r in acted_records for r in c.record_ids))
    return [Line(parts, total)], days, (len(visible), without)


def _clusters(
    source: InsightSource,
    cfg: InsightConfig,
    rule: Rule,
    window: tuple[str, ...],
    owner: dict[str, str],
    rec_month: dict[str, str],
    rec_region: dict[str, str],
) -> tuple[tuple[ClusterRow, ...], int, ClusterGrowth]:
    stats = []
    for c in source.clusters():
        rids = [r for r in c.record_ids if r in owner]
        members = {owner[r] for r in rids}
        if len(members) < 2:
            continue
        months = sorted({rec_month[r] for r in rids})
        stats.append((len(rids), len(members), len({rec_region[r] for r in rids}), months))
    # Biggest first; labels are numbers local to this report, never the store's ids.
    stats.sort(key=lambda s: (-s[0], -s[1], s[3][0]))
    published = [s for s in stats if not rule.sensitive(s[0], s[1])]
    rows = tuple(
        ClusterRow(f"C{i}", members=s[1], regions=s[2], months=len(s[3]), records=s[0],
                   first_month=s[3][0], last_month=s[3][-1])
        for i, s in enumerate(published, start=1)
    )
    first = Counter(s[3][0] for s in stats)
    before = sum(n for m, n in first.items() if m < window[0])
    new = tuple(first.get(m, 0) for m in window)
    cumulative = []
    running = before
    for n in new:
        running += n
        cumulative.append(running)
    return rows, len(stats) - len(published), ClusterGrowth(window, new, tuple(cumulative))


def _alerts(source: InsightSource, month: str) -> tuple[AlertSummary, ...]:
    out = []
    for a in sorted(source.alerts(), key=lambda a: a.created_at):
        if a.tlp in NEVER_EXPORTED or f"{a.created_at.year:04d}-{a.created_at.month:02d}" != month:
            continue
        out.append(
            AlertSummary(
                summary=scrub(a.summary),
                tlp=a.tlp,
                region=a.region.label,
                sector=a.sector.label,
                exploitation_type=a.exploitation_type.label,
                date=a.created_at.date().isoformat(),
            )
        )
    return tuple(out)
