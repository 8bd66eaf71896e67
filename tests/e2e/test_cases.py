"""A case from cluster to closed outcome, over real processes with mutual TLS.

Three members (alpha, beta, gamma) share reports on one phone number; STTG's analyst
opens a case from the cluster, talks with each member in sealed messages, brokers
contact (alpha and beta both consent; gamma declines), refers the case to the Advisory
Group (2 of 4 agreements are not a recommendation, 3 are), escalates it to the police
(the STIX bundle validates and holds no personal data), the members record actions and
the case is closed. Then each party is played as an attacker: the coordinator's database
and logs hold no message text or contact point, and a member holding the whole database
opens nothing that was not sealed to it.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_net import eventually, write_reports
from stix2validator import ValidationOptions, validate_string  # type: ignore[import-untyped]

from msin_fed import pki
from msin_fed.cases_client import AdvisoryCases, AnalystCases
from msin_fed.demo.network import ADVISORY_NAMES, ANALYST_NAME, COORDINATOR_NAME, LocalNetwork
from msin_fed.errors import RemoteError, ValidationError
from msin_fed.model.cases import CaseState
from msin_fed.model.events import CaseEvent, CaseEventKind
from msin_fed.sealing import SealError, open_from_self, open_message

pytestmark = pytest.mark.slow

MEMBERS = ["alpha", "beta", "gamma"]
PHONE = "07700 900777"
TO_ALPHA = "Alpha, could you check whether the driver still collects wages at the Wisbech site?"
FROM_ALPHA = "Yes: our auditor saw the minibus again on Tuesday; payroll shows cash deductions."
TO_GAMMA = "Gamma, do your records show the same labour provider supplying your farms?"
FROM_GAMMA = "We stopped using that provider in March after complaints about accommodation."
CONTACT_ALPHA = "Priya Natarajan, ethical trade desk, priya.n@alpha-retail.example, 01632 960111"
CONTACT_BETA = "Tom Okafor, compliance, t.okafor@beta-growers.example, 01632 960222"
CONTACT_GAMMA = "Ewa Zielinska, gamma-labour.example, 01632 960333"
SECRETS = [TO_ALPHA, FROM_ALPHA, TO_GAMMA, FROM_GAMMA, CONTACT_ALPHA, CONTACT_BETA, CONTACT_GAMMA]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    root = tmp_path_factory.mktemp("cases")
    net = LocalNetwork(root / "net", members=MEMBERS)
    try:
        net.create_pki()
        pki.issue(net.ca_dir, "advisory", "advisory-9", net.identity_dir("advisory-9"))  # not configured
        net.deal_keys()
        net.configure_coordinator()
        net.configure_keyholders()
        net.start_coordinator(timeout=60)
        net.start_keyholders()
        for i, member in enumerate(MEMBERS):
            net.configure_node(member)
            net.node_cli(member, "init")
            files = write_reports(root / "data", member[0].upper(), [PHONE, f"07700 90{i}999"])
            net.share_all(member, *files)
            net.nodes[member].process.start()
        yield net
    finally:
        net.stop()


def _analyst(net: LocalNetwork) -> AnalystCases:
    return AnalystCases.connect(net.coordinator_address, net.identity(ANALYST_NAME), COORDINATOR_NAME)


def _advisory(net: LocalNetwork, name: str) -> AdvisoryCases:
    return AdvisoryCases.connect(net.coordinator_address, net.identity(name), COORDINATOR_NAME)


def _case_events(net: LocalNetwork, member: str, kind: CaseEventKind) -> list[CaseEvent]:
    with net.open_node(member) as node:
        return [e.body for _c, e, _t in node.events() if isinstance(e.body, CaseEvent) and e.body.kind == kind]


def _everything_stored(net: LocalNetwork) -> bytes:
    """Every byte the coordinator keeps: its database files and every log of the network's processes."""
    directory = net.root / "coordinator"
    parts = [p.read_bytes() for p in directory.glob("shared.db*")]
    parts += [p.read_bytes() for p in net.logs]
    return b"".join(parts)


