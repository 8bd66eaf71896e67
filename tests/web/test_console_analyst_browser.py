"""The analyst console in a real browser: its own process with an analyst certificate,
calling a real coordinator (and key holders) over mutual TLS, two members' nodes sharing
records that match. Sign in with TOTP, find the cluster with filters, read it (graph and
table of token kinds, never values), raise an alert (refused with the grading rule
explained, refused for personal data in the summary, then accepted), see it listed and
arrive at a member, read the key holders' budget totals; every action is in the
coordinator's audit log under the analyst's account name. Every page is screenshotted and
checked with axe-core."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from console_net import PASSWORD, ConsoleUser, start_network
from e2e_net import eventually, query, write_reports
from pages import PageLog, sign_in

from msin_fed.analyst import AnalystClient
from msin_fed.demo.network import ANALYST_NAME, COORDINATOR_NAME, LocalNetwork
from msin_fed.demo.processes import LOOPBACK, free_port
from msin_fed.web.launch import analyst_console_config
from msin_fed.web.server import start_console, wait_https

pytestmark = pytest.mark.slow

PHONES = ["+447700900311", "+447700900312"]


@dataclass
class Analyst:
    net: LocalNetwork
    url: str
    user: ConsoleUser
    pages: PageLog
    page: Any


@pytest.fixture(scope="module")
def analyst(tmp_path_factory: pytest.TempPathFactory, browser: Any, artifacts: Path) -> Iterator[Analyst]:
    root = tmp_path_factory.mktemp("analyst") / "net"
    net = start_network(root, ["freshmart", "brightstaff"])
    console = None
    try:
        # Report 2 at freshmart is graded 1AP and time-sensitive: an alert may be raised on it.
        for member, prefix, urgent in (("freshmart", "fm", 1), ("brightstaff", "bs", None)):
            reports, mentions = write_reports(root / "files", prefix, PHONES, urgent=urgent)
            net.share_all(member, reports, mentions)
            net.nodes[member].process.start()
        directory = root / "analyst-console"
        config = analyst_console_config(net, directory)
        done = subprocess.run(
            [sys.executable, "-m", "msin_fed.cli", "coordinator", "users", "add", "--config", str(config), "ann",
             "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        user = ConsoleUser("ann", PASSWORD, lines[lines.index(next(line for line in lines if "with this secret" in line)) + 1].strip())
        port = free_port()
        console = start_console("analyst", config, directory / "console.log", listen=f"{LOOPBACK}:{port}")
        url = f"https://{LOOPBACK}:{port}"
        wait_https(url + "/sign-in", timeout=60, process=console)
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
        (artifacts / "analyst-console").mkdir(exist_ok=True)
        log = PageLog(artifacts / "analyst-console")
        page = log.watch(context.new_page())
        yield Analyst(net, url, user, log, page)
        context.close()
    finally:
        if console is not None:
            console.stop()  # type: ignore[attr-defined]
        net.stop()


def test_sign_in_and_find_the_cluster_with_filters(analyst: Analyst) -> None:
    page = analyst.page
    sign_in(page, analyst.url, analyst.user.name, analyst.user.password, analyst.user.code())
    assert page.url.endswith("/clusters")

    def listed() -> bool:
        page.goto(analyst.url + "/clusters")
        return page.locator("tbody tr").count() >= 2

    eventually(listed, 60, "both clusters (one per shared phone)", every=1)
    assert "phone" in page.inner_text("tbody")
    analyst.pages.check(page, "clusters")
    page.select_option("#region", "TLN")  # Northern Ireland: no record there
    page.click("button:has-text('Filter')")
    assert "region=TLN" in page.url and "No cluster matches" in page.inner_text("main")
    page.select_option("#region", "TLF")
    page.fill("#size", "2")
    page.click("button:has-text('Filter')")
    assert page.locator("tbody tr").count() == 2
    analyst.pages.check(page, "clusters filtered")


def _open_cluster_with_urgent_record(analyst: Analyst) -> None:
    page = analyst.page
    page.goto(analyst.url + "/clusters")
    for link in [a.get_attribute("href") for a in page.locator("tbody a").all()]:
        page.goto(analyst.url + str(link))
        if "1AP" in page.inner_text("main"):
            return
    raise AssertionError("no cluster holds the 1AP record")


def test_cluster_detail_shows_kinds_never_values(analyst: Analyst) -> None:
    _open_cluster_with_urgent_record(analyst)
    page = analyst.page
    svg = page.locator("svg.msin-graph")
    assert svg.count() == 1 and "joined by phone" in str(svg.text_content())
    assert page.locator("#graph-table tbody tr").count() == 2
    main = page.inner_text("main")
    assert "<PHONE_1>" in main and "freshmart" in main and "brightstaff" in main
    html = page.content()
    for phone in PHONES:
        assert phone not in html and phone[-6:] not in html
    analyst.pages.check(page, "cluster detail")


def test_raising_an_alert_explains_each_refusal_then_succeeds(analyst: Analyst) -> None:
    page = analyst.page
    _open_cluster_with_urgent_record(analyst)
    # The brightstaff record is graded 2BP: the coordinator's grading rule refuses it.
    page.select_option("#record_id", label=page.locator("#record_id option", has_text="brightstaff").inner_text())
    page.fill("#summary", "Wages collected by a driver at packhouses in the East Midlands.")
    page.click("button:has-text('Raise the alert')")
    assert "graded actionable" in page.inner_text(".govuk-error-summary")
    analyst.pages.check(page, "alert refused by the grading rule")
    page.select_option("#record_id", label=page.locator("#record_id option", has_text="1AP").inner_text())
    page.fill("#summary", "Call the driver on 07700 900311 or email him at driver.smith@example.com today.")
    page.click("button:has-text('Raise the alert')")
    assert "personal data in the summary" in page.inner_text(".govuk-error-summary")
    analyst.pages.check(page, "alert refused for personal data")
    page.select_option("#record_id", label=page.locator("#record_id option", has_text="1AP").inner_text())
    page.fill("#summary", "Wages collected by a driver at packhouses in the East Midlands: check your sites this week.")
    page.click("button:has-text('Raise the alert')")
    assert page.url.endswith("/alerts")
    assert "raised; every member receives it" in page.inner_text(".govuk-notification-banner")
    assert "check your sites this week" in page.inner_text("tbody")
    analyst.pages.check(page, "alerts")

    def arrived() -> bool:
        node = analyst.net.open_node("brightstaff")
        try:
            return any("check your sites" in a.summary for a in node.alerts())
        finally:
            node.close()

    eventually(arrived, 60, "the alert at brightstaff's node", every=1)


def test_budget_totals_of_every_key_holder(analyst: Analyst) -> None:
    page = analyst.page
    page.goto(analyst.url + "/budgets")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert "No answer" not in page.inner_text("tbody")
    # Elements evaluated today: with 2 of 3 holders needed, at least two holders were asked.
    evaluated = [int(r.locator("td").nth(4).inner_text()) for r in rows.all()]
    assert sum(1 for n in evaluated if n > 0) >= 2
    assert all(int(r.locator("td").nth(2).inner_text()) == 2 for r in rows.all())  # members rostered
    analyst.pages.check(page, "budgets")


def test_every_action_is_audited_under_the_persons_account(analyst: Analyst) -> None:
    rows = query(analyst.net.root / "coordinator" / "shared.db", "select actor_role, actor, action from audit")
    mine = {(role, action) for role, actor, action in rows if actor == f"{ANALYST_NAME}/ann"}
    assert ("analyst", "disclose_clusters") in mine
    assert ("analyst", "alert") in mine
    assert ("analyst", "disclose_alerts") in mine  # the alerts page reads ListAlerts, not the event stream


def test_actions_and_the_audit_log_with_its_verification(analyst: Analyst) -> None:
    page = analyst.page
    record_id = analyst.net.list_clusters()[0].records[0].record_id
    with AnalystClient(analyst.net.coordinator_address, analyst.net.identity(ANALYST_NAME), COORDINATOR_NAME) as client:
        client.record_action("referred_to_glaa", record_id=record_id, date="2026-06-02")
    page.goto(analyst.url + "/actions")
    row = page.inner_text("tbody")
    assert "Referred to GLAA" in row and "2026-06-02" in row and record_id[:14] in row
    analyst.pages.check(page, "actions")
    page.goto(analyst.url + "/audit")
    assert "Chain intact" in page.inner_text("main")
    body = page.inner_text("tbody")
    assert f"analyst: {ANALYST_NAME}/ann" in body and "alert" in body and " UTC" in body
    for phone in PHONES:
        assert phone not in page.content()
    analyst.pages.check(page, "audit log")


# Records sent straight to the coordinator for the insights dashboard, beside the four the
# nodes shared (TLF packhouse, 2026-05): (member, region, sector, month, how many).
# South West growing comes from brightstaff alone: its count must never be shown.
INSIGHT_RECORDS = [
    ("freshmart", "TLF", "packhouse", "2026-05", 4), ("brightstaff", "TLF", "packhouse", "2026-05", 4),
    ("freshmart", "TLJ", "hospitality", "2026-04", 3), ("brightstaff", "TLJ", "hospitality", "2026-04", 3),
    ("brightstaff", "TLK", "growing_picking", "2026-04", 5),
]


def _submit_insight_records(net: LocalNetwork) -> None:
    from msin_fed import pki
    from msin_fed.model import ExploitationType, Grade, Region, Sector, SharedRecord, Tlp
    from msin_fed.proto import coordinator_pb2 as pb
    from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
    from msin_fed.wire import record_to_pb, sign_batch

    for member in ("freshmart", "brightstaff"):
        identity = net.identity(member)
        subs = [
            pb.Submission(submission_id=f"ins-{member}-{region}-{i}", record=record_to_pb(SharedRecord(
                record_id=f"ins-{member}-{region}-{i}", member_id=member,
                narrative="Workers said a driver keeps part of their wages against a travel debt.", tokens=(),
                region=Region(region), sector=Sector(sector),
                exploitation_type=ExploitationType.LABOUR_MULTIPLE_EXPLOITERS, month=month,
                grade=Grade.parse("2BP"), tlp=Tlp.AMBER)).SerializeToString())
            for m, region, sector, month, n in INSIGHT_RECORDS if m == member for i in range(n)
        ]
        channel = pki.secure_channel(net.coordinator_address, identity, role="coordinator", name=COORDINATOR_NAME)
        try:
            stub = pb_grpc.CoordinatorStub(channel)  # type: ignore[no-untyped-call]
            stub.SubmitBatch(pb.SubmitBatchRequest(submissions=subs, signature=sign_batch(subs, identity.signing_key)),
                             timeout=60)
        finally:
            channel.close()


def _cells(page: Any, table: str) -> list[str]:
    return [c.strip() for c in page.locator(f"#{table} td.govuk-table__cell--numeric").all_inner_texts()]


def test_insights_dashboard_charts_tables_and_suppression(analyst: Analyst) -> None:
    _submit_insight_records(analyst.net)
    page = analyst.page
    page.goto(analyst.url + "/insights?month=2026-05")
    assert page.locator("h1").inner_text() == "Insights for 2026-05"
    assert "fewer than 5 records" in page.inner_text("#suppression")
    # Every chart is a PNG from this console that decoded, with a text alternative.
    images = page.locator("figure.msin-chart img")
    assert images.count() == 4
    for img in images.all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0") and "table below" in str(img.get_attribute("alt"))
        assert str(img.get_attribute("src")).startswith("/insights/charts/")
    region_sector = page.locator("#table-region-sector")
    rows = {r.locator("th").inner_text(): [c.strip() for c in r.locator("td").all_inner_texts()]
            for r in region_sector.locator("tbody tr").all()}
    # The brightstaff-only South West count is hidden, and so is what would reveal it.
    assert rows["South West"][-1].startswith("*") and "5" not in rows["South West"]
    assert rows["Total"][-1] == "23"  # the 4 records the nodes shared and the 19 sent here
    # No row or column (with its total) has exactly one hidden value: it would follow from the rest.
    grid = list(rows.values())
    for line in [*grid, *([row[j] for row in grid] for j in range(len(grid[0])))]:
        assert sum(v.startswith("*") for v in line) != 1, rows
    for table in ("table-month-family", "table-region-sector", "table-type", "table-actions"):
        for text in _cells(page, table):
            assert text.startswith("*") or text == "0" or int(text) >= 5, (table, text)
    assert page.locator("#table-growth tbody tr").count() == 12
    html = page.content()
    for secret in ("freshmart", "brightstaff", *PHONES):
        assert secret not in html
    analyst.pages.check(page, "insights")

    # The month picker: another month and a shorter period.
    page.select_option("#month", "2026-04")
    page.select_option("#window", "3")
    page.click("button:has-text('Show insights')")
    assert "month=2026-04" in page.url and "window=3" in page.url
    assert page.locator("#table-growth tbody tr").count() == 3
    assert page.locator("h1").inner_text() == "Insights for 2026-04"


def test_insights_bad_month_is_named(analyst: Analyst) -> None:
    page = analyst.page
    reply = page.goto(analyst.url + "/insights?month=2026-13")
    assert reply is not None and reply.status == 400
    assert "Month: wrong format" in page.inner_text(".govuk-error-summary")
    assert page.locator("figure.msin-chart").count() == 0
    analyst.pages.check(page, "insights bad month")
    assert page.request.get(analyst.url + "/insights/charts/not-a-key/trends.png").status == 404


def test_insights_stix_download(analyst: Analyst, tmp_path: Path) -> None:
    from stix2validator import ValidationOptions, validate_string  # type: ignore[import-untyped]

    page = analyst.page
    page.goto(analyst.url + "/insights?month=2026-05")
    link = page.locator("a:has-text('Download the STIX 2.1 bundle')")
    reply = page.request.get(analyst.url + str(link.get_attribute("href")))
    assert reply.headers["content-type"] == "application/stix+json"
    assert reply.headers["content-disposition"] == 'attachment; filename="insights-2026-05-stix.json"'
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "insights-2026-05-stix.json"
    target = tmp_path / "insights.json"
    info.value.save_as(str(target))
    text = target.read_text()
    result = validate_string(text, ValidationOptions(strict=True, version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    bundle = json.loads(text)
    assert bundle["type"] == "bundle" and any(o["type"] == "report" for o in bundle["objects"])
    for secret in ("freshmart", "brightstaff", *PHONES):
        assert secret not in text


def test_every_page_passes_axe(analyst: Analyst) -> None:
    assert len(analyst.pages.shots) >= 9
    assert not analyst.pages.severe, analyst.pages.severe
    assert not analyst.pages.csp_violations, analyst.pages.csp_violations
