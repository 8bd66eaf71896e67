"""Actions and outcomes, clusters, alerts and lessons learned."""

from __future__ import annotations

import datetime as _dt

import pytest
from insights_data import MEMBERS, spread
from msin_fed.coordinator.insights import (
    ActionView,
    ClusterView,
    InsightConfig,
    InsightData,
    Outcome,
    compute_insights,
    month_window,
    scrub,
)

from msin_fed.errors import ConfigError, ValidationError


def test_action_counts_and_time_to_action() -> None:
    records = spread(12)
    cluster = ClusterView("c-1", tuple(r.record_id for r in records[:6]), _dt.datetime(2026, 10, 1, tzinfo=_dt.UTC))
    actions = [
        ActionView(f"a{i}", Outcome.INVESTIGATED, _dt.date(2026, 10, 3 + i), record_id=records[i].record_id)
        for i in range(6)
    ] + [
        ActionView("b1", Outcome.REFERRED_TO_GLAA, _dt.date(2026, 10, 20), record_id=records[0].record_id),
    ]
    ins = compute_insights(InsightData(records, [cluster], actions), "2026-10")
    t = ins.actions.table
    assert t.value(Outcome.INVESTIGATED.value) is None  # would reveal the 1 GLAA referral from the total
    assert t.value(Outcome.REFERRED_TO_GLAA.value) is None
    assert t.total == 7
    assert ins.actions.median_days[Outcome.INVESTIGATED.value] is None
    assert ins.actions.overall_median_days == 5.0  # days 2..7 and 19: median of 7 values is 5
    assert ins.actions.clusters_total == 1 and ins.actions.clusters_without_action == 0
    assert any("Median time" in line for line in ins.lessons)


def test_rich_data_actions_and_lessons(data: InsightData) -> None:
    ins = compute_insights(data, "2026-10", InsightConfig(window_months=1,
                                                          lessons=("Brief packhouse auditors on debt bondage.",)))
    t = ins.actions.table
    assert t.total is not None and t.total > 0
    assert ins.lessons[-1] == "Brief packhouse auditors on debt bondage."
    # The action on the RED alert (in October) is never counted.
    assert t.total == sum(1 for a in data.action_views if a.alert_id != "alert-red"
                          and a.date >= _dt.date(2026, 10, 1))
    # Over the year, months whose few actions are hidden on their own keep the year's
    # total hidden (else one window minus another would show them).
    year = compute_insights(data, "2026-10")
    months = [compute_insights(data, m, InsightConfig(window_months=1)).actions.table.total for m in year.window]
    assert None in months and year.actions.table.total is None


def test_clusters_published_only_when_big_enough(data: InsightData) -> None:
    ins = compute_insights(data, "2026-10")
    assert ins.clusters, "the bigger clusters are published"
    for c in ins.clusters:
        assert c.records >= 5 and c.members >= 2
        assert c.label.startswith("C") and "internal" not in c.label
    assert ins.clusters_unpublished >= 1
    assert ins.growth.cumulative[-1] == len(ins.clusters) + ins.clusters_unpublished
    assert list(ins.growth.cumulative) == sorted(ins.growth.cumulative)


def test_alerts_of_the_month_scrubbed_and_red_left_out(data: InsightData) -> None:
    ins = compute_insights(data, "2026-10")
    texts = " ".join(a.summary for a in ins.alerts)
    assert "RED ALERT" not in texts and "AMBER STRICT" not in texts
    assert "07700" not in texts and "<NUMBER>" in texts and "<PERSON_1>" in texts
    assert len(ins.alerts) == 2


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("ring 07700 900461 now", "07700"),
        ("ring +44 7700 900461 now", "7700"),
        ("mail jo.bloggs@example.org", "jo.bloggs"),
        ("at LN11 9QT", "LN11"),
        ("van AB12 CDE", "AB12"),
        ("NINO QQ 12 34 56 C", "QQ 12"),
        ("paid to GB82 WEST 1234 5698 7654 32", "WEST"),
        ("see https://example.org/x", "example.org"),
    ],
)
def test_scrub(text: str, gone: str) -> None:
    assert gone not in scrub(text)


def test_scrub_keeps_placeholders() -> None:
    assert scrub("<PERSON_1> met <PERSON_2>") == "<PERSON_1> met <PERSON_2>"


def test_month_window_and_bad_month() -> None:
    assert month_window("2026-02", 3) == ("2025-12", "2026-01", "2026-02")
    with pytest.raises(ValidationError):
        month_window("2026-13", 3)
    with pytest.raises(ValidationError):
        month_window("26-1", 3)


def test_config_file(tmp_path: object) -> None:
    from pathlib import Path

    p = Path(str(tmp_path)) / "coordinator.toml"
    p.write_text('[insights]\nmin_records = 7\nlessons = ["x"]\n', encoding="utf-8")
    cfg = InsightConfig.load(p)
    assert cfg.min_records == 7 and cfg.lessons == ("x",)
    p.write_text("[insights]\nmin_recrods = 7\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_recrods"):
        InsightConfig.load(p)
    p.write_text("[insights]\nmin_members = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        InsightConfig.load(p)


def test_outcome_parse() -> None:
    assert Outcome.parse("ACTION_REFERRED_TO_GLAA") is Outcome.REFERRED_TO_GLAA
    assert Outcome.parse(3) is Outcome.REFERRED_TO_LAW_ENFORCEMENT
    with pytest.raises(ValidationError):
        Outcome.parse("shrugged")
    assert MEMBERS
