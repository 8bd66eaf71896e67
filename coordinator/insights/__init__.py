"""Insights for analysts: suppressed aggregates, actions taken, reports and STIX 2.1 export.

Everything here may leave the analysts, so:

* records and alerts under TLP:RED or TLP:AMBER+STRICT are never drawn on;
* every published count passes the small-cell rule (:class:`InsightConfig`
  ``min_records``, ``min_members``) with secondary suppression over published totals;
* member ids, record ids, cluster ids, narratives and tokens are never rendered; alert
  summaries get a last scrub.

Usage::

    ins = compute_insights(store_source, "2026-10", InsightConfig.load(path))
    write_report(ins, out_dir)
    bundle = stix_bundle(ins)
"""

from msin_fed.coordinator.insights._aggregate import (
    ActionSummary,
    AlertSummary,
    ClusterGrowth,
    ClusterRow,
    Insights,
    Table,
    compute_insights,
    month_window,
)
from msin_fed.coordinator.insights._charts import CHART_FILES, chart_png, write_charts
from msin_fed.coordinator.insights._config import NEVER_EXPORTED, InsightConfig
from msin_fed.coordinator.insights._inputs import (
    ActionView,
    AlertView,
    ClusterView,
    InsightData,
    InsightSource,
    Outcome,
)
from msin_fed.coordinator.insights._redact import scrub
from msin_fed.coordinator.insights._report import REPORT_FILE, render_html, report_tlp, write_report
from msin_fed.coordinator.insights._stix import (
    TLP2_EXTENSION_ID,
    TLP2_MARKING_IDS,
    stix_bundle,
    tlp_marking,
    write_stix,
)
from msin_fed.coordinator.insights._suppress import Key, Line, Rule, Tally, key, suppress
from msin_fed.coordinator.insights._text import format_insights, format_table

__all__ = [
    "CHART_FILES",
    "NEVER_EXPORTED",
    "REPORT_FILE",
    "TLP2_EXTENSION_ID",
    "TLP2_MARKING_IDS",
    "ActionSummary",
    "ActionView",
    "AlertSummary",
    "AlertView",
    "ClusterGrowth",
    "ClusterRow",
    "ClusterView",
    "InsightConfig",
    "InsightData",
    "InsightSource",
    "Insights",
    "Key",
    "Line",
    "Outcome",
    "Rule",
    "Table",
    "Tally",
    "chart_png",
    "compute_insights",
    "format_insights",
    "format_table",
    "key",
    "month_window",
    "render_html",
    "report_tlp",
    "scrub",
    "stix_bundle",
    "suppress",
    "tlp_marking",
    "write_charts",
    "write_report",
    "write_stix",
]
