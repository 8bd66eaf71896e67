"""The node console in a real browser against real processes: a coordinator, three key
holders and two members whose node processes are their consoles.

One story, in order: sign in with TOTP; upload a CSV with a bad row and see every
problem; upload the corrected file; preview and share by keyboard alone; see the match
at the other member's console; XSS payloads and bidi controls in a narrative are inert;
withdraw and see the match go at the other member; a staff member's anonymous concern
reaches the review queue. Every page seen is screenshotted (test artifacts) and checked
with axe-core (no serious or critical violation).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from console_net import MemberConsole, start_member_console, start_network
from e2e_net import MENTION_HEADER, REPORT_HEADER, eventually, write_reports
from pages import PageLog, sign_in

from msin_fed.demo.network import LocalNetwork

pytestmark = pytest.mark.slow

PHONE = "+447700900461"
OTHER_PHONE = "+447700900987"


@dataclass
class Story:
    net: LocalNetwork
    mine: MemberConsole  # freshmart, whose user does most of the story
    theirs: MemberConsole  # brightstaff, which shared a report with the same phone first
    pages: PageLog
    context: Any
    page: Any
    files: Path


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, browser: Any, artifacts: Path) -> Iterator[Story]:
    root = tmp_path_factory.mktemp("console") / "net"
    net = start_network(root, ["freshmart", "brightstaff"])
    consoles: list[MemberConsole] = []
    try:
        files = root / "files"
        reports, mentions = write_reports(files, "bs", [PHONE])
        net.share_all("brightstaff", reports, mentions)
        consoles.append(start_member_console(net, "brightstaff", "bea"))
        consoles.append(start_member_console(net, "freshmart", "alice"))
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
        directory = artifacts / "node-console"
        directory.mkdir(exist_ok=True)
        log = PageLog(directory)
        page = log.watch(context.new_page())
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield Story(net, consoles[1], consoles[0], log, context, page, files)
        context.close()
        assert not dialogs, f"a script ran in the page: {dialogs}"
    finally:
        for console in consoles:
            console.process.stop()
        net.stop()


def _reports_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_HEADER)
        writer.writerows(rows)
    return path


def _row(rid: str, phone: str, *, month: str = "2026-05", region: str = "TLF") -> list[str]:
    return [rid, f"A driver on {phone} collects the pickers' wages and keeps their passports.", region,
            "growing_picking", "labour_multiple_exploiters", month, "2BP", "withholding_of_wages", "5", "false",
            "Site visit by the ethical trade team"]


def _tab_to(page: Any, condition: str, limit: int = 80) -> None:
    """Press Tab until the focused element meets ``condition`` (JavaScript); fail after ``limit``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"Tab never reached the element ({condition})")


def test_sign_in_needs_the_right_totp_code(story: Story) -> None:
    page, mine = story.page, story.mine
    page.goto(mine.url + "/")
    assert page.url.endswith("/sign-in")
    story.pages.check(page, "sign in")
    sign_in(page, mine.url, mine.user.name, mine.user.password, "000000")
    assert "The account name, password or code is not right" in page.inner_text(".govuk-error-summary")
    story.pages.check(page, "sign in refused")
    sign_in(page, mine.url, mine.user.name, mine.user.password, mine.fresh_code())
    assert page.inner_text("h1") == "Overview"
    assert "Signed in as alice" in page.inner_text("body")
    story.pages.check(page, "overview")
    cookie = next(c for c in story.context.cookies() if c["name"] == "__Host-msin-session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_used_code_is_not_accepted_again(story: Story, browser: Any) -> None:
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        used = next(iter(story.mine.codes_used))
        sign_in(page, story.mine.url, story.mine.user.name, story.mine.user.password, used)
        assert page.url.endswith("/sign-in")
        assert "not right" in page.inner_text(".govuk-error-summary")
    finally:
        context.close()


def test_upload_with_a_bad_row_shows_every_problem_and_imports_nothing(story: Story) -> None:
    page, mine = story.page, story.mine
    bad = _reports_csv(story.files / "fm-bad.csv", [
        _row("FM-1", PHONE), _row("FM-2", OTHER_PHONE, month="May 2026", region="Atlantis"),
    ])
    page.goto(mine.url + "/reports/upload")
    story.pages.check(page, "upload")
    page.set_input_files("#reports", str(bad))
    page.click("button:has-text('Check and import')")
    table = page.inner_text("#bad-rows")
    assert "nothing was imported" in table
    rows = [r.inner_text().split("\t") for r in page.query_selector_all("#bad-rows tbody tr")]
    assert {(r[1].strip(), r[2].strip()) for r in rows} == {("3", "month"), ("3", "region")}
    assert all(r[0].strip() == "fm-bad.csv" for r in rows)
    assert "Atlantis" not in table  # problems never quote the value
    story.pages.check(page, "upload refused")
    page.goto(mine.url + "/reports")
    assert "No reports yet" in page.inner_text("main")

    good = _reports_csv(story.files / "fm-good.csv", [_row("FM-1", PHONE), _row("FM-2", OTHER_PHONE)])
    mentions = story.files / "fm-mentions.csv"
    with mentions.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MENTION_HEADER)
        writer.writerow(["FM-1", "", "", "", PHONE, ""])
        writer.writerow(["FM-2", "", "", "", OTHER_PHONE, ""])
    page.goto(mine.url + "/reports/upload")
    page.set_input_files("#reports", str(good))
    page.set_input_files("#mentions", str(mentions))
    page.click("button:has-text('Check and import')")
    assert page.url.endswith("/reports")
    assert "Imported 2 report(s)" in page.inner_text(".govuk-notification-banner")
    assert page.locator("tbody tr").count() == 2
    story.pages.check(page, "reports")


