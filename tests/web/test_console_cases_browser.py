"""Cases in real browsers, over real processes: three members' node consoles (each the
member's node process), the analyst console with its own analyst certificate, the
coordinator and key holders over mutual TLS. The analyst opens a case from a cluster,
talks with a member both ways (sealed; the coordinator holds ciphertext only), brokers
contact between two members, who both consent in their consoles and then see each
other's contact point while the third member's console shows nothing of either; a second
proposal is declined by one member, which every side shows and which reveals nothing; the
case is referred and two advisers, each in the Advisory Group console of their own
advisory certificate, add a note and propose and agree to a recommendation that the third
adviser (its Python API) brings to the quorum, and the analyst and a member see it; the
analyst escalates, downloads a STIX bundle that validates, and closes the case after the
member recorded an action; a case opened from one record reaches that record's member
only. Every analyst and adviser action is in the coordinator's audit log under the
person's account name; every page is screenshotted and passes axe-core."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from console_net import PASSWORD, ConsoleUser, MemberConsole, start_member_console, start_network
from e2e_net import eventually, query, write_reports
from pages import PageLog, sign_in
from stix2validator import ValidationOptions, validate_string  # type: ignore[import-untyped]

from msin_fed import pki
from msin_fed.cases_client import AdvisoryCases
from msin_fed.demo.network import ADVISORY_NAMES, ANALYST_NAME, COORDINATOR_NAME, LocalNetwork
from msin_fed.demo.processes import LOOPBACK, free_port
from msin_fed.web.launch import advisory_console_config, analyst_console_config
from msin_fed.web.server import start_console, wait_https

pytestmark = pytest.mark.slow

PHONE = "+447700900411"
MEMBERS = ("freshmart", "brightstaff", "gammaco")
CONTACTS = {"freshmart": "Freshmart investigations desk, 01632 960001",
            "brightstaff": "Brightstaff compliance team, 01632 960002"}
TO_MEMBER = "Can you tell us when the driver was last seen at your site?"
TO_STTG = "Our auditor saw him on Monday \u2067at the gate\u2069, collecting cards."
#: Advisory Group consoles started: certificate name -> the person signed in there.
ADVISERS = {"advisory-1": "jo", "advisory-2": "sam"}
DECLINED_CONTACT = "Freshmart second desk, 01632 960009"


@dataclass
class Net:
    net: LocalNetwork
    analyst_url: str
    analyst_user: ConsoleUser
    consoles: dict[str, MemberConsole]
    pages: PageLog
    analyst: Any
    member_pages: dict[str, Any]
    downloads: Path
    #: Each adviser's console: (url, user, page), by certificate name.
    advisers: dict[str, tuple[str, ConsoleUser, Any]]
    case_id: str = ""


@pytest.fixture(scope="module")
def cases_net(tmp_path_factory: pytest.TempPathFactory, browser: Any, artifacts: Path) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("cases") / "net"
    net = start_network(root, list(MEMBERS))
    started: list[Any] = []
    contexts: list[Any] = []
    try:
        consoles = {}
        for i, member in enumerate(MEMBERS):
            reports, mentions = write_reports(root / "files", f"m{i}", [PHONE])
            net.share_all(member, reports, mentions)
            consoles[member] = start_member_console(net, member, f"user{i}")
            started.append(consoles[member].process)
        directory = root / "analyst-console"
        config = analyst_console_config(net, directory)
        user = _add_user("coordinator", config, "ann")
        port = free_port()
        console = start_console("analyst", config, directory / "console.log", listen=f"{LOOPBACK}:{port}")
        started.append(console)
        url = f"https://{LOOPBACK}:{port}"
        advisers: dict[str, tuple[str, ConsoleUser]] = {}
        for adviser, person in ADVISERS.items():
            adv_config = advisory_console_config(net, root / f"{adviser}-console", adviser)
            adv_user = _add_user("advisory", adv_config, person)
            adv_port = free_port()
            started.append(start_console("advisory", adv_config, adv_config.parent / "console.log",
                                         listen=f"{LOOPBACK}:{adv_port}"))
            advisers[adviser] = (f"https://{LOOPBACK}:{adv_port}", adv_user)
        wait_https(url + "/sign-in", timeout=60, process=console)
        for proc, (adv_url, _u) in zip(started[-len(ADVISERS):], advisers.values(), strict=True):
            wait_https(adv_url + "/sign-in", timeout=60, process=proc)
        (artifacts / "cases-console").mkdir(exist_ok=True)
        log = PageLog(artifacts / "cases-console")

        def new_page() -> Any:
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900},
                                          accept_downloads=True)
            contexts.append(context)
            return log.watch(context.new_page())

        analyst = new_page()
        member_pages = {m: new_page() for m in MEMBERS}
        yield Net(net, url, user, consoles, log, analyst, member_pages, root / "downloads",
                  {a: (u, au, new_page()) for a, (u, au) in advisers.items()})
    finally:
        for context in contexts:
            context.close()
        for proc in started:
            proc.stop()
        net.stop()


def _add_user(area: str, config: Path, name: str) -> ConsoleUser:
    """``msin AREA users add NAME --password-stdin``; the account with the TOTP secret it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "msin_fed.cli", area, "users", "add", "--config", str(config), name,
         "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    return ConsoleUser(name, PASSWORD, lines[lines.index(next(line for line in lines if "with this secret" in line)) + 1].strip())


