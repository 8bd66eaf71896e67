"""Actions on cases in the insights: counts by type, outcome and month, and members' lessons,
all under the same small-cell rule as the rest of the report."""

from __future__ import annotations

import datetime as _dt

from insights_data import MEMBERS, spread
from msin_fed.coordinator.insights import InsightConfig, InsightData, compute_insights
from msin_fed.coordinator.insights._inputs import CaseActionView
from msin_fed.coordinator.insights._report import render_html
from msin_fed.coordinator.insights._text import format_insights


def _act(i: int, member: str, kind: str, outcome: str, day: int = 5, lessons: str = "",
         month: int = 10) -> CaseActionView:
    return CaseActionView(f"act-{i}", kind, outcome, _dt.date(2026, month, day), member, lessons)


def test_case_actions_are_counted_by_type_outcome_and_month_and_small_cells_hidden() -> None:
    acts = [_act(i, MEMBERS[i % 3], "investigation", "substantiated", 1 + i) for i in range(6)]
    acts += [_act(20 + i, MEMBERS[i % 3], "supplier_audit", "remediated", 9) for i in range(5)]
    acts += [_act(40, MEMBERS[1], "referral", "referred", 9, month=8)]  # one, in an earlier month
    truth = {"investigation": 6, "supplier_audit": 5, "referral": 1, "remediation": 0, "victim_support": 0}
    ins = compute_insights(InsightData(spread(12), case_action_views=acts), "2026-10")
    t = ins.tables["case_actions"]
    # August alone holds one action, hidden in August's answer: the window's total stays
    # hidden too, else window 3 minus window 2 ending October would show it.
    assert t.total is None and t.row_totals is not None
    shown = dict(zip(t.row_codes, t.row_totals, strict=True))
    assert shown["referral"] is None  # one action of one member
    assert all(v is None or v == truth[k] for k, v in shown.items())  # what is shown is true
    hidden = [k for k, v in shown.items() if v is None and truth[k]]
    # The referral cannot be worked out from the total (hidden) minus the rows shown.
    assert hidden == ["referral"]
    months = ins.tables["case_actions_month"]
    # August holds one action: hidden; with the total hidden, October's 11 shows nothing of it.
    assert months.value("2026-08") is None and months.value("2026-10") == 11 and months.total is None
    assert any("Too few actions on cases" in line for line in ins.lessons)
    text = format_insights(ins)
    assert "Actions on cases by type and outcome" in text and "Actions on cases by month" in text
    html = render_html(ins)
    assert "Actions on cases by type and outcome" in html and "Supplier audit" in html
    assert not any(m in html for m in MEMBERS)


def test_too_few_case_actions_publish_nothing() -> None:
    acts = [_act(i, MEMBERS[0], "investigation", "ongoing") for i in range(3)]
    ins = compute_insights(InsightData(spread(12), case_action_views=acts), "2026-10")
    assert ins.tables["case_actions"].total is None
    assert any("Too few actions on cases" in line for line in ins.lessons)


def test_members_lessons_are_published_only_from_enough_members_and_scrubbed() -> None:
    lessons = [
        "Payroll cash deductions were the first sign.",
        "Ask agencies for accommodation addresses early.",
        "Call the driver on 07700 900123 only through the police.",
        "Workers spoke freely away from the site.",
        "Check who holds passports before the audit.",
    ]
    acts = [_act(i, MEMBERS[i % 3], "investigation", "substantiated", lessons=text) for i, text in enumerate(lessons)]
    ins = compute_insights(InsightData(spread(12), case_action_views=acts), "2026-10")
    assert len(ins.member_lessons) == 5 and ins.member_lessons_written == 5
    assert not any("07700" in s for s in ins.member_lessons)  # scrubbed like alert summaries
    assert "Payroll cash deductions were the first sign." in ins.lessons

    one_member = [_act(i, MEMBERS[0], "investigation", "substantiated", lessons=t) for i, t in enumerate(lessons)]
    ins = compute_insights(InsightData(spread(12), case_action_views=one_member), "2026-10")
    assert ins.member_lessons == ()  # five lessons of one member would name it
    assert any("too few to publish" in line for line in ins.lessons)
    assert not any("Payroll" in line for line in ins.lessons)

    few = compute_insights(InsightData(spread(12), case_action_views=acts[:3]), "2026-10", InsightConfig())
    assert few.member_lessons == () and few.member_lessons_written == 3


def test_a_months_lone_lesson_is_not_published_by_a_longer_window() -> None:
    # Play the analyst: October alone publishes its five lessons; if the year published
    # August's single lesson too, year minus October would name it and its month.
    october = [_act(i, MEMBERS[i % 3], "investigation", "substantiated", lessons=f"Lesson {i} of October.")
               for i in range(5)]
    august = [_act(9, MEMBERS[0], "referral", "referred", month=8, lessons="The lone August lesson.")]
    data = InsightData(spread(12), case_action_views=[*october, *august])
    year = compute_insights(data, "2026-10")
    alone = compute_insights(data, "2026-10", InsightConfig(window_months=1))
    assert len(alone.member_lessons) == 5
    assert set(year.member_lessons) == set(alone.member_lessons)
    assert not any("August" in line for line in year.lessons)
