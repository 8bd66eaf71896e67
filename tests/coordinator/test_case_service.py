"""The rules of cases over each store backend (SQLite and PostgreSQL), without gRPC:
who may do what, what each party sees, refusals, audit and resumable case events."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.case_service import CaseService
from msin_fed.coordinator.config import CaseConfig
from msin_fed.coordinator.service import (
    AccessDenied,
    Caller,
    CoordinatorService,
    NotFound,
    Refused,
    Submission,
)
from msin_fed.coordinator.store import SharedStore, audit

from msin_fed import pki
from msin_fed.errors import ValidationError
from msin_fed.model.cases import CaseState
from msin_fed.model.events import CaseEvent, CaseEventKind
from msin_fed.sealing import open_message, seal_message, seal_to_self
from msin_fed.wire import sign_batch

from .conftest import record, submission, tok

MakeId = Callable[[str, str], pki.Identity]


def _caller(identity: pki.Identity) -> Caller:
    signing = bytes(identity.signing_key.verify_key) if identity.signing_seed else None
    return Caller(identity.role, identity.name, signing, bytes(identity.sealing_key.public_key))


class World:
    """Three members with matching records, an analyst, four advisers and an outsider."""

    def __init__(self, store: SharedStore, make_identity: MakeId, tmp_path: Path, config: CaseConfig) -> None:
        self.ids = {n: make_identity("member", n) for n in ("alpha", "beta", "gamma", "delta")}
        self.analyst = make_identity("analyst", "sttg")
        self.advisers = [make_identity("advisory", f"advisory-{i}") for i in range(1, 5)]
        self.outsider = make_identity("advisory", "advisory-9")
        self.service = CoordinatorService(store, audit=AuditLog(store, tmp_path / "audit.head"))
        self.cases = CaseService(store, self.service.audit, config=config, notify=self.service.notify)
        self.service.on_withdrawn = self.cases.forget_record  # as CoordinatorServer wires them
        for i, name in enumerate(("alpha", "beta", "gamma")):
            ident = self.ids[name]
            subs = [Submission(f"s-{name}", submission(record(name, f"{name[0]}1", (tok("phone", "p1"),))).record)]
            subs += [Submission(f"s-{name}-2", submission(record(name, f"{name[0]}2", (tok("phone", f"x{i}"),))).record)]
            self.service.submit_batch(_caller(ident), subs, sign_batch(subs, ident.signing_key))
        for ident in self.ids.values():
            self.cases.note_key(_caller(ident))
        self.cluster = next(c for c in store.clusters() if len(c.members) == 3).cluster_id

    def c(self, name: str) -> Caller:
        return _caller(self.ids[name])

    @property
    def sttg(self) -> Caller:
        return _caller(self.analyst)


@pytest.fixture
def world(store: SharedStore, make_identity: MakeId, tmp_path: Path) -> World:
    return World(store, make_identity, tmp_path, CaseConfig())


def test_open_and_what_each_party_sees(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    with pytest.raises(AccessDenied):
        cases.open_case(world.c("alpha"), cluster_id=world.cluster)
    with pytest.raises(ValidationError, match="exactly one"):
        cases.open_case(sttg, cluster_id=world.cluster, record_id="a1")
    with pytest.raises(NotFound):
        cases.open_case(sttg, cluster_id="no-such-cluster")
    case = cases.open_case(sttg, cluster_id=world.cluster, title="Driver collects wages")
    single = cases.open_case(sttg, record_id="a2")
    assert sorted(r.record_id for r in case.records) == ["a1", "b1", "g1"]
    assert [v.case_id for v in cases.list_cases(world.c("beta"))] == [case.case_id]
    assert {v.case_id for v in cases.list_cases(world.c("alpha"))} == {case.case_id, single.case_id}
    with pytest.raises(NotFound):  # delta has no records in it: as if it did not exist
        cases.view(world.c("delta"), case.case_id)
    beta = cases.view(world.c("beta"), case.case_id)
    assert [r.record_id for r in beta.records] == ["b1"] and beta.member_keys == {}
    assert "alpha" not in repr(beta) and "gamma" not in repr(beta)
    with pytest.raises(NotFound):  # the Advisory Group sees a case once it is referred
        cases.view(_caller(world.advisers[0]), case.case_id)
    with pytest.raises(AccessDenied):
        cases.list_cases(_caller(world.outsider))
    assert set(cases.view(sttg, case.case_id).member_keys) == {"alpha", "beta", "gamma"}


def test_messages_are_sealed_between_two_parties_and_refused_when_closed(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    beta_key = bytes(world.ids["beta"].sealing_key.public_key)
    with pytest.raises(ValidationError, match="to_member"):
        cases.post_message(sttg, case.case_id, seal_message("hi", world.analyst.sealing_key, beta_key), "delta")
    with pytest.raises(ValidationError, match="sealed"):
        cases.post_message(sttg, case.case_id, b"short", "beta")
    sealed = seal_message("Is the van still there?", world.analyst.sealing_key, beta_key)
    cases.post_message(sttg, case.case_id, sealed, "beta")
    assert cases.view(sttg, case.case_id).state == CaseState.IN_DISCUSSION
    with pytest.raises(ValidationError, match="STTG only"):
        cases.post_message(world.c("beta"), case.case_id, sealed, "alpha")
    [msg] = cases.messages(world.c("beta"), case.case_id)
    assert open_message(msg.sealed, world.ids["beta"].sealing_key, msg.sender_key) == "Is the van still there?"
    assert cases.messages(world.c("alpha"), case.case_id) == []  # another member's thread is not alpha's
    cases.close(sttg, case.case_id, "no_further_action")
    with pytest.raises(Refused, match="closed"):
        cases.post_message(sttg, case.case_id, sealed, "beta")
    with pytest.raises(ValidationError, match="outcome"):
        cases.close(sttg, case.case_id, "solved")


def test_consent_needs_both_and_declining_ends_it(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    with pytest.raises(AccessDenied):
        cases.broker(world.c("alpha"), case.case_id, "alpha", "beta")
    with pytest.raises(ValidationError, match="member_b"):
        cases.broker(sttg, case.case_id, "alpha", "alpha")
    with pytest.raises(ValidationError, match="member_b"):
        cases.broker(sttg, case.case_id, "alpha", "delta")
    p = cases.broker(sttg, case.case_id, "alpha", "beta")
    blob = seal_to_self(b'{"contact": "x"}', bytes(world.ids["alpha"].sealing_key.public_key))
    with pytest.raises(NotFound):
        cases.consent(world.c("gamma"), p, blob)  # not its proposal
    with pytest.raises(Refused, match="consent first"):
        cases.reveal(world.c("alpha"), p, b"\x00" * 64)
    assert cases.consent(world.c("alpha"), p, blob) is None
    assert cases.consent(world.c("beta"), p, blob) == bytes(world.ids["alpha"].sealing_key.public_key)
    with pytest.raises(Refused, match="agreed"):
        cases.decline(world.c("alpha"), p)
    q = cases.broker(sttg, case.case_id, "beta", "gamma")
    cases.decline(world.c("gamma"), q)
    with pytest.raises(Refused, match="declined"):
        cases.consent(world.c("beta"), q, blob)
    alpha_view = cases.view(world.c("alpha"), case.case_id)
    assert [pr.proposal_id for pr in alpha_view.proposals] == [p]  # not the beta-gamma proposal


def test_advisory_quorum_is_configured_and_only_members_count(store: SharedStore, make_identity: MakeId,
                                                             tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="quorum"):
        CaseConfig(quorum=5)
    world = World(store, make_identity, tmp_path, CaseConfig(quorum=2))
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    adv = [_caller(a) for a in world.advisers]
    with pytest.raises(AccessDenied):
        cases.recommend(_caller(world.outsider), case.case_id, text="x")
    cases.refer(world.c("alpha"), case.case_id, "We want to audit the supplier first.")
    with pytest.raises(AccessDenied):
        cases.add_note(_caller(world.outsider), case.case_id, "x")
    cases.add_note(adv[0], case.case_id, "Supplier audits take a month.")
    rec = cases.recommend(adv[0], case.case_id, text="Audit first, then refer.")
    assert not rec.recorded
    again = cases.recommend(adv[0], case.case_id, recommendation_id=rec.recommendation_id)
    assert again.agreed == ("advisory-1",) and not again.recorded  # agreeing twice counts once
    done = cases.recommend(adv[1], case.case_id, recommendation_id=rec.recommendation_id)
    assert done.recorded  # 2 of 4 with quorum 2
    view = cases.view(sttg, case.case_id)
    assert view.state == CaseState.IN_DISCUSSION
    assert [e.kind for e in view.timeline].count("note") == 1
    member = cases.view(world.c("beta"), case.case_id)
    assert not any(e.kind in ("note", "position") for e in member.timeline)  # alpha's position is alpha's
    with pytest.raises(Refused):
        cases.recommend(adv[2], case.case_id, recommendation_id=rec.recommendation_id)


def test_an_advisers_person_is_audited_but_votes_as_the_certificate(store: SharedStore, make_identity: MakeId,
                                                                    tmp_path: Path) -> None:
    # An Advisory Group console names the signed-in person (Caller.person); the audit entry
    # reads "advisory-1/jo", while membership and the quorum count the certificate alone.
    world = World(store, make_identity, tmp_path, CaseConfig(quorum=2))
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    cases.refer(sttg, case.case_id, "STTG and alpha disagree on timing.")
    base = _caller(world.advisers[0])
    jo = Caller(base.role, base.name, base.signing_public_key, base.sealing_public_key, person="jo")
    sam = Caller(base.role, base.name, base.signing_public_key, base.sealing_public_key, person="sam")
    cases.add_note(jo, case.case_id, "Timing matters less than the audit.")
    rec = cases.recommend(jo, case.case_id, text="Audit within a month.")
    again = cases.recommend(sam, case.case_id, recommendation_id=rec.recommendation_id)
    assert again.agreed == ("advisory-1",) and not again.recorded  # two people, one certificate: one vote
    with world.service.store.read() as conn:
        rows = conn.execute(sa.select(audit.c.actor, audit.c.action).where(audit.c.actor_role == "advisory")).all()
    assert [(r.actor, r.action) for r in rows] == [
        ("advisory-1/jo", "case_note"), ("advisory-1/jo", "case_recommend"), ("advisory-1/sam", "case_recommend")]
    timeline = cases.view(sttg, case.case_id).timeline
    assert "jo" not in {e.actor for e in timeline} and any("advisory-1" in e.actor for e in timeline)


def test_escalation_actions_audit_and_resumable_events(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    with pytest.raises(ValidationError, match="reason"):
        cases.escalate(sttg, case.case_id, "hunch", "", "police")
    with pytest.raises(ValidationError, match="agency"):
        cases.escalate(sttg, case.case_id, "risk_to_life", "", "neighbour")
    bundle = cases.escalate(sttg, case.case_id, "risk_to_life", "Workers moved nightly.", "police")
    assert bundle["type"] == "bundle" and "alpha" not in json.dumps(bundle)
    with pytest.raises(Refused, match="already"):
        cases.escalate(sttg, case.case_id, "risk_to_life", "", "police")
    with pytest.raises(ValidationError, match="date"):
        cases.record_action(world.c("alpha"), case.case_id, "investigation", "ongoing", "2026-02-30")
    with pytest.raises(AccessDenied):
        cases.record_action(sttg, case.case_id, "investigation", "ongoing", "2026-02-03")
    with pytest.raises(NotFound):
        cases.record_action(world.c("delta"), case.case_id, "investigation", "ongoing", "2026-02-03")
    cases.record_action(world.c("alpha"), case.case_id, "investigation", "substantiated", "2026-02-03", "Check payroll.")
    assert [a.lessons for a in cases.cases.all_actions()] == ["Check payroll."]

    # Case events reach each member on its own stream, and resume from a cursor.
    stream = world.service.events(world.c("beta"), 0, is_active=lambda: True, poll=0.01)
    got = []
    for event in stream:
        if isinstance(event.body, CaseEvent):
            got.append(event)
        if len(got) == 2:
            break
    stream.close()
    assert [e.body.kind for e in got] == [CaseEventKind.OPENED, CaseEventKind.ESCALATED]
    later = world.service.events(world.c("beta"), got[0].cursor, is_active=lambda: True, poll=0.01)
    assert next(e for e in later if isinstance(e.body, CaseEvent)).cursor == got[1].cursor
    later.close()

    report = world.service.audit.verify()
    assert report.ok
    with world.service.store.read() as conn:
        rows = conn.execute(sa.select(audit.c.action, audit.c.detail).where(audit.c.action.like("case_%"))).all()
    assert {r.action for r in rows} >= {"case_open", "case_escalate", "case_action"}
    for r in rows:
        assert case.case_id not in r.detail and "alpha" not in r.detail  # kinds and counts only


def test_cases_configuration_is_read_and_checked(tmp_path: Path) -> None:
    from msin_fed.coordinator.config import load_config

    from msin_fed.errors import ConfigError

    def write(cases: str) -> Path:
        path = tmp_path / "coordinator.toml"
        path.write_text(f'[server]\nidentity_dir = "id"\n[store]\nurl = "x.db"\n{cases}')
        return path

    assert load_config(write("")).cases == CaseConfig()
    cfg = load_config(write('[cases]\nadvisory_members = ["a", "b"]\nquorum = 2\n')).cases
    assert cfg.advisory_members == ("a", "b") and cfg.quorum == 2
    with pytest.raises(ConfigError, match=r"cases\.quorum"):
        load_config(write('[cases]\nadvisory_members = ["a", "b"]\nquorum = 3\n'))
    with pytest.raises(ConfigError, match=r"cases\.advisory_members"):
        load_config(write('[cases]\nadvisory_members = ["a", "a"]\nquorum = 1\n'))
    with pytest.raises(ConfigError, match=r"cases\.advisory_members"):
        load_config(write('[cases]\nadvisory_members = [1]\n'))


def test_a_withdrawn_record_leaves_no_trace_in_cases(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    assert world.service.withdraw(world.c("alpha"), "a1")
    view = cases.view(sttg, case.case_id)
    assert sorted(r.record_id for r in view.records) == ["b1", "g1"]
    assert "alpha" in view.participants  # still part of the discussion
    assert [e.kind for e in view.timeline][-1] == "record_withdrawn"
    with world.service.store.read() as conn:
        assert "a1" not in {r for r, _m in cases.cases.records(conn, case.case_id)}
        texts = [str(r) for r in cases.cases.timeline(conn, case.case_id)]
    # "a1" as a value of its own: random hex ids in the rows may contain those two letters.
    assert not any(re.search(r"(?<![0-9A-Za-z])a1(?![0-9A-Za-z])", t) for t in texts)


def test_members_seal_to_the_opening_analysts_current_key(world: World, make_identity: MakeId) -> None:
    cases = world.cases
    case = cases.open_case(world.sttg, cluster_id=world.cluster)
    assert cases.view(world.c("beta"), case.case_id).analyst_key == bytes(world.analyst.sealing_key.public_key)
    renewed = make_identity("analyst", "sttg-renewed")  # a reissued certificate: same name, new key
    caller = Caller("analyst", "sttg", None, bytes(renewed.sealing_key.public_key))
    cases.note_key(caller)
    view = cases.view(world.c("beta"), case.case_id)
    assert view.analyst_key == bytes(renewed.sealing_key.public_key)
    sealed = seal_message("To the renewed key.", world.ids["beta"].sealing_key, view.analyst_key)
    cases.post_message(world.c("beta"), case.case_id, sealed)
    [msg] = cases.messages(caller, case.case_id)
    assert open_message(msg.sealed, renewed.sealing_key, msg.sender_key) == "To the renewed key."


def test_the_stix_bundle_of_an_escalated_case_is_fetched_again(world: World) -> None:
    """The console keeps no bundle: GetCaseStix rebuilds it, with the ids Escalate gave."""
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    with pytest.raises(Refused, match="not escalated"):
        cases.stix(sttg, case.case_id)
    bundle = cases.escalate(sttg, case.case_id, "risk_to_life", "Workers moved nightly.", "police")
    assert cases.stix(sttg, case.case_id) == bundle
    with pytest.raises(AccessDenied):
        cases.stix(world.c("alpha"), case.case_id)
    with pytest.raises(NotFound):
        cases.stix(sttg, "no-such-case")
    # A record withdrawn since is no longer exported.
    world.service.withdraw(world.c("beta"), "b1")
    again = cases.stix(sttg, case.case_id)
    assert len([o for o in again["objects"] if o["type"] == "note"]) == 2
    assert "beta" not in json.dumps(again)