def test_search_finds_a_report_by_phone_without_putting_it_in_the_url(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports")
    page.fill("#q", OTHER_PHONE)
    page.click("button:has-text('Search')")
    assert PHONE not in page.url and "q=" not in page.url
    ids = [c.inner_text() for c in page.query_selector_all("tbody tr td:first-child")]
    assert ids == ["FM-2"]
    story.pages.check(page, "search")


def test_report_detail_shows_the_members_own_data(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports/FM-1")
    body = page.inner_text("main")
    assert PHONE in body and "Site visit by the ethical trade team" in body
    story.pages.check(page, "report detail")


def test_preview_and_share_by_keyboard_alone(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports/FM-1")
    # From the top of the page, tab to the "Preview and share" button and press Enter.
    _tab_to(page, "document.activeElement.textContent.trim() === 'Preview and share'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/FM-1/share", timeout=60_000)
    narrative = page.locator("[data-testid=redacted-narrative]")
    assert PHONE not in narrative.inner_text() and "900461" not in narrative.inner_text()
    marks = [m.inner_text() for m in narrative.locator("mark.msin-placeholder").all()]
    assert "<PHONE_1>" in marks
    assert "phone" in page.inner_text("[data-testid=token-kinds]")
    assert page.locator("#share-button").count() == 0  # no TLP chosen yet
    story.pages.check(page, "share preview")
    # Choose TLP:AMBER and handling C with the keyboard, then update the preview.
    _tab_to(page, "document.activeElement.id === 'tlp-1'")
    page.keyboard.press("Space")
    for _ in range(2):
        page.keyboard.press("ArrowDown")  # CLEAR -> GREEN -> AMBER
    assert page.evaluate("document.activeElement.value") == "AMBER"
    page.keyboard.press("Tab")  # to the handling radios (P)
    page.keyboard.press("ArrowDown")  # -> C
    assert page.evaluate("document.activeElement.value") == "C"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Update the preview"
    page.keyboard.press("Enter")
    page.wait_for_url("**/share?tlp=AMBER&handling=C", timeout=60_000)
    assert page.inner_text("[data-testid=grade]") == "2BC"
    assert "Share as TLP:AMBER with handling code C" in page.inner_text("main")
    story.pages.check(page, "share preview with choices")
    _tab_to(page, "document.activeElement.id === 'share-button'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/FM-1", timeout=120_000)
    assert "queued to share as TLP:AMBER" in page.inner_text(".govuk-notification-banner")
    story.pages.check(page, "shared")


def test_outbox_shows_delivery(story: Story) -> None:
    page = story.page

    def delivered() -> bool:
        page.goto(story.mine.url + "/outbox")
        return "Nothing is waiting" in page.inner_text("main") and "Shared" in page.inner_text("tbody")

    eventually(delivered, 60, "the share to be acknowledged", every=1)
    story.pages.check(page, "outbox")


def test_the_match_is_seen_at_both_members_consoles(story: Story, browser: Any) -> None:
    page = story.page

    def matched(p: Any, url: str, report: str) -> bool:
        p.goto(url + "/matches")
        return report in p.inner_text("main")

    eventually(lambda: matched(page, story.mine.url, "FM-1"), 60, "the match at freshmart", every=1)
    row = page.locator("tbody tr", has_text="FM-1").inner_text()
    assert "phone" in row and "\t1\t" in row
    story.pages.check(page, "matches")
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
    other = story.pages.watch(context.new_page())
    sign_in(other, story.theirs.url, story.theirs.user.name, story.theirs.user.password, story.theirs.fresh_code())
    eventually(lambda: matched(other, story.theirs.url, "bs-1"), 60, "the match at brightstaff", every=1)
    assert "freshmart" not in other.inner_text("main")  # who the other member is stays hidden
    story.pages.check(other, "matches at the other member")
    context.close()


XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"> "><svg onload=alert(2)>'
BIDI = "Paid by \u202egnp.exe\u202c and \u200bhidden\u2066 text \u2069 end"


def test_xss_and_bidi_controls_in_a_narrative_render_inert(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports/new")
    story.pages.check(page, "new report")
    page.fill("#report_id", "FM-XSS")
    page.fill("#narrative", f"{XSS}\n{BIDI}")
    page.select_option("#region", "TLF")
    page.select_option("#sector", "packhouse")
    page.select_option("#exploitation_type", "labour_multiple_exploiters")
    page.fill("#reporter", XSS)
    page.click("button:has-text('Save report')")
    assert page.url.endswith("/reports/FM-XSS"), page.inner_text("main")[:500]
    main = page.locator("main")
    text = main.inner_text()
    assert '<script>alert("xss")</script>' in text  # shown as text
    assert page.locator("main script, main img, main svg[onload]").count() == 0
    for mark in ("\u27e8U+202E\u27e9", "\u27e8U+202C\u27e9", "\u27e8U+200B\u27e9", "\u27e8U+2066\u27e9", "\u27e8U+2069\u27e9"):
        assert mark in text
    html = page.content()
    assert "\u202e" not in html and "\u200b" not in html and "\u2066" not in html
    assert "U+000D" not in text  # the browser's CRLF line ends are plain line ends
    story.pages.check(page, "report with xss and bidi")


def test_new_report_form_shows_each_bad_field(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports/new")
    page.fill("#report_id", "bad id with spaces")
    page.fill("#month", "someday")
    page.fill("#phone", "12")
    page.click("button:has-text('Save report')")
    summary = page.inner_text(".govuk-error-summary")
    for words in ("Report id: wrong format", "Describe what happened", "Choose a region", "Month: wrong format",
                  "Phone number: wrong format"):
        assert words in summary
    assert page.locator(".govuk-form-group--error #month").count() == 1
    story.pages.check(page, "new report refused")


def test_share_many_shows_progress_and_each_answer(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/share-many")
    labels = page.inner_text("#report_ids")
    assert "FM-2" in labels and "FM-XSS" in labels and "FM-1:" not in labels  # FM-1 is shared already
    story.pages.check(page, "share many")
    page.click("button:has-text('Share the chosen reports')")
    assert "Choose at least one report" in page.inner_text(".govuk-error-summary")
    page.check("label:has-text('FM-2:')")
    page.check("label:has-text('FM-XSS:')")
    page.check("label:has-text('TLP:GREEN')")
    page.click("button:has-text('Share the chosen reports')")
    assert "/share-many/" in page.url
    assert page.locator("progress#progress-bar").get_attribute("max") == "2"
    # The page's script polls and reloads itself when the job is done.
    page.wait_for_selector("text=Finished:", timeout=120_000)
    assert page.locator("progress#progress-bar").get_attribute("value") == "2"
    answered = page.inner_text("main")
    assert "FM-2" in answered.split("Queued to share as TLP:GREEN", 1)[1]
    assert "FM-XSS" in answered
    story.pages.check(page, "share many finished")


def test_withdraw_and_the_match_goes_at_the_other_member(story: Story, browser: Any) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports/FM-1")
    page.click("text=Withdraw from the network")
    story.pages.check(page, "withdraw")
    page.click("button:has-text('Withdraw')")
    assert "Withdrawal of report FM-1 is queued" in page.inner_text(".govuk-notification-banner")
    context = browser.new_context(ignore_https_errors=True)
    other = story.pages.watch(context.new_page())
    sign_in(other, story.theirs.url, story.theirs.user.name, story.theirs.user.password, story.theirs.fresh_code())

    def gone() -> bool:
        other.goto(story.theirs.url + "/matches")
        return "bs-1" not in other.inner_text("main")

    eventually(gone, 60, "the match to disappear at brightstaff", every=1)
    context.close()

    def withdrawn() -> bool:
        page.goto(story.mine.url + "/reports/FM-1")
        return "Withdrawn" in page.inner_text("main")

    eventually(withdrawn, 60, "the withdrawal to be acknowledged", every=1)
    story.pages.check(page, "withdrawn")


def test_anonymous_staff_concern_reaches_the_review_queue(story: Story, browser: Any) -> None:
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1000, "height": 900},
                                  user_agent="StaffBrowser/1.0 (identifying)")
    try:
        staff = story.pages.watch(context.new_page())
        staff.goto(story.mine.url + "/intake")
        assert "You do not need an account" in staff.inner_text("main")
        assert staff.locator("#navigation").count() == 0  # no console navigation for staff
        story.pages.check(staff, "staff concern form")
        staff.click("button:has-text('Send')")
        assert "Describe what you saw or heard" in staff.inner_text(".govuk-error-summary")
        story.pages.check(staff, "staff concern refused")
        staff.fill("#what", "The new agency van driver takes the workers' bank cards each Friday.")
        staff.fill("#where", "Packhouse 2")
        staff.click("button:has-text('Send')")
        assert "Thank you" in staff.inner_text("h1")
        story.pages.check(staff, "staff concern sent")
        staff.goto(story.mine.url + "/review")
        assert staff.url.endswith("/sign-in")  # the queue itself needs an account
    finally:
        context.close()
    page = story.page
    page.goto(story.mine.url + "/review")
    row = page.locator("tbody tr").first
    assert "bank cards" in row.inner_text() and "No (anonymous)" in row.inner_text()
    story.pages.check(page, "review queue")
    row.locator("a").click()
    story.pages.check(page, "review item")
    assert "Not given: anonymous" in page.inner_text("main")
    # Only what the staff member typed is kept: no address, browser or cookie with it.
    store = story.net.open_node("freshmart")
    try:
        items = store.store.intake()
    finally:
        store.close()
    assert len(items) == 1
    kept = json.loads(items[0][2])
    assert set(kept) == {"what", "where"}
    db = story.net.nodes["freshmart"].directory / "node.db"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        raw = b"".join(bytes(r[0]) for r in conn.execute("select data from intake"))
    finally:
        conn.close()
    assert b"bank cards" not in raw  # boxed at rest
    page.click("text=Make a report from this")
    assert "bank cards" in page.input_value("#narrative")
    story.pages.check(page, "report from a concern")


def test_alerts_and_outbox_pages_render(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/alerts")
    assert page.inner_text("h1") == "Alerts"
    story.pages.check(page, "alerts")


def test_forms_without_a_csrf_token_or_from_another_site_are_refused(story: Story) -> None:
    page = story.page
    page.goto(story.mine.url + "/reports")
    for form in page.query_selector_all("form[method=post]"):
        assert form.query_selector("input[name=csrf_token]") is not None
    answer = page.request.post(story.mine.url + "/reports/FM-2/withdraw", form={"x": "1"})
    assert answer.status == 403
    answer = page.request.post(story.mine.url + "/reports/search", form={"q": "x"},
                               headers={"Origin": "https://evil.example"})
    assert answer.status == 403
    answer = page.request.get(story.mine.url + "/reports")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["cache-control"] == "no-store"


def test_outbox_says_why_a_share_waits_while_the_coordinator_is_down(story: Story) -> None:
    page, net = story.page, story.net
    assert net.coordinator_process is not None
    net.coordinator_process.stop()
    try:
        page.goto(story.mine.url + "/reports/FM-1/share?tlp=RED&handling=P")
        page.click("#share-button")
        assert "queued to share as TLP:RED" in page.inner_text(".govuk-notification-banner")

        def waiting() -> bool:
            page.goto(story.mine.url + "/outbox")
            return "coordinator unreachable at " + net.coordinator_address in page.inner_text("tbody")

        eventually(waiting, 60, "the outbox to say the coordinator is unreachable", every=1)
        row = page.locator("tbody tr", has_text="TLP:RED").inner_text()
        assert "Waiting to send" in row and " since " in row and "attempt" in row
        assert "1 item waiting for the coordinator" in page.inner_text("main")
        story.pages.check(page, "outbox waiting")
    finally:
        net.start_coordinator()

    def delivered() -> bool:
        page.goto(story.mine.url + "/outbox")
        return "Nothing is waiting" in page.inner_text("main")

    eventually(delivered, 90, "the outbox to drain after the coordinator is back", every=1)


def test_logs_hold_no_identifier_or_narrative(story: Story) -> None:
    logs = [story.net.nodes[m].directory / "console.log" for m in ("freshmart", "brightstaff")]
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    assert "node-console GET" in text  # the request log is there
    for needle in (PHONE, "900461", OTHER_PHONE, "bank cards", "Site visit", "alert(", "gnp.exe"):
        assert needle not in text, needle


def test_every_page_passes_axe_and_was_screenshotted(story: Story) -> None:
    assert len(story.pages.shots) >= 15
    assert all(p.stat().st_size > 5000 for p in story.pages.shots)
    assert not story.pages.severe, story.pages.severe
    assert not story.pages.csp_violations, story.pages.csp_violations
