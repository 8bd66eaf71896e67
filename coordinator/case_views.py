"""What each party sees of a case (the rules of :mod:`.case_service` decide who may look).

- analysts (STTG): everything but message text (they hold their own key to read it);
- a member: the state and title, its own records, entries meant for everyone or for it,
  proposals it is part of, recorded recommendations, the escalation, its own actions; the
  other members only as "another member";
- the Advisory Group: every record's redacted narrative and grade, the whole time line
  with positions and notes, under case-local aliases ("member 2"); no messages, no ids.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection

from msin_fed.model.cases import (
    CaseAction,
    CaseEntry,
    CaseRecord,
    CaseState,
    CaseView,
    Escalation,
    Proposal,
    Recommendation,
)

from .cases import CaseStore, aware
from .service import Caller
from .store import SharedStore

__all__ = ["case_view"]


def _actor(caller: Caller, members: dict[str, str], role: str, actor: str) -> str:
    if role == "analyst":
        return "STTG" if caller.role != "analyst" else f"STTG ({actor})"
    if role == "advisory":
        return "Advisory Group" if caller.role == "member" else f"Advisory Group ({actor})"
    if caller.role == "analyst":
        return actor
    if caller.role == "member":
        return "you" if actor == caller.name else "another member"
    return members.get(actor, "a member")


def _member_label(caller: Caller, members: dict[str, str], member_id: str) -> str:
    if caller.role == "analyst":
        return member_id
    if caller.role == "member":
        return "you" if member_id == caller.name else "another member"
    return members.get(member_id, "a member")


def case_view(
    conn: Connection, store: SharedStore, cases: CaseStore, caller: Caller, row: Any, members: dict[str, str]
) -> CaseView:
    """The case of ``row`` cut to what ``caller`` may see (``members``: member id -> alias)."""
    case_id = row.case_id
    is_member = caller.role == "member"
    linked = cases.records(conn, case_id)
    shown = [(r, m) for r, m in linked if not is_member or m == caller.name]
    stored = store.records_by_id([r for r, _m in shown])
    records = []
    for rid, mid in shown:
        rec = stored.get(rid)
        label = _member_label(caller, members, mid)
        if rec is None:  # withdrawn between the two reads
            continue
        records.append(
            CaseRecord(
                record_id=rid if caller.role != "advisory" else "",
                member=label,
                narrative=rec.narrative,
                region=rec.region.value,
                sector=rec.sector.value,
                exploitation_type=rec.exploitation_type.value,
                month=rec.month,
                grade=rec.grade,
                tlp=rec.tlp,
            )
        )
    participants = ["STTG"]
    if caller.role == "analyst":
        participants += sorted(members)
    elif is_member:
        participants += ["you"] + ["another member"] * (len(members) - 1)
    else:
        participants += sorted(members.values())
    if row.referred:
        participants.append("Advisory Group")
    timeline = []
    for e in cases.timeline(conn, case_id):
        if is_member and e.audience not in ("all", caller.name):
            continue
        timeline.append(
            CaseEntry(aware(e.at), e.kind, _actor(caller, members, e.actor_role, e.actor), e.text, e.ref)
        )
    proposals = []
    if caller.role != "advisory":
        for p in cases.proposals(conn, case_id):
            if is_member and caller.name not in (p.member_a, p.member_b):
                continue
            side = "a" if caller.name == p.member_a else "b"
            proposals.append(
                Proposal(
                    p.proposal_id,
                    p.state,
                    (_member_label(caller, members, p.member_a), _member_label(caller, members, p.member_b)),
                    bool(getattr(p, f"consent_{side}")) if is_member else False,
                    p.note,
                    bool(getattr(p, f"revealed_{side}")) if is_member else False,
                )
            )
    recommendations = [
        Recommendation(r.recommendation_id, r.text, tuple(json.loads(r.agreed)), bool(r.recorded))
        for r in cases.recommendations(conn, case_id)
        if r.recorded or not is_member
    ]
    actions = [
        CaseAction(a.action_id, a.kind, a.outcome, a.date, _member_label(caller, members, a.member_id), a.lessons)
        for a in cases.actions(conn, case_id)
        if not is_member or a.member_id == caller.name
    ]
    esc = cases.escalation(conn, case_id)
    escalation = (
        Escalation(esc.reason, esc.note, esc.agency, esc.decided_by if caller.role != "member" else "STTG", aware(esc.at))
        if esc is not None
        else None
    )
    member_keys: dict[str, bytes] = {}
    if caller.role == "analyst":
        for m in members:
            key = cases.key_of(conn, "member", m)
            if key is not None:
                member_keys[m] = key
    return CaseView(
        case_id=case_id,
        state=CaseState(row.state),
        title=row.title,
        opened_at=aware(row.opened_at),
        outcome=row.outcome,
        cluster_id=row.cluster_id if caller.role == "analyst" else "",
        records=tuple(records),
        participants=tuple(participants),
        timeline=tuple(timeline),
        proposals=tuple(proposals),
        recommendations=tuple(recommendations),
        actions=tuple(actions),
        escalation=escalation,
        analyst_key=cases.analyst_key(conn, row) if caller.role in ("member", "analyst") else b"",
        member_keys=member_keys,
    )