def test_a_case_from_cluster_to_closed_outcome(network: LocalNetwork) -> None:
    net = network
    for member in MEMBERS:
        eventually(lambda m=member: _matched(net, m), 60, f"{member}'s match events")
    [cluster] = [c for c in net.list_clusters() if c.members == 3]
    analyst = _analyst(net)
    case = analyst.open(cluster_id=cluster.cluster_id, title="Packhouse wages collected by a driver")
    assert case.state == CaseState.OPEN and sorted(case.participants[1:]) == MEMBERS
    assert len(case.records) == 3 and {r.member for r in case.records} == set(MEMBERS)
    # Each node subscribed, so its certificate's sealing key is known to the coordinator.
    eventually(lambda: set(analyst.show(case.case_id).member_keys) == set(MEMBERS), 30, "members' sealing keys")

    # ---------------------------------------------------------------- sealed messages
    analyst.message(case.case_id, "alpha", TO_ALPHA)
    analyst.message(case.case_id, "gamma", TO_GAMMA)
    with net.open_node("alpha") as node:
        seen = node.cases.show(case.case_id)
        assert seen.state == CaseState.IN_DISCUSSION
        assert seen.participants == ("STTG", "you", "another member", "another member")
        assert [r.record_id for r in seen.records] and all(r.member == "you" for r in seen.records)
        node.cases.message(case.case_id, FROM_ALPHA)
        assert [(m.sender, m.text) for m in node.cases.messages(case.case_id)] == [("STTG", TO_ALPHA), ("you", FROM_ALPHA)]
    with net.open_node("gamma") as node:
        node.cases.message(case.case_id, FROM_GAMMA)
        assert [m.text for m in node.cases.messages(case.case_id)] == [TO_GAMMA, FROM_GAMMA]
    with net.open_node("beta") as node:
        assert node.cases.messages(case.case_id) == []  # nobody wrote to beta
        assert len(node.cases.show(case.case_id).records) == 1  # its own record only
    threads = {(m.member, m.text) for m in analyst.messages(case.case_id)}
    assert threads == {("alpha", TO_ALPHA), ("alpha", FROM_ALPHA), ("gamma", TO_GAMMA), ("gamma", FROM_GAMMA)}
    # The message reached alpha's inbox as an event too: ciphertext only.
    eventually(lambda: len(_case_events(net, "alpha", CaseEventKind.MESSAGE)) == 1, 30, "alpha's message event")

    # ---------------------------------------------------------------- brokered contact
    ab = analyst.broker(case.case_id, "alpha", "beta", "Both of you supply the same packhouse.")
    ag = analyst.broker(case.case_id, "alpha", "gamma", "Gamma knows the labour provider's history.")
    eventually(lambda: len(_case_events(net, "gamma", CaseEventKind.CONSENT_REQUESTED)) == 1, 30, "gamma's request")
    with net.open_node("alpha") as node:
        assert node.cases.consent(ab, CONTACT_ALPHA) is False  # beta has not answered yet
        assert node.cases.consent(ag, CONTACT_ALPHA) is False
    with net.open_node("gamma") as node:
        node.cases.decline(ag)
        with pytest.raises(RemoteError, match="FAILED_PRECONDITION"):
            node.cases.consent(ag, CONTACT_GAMMA)  # declined is final
    with net.open_node("beta") as node:
        assert node.cases.consent(ab, CONTACT_BETA) is True  # both agreed: beta's reveal went at once
    eventually(lambda: len(_case_events(net, "alpha", CaseEventKind.CONTACT_AGREED)) == 1, 30, "alpha hears agreement")
    # Alpha's running node ('msin node run') sends its reveal as soon as it hears of the
    # agreement; nobody at alpha has to act again.
    eventually(lambda: len(_case_events(net, "beta", CaseEventKind.CONTACT_REVEALED)) == 1, 30, "alpha's reveal")
    with net.open_node("alpha") as node:
        assert node.cases.complete_reveals() == 0  # sent once only
    with net.open_node("alpha") as node:
        assert [(c.member_id, c.contact) for c in node.cases.contacts()] == [("beta", CONTACT_BETA)]
    with net.open_node("beta") as node:
        assert [(c.member_id, c.contact) for c in node.cases.contacts()] == [("alpha", CONTACT_ALPHA)]

    # ---------------------------------------------------------------- Advisory Group
    with net.open_node("beta") as node:
        node.cases.refer(case.case_id, "We would rather audit the labour provider before anyone calls the police.")
    analyst.refer(case.case_id, "Workers may be at risk now; we think the threshold is reached.")
    with _advisory(net, "advisory-9") as outsider, pytest.raises(RemoteError, match="PERMISSION_DENIED"):
        outsider.recommend(case.case_id, "Not a member of the group.")
    advisers = [_advisory(net, n) for n in ADVISORY_NAMES]
    summary = advisers[0].show(case.case_id)
    assert summary.state == CaseState.WITH_ADVISORY_GROUP
    assert len(summary.records) == 3 and all(r.narrative and r.grade for r in summary.records)
    assert not any(r.record_id for r in summary.records)
    positions = [e.text for e in summary.timeline if e.kind == "position"]
    assert len(positions) == 2 and not any(m in repr(summary) for m in MEMBERS)  # aliases, not member ids
    advisers[1].note(case.case_id, "The provider's licence was reviewed last year.")
    rec, quorum = advisers[0].recommend(case.case_id, "Refer to the police now; the grower audits the provider in parallel.")
    assert quorum == 3 and not rec.recorded
    rec, _q = advisers[2].agree(case.case_id, rec.recommendation_id)
    assert rec.agreed == ("advisory-1", "advisory-3") and not rec.recorded  # 2 of 4: refused
    with net.open_node("beta") as node:
        assert node.cases.show(case.case_id).recommendations == ()  # not a recommendation yet
    rec, _q = advisers[3].agree(case.case_id, rec.recommendation_id)
    assert rec.recorded and rec.agreed == ("advisory-1", "advisory-3", "advisory-4")  # 3 of 4: recorded
    with net.open_node("beta") as node:
        [seen_rec] = node.cases.show(case.case_id).recommendations
        assert seen_rec.recorded and seen_rec.agreed == rec.agreed
    for a in advisers:
        a.close()

    # ---------------------------------------------------------------- escalation
    with pytest.raises(ValidationError):
        analyst.escalate(case.case_id, "because", "police")
    bundle = analyst.escalate(case.case_id, "serious_safeguarding_concern", "police", "Workers moved between sites weekly.")
    result = validate_string(json.dumps(bundle), ValidationOptions(strict=True, version="2.1"))
    assert result.is_valid, [str(e) for r in result.object_results for e in r.errors]
    text = json.dumps(bundle)
    for leak in [*MEMBERS, PHONE, "07700", "900777", *(r.record_id for r in case.records), case.case_id, *SECRETS]:
        assert leak not in text, leak
    assert any(o["type"] == "marking-definition" for o in bundle["objects"])
    for member in MEMBERS:
        eventually(lambda m=member: len(_case_events(net, m, CaseEventKind.ESCALATED)) == 1, 30, f"{member} told")
    with net.open_node("gamma") as node:
        esc = node.cases.show(case.case_id).escalation
        assert esc is not None and esc.agency == "police" and esc.decided_by == "STTG"

    # ---------------------------------------------------------------- actions and outcome
    today = _dt.date.today().isoformat()
    with net.open_node("alpha") as node:
        node.cases.record_action(case.case_id, "investigation", "substantiated", today,
                                 "Cash deductions showed up in payroll before workers said anything.")
        with pytest.raises(ValidationError):
            node.cases.record_action(case.case_id, "shrug", "substantiated", today)
    with net.open_node("beta") as node:
        node.cases.record_action(case.case_id, "supplier_audit", "remediated", today)
        assert [a.kind for a in node.cases.show(case.case_id).actions] == ["supplier_audit"]  # its own only
    closed = analyst.close_case(case.case_id, "referred_to_law_enforcement")
    assert closed.state == CaseState.CLOSED and closed.outcome == "referred_to_law_enforcement"
    assert {a.member for a in closed.actions} == {"alpha", "beta"}
    with pytest.raises(RemoteError, match="FAILED_PRECONDITION"):
        analyst.message(case.case_id, "alpha", "After closing.")
    eventually(lambda: len(_case_events(net, "gamma", CaseEventKind.CLOSED)) == 1, 30, "gamma hears of closing")
    analyst.close()

    # ---------------------------------------------------------------- what gamma learned
    with net.open_node("gamma") as node:
        inbox = b"".join(data for _c, _k, data in node.store.events())
        view = repr(node.cases.show(case.case_id))
        assert node.cases.contacts() == []
    for learned in (inbox, view.encode()):
        for other in (b"alpha", b"beta", CONTACT_ALPHA.encode(), CONTACT_BETA.encode()):
            assert other not in learned

    # ---------------------------------------------------------------- the coordinator's copy
    stored = _everything_stored(net)
    fragments = ["Priya Natarajan", "priya.n@alpha-retail", "Tom Okafor", "t.okafor@", "Ewa Zielinska", "960111",
                 "Wisbech", "minibus", "cash deductions", "accommodation"]
    for secret in [*SECRETS, *fragments]:
        assert secret.encode() not in stored, secret
    _gamma_with_the_database(net)


