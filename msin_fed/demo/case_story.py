"""The demo's case: one cluster taken from match to outcome, and what each party saw.

Steps follow the seeds' handling process (docs/cases.md): STTG opens a case from the
largest cluster and talks with each member in sealed messages; proposes that two members
speak directly (both consent) and, with three members, that the first and the third do
too (the third declines, and learns nothing); a member refers the next steps to the
Advisory Group, where three of four agree a recommendation; STTG escalates to the police
(a STIX 2.1 bundle); members record their actions; STTG closes the case.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field

from msin_fed.cases_client import AdvisoryCases, AnalystCases
from msin_fed.demo.network import ADVISORY_NAMES, ANALYST_NAME, COORDINATOR_NAME, LocalNetwork, wait_until
from msin_fed.demo.processes import DemoError
from msin_fed.model.events import CaseEvent, CaseEventKind
from msin_fed.proto import coordinator_pb2 as pb

__all__ = ["CaseStory", "play_case"]


@dataclass
class CaseStory:
    """What happened on the demo's case: (step, party, what that party saw) in order."""

    case_id: str = ""
    members: list[str] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    stix_objects: int = 0

    def saw(self, step: str, party: str, what: str) -> None:
        """Note what ``party`` saw at ``step``."""
        self.seen.append((step, party, what))


def _contact(member: str) -> str:
    return f"{member} investigations desk, via the member portal"


def play_case(net: LocalNetwork, clusters: list[pb.Cluster], say: Callable[[str], None], timeout: float) -> CaseStory:
    """Take the cluster with the most members through a whole case."""
    if not clusters:
        raise DemoError("no cluster to open a case from")
    cluster = max(clusters, key=lambda c: (c.members, len(c.records)))
    members = sorted({r.member_id for r in cluster.records})
    if len(members) < 2:
        raise DemoError("the largest cluster has one member: no case to broker")
    story = CaseStory(members=members)
    analyst = AnalystCases.connect(net.coordinator_address, net.identity(ANALYST_NAME), COORDINATOR_NAME)
    try:
        _play(net, analyst, cluster, members, story, timeout)
    finally:
        analyst.close()
    say(f"case {story.case_id} taken from match to outcome ({len(members)} members, {len(story.seen)} views)")
    return story


def _events(net: LocalNetwork, member: str, kind: CaseEventKind) -> int:
    with net.open_node(member) as node:
        return sum(1 for _c, e, _t in node.events() if isinstance(e.body, CaseEvent) and e.body.kind == kind)


def _play(
    net: LocalNetwork, analyst: AnalystCases, cluster: pb.Cluster, members: list[str], story: CaseStory, timeout: float
) -> None:
    case = analyst.open(cluster_id=cluster.cluster_id, title="Repeat labour provider across members")
    cid = story.case_id = case.case_id
    story.saw("open", "STTG", f"case with {len(case.records)} records of {', '.join(members)}")
    wait_until(lambda: set(analyst.show(cid).member_keys) >= set(members), timeout=timeout,
               what="every member's sealing key", network=net)

    # STTG talks with each member; each sees only its own thread.
    for m in members:
        analyst.message(cid, m, "Thank you for sharing. Can you tell us what you have done so far about this supplier?")
        with net.open_node(m) as node:
            node.cases.message(cid, f"We have started our own due diligence ({m}).")
            view = node.cases.show(cid)
            thread = node.cases.messages(cid)
        story.saw("discussion", m, f"participants {', '.join(view.participants)}; {len(view.records)} own record(s); "
                  f"{len(thread)} messages in its own thread")
    story.saw("discussion", "STTG", f"{len(analyst.messages(cid))} messages across {len(members)} threads")

    # Brokered contact: the first two consent; with a third member, it declines another proposal.
    a, b = members[0], members[1]
    agreed = analyst.broker(cid, a, b, "You both report the same labour provider.")
    declined = analyst.broker(cid, a, members[2], "A third member may know more.") if len(members) > 2 else ""
    wait_until(lambda: _events(net, b, CaseEventKind.CONSENT_REQUESTED) >= 1, timeout=timeout,
               what="the consent request", network=net)
    with net.open_node(a) as node:
        node.cases.consent(agreed, _contact(a))
        if declined:
            node.cases.consent(declined, _contact(a))
    if declined:
        with net.open_node(members[2]) as node:
            node.cases.decline(declined)
    with net.open_node(b) as node:
        node.cases.consent(agreed, _contact(b))
    wait_until(lambda: _events(net, a, CaseEventKind.CONTACT_AGREED) >= 1, timeout=timeout,
               what="the agreement", network=net)
    with net.open_node(a) as node:
        node.cases.complete_reveals()
    wait_until(lambda: _events(net, b, CaseEventKind.CONTACT_REVEALED) >= 1, timeout=timeout,
               what="the reveal", network=net)
    for m in members:
        with net.open_node(m) as node:
            found = node.cases.contacts()
        story.saw("contact", m, ", ".join(f"{c.member_id} ({c.contact})" for c in found) or "no other member revealed")

    # Disagreement goes to the Advisory Group; 3 of 4 agree a recommendation.
    with net.open_node(b) as node:
        node.cases.refer(cid, "We would rather audit the labour provider before anyone contacts the police.")
    analyst.refer(cid, "Workers may be at risk now; we think the threshold for the police is reached.")
    advisers = [AdvisoryCases.connect(net.coordinator_address, net.identity(n), COORDINATOR_NAME)
                for n in ADVISORY_NAMES[:3]]
    try:
        summary = advisers[0].show(cid)
        story.saw("advisory", "Advisory Group", f"{len(summary.records)} redacted records as "
                  f"{', '.join(sorted({r.member for r in summary.records}))}; "
                  f"{sum(1 for e in summary.timeline if e.kind == 'position')} positions")
        rec, quorum = advisers[0].recommend(cid, "Refer to the police now; the audit can run in parallel.")
        for adviser in advisers[1:]:
            rec, quorum = adviser.agree(cid, rec.recommendation_id)
        story.saw("advisory", "Advisory Group", f"recommendation recorded with {len(rec.agreed)} of {quorum} "
                  f"needed ({', '.join(rec.agreed)})")
    finally:
        for adviser in advisers:
            adviser.close()

    bundle = analyst.escalate(cid, "serious_safeguarding_concern", "police", "Workers moved between sites weekly.")
    story.stix_objects = len(bundle.get("objects", []))
    story.saw("escalation", "STTG", f"STIX 2.1 bundle of {story.stix_objects} objects for the police")
    wait_until(lambda: all(_events(net, m, CaseEventKind.ESCALATED) >= 1 for m in members), timeout=timeout,
               what="every member to hear of the escalation", network=net)

    today = _dt.date.today().isoformat()
    with net.open_node(a) as node:
        node.cases.record_action(cid, "investigation", "substantiated", today, "Payroll deductions were the first sign.")
    with net.open_node(b) as node:
        node.cases.record_action(cid, "supplier_audit", "remediated", today)
    closed = analyst.close_case(cid, "referred_to_law_enforcement")
    story.saw("outcome", "STTG", f"closed: {closed.outcome}; actions {', '.join(f'{x.member} {x.kind} ({x.outcome})' for x in closed.actions)}")
    for m in members:
        with net.open_node(m) as node:
            view = node.cases.show(cid)
        esc = view.escalation
        story.saw("outcome", m, f"state {view.state.value}; escalated to {esc.agency if esc else '-'}; "
                  f"its own actions: {', '.join(x.kind for x in view.actions) or 'none'}")
