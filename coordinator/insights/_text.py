"""Plain-text rendering of published insights: the terminal table and STIX descriptions."""

from __future__ import annotations

from collections.abc import Sequence

from msin_fed.coordinator.insights._aggregate import Insights, Table

__all__ = ["HIDDEN", "format_insights", "format_table"]

#: How a suppressed value is shown, the same for primary and secondary suppression.
HIDDEN = "*"


def _cell(v: int | None) -> str:
    return HIDDEN if v is None else str(v)


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return out


def format_table(t: Table, max_label: int = 36) -> str:
    """One table as aligned text; ``*`` marks suppressed values."""

    def short(s: str) -> str:
        return s if len(s) <= max_label else s[: max_label - 1] + "…"

    lines = [t.title]
    if t.row_totals is None:
        rows = [[short(lbl), _cell(v[0])] for lbl, v in zip(t.row_labels, t.values, strict=True)]
        if t.has_total:
            rows.append(["Total", _cell(t.total)])
        lines += _grid([t.row_title, t.col_labels[0]], rows)
    else:
        header = [t.row_title, *(short(c) for c in t.col_labels), "Total"]
        rows = [
            [short(lbl), *(_cell(v) for v in vals), _cell(tot)]
            for lbl, vals, tot in zip(t.row_labels, t.values, t.row_totals, strict=True)
        ]
        rows.append(["Total", *(_cell(v) for v in t.col_totals or ()), _cell(t.total)])
        lines += _grid(header, rows)
    return "\n".join(lines)


def format_insights(ins: Insights) -> str:
    """Every published aggregate as text, with the suppression rule stated."""
    cfg = ins.config
    parts = [
        f"{cfg.network_name}: insights for {ins.month} "
        f"(window {ins.window[0]} to {ins.window[-1]})",
        f"{HIDDEN} = suppressed: fewer than {cfg.min_records} records or {cfg.min_members} members, "
        "or hidden so that another hidden value cannot be worked out from a total.",
    ]
    for name in ("month_family", "exploitation_type", "region_sector", "indicator", "actions", "case_actions",
                 "case_actions_month"):
        parts.append(format_table(ins.tables[name]))
    timed = [
        [ins.actions.table.row_labels[i], "-" if d is None else f"{d:.0f}"]
        for i, d in enumerate(ins.actions.median_days.values())
    ]
    overall = ins.actions.overall_median_days
    timed.append(["All actions", "-" if overall is None else f"{overall:.0f}"])
    parts.append("Median days from match or alert to action\n" + "\n".join(_grid(["Outcome", "Days"], timed)))
    cl = [[c.label, str(c.members), str(c.regions), str(c.months), str(c.records), c.first_month, c.last_month]
          for c in ins.clusters]
    parts.append(
        "Clusters of repeat perpetrators or sites\n"
        + "\n".join(_grid(["Cluster", "Members", "Regions", "Months", "Records", "First", "Last"], cl))
        + f"\n{ins.clusters_unpublished} further cluster(s) below the publication threshold."
    )
    g = ins.growth
    parts.append(
        "Cluster growth\n"
        + "\n".join(_grid(["Month", "New", "Total"],
                          [[m, str(n), str(c)] for m, n, c in zip(g.months, g.new, g.cumulative, strict=True)]))
    )
    if ins.lessons:
        parts.append("Lessons learned\n" + "\n".join(f"- {s}" for s in ins.lessons))
    return "\n\n".join(parts) + "\n"