def _matched(net: LocalNetwork, member: str) -> bool:
    with net.open_node(member) as node:
        return any(m.other_members == 2 for m in node.matches())


def _gamma_with_the_database(net: LocalNetwork) -> None:
    """Gamma (and beta) hold the coordinator's whole database: nothing not sealed to them opens."""
    db = sqlite3.connect(net.root / "coordinator" / "shared.db")
    try:
        keys = [bytes(k) for (k,) in db.execute("select sealing_key from party_keys")]
        boxes = [bytes(s) for (s,) in db.execute("select sealed from case_messages")]
        blobs = [bytes(s) for row in db.execute("select self_sealed_a, self_sealed_b from case_proposals")
                 for s in row if s is not None]
        bodies = [bytes(b) for (b,) in db.execute("select body from events where kind = 'case'")]
    finally:
        db.close()
    assert len(keys) >= 4 and len(boxes) == 4
    from msin_fed.proto import coordinator_pb2 as pb

    boxes += [bytes(pb.CaseEvent.FromString(b).sealed) for b in bodies if pb.CaseEvent.FromString(b).sealed]
    gamma = net.identity("gamma").sealing_key
    opened_by_gamma = 0
    for box, key in itertools.product(boxes, keys):
        try:
            text = open_message(box, gamma, key)
        except SealError:
            continue
        opened_by_gamma += 1
        assert text in (TO_GAMMA, FROM_GAMMA)  # its own thread, nothing else
    assert opened_by_gamma >= 2
    beta = net.identity("beta").sealing_key
    for box, key in itertools.product(boxes, keys):
        try:
            text = open_message(box, beta, key)
        except SealError:
            continue
        assert text not in (TO_ALPHA, FROM_ALPHA, TO_GAMMA, FROM_GAMMA)  # only the reveal sealed to beta
    assert blobs == []  # consent blobs are deleted once revealed or declined
    agreed = [bytes(pb.CaseEvent.FromString(b).sealed) for b in bodies
              if pb.CaseEvent.FromString(b).kind == "contact_agreed" and pb.CaseEvent.FromString(b).sealed]
    assert agreed  # alpha's own blob, handed back to alpha in its event
    for blob in agreed:
        for who in (gamma, beta):
            with pytest.raises(SealError):
                open_from_self(blob, who)


