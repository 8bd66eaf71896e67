"""Cases played by each party as an attacker, on the real store (SQLite and PostgreSQL).

Each test is one attack; it passes when the defence holds. Attacks over the wire (mutual
TLS, revoked certificates, malformed requests) are in ``test_case_attacks_wire.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.case_service import ADVISORY, ANALYSTS
from msin_fed.coordinator.case_stix import case_bundle
from msin_fed.coordinator.config import CaseConfig
from msin_fed.coordinator.service import AccessDenied, Caller, NotFound, Refused
from msin_fed.coordinator.store import SharedStore

from msin_fed.errors import MsinError, ValidationError
from msin_fed.model import Tlp
from msin_fed.model.cases import CaseState
from msin_fed.model.events import CaseEvent
from msin_fed.sealing import seal_message, seal_to_self

from .conftest import record
from .test_case_service import MakeId, World, _caller


@pytest.fixture
def world(store: SharedStore, make_identity: MakeId, tmp_path: Path) -> World:
    return World(store, make_identity, tmp_path, CaseConfig())


# ---------------------------------------------------------------------- helpers


def _referred(world: World) -> str:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    world.cases.refer(world.c("alpha"), case.case_id, "We think the site should be audited first.")
    return case.case_id


def _adviser(world: World, i: int) -> Caller:
    return _caller(world.advisers[i])


def _events_of(store: SharedStore, subscriber: str) -> list[CaseEvent]:
    return [e.event.body for e in store.events_after(subscriber, 0) if isinstance(e.event.body, CaseEvent)]


# ---------------------------------------------------------------------- Advisory Group


def test_an_adviser_agreeing_twice_counts_once(world: World) -> None:
    case_id = _referred(world)
    rec = world.cases.recommend(_adviser(world, 0), case_id, text="Audit the labour provider's payroll.")
    for _ in range(3):
        rec = world.cases.recommend(_adviser(world, 0), case_id, recommendation_id=rec.recommendation_id)
    again = world.cases.recommend(_adviser(world, 1), case_id, recommendation_id=rec.recommendation_id)
    assert again.agreed == ("advisory-1", "advisory-2") and not again.recorded
    assert world.cases.view(world.sttg, case_id).state == CaseState.WITH_ADVISORY_GROUP


def test_an_unconfigured_adviser_neither_votes_nor_reads_nor_hears(world: World) -> None:
    case_id = _referred(world)
    outsider = _caller(world.outsider)
    rec = world.cases.recommend(_adviser(world, 0), case_id, text="Audit the labour provider's payroll.")
    with pytest.raises(AccessDenied):
        world.cases.recommend(outsider, case_id, recommendation_id=rec.recommendation_id)
    with pytest.raises(AccessDenied):
        world.cases.add_note(outsider, case_id, "A note.")
    with pytest.raises(AccessDenied):
        world.cases.view(outsider, case_id)
    # The event stream is the other way in: an advisory certificate the CA issued but the
    # configuration does not name must not be given the Advisory Group's events.
    world.service.on_subscribe = world.cases.note_key  # as CoordinatorServer wires it
    with pytest.raises(AccessDenied):
        next(iter(world.service.events(outsider, 0, lambda: True, poll=0.01)))
    assert _events_of(world.cases.store, ADVISORY)  # the configured group does have events


def test_a_pending_recommendation_cannot_pull_an_escalated_case_back(world: World) -> None:
    """Before: an adviser proposed a recommendation while the case was with the group; STTG
    escalated it; two more agreements then recorded the recommendation and set the state
    from ``referred`` back to ``in_discussion``."""
    case_id = _referred(world)
    rec = world.cases.recommend(_adviser(world, 0), case_id, text="Audit the labour provider's payroll.")
    world.cases.escalate(world.sttg, case_id, "serious_safeguarding_concern", "", "police")
    for i in (1, 2):
        with pytest.raises(Refused, match="not with the Advisory Group"):
            world.cases.recommend(_adviser(world, i), case_id, recommendation_id=rec.recommendation_id)
    view = world.cases.view(world.sttg, case_id)
    assert view.state == CaseState.REFERRED
    assert not any(r.recorded for r in view.recommendations)


def test_a_second_recommendation_is_not_recorded_once_the_case_left_the_group(world: World) -> None:
    case_id = _referred(world)
    first = world.cases.recommend(_adviser(world, 0), case_id, text="Audit the labour provider's payroll.")
    second = world.cases.recommend(_adviser(world, 3), case_id, text="Wait for the member's own audit.")
    for i in (1, 2):
        world.cases.recommend(_adviser(world, i), case_id, recommendation_id=first.recommendation_id)
    assert world.cases.view(world.sttg, case_id).state == CaseState.IN_DISCUSSION
    for i in (1, 2):
        with pytest.raises(Refused, match="not with the Advisory Group"):
            world.cases.recommend(_adviser(world, i), case_id, recommendation_id=second.recommendation_id)
    recorded = [r for r in world.cases.view(world.sttg, case_id).recommendations if r.recorded]
    assert [r.recommendation_id for r in recorded] == [first.recommendation_id]


def test_a_recommendation_of_another_case_is_not_agreed_through_this_one(world: World) -> None:
    case_id = _referred(world)
    other = world.cases.open_case(world.sttg, record_id="b2").case_id
    world.cases.refer(world.sttg, other, "STTG asks for advice.")
    rec = world.cases.recommend(_adviser(world, 0), other, text="Audit the labour provider's payroll.")
    with pytest.raises(NotFound, match="recommendation"):
        world.cases.recommend(_adviser(world, 1), case_id, recommendation_id=rec.recommendation_id)


def test_advisers_see_no_case_that_was_never_referred(world: World) -> None:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    for i in range(4):
        with pytest.raises(NotFound):
            world.cases.view(_adviser(world, i), case.case_id)
        with pytest.raises(NotFound):
            world.cases.recommend(_adviser(world, i), case.case_id, text="Refer to the police.")
        with pytest.raises(NotFound):
            world.cases.add_note(_adviser(world, i), case.case_id, "A note.")
        assert world.cases.list_cases(_adviser(world, i)) == []


# ---------------------------------------------------------------------- consent and identity


def test_a_member_cannot_consent_or_decline_for_another(world: World) -> None:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    pid = world.cases.broker(world.sttg, case.case_id, "alpha", "beta")
    blob = seal_to_self(b"x" * 64, bytes(world.ids["gamma"].sealing_key.public_key))
    for attempt in (
        lambda: world.cases.consent(world.c("gamma"), pid, blob),
        lambda: world.cases.decline(world.c("gamma"), pid),
        lambda: world.cases.reveal(world.c("gamma"), pid, blob),
    ):
        with pytest.raises(NotFound, match="no such proposal"):
            attempt()
    with pytest.raises(AccessDenied):  # STTG cannot consent on a member's behalf either
        world.cases.consent(world.sttg, pid, blob)
    p = world.cases.view(world.sttg, case.case_id).proposals[0]
    assert p.state == "proposed"


def test_a_reveal_before_both_consented_is_refused(world: World) -> None:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    pid = world.cases.broker(world.sttg, case.case_id, "alpha", "beta")
    beta_key = bytes(world.ids["beta"].sealing_key.public_key)
    sealed = seal_message("alpha is here", world.ids["alpha"].sealing_key, beta_key)
    with pytest.raises(Refused, match="consent first"):
        world.cases.reveal(world.c("alpha"), pid, sealed)
    world.cases.consent(
        world.c("alpha"), pid, seal_to_self(b"r" * 64, bytes(world.ids["alpha"].sealing_key.public_key))
    )
    with pytest.raises(Refused, match="consent first"):
        world.cases.reveal(world.c("alpha"), pid, sealed)
    assert not [e for e in _events_of(world.cases.store, "beta") if e.sealed]


def test_a_declined_proposal_cannot_be_consented_afterwards(world: World) -> None:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    pid = world.cases.broker(world.sttg, case.case_id, "alpha", "beta")
    alpha_blob = seal_to_self(b"r" * 64, bytes(world.ids["alpha"].sealing_key.public_key))
    world.cases.consent(world.c("alpha"), pid, alpha_blob)
    world.cases.decline(world.c("beta"), pid)
    beta_blob = seal_to_self(b"r" * 64, bytes(world.ids["beta"].sealing_key.public_key))
    with pytest.raises(Refused, match="declined"):
        world.cases.consent(world.c("beta"), pid, beta_blob)
    # Nothing alpha left is kept, and beta heard nothing of alpha's consent.
    with world.cases.store.read() as conn:
        row = conn.execute(sa.text("SELECT self_sealed_a, self_sealed_b FROM case_proposals")).one()
    assert row == (None, None)
    assert [e.kind.value for e in _events_of(world.cases.store, "beta")][-1] == "consent_requested"


def test_refusals_do_not_tell_a_stranger_whether_a_case_exists(world: World) -> None:
    """delta takes part in no case: every call on a real case id must answer exactly as on
    an id that does not exist."""
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    world.cases.broker(world.sttg, case.case_id, "alpha", "beta")
    delta = world.c("delta")
    sealed = seal_message(
        "hello", world.ids["delta"].sealing_key, bytes(world.analyst.sealing_key.public_key)
    )

    def outcome(case_id: str) -> list[tuple[str, str]]:
        calls = [
            lambda: world.cases.view(delta, case_id),
            lambda: world.cases.messages(delta, case_id),
            lambda: world.cases.post_message(delta, case_id, sealed),
            lambda: world.cases.refer(delta, case_id, "Our position."),
            lambda: world.cases.record_action(delta, case_id, "investigation", "ongoing", "2026-01-05"),
        ]
        out = []
        for call in calls:
            try:
                call()
                out.append(("ok", ""))
            except MsinError as exc:
                out.append((type(exc).__name__, str(exc)))
        return out

    real, fake = outcome(case.case_id), outcome("case-0123456789abcdef")
    assert real == fake and {kind for kind, _ in real} == {"NotFound"}


def test_a_member_learns_no_other_member_from_views_events_or_messages(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster, title="Driver collects wages")
    for m in ("alpha", "beta", "gamma"):
        key = bytes(world.ids[m].sealing_key.public_key)
        cases.post_message(sttg, case.case_id, seal_message(f"to {m}", world.analyst.sealing_key, key), m)
    pid = cases.broker(sttg, case.case_id, "alpha", "beta", "You report the same provider.")
    cases.consent(
        world.c("alpha"), pid, seal_to_self(b"r" * 64, bytes(world.ids["alpha"].sealing_key.public_key))
    )
    cases.refer(world.c("alpha"), case.case_id, "We think an audit comes first.")
    cases.record_action(
        world.c("beta"), case.case_id, "supplier_audit", "remediated", "2026-01-05", "Start with payroll."
    )
    cases.escalate(sttg, case.case_id, "serious_safeguarding_concern", "", "police")
    cases.decline(world.c("beta"), pid)
    cases.close(sttg, case.case_id, "actions_taken")
    others = {
        "gamma": ("alpha", "beta"),
        "beta": ("alpha", "gamma"),
    }
    for me, them in others.items():
        seen = repr(cases.view(world.c(me), case.case_id)) + repr(cases.list_cases(world.c(me)))
        seen += repr(cases.messages(world.c(me), case.case_id)) + repr(_events_of(world.cases.store, me))
        for other in them:
            assert other not in seen
            other_key = bytes(world.ids[other].sealing_key.public_key)
            assert repr(other_key) not in seen and other_key.hex() not in seen
        for rid in {"alpha": "'a1'", "beta": "'b1'", "gamma": "'g1'"}.values():
            assert rid not in seen or rid[1] == me[0]  # other members' record ids
        assert "We think an audit comes first." not in seen or me == "alpha"  # alpha's position is alpha's


def test_withdrawn_records_leave_no_trace_and_cannot_found_a_case(world: World) -> None:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    world.service.withdraw(world.c("gamma"), "g1")
    with pytest.raises(NotFound) as withdrawn:
        world.cases.open_case(world.sttg, record_id="g1")
    with pytest.raises(NotFound) as never:
        world.cases.open_case(world.sttg, record_id="no-such-record")
    assert str(withdrawn.value) == str(never.value)
    with world.cases.store.read() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT record_id FROM case_records"))]
    assert "g1" not in ids
    view = world.cases.view(world.sttg, case.case_id)
    assert "g1" not in repr(view)
    bundle = world.cases.escalate(world.sttg, case.case_id, "risk_to_life", "", "police")
    assert "g1" not in json.dumps(bundle)


# ---------------------------------------------------------------------- closed cases, order


def test_nothing_but_actions_happens_on_a_closed_case(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    pid = cases.broker(sttg, case.case_id, "alpha", "beta")
    cases.refer(world.c("alpha"), case.case_id, "Our position.")
    rec = cases.recommend(_adviser(world, 0), case.case_id, text="Audit the payroll.")
    cases.close(sttg, case.case_id, "no_further_action")
    beta_key = bytes(world.ids["beta"].sealing_key.public_key)
    sealed = seal_message("late", world.analyst.sealing_key, beta_key)
    blob = seal_to_self(b"r" * 64, beta_key)
    attempts = [
        lambda: cases.post_message(sttg, case.case_id, sealed, "beta"),
        lambda: cases.post_message(world.c("beta"), case.case_id, sealed),
        lambda: cases.broker(sttg, case.case_id, "alpha", "gamma"),
        lambda: cases.consent(world.c("beta"), pid, blob),
        lambda: cases.decline(world.c("beta"), pid),
        lambda: cases.refer(world.c("beta"), case.case_id, "Our position."),
        lambda: cases.add_note(_adviser(world, 1), case.case_id, "A note."),
        lambda: cases.recommend(_adviser(world, 1), case.case_id, recommendation_id=rec.recommendation_id),
        lambda: cases.recommend(_adviser(world, 1), case.case_id, text="Another."),
        lambda: cases.escalate(sttg, case.case_id, "risk_to_life", "", "police"),
        lambda: cases.close(sttg, case.case_id, "actions_taken"),
    ]
    for attempt in attempts:
        with pytest.raises(Refused, match="closed"):
            attempt()
    view = cases.view(sttg, case.case_id)
    assert view.state == CaseState.CLOSED and view.outcome == "no_further_action"
    # Documented: members can still record what they did after the case closed.
    cases.record_action(world.c("beta"), case.case_id, "referral", "referred", "2026-01-05")


def test_a_case_is_escalated_once_and_not_referred_back_after(world: World) -> None:
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    world.cases.escalate(world.sttg, case.case_id, "risk_to_life", "", "police")
    with pytest.raises(Refused, match="escalated already"):
        world.cases.escalate(world.sttg, case.case_id, "risk_to_life", "", "nca")
    with pytest.raises(Refused, match="law enforcement"):
        world.cases.refer(world.c("alpha"), case.case_id, "Our position.")
    assert world.cases.view(world.sttg, case.case_id).state == CaseState.REFERRED


# ---------------------------------------------------------------------- bad input


# Lone surrogates cannot arrive: protobuf refuses strings that are not UTF-8 (see the wire tests).
_BAD_IDS = ["", "case-\x00", "x" * 5000, "' OR 1=1 --", "\u202ecase", "case-\n"]


@pytest.mark.parametrize("bad", _BAD_IDS)
def test_bad_ids_are_refused_cleanly(world: World, bad: str) -> None:
    """Every id a request carries, malformed: a clear refusal (ValidationError or NotFound),
    never a store error or crash (PostgreSQL refuses NUL in text, SQLite does not)."""
    cases, sttg, alpha = world.cases, world.sttg, world.c("alpha")
    real = cases.open_case(sttg, cluster_id=world.cluster).case_id
    cases.refer(alpha, real, "Our position.")
    key = bytes(world.ids["alpha"].sealing_key.public_key)
    sealed = seal_message("hello", world.analyst.sealing_key, key)
    blob = seal_to_self(b"r" * 64, key)
    calls = [
        lambda: cases.view(alpha, bad),
        lambda: cases.view(sttg, bad),
        lambda: cases.messages(alpha, bad),
        lambda: cases.post_message(sttg, bad, sealed, "alpha"),
        lambda: cases.post_message(sttg, real, sealed, bad),
        lambda: cases.broker(sttg, real, bad, "alpha"),
        lambda: cases.consent(alpha, bad, blob),
        lambda: cases.decline(alpha, bad),
        lambda: cases.reveal(alpha, bad, sealed),
        lambda: cases.refer(alpha, bad, "Our position."),
        lambda: cases.add_note(_adviser(world, 0), bad, "A note."),
        lambda: cases.recommend(_adviser(world, 0), real, recommendation_id=bad),
        lambda: cases.recommend(_adviser(world, 0), bad, text="Audit."),
        lambda: cases.escalate(sttg, bad, "risk_to_life", "", "police"),
        lambda: cases.record_action(alpha, bad, "investigation", "ongoing", "2026-01-05"),
        lambda: cases.close(sttg, bad, "actions_taken"),
        lambda: cases.open_case(sttg, record_id=bad),
        lambda: cases.open_case(sttg, cluster_id=bad),
    ]
    for i, call in enumerate(calls):
        try:
            call()
        except (ValidationError, NotFound) as exc:
            assert str(exc), i
        else:
            raise AssertionError(f"call {i} accepted {bad!r}")


@pytest.mark.parametrize(
    "field_value",
    [
        "A title with a NUL\x00 inside",
        "A bell \x07 and an escape \x1b[31m inside",
    ],
)
def test_bad_text_is_refused_with_the_field_named(world: World, field_value: str) -> None:
    cases, sttg, alpha = world.cases, world.sttg, world.c("alpha")
    real = cases.open_case(sttg, cluster_id=world.cluster).case_id
    calls = {
        "title": lambda: cases.open_case(sttg, cluster_id=world.cluster, title=field_value),
        "note": lambda: cases.broker(sttg, real, "alpha", "beta", field_value),
        "position": lambda: cases.refer(alpha, real, field_value),
        "lessons": lambda: cases.record_action(
            alpha, real, "investigation", "ongoing", "2026-01-05", field_value
        ),
    }
    for name, call in calls.items():
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.field == name


@pytest.mark.parametrize(
    "date",
    ["2026-02-30", "0000-01-01", "2026-1-5", "9999-12-31", "\uff12\uff10\uff12\uff16-01-05", "2026-01-05\n"],
)
def test_bad_action_dates_are_refused(world: World, date: str) -> None:
    case_id = world.cases.open_case(world.sttg, cluster_id=world.cluster).case_id
    with pytest.raises(ValidationError, match="date"):
        world.cases.record_action(world.c("alpha"), case_id, "investigation", "ongoing", date)


# ---------------------------------------------------------------------- STIX


def test_the_stix_bundle_carries_nothing_of_red_or_amber_strict_records(tmp_path: Path) -> None:
    import dataclasses

    red = dataclasses.replace(
        record("alpha", "rec-red-1", narrative="RED narrative <PERSON_1> at the farm."), tlp=Tlp.RED
    )
    strict = dataclasses.replace(
        record("beta", "rec-strict-1", narrative="STRICT narrative about the packhouse."),
        tlp=Tlp.AMBER_STRICT,
    )
    green = dataclasses.replace(
        record("gamma", "rec-green-1", narrative="GREEN narrative about a van."), tlp=Tlp.GREEN
    )
    import datetime as dt

    bundle = case_bundle(
        "case-secretcaseid01",
        network_name="Network",
        reason="risk_to_life",
        note="",
        agency="police",
        decided_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        records=[red, strict, green],
    )
    text = json.dumps(bundle)
    for leaked in (
        "RED narrative",
        "STRICT narrative",
        "rec-red-1",
        "rec-strict-1",
        "rec-green-1",
        "alpha",
        "beta",
        "gamma",
        "secretcaseid01",
    ):
        assert leaked not in text
    assert "GREEN narrative about a van." in text
    markings = {m["name"] for m in bundle["objects"] if m["type"] == "marking-definition"}
    assert markings == {"TLP:GREEN"}
    only_red = case_bundle(
        "case-x",
        network_name="Network",
        reason="risk_to_life",
        note="",
        agency="police",
        decided_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        records=[red],
    )
    assert "RED narrative" not in json.dumps(only_red) and "1 withheld" in json.dumps(only_red)


def test_the_audit_detail_of_case_changes_names_no_case_member_or_record(world: World) -> None:
    cases, sttg = world.cases, world.sttg
    case = cases.open_case(sttg, cluster_id=world.cluster)
    pid = cases.broker(sttg, case.case_id, "alpha", "beta")
    cases.decline(world.c("alpha"), pid)
    cases.record_action(world.c("beta"), case.case_id, "supplier_audit", "remediated", "2026-01-05")
    cases.close(sttg, case.case_id, "actions_taken")
    with world.cases.store.read() as conn:
        rows = [json.dumps(list(r)) for r in conn.execute(sa.text("SELECT action, detail FROM audit"))]
    text = "\n".join(r for r in rows if "case_" in r)
    assert "case_open" in text
    for leaked in (case.case_id, pid, "a1", "b1", "g1", "gamma", world.cluster):
        assert leaked not in text
    # Ids of cases/proposals are random: nothing in an id is derived from a member or record.
    assert re.fullmatch(r"case-[0-9a-f]{16}", case.case_id)


def test_case_events_for_analysts_and_the_group_are_kept_apart_from_members(world: World) -> None:
    case_id = _referred(world)
    world.cases.add_note(_adviser(world, 0), case_id, "Advisers' note.")
    note_events = [e for e in _events_of(world.cases.store, "alpha") if e.kind.value == "note"]
    assert note_events == []  # members do not hear of the group's notes
    assert [e for e in _events_of(world.cases.store, ANALYSTS) if e.kind.value == "note"]


# ---------------------------------------------------------------------- redaction of stored texts


@pytest.fixture(scope="session")
def redactor() -> object:
    from msin_fed.redaction import Redactor

    return Redactor()


_LEAKS = [
    "Call the driver on 07700 900123",
    "Write to jo.bloggs@example.com",
    "The house at PE13 2AB",
    "Phone \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13 (full-width digits)",
    "Phone 07700\u200b900\u200b123 (zero-width spaces)",
    "Phone 0 7 7 0 0 9 0 0 1 2 3",
    "Phone zero seven seven zero zero nine zero zero one two three",
    "NINO QQ123456C",
    "Account 31926819 sort code 12-34-56",
    "Van AB12 CDE",
    "<b>Priya Natarajan</b> runs the agency",
]


@pytest.mark.parametrize("leak", _LEAKS)
def test_personal_data_in_stored_texts_is_refused(world: World, redactor: object, leak: str) -> None:
    from msin_fed.coordinator.case_service import CaseService

    from msin_fed.errors import RedactionRefused

    cases = CaseService(world.cases.store, world.service.audit, verifier=redactor)  # type: ignore[arg-type]
    sttg, alpha = world.sttg, world.c("alpha")
    case_id = cases.open_case(sttg, cluster_id=world.cluster).case_id
    cases.refer(alpha, case_id, "We think an audit comes first.")
    adviser = _adviser(world, 0)
    rec = cases.recommend(adviser, case_id, text="Audit the labour provider's payroll.")
    attempts = {
        "title": lambda: cases.open_case(sttg, cluster_id=world.cluster, title=leak),
        "note": lambda: cases.broker(sttg, case_id, "alpha", "beta", leak),
        "position": lambda: cases.refer(alpha, case_id, leak),
        "advisory note": lambda: cases.add_note(adviser, case_id, leak),
        "recommendation": lambda: cases.recommend(adviser, case_id, text=leak),
        "escalation note": lambda: cases.escalate(sttg, case_id, "risk_to_life", leak, "police"),
        "lessons": lambda: cases.record_action(
            alpha, case_id, "investigation", "ongoing", "2026-01-05", leak
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(RedactionRefused):
            attempt()
        assert name
    assert rec.recommendation_id
    with world.cases.store.read() as conn:
        dump = "\n".join(
            str(tuple(r))
            for table in (
                "cases",
                "case_timeline",
                "case_proposals",
                "case_recommendations",
                "case_actions",
                "case_escalations",
            )
            for r in conn.execute(sa.text(f"SELECT * FROM {table}"))
        )
    assert leak not in dump