def _member_case(n: Net, member: str, name: str | None = None) -> Any:
    page = n.member_pages[member]
    page.goto(f"{n.consoles[member].url}/cases/{n.case_id}")
    if name:
        n.pages.check(page, name)
    return page


def test_the_analyst_opens_a_case_from_the_cluster(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    sign_in(page, n.analyst_url, n.analyst_user.name, n.analyst_user.password, n.analyst_user.code())

    def listed() -> bool:
        page.goto(n.analyst_url + "/clusters")
        return page.locator("tbody tr").count() >= 1 and "3" in page.inner_text("tbody")

    eventually(listed, 90, "the cluster of three members", every=1)
    page.locator("tbody a").first.click()
    page.fill("#case-title", "Packhouse driver collecting wages")
    page.click("button:has-text('Open a case on this cluster')")
    assert "/cases/" in page.url
    n.case_id = page.url.rsplit("/", 1)[1]
    main = page.inner_text("main")
    assert "Case opened" in main and all(f"With {m}" in main for m in MEMBERS)
    assert "With STTG" not in main and page.locator("#member option").count() == 1 + len(MEMBERS)
    n.pages.check(page, "analyst case opened")
    page.goto(n.analyst_url + "/cases")
    assert "Packhouse driver collecting wages" in page.inner_text("tbody")
    n.pages.check(page, "analyst case list")
    # A form sent without its choices is answered on the page, field by field.
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    page.click("button:has-text('Escalate to law enforcement')")
    summary = page.inner_text(".govuk-error-summary")
    assert "Choose why the case reached the threshold" in summary and "Choose the agency" in summary
    n.pages.check(page, "analyst escalation without a reason")


def test_messages_both_ways_sealed(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    page.select_option("#member", "freshmart")
    page.fill("#text", TO_MEMBER)
    page.click("button:has-text('Send sealed message')")
    assert "Message sealed to the member" in page.inner_text(".govuk-notification-banner")
    assert TO_MEMBER in page.inner_text("#main-content")

    for i, member in enumerate(MEMBERS):
        mp = n.member_pages[member]
        sign_in(mp, n.consoles[member].url, f"user{i}", PASSWORD, n.consoles[member].fresh_code())

    fm = n.member_pages["freshmart"]

    def listed() -> bool:
        fm.goto(n.consoles["freshmart"].url + "/cases")
        return "Packhouse driver collecting wages" in fm.inner_text("main")

    eventually(listed, 30, "the case at freshmart", every=1)
    n.pages.check(fm, "member case list")
    fm = _member_case(n, "freshmart")
    assert TO_MEMBER in fm.inner_text("main")
    main = fm.inner_text("main")
    assert "brightstaff" not in main and "gammaco" not in main  # other members are not named
    assert "Us and 2 other members" in main
    fm.fill("#text", TO_STTG)
    fm.click("button:has-text('Send sealed message')")
    assert "Message sealed to STTG" in fm.inner_text(".govuk-notification-banner")
    # The isolate marks are shown, not obeyed.
    shown = fm.inner_text("main")
    assert "U+2067" in shown and "\u2067" not in shown
    n.pages.check(fm, "member case with messages")
    # Brightstaff's thread is its own: it does not see the message to freshmart.
    assert TO_MEMBER not in _member_case(n, "brightstaff").inner_text("main")
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    assert "collecting cards" in page.inner_text("main")
    # The coordinator's database holds only ciphertext.
    db = (n.net.root / "coordinator" / "shared.db").read_bytes()
    assert b"collecting cards" not in db and b"driver was last seen" not in db


def test_brokered_contact_with_consent_at_both_members(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    page.select_option("#member_a", "freshmart")
    page.select_option("#member_b", "brightstaff")
    page.fill("#note", "You both report the same driver.")
    page.click("button:has-text('Propose contact')")
    assert "Contact proposed" in page.inner_text(".govuk-notification-banner")
    n.pages.check(page, "analyst contact proposed")
    for member in ("freshmart", "brightstaff"):
        mp = _member_case(n, member)
        assert "who we are" in mp.inner_text("main")
        if member == "freshmart":
            # Agreeing without a contact point is refused on the page.
            mp.click("button:has-text('Agree and reveal our identity')")
            assert "Enter a contact point" in mp.inner_text(".govuk-error-summary")
            n.pages.check(mp, "member consent without a contact point")
        else:
            n.pages.check(mp, "member asked to consent")
        mp.locator("input[name=contact]").fill(CONTACTS[member])
        mp.click("button:has-text('Agree and reveal our identity')")
        assert "You agreed" in mp.inner_text(".govuk-notification-banner")

    for member, other in (("freshmart", "brightstaff"), ("brightstaff", "freshmart")):
        def revealed(member: str = member, other: str = other) -> bool:
            return f"You can now contact {other}" in _member_case(n, member).inner_text("main")

        eventually(revealed, 60, f"{other}'s contact at {member}", every=1)
        mp = _member_case(n, member, f"{member} sees the other's contact")
        assert CONTACTS[other] in mp.inner_text("main")
    gamma = _member_case(n, "gammaco", "third member sees nothing")
    html = gamma.content()
    assert "You can now contact" not in html
    for member, contact in CONTACTS.items():
        assert contact not in html and member not in gamma.inner_text("main")


def test_a_declined_proposal_shows_at_every_side_and_reveals_nothing(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    page.select_option("#member_a", "freshmart")
    page.select_option("#member_b", "gammaco")
    page.click("button:has-text('Propose contact')")
    assert "Contact proposed" in page.inner_text(".govuk-notification-banner")
    # Freshmart agrees first (its reveal sealed to itself); gammaco declines.
    fm = _member_case(n, "freshmart")
    fm.locator("input[name=contact]").fill(DECLINED_CONTACT)
    fm.click("button:has-text('Agree and reveal our identity')")
    assert "You agreed" in fm.inner_text(".govuk-notification-banner")
    gamma = _member_case(n, "gammaco")
    assert "who we are" in gamma.inner_text("main")
    gamma.click("button:has-text('Decline')")
    assert "You declined. Nothing about you was revealed." in gamma.inner_text(".govuk-notification-banner")
    assert "Declined. Nothing was revealed to either member." in gamma.inner_text("main")
    n.pages.check(gamma, "member declined contact")

    def declined_at_freshmart() -> bool:
        return "Declined. Nothing was revealed to either member." in _member_case(n, "freshmart").inner_text("main")

    eventually(declined_at_freshmart, 30, "the declined proposal at freshmart", every=1)
    fm = _member_case(n, "freshmart", "member sees the other declined")
    assert "You can now contact gammaco" not in fm.content() and "gammaco" not in fm.inner_text("main")
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    rows = [r.inner_text() for r in page.locator("table:has(caption:has-text('Contact proposals')) tbody tr").all()]
    assert any("freshmart and gammaco" in r and "Declined" in r for r in rows), rows
    assert any("freshmart and brightstaff" in r and "Agreed" in r for r in rows) or len(rows) == 2, rows
    n.pages.check(page, "analyst sees the declined proposal")
    # Nothing of freshmart reached gammaco, and the coordinator kept nothing readable of it.
    for _ in range(2):
        html = _member_case(n, "gammaco").content()
        assert DECLINED_CONTACT not in html and "You can now contact" not in html
    assert "freshmart" not in _member_case(n, "gammaco").inner_text("main")
    assert DECLINED_CONTACT.encode() not in (n.net.root / "coordinator" / "shared.db").read_bytes()


def test_referral_and_the_advisory_groups_recommendation(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    (jo_url, jo, jp), (sam_url, sam, sp) = n.advisers["advisory-1"], n.advisers["advisory-2"]
    sign_in(jp, jo_url, jo.name, jo.password, jo.code())
    sign_in(sp, sam_url, sam.name, sam.password, sam.code())
    # Not referred yet: the coordinator shows the Advisory Group nothing of the case.
    jp.goto(f"{jo_url}/cases")
    assert n.case_id not in jp.content()
    jp.goto(f"{jo_url}/cases/{n.case_id}")
    assert "Page not found" in jp.inner_text("main") or "not found" in jp.inner_text("main").lower()

    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    page.fill("#position", "STTG proposes a joint audit before any referral.")
    page.click("button:has-text('Refer to the Advisory Group')")
    assert "Referred to the Advisory Group" in page.inner_text(".govuk-notification-banner")

    jp.goto(f"{jo_url}/cases")
    assert "Packhouse driver collecting wages" in jp.inner_text("tbody") and "With the Advisory Group" in jp.inner_text("tbody")
    n.pages.check(jp, "adviser referred cases")
    jp.click("a:has-text('Packhouse driver collecting wages')")
    main = jp.inner_text("main")
    # The summary advisers get: positions, redacted narratives under aliases, no member named.
    assert "STTG proposes a joint audit before any referral." in main
    assert re.search(r"<[A-Z_]+_1>", main), main  # the narratives' placeholders, as shared
    assert all(m not in main for m in MEMBERS) and PHONE not in jp.content()
    assert "member 1" in main.lower()
    # The coordinator refuses personal data in a note; an empty one is caught on the page.
    jp.click("button:has-text('Add the note')")
    assert "Write the note" in jp.inner_text(".govuk-error-summary")
    jp.fill("#note", f"Ring the driver on {PHONE} first.")
    jp.click("button:has-text('Add the note')")
    assert "personal data" in jp.inner_text(".govuk-error-summary")
    n.pages.check(jp, "adviser note refused for personal data")
    jp.fill("#note", "The grades support a joint audit.")
    jp.click("button:has-text('Add the note')")
    assert "Note added" in jp.inner_text(".govuk-notification-banner")
    jp.fill("#recommendation", "Run the joint audit within two weeks.")
    jp.click("button:has-text('Propose the recommendation')")
    assert "1 of the 3 advisers needed" in jp.inner_text(".govuk-notification-banner")
    assert "You (advisory-1) have agreed to it." in jp.inner_text("main")
    assert jp.locator("button:has-text('Agree to this recommendation')").count() == 0

    sp.goto(f"{sam_url}/cases/{n.case_id}")
    assert "The grades support a joint audit." in sp.inner_text("main")
    n.pages.check(sp, "adviser asked to agree")
    sp.click("button:has-text('Agree to this recommendation')")
    assert "2 of the 3 advisers needed" in sp.inner_text(".govuk-notification-banner")
    assert "Agreed by 2: advisory-1, advisory-2" in sp.inner_text("main")
    # Two of four is not the quorum: the analyst sees a proposal, not a recommendation.
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    assert "Proposed recommendation" in page.inner_text("main")

    third = AdvisoryCases.connect(n.net.coordinator_address, n.net.identity(ADVISORY_NAMES[2]), COORDINATOR_NAME)
    try:
        rec_id = third.show(n.case_id).recommendations[0].recommendation_id
        rec, quorum = third.agree(n.case_id, rec_id)
        assert rec.recorded and quorum == 3
    finally:
        third.close()
    sp.goto(f"{sam_url}/cases/{n.case_id}")
    main = sp.inner_text("main")
    assert "Recorded recommendation" in main and "no recommendation can be made" in main
    n.pages.check(sp, "adviser sees the recorded recommendation")
    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    main = page.inner_text("main")
    assert "The grades support a joint audit." in main
    assert "Run the joint audit within two weeks." in main and "agreed by 3" in main
    n.pages.check(page, "analyst sees the recommendation")
    assert "Run the joint audit within two weeks." in _member_case(n, "freshmart").inner_text("main")


def test_an_advisory_console_outside_the_group_is_refused_by_the_coordinator(cases_net: Net, browser: Any) -> None:
    # The network CA issues an advisory certificate the coordinator is not configured with:
    # the console starts (its pages hold no policy) and the coordinator refuses every call.
    n = cases_net
    pki.issue(n.net.ca_dir, "advisory", "advisory-9", n.net.identity_dir("advisory-9"))
    config = advisory_console_config(n.net, n.net.root / "advisory-9-console", "advisory-9")
    user = _add_user("advisory", config, "mo")
    port = free_port()
    proc: Any = start_console("advisory", config, config.parent / "console.log", listen=f"{LOOPBACK}:{port}")
    try:
        url = f"https://{LOOPBACK}:{port}"
        wait_https(url + "/sign-in", timeout=60, process=proc)
        # A context of its own: session cookies are per host, not per port.
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
        page = n.pages.watch(context.new_page())
        sign_in(page, url, user.name, user.password, user.code())
        for path in ("/cases", f"/cases/{n.case_id}"):
            answer = page.goto(url + path)
            assert answer is not None and answer.status == 403
            assert "not one of the Advisory Group members" in page.inner_text("main")
            assert "Run the joint audit" not in page.content()
        n.pages.check(page, "unconfigured adviser refused")
        context.close()
    finally:
        proc.stop()


def test_action_escalation_with_stix_and_close(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    fm = _member_case(n, "freshmart")
    fm.select_option("#kind", "supplier_audit")
    fm.select_option("#outcome", "substantiated")
    fm.fill("#date", "2026-06-01")
    fm.fill("#lessons", "Check payroll against gate records first.")
    fm.click("button:has-text('Record the action')")
    assert "Action recorded" in fm.inner_text(".govuk-notification-banner")
    n.pages.check(fm, "member action recorded")

    page.goto(f"{n.analyst_url}/cases/{n.case_id}")
    assert "Supplier audit" in page.inner_text("main")
    page.select_option("#reason", "suspicion_of_serious_offence")
    page.select_option("#agency", "glaa")
    page.fill("#escalation_note", "Wages withheld across three sites.")
    page.click("button:has-text('Escalate to law enforcement')")
    assert "Escalation recorded" in page.inner_text(".govuk-notification-banner")
    n.pages.check(page, "analyst case escalated")
    link = page.locator("a:has-text('Download the STIX 2.1 bundle')")
    assert link.get_attribute("href") == f"/cases/{n.case_id}/stix.json"  # an opaque id, no personal data
    reply = page.request.get(n.analyst_url + str(link.get_attribute("href")))
    assert reply.headers["content-type"] == "application/stix+json"
    assert reply.headers["content-disposition"] == f'attachment; filename="case-{n.case_id[:12]}-stix.json"'
    with page.expect_download() as info:
        link.click()
    target = n.downloads / "bundle.json"
    info.value.save_as(str(target))
    text = target.read_text()
    result = validate_string(text, ValidationOptions(strict=True, version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    bundle = json.loads(text)
    assert bundle["type"] == "bundle" and any(o["type"] == "report" for o in bundle["objects"])
    for secret in (PHONE, *MEMBERS, n.case_id, *CONTACTS.values()):
        assert secret not in text
    assert "GLAA" in _member_case(n, "gammaco").inner_text("main")

    page.select_option("#outcome", "referred_to_law_enforcement")
    page.click("button:has-text('Close the case')")
    assert "Closed" in page.inner_text("main") and "Case closed" in page.inner_text(".govuk-notification-banner")
    assert page.locator("form[action$='/message']").count() == 0
    n.pages.check(page, "analyst case closed")


def test_a_case_opened_from_one_record_reaches_that_member_only(cases_net: Net) -> None:
    n, page = cases_net, cases_net.analyst
    page.goto(n.analyst_url + "/clusters")
    page.locator("tbody a").first.click()
    card = page.locator(".govuk-summary-card", has_text="brightstaff")
    card.locator("button:has-text('Open a case on this record only')").click()
    assert "Case opened" in page.inner_text(".govuk-notification-banner")
    single = page.url.rsplit("/", 1)[1]
    assert single != n.case_id
    main = page.inner_text("main")
    assert "With brightstaff" in main and "With freshmart" not in main and "With gammaco" not in main
    n.pages.check(page, "analyst case from one record")

    def listed() -> bool:
        bp = n.member_pages["brightstaff"]
        bp.goto(n.consoles["brightstaff"].url + "/cases")
        return f"/cases/{single}" in bp.content()

    eventually(listed, 30, "the one-record case at brightstaff", every=1)
    n.pages.check(n.member_pages["brightstaff"], "member sees the case on one record")
    bp = n.member_pages["brightstaff"]
    bp.goto(f"{n.consoles['brightstaff'].url}/cases/{single}")
    assert "Us and no other members" in bp.inner_text("main")
    fm = n.member_pages["freshmart"]
    fm.goto(n.consoles["freshmart"].url + "/cases")
    assert f"/cases/{single}" not in fm.content()
    # Not referred: no adviser sees it.
    jo_url, _jo, jp = n.advisers["advisory-1"]
    jp.goto(f"{jo_url}/cases")
    assert f"/cases/{single}" not in jp.content()


def test_every_case_action_is_audited_under_the_persons_account(cases_net: Net) -> None:
    rows = query(cases_net.net.root / "coordinator" / "shared.db", "select actor_role, actor, action from audit")
    mine = {action for role, actor, action in rows if role == "analyst" and actor == f"{ANALYST_NAME}/ann"}
    # case_stix: each download asks the coordinator again (the console keeps no bundle).
    for action in ("case_open", "case_message", "case_broker", "case_refer", "case_escalate", "case_stix",
                   "case_close"):
        assert action in mine, (action, sorted(mine))
    members = {(actor, action) for role, actor, action in rows if role == "member"}
    assert ("freshmart", "case_consent") in members and ("freshmart", "case_action") in members
    assert ("gammaco", "case_decline") in members
    advisers = [(actor, action) for role, actor, action in rows if role == "advisory"]
    assert advisers == [("advisory-1/jo", "case_note"), ("advisory-1/jo", "case_recommend"),
                        ("advisory-2/sam", "case_recommend"), ("advisory-3", "case_recommend")], advisers


def test_every_case_page_passes_axe(cases_net: Net) -> None:
    assert len(cases_net.pages.shots) >= 20
    assert not cases_net.pages.severe, cases_net.pages.severe
    assert not cases_net.pages.csp_violations, cases_net.pages.csp_violations