def _msin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``msin`` command; its output stays in this process (never in the network's logs)."""
    return subprocess.run([sys.executable, "-m", "msin_fed.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)


def test_every_step_from_the_command_line(network: LocalNetwork, tmp_path: Path) -> None:
    net = network
    for member in MEMBERS:
        eventually(lambda m=member: _matched(net, m), 60, f"{member}'s match events")
    [cluster] = [c for c in net.list_clusters() if c.members == 3]
    conn = ["--identity", str(net.identity_dir(ANALYST_NAME)), "--coordinator", net.coordinator_address,
            "--coordinator-name", COORDINATOR_NAME]

    def analyst(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return _msin("analyst", "case", *args, *conn, stdin=stdin)

    def node(member: str, *args: str) -> subprocess.CompletedProcess[str]:
        return _msin("node", "case", *args, "--config", str(net.nodes[member].config))

    def advisory(name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return _msin("advisory", "case", *args, "--identity", str(net.identity_dir(name)), "--coordinator",
                     net.coordinator_address, "--coordinator-name", COORDINATOR_NAME)

    done = analyst("open", "--cluster", cluster.cluster_id, "--title", "Second look at the packhouse")
    assert done.returncode == 0, done.stderr
    case_id = done.stdout.split()[2]
    assert "3 record(s) of 3 member(s)" in done.stdout
    eventually(lambda: all(m in analyst("show", case_id, "--json").stdout for m in MEMBERS), 30, "member keys")
    assert analyst("message", case_id, "--member", "beta", "--text", "-", stdin="Beta, is the minibus back?").returncode == 0
    shown = node("beta", "show", case_id)
    assert shown.returncode == 0 and "STTG: Beta, is the minibus back?" in shown.stdout
    assert "alpha" not in shown.stdout and "gamma" not in shown.stdout
    assert node("beta", "message", case_id, "--text", "Not since Friday.").returncode == 0
    seen = json.loads(analyst("show", case_id, "--json").stdout)
    assert [(m["member"], m["text"]) for m in seen["messages"]] == [
        ("beta", "Beta, is the minibus back?"), ("beta", "Not since Friday.")]

    assert node("alpha", "action", case_id, "--kind", "shrug", "--outcome", "ongoing",
                "--date", "2026-01-02").returncode == 2
    bad_date = node("alpha", "action", case_id, "--kind", "investigation", "--outcome", "ongoing", "--date", "2026-13-01")
    assert bad_date.returncode == 2 and "date" in bad_date.stderr
    assert node("alpha", "show", "case-nope").returncode == 1  # not one of its cases

    proposal = analyst("broker", case_id, "alpha", "gamma", "--note", "Same provider.").stdout.split()[1].rstrip(":")
    assert node("gamma", "decline", proposal).returncode == 0
    late = node("alpha", "consent", proposal, "--contact", CONTACT_ALPHA)
    assert late.returncode == 1 and "declined" in late.stderr
    assert "no member has been revealed" in node("gamma", "contacts").stdout

    assert analyst("refer", case_id, "--position", "We need the group's view on timing.").returncode == 0
    first = advisory("advisory-2", "recommend", case_id, "--text", "Alert the GLAA this week.")
    assert first.returncode == 0 and "1 of 3" in first.stdout
    rec_id = first.stdout.split()[1].rstrip(":")
    assert "not recorded yet" in advisory("advisory-3", "agree", case_id, rec_id).stdout
    assert "recorded (agreed: advisory-2, advisory-3, advisory-1)" in advisory("advisory-1", "agree", case_id, rec_id).stdout
    assert "Alert the GLAA this week." in advisory("advisory-4", "show", case_id).stdout

    stix = tmp_path / "case.stix.json"
    done = analyst("escalate", case_id, "--reason", "suspicion_of_serious_offence", "--agency", "glaa",
                   "--stix", str(stix))
    assert done.returncode == 0, done.stderr
    result = validate_string(stix.read_text(), ValidationOptions(strict=True, version="2.1"))
    assert result.is_valid
    assert analyst("close", case_id, "--outcome", "actions_taken").returncode == 0
    listed = json.loads(node("gamma", "list", "--json").stdout)
    assert {c["case_id"]: c["state"] for c in listed}[case_id] == "closed"
