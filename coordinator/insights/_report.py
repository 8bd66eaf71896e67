"""The monthly insight report: one self-contained HTML page and its PNG charts.

The page has inline CSS and local images only, and a Content-Security-Policy that lets
it load nothing else, so opening it makes no network request. It holds suppressed
aggregates, scrubbed alert summaries and generated lessons; nothing names a member,
a record or a cluster of the store.
"""

from __future__ import annotations

import html
from pathlib import Path

from msin_fed.coordinator.insights._aggregate import Insights, Table
from msin_fed.coordinator.insights._charts import CHART_FILES, write_charts

from msin_fed.model import Tlp

__all__ = ["REPORT_FILE", "render_html", "report_tlp", "write_report"]

REPORT_FILE = "index.html"
CSP = "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'"
_TLP_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
# FIRST TLP 2.0 colours (text on black).
_TLP_COLOUR = {Tlp.CLEAR: "#ffffff", Tlp.GREEN: "#33ff00", Tlp.AMBER: "#ffc000",
               Tlp.AMBER_STRICT: "#ffc000", Tlp.RED: "#ff2b2b"}
_CSS = """
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px auto;max-width:1080px;color:#1d1d1d;
line-height:1.45;padding:0 16px}
h1{font-size:1.7em;margin:.2em 0}h2{border-bottom:2px solid #1b6ca8;padding-bottom:4px;margin-top:1.6em}
.tlp{display:inline-block;background:#000;font-weight:bold;padding:3px 10px;border-radius:3px;
letter-spacing:.05em}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{flex:1 1 160px;background:#f2f6fa;border-radius:6px;padding:10px 14px}
.card b{display:block;font-size:1.6em;color:#1b6ca8}
table{border-collapse:collapse;margin:10px 0 18px;font-size:.9em}
th,td{border:1px solid #c9d3dd;padding:4px 8px}tbody th{text-align:left;font-weight:normal}td.n,th.n{text-align:right}
thead th{background:#e8eef4}tr.total td,tr.total th{font-weight:bold;background:#f5f5f5}
td.hidden{color:#888;background:#f0f0f0}
figure{margin:12px 0}figure img{max-width:100%;height:auto;border:1px solid #e0e0e0}
figcaption{font-size:.85em;color:#555}
.alert{border-left:4px solid #d1495b;background:#fbf2f3;padding:8px 12px;margin:8px 0}
.meta{color:#555;font-size:.85em}
.note{font-size:.85em;color:#444;background:#fafafa;border:1px solid #e5e5e5;padding:8px 12px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _td(v: int | None) -> str:
    return '<td class="n hidden" title="suppressed">*</td>' if v is None else f'<td class="n">{v}</td>'


def _table_html(t: Table) -> str:
    out = [f'<table aria-label="{_e(t.title)}"><caption class="meta">{_e(t.title)}</caption><thead><tr>',
           f"<th>{_e(t.row_title)}</th>"]
    if t.row_totals is None:
        out.append(f'<th class="n">{_e(t.col_labels[0])}</th></tr></thead><tbody>')
        for label, row in zip(t.row_labels, t.values, strict=True):
            out.append(f"<tr><th>{_e(label)}</th>{_td(row[0])}</tr>")
        if t.has_total:
            out.append(f'<tr class="total"><th>Total</th>{_td(t.total)}</tr>')
    else:
        out += [f'<th class="n">{_e(c)}</th>' for c in t.col_labels]
        out.append('<th class="n">Total</th></tr></thead><tbody>')
        for label, row, tot in zip(t.row_labels, t.values, t.row_totals, strict=True):
            out.append(f"<tr><th>{_e(label)}</th>{''.join(_td(v) for v in row)}{_td(tot)}</tr>")
        out.append(f'<tr class="total"><th>Total</th>{"".join(_td(v) for v in t.col_totals or ())}'
                   f"{_td(t.total)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(name: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{_e(CHART_FILES[name])}" alt="{_e(alt)}" width="880">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def report_tlp(ins: Insights) -> Tlp:
    """The TLP of the page: the strictest of its records and alerts (GREEN when empty)."""
    levels: list[Tlp] = [ins.tlp or Tlp.GREEN, *(a.tlp for a in ins.alerts)]
    return levels[max(range(len(levels)), key=lambda i: _TLP_ORDER.index(levels[i]))]


def render_html(ins: Insights) -> str:
    """The report page as text (charts referenced by file name)."""
    cfg = ins.config
    tlp = report_tlp(ins)
    month_t = ins.tables["month"]
    this_month = month_t.values[month_t.row_codes.index(ins.month)][0]
    acts = ins.actions
    cards = [
        ("Records in the last " + str(len(ins.window)) + " months", month_t.total),
        (f"Records in {ins.month}", this_month),
        ("Clusters of repeat perpetrators or sites", ins.growth.cumulative[-1] if ins.growth.cumulative else 0),
        ("Actions recorded", acts.table.total),
        ("Alerts this month", len(ins.alerts)),
    ]
    card_html = "".join(f'<div class="card"><b>{"*" if v is None else _e(v)}</b>{_e(k)}</div>' for k, v in cards)
    timed_rows = "".join(
        f"<tr><th>{_e(label)}</th><td class='n'>{'-' if d is None else f'{d:.0f}'}</td></tr>"
        for label, d in zip(acts.table.row_labels, acts.median_days.values(), strict=True)
    )
    overall = "-" if acts.overall_median_days is None else f"{acts.overall_median_days:.0f}"
    timed_rows += f"<tr class='total'><th>All actions</th><td class='n'>{overall}</td></tr>"
    cluster_rows = "".join(
        f"<tr><th>{_e(c.label)}</th><td class='n'>{c.members}</td><td class='n'>{c.regions}</td>"
        f"<td class='n'>{c.months}</td><td class='n'>{c.records}</td><td>{_e(c.first_month)}</td>"
        f"<td>{_e(c.last_month)}</td></tr>"
        for c in ins.clusters
    ) or "<tr><td colspan='7'>No cluster is large enough to publish.</td></tr>"
    alerts = "".join(
        f'<div class="alert"><div class="meta">{_e(a.date)} · {_e(a.exploitation_type)} · {_e(a.sector)} · '
        f'{_e(a.region)} · <span class="tlp" style="color:{_TLP_COLOUR[a.tlp]}">{_e(a.tlp.label)}</span>'
        f"</div>{_e(a.summary)}</div>"
        for a in ins.alerts
    ) or "<p>No alert was raised this month.</p>"
    lessons = "".join(f"<li>{_e(s)}</li>" for s in ins.lessons) or "<li>Nothing to report.</li>"
    t = ins.tables
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(cfg.network_name)}: insights for {_e(ins.month)}</title>
<style>{_CSS}</style></head>
<body>
<p><span class="tlp" style="color:{_TLP_COLOUR[tlp]}">{_e(tlp.label)}</span></p>
<h1>{_e(cfg.network_name)}: insights for {_e(ins.month)}</h1>
<p class="meta">Period {_e(ins.window[0])} to {_e(ins.window[-1])}. Only suppressed aggregates and redacted
alert texts: no personal data, and nothing says which member reported what.</p>
<div class="cards">{card_html}</div>

<h2>Trends by exploitation type</h2>
{_figure("trends", "Line chart of records per month by exploitation family",
         "Records per month by exploitation family. A gap is a suppressed value.")}
{_table_html(t["month_family"])}
{_table_html(t["exploitation_type"])}

<h2>Regional risk</h2>
{_figure("heatmap", "Heat map of records by region and sector",
         "Records by UK region (ITL1) and sector over the period. Grey cells marked * are suppressed.")}
{_table_html(t["region_sector"])}
{_table_html(t["indicator"])}

<h2>Repeat perpetrators and sites</h2>
{_figure("clusters", "Chart of new and total clusters per month",
         "Clusters (records of different members sharing a perpetrator or site) by month first seen.")}
<table aria-label="Clusters"><caption class="meta">Published clusters (labels are local to this report)</caption>
<thead><tr><th>Cluster</th><th class="n">Members</th><th class="n">Regions</th><th class="n">Months</th>
<th class="n">Records</th><th>First</th><th>Last</th></tr></thead><tbody>{cluster_rows}</tbody></table>
<p class="meta">{ins.clusters_unpublished} further cluster(s) are below the publication threshold.</p>

<h2>Actions and outcomes</h2>
{_figure("actions", "Bar chart of actions by outcome", "What members did about matches and alerts.")}
{_table_html(t["actions"])}
<table aria-label="Time to action"><caption class="meta">Median days from match or alert to action</caption>
<thead><tr><th>Outcome</th><th class="n">Days</th></tr></thead><tbody>{timed_rows}</tbody></table>
{_table_html(t["case_actions"])}
{_table_html(t["case_actions_month"])}

<h2>Lessons learned</h2>
<ul>{lessons}</ul>

<h2>Alerts this month</h2>
{alerts}

<h2>How to read this report</h2>
<p class="note">* marks a suppressed value: fewer than {cfg.min_records} records or fewer than
{cfg.min_members} members behind it, or hidden so that another suppressed value cannot be worked out
from a total. Records and alerts marked TLP:RED or TLP:AMBER+STRICT are not counted or shown. Handle
this report as {_e(tlp.label)}.</p>
</body></html>
"""


def write_report(ins: Insights, out_dir: str | Path) -> Path:
    """Write ``index.html`` and its charts into ``out_dir`` (created if needed); returns the page."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_charts(ins, out)
    page = out / REPORT_FILE
    page.write_text(render_html(ins), encoding="utf-8")
    return page
