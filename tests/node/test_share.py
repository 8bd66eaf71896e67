"""Share, outbox delivery, inbox and withdraw over real gRPC with mutual TLS (test coordinator)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from msin_fed.node import Node, Passphrase

from msin_fed import pki
from msin_fed.errors import Finding, RedactionRefused, ValidationError
from msin_fed.model import Handling, Identifier, Phone, Tlp
from msin_fed.oprf import derive_key_pair
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.tokenizer import LocalTokenizer
from msin_fed.wire import record_from_bytes

from .conftest import EMAIL, FAST_KDF, NAME, NINO, PHONE, PLATE, REPORTER, make_report
from .fakes import FakeCoordinator, ReplacingRedactor, serve

PASS = Passphrase("node passphrase for tests")
SK, _PK = derive_key_pair(b"\x07" * 32, b"msin test epoch 1")


@pytest.fixture()
def coordinator(make_identity: Callable[[str, str], pki.Identity]) -> Iterator[tuple[FakeCoordinator, str]]:
    fake = FakeCoordinator()
    with serve(fake, make_identity("coordinator", "sttg")) as port:
        yield fake, f"localhost:{port}"


def _node(path: Path, member: pki.Identity, address: str, *, create: bool = True, **kw: object) -> Node:
    return Node.open(
        path,
        key=PASS,
        create=create,
        kdf=FAST_KDF,
        identity=member,
        redactor=kw.pop("redactor", ReplacingRedactor()),  # type: ignore[arg-type]
        tokenizer=LocalTokenizer(SK),
        coordinator=address,
        coordinator_name="sttg",
    )


def test_share_builds_a_record_without_personal_data(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    member = make_identity("member", "alpha")
    node = _node(tmp_path / "a.db", member, coordinator[1])
    node.add_report(make_report("R1"))
    record = node.share("R1", tlp="AMBER", handling="C")
    assert record.member_id == "alpha" and record.record_id.startswith("r-")
    assert record.tlp is Tlp.AMBER and record.grade.handling is Handling.C
    assert record.victims_band == "6-10" and record.time_sensitive
    assert {t.kind for t in record.tokens} >= {"phone", "email", "vehicle", "nino", "name_dob"}
    for value in (PHONE, EMAIL, PLATE, NINO, *NAME, REPORTER, "R1"):
        assert value not in record.narrative
    assert node.outbox_size() == 1
    (item,) = node.store.due(time.time())
    sub = pb.Submission.FromString(item.data)
    assert sub.submission_id  # unsigned: delivery signs each batch as a whole
    assert record_from_bytes(sub.record) == record
    for value in (PHONE, EMAIL, PLATE, NINO, *NAME, REPORTER, "R1"):
        assert value.encode() not in sub.record
    with pytest.raises(ValidationError, match="already shared"):
        node.share("R1", tlp="AMBER")
    node.close()
    raw = (tmp_path / "a.db").read_bytes()
    assert record.narrative.encode() not in raw  # the outbox is encrypted too


def test_refused_redaction_blocks_the_share(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    class Refusing:
        def redact_verified(self, text: str, known: object) -> object:
            raise RedactionRefused([Finding("UK_NINO", 3, 12, 0.9)])

    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), coordinator[1], redactor=Refusing())
    node.add_report(make_report("R1"))
    with pytest.raises(RedactionRefused, match="UK_NINO at 3-12"):
        node.share("R1", tlp="GREEN")
    assert node.outbox_size() == 0 and node.shares() == []


def test_delivery_retries_with_backoff_and_keeps_until_ack(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    fake, address = coordinator
    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), address)
    node._backoff = type(node._backoff)(base=0.2, cap=1.0)
    node.add_report(make_report("R1"))
    record = node.share("R1", tlp="GREEN")
    fake.fail_next = 2
    report = node.deliver()
    assert (report.failed, report.remaining) == (1, 1)
    assert node.deliver().acknowledged == 0  # not due yet: backoff
    (item,) = node.store.due(time.time() + 10)
    assert item.attempts == 1
    time.sleep(0.3)
    assert node.deliver().failed == 1
    time.sleep(0.5)
    assert node.deliver().acknowledged == 1
    assert node.outbox_size() == 0 and record.record_id in fake.records
    assert node.shares()[0].state == "acknowledged"


def test_coordinator_refusal_is_recorded(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Signed by another member's key: the coordinator refuses for good.
    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), coordinator[1])
    node._identity = make_identity("member", "beta")
    node.add_report(make_report("R1"))
    node.share("R1", tlp="GREEN")
    node._identity = make_identity("member", "alpha")
    node._stub = None
    report = node.deliver()
    assert report.refused == 1 and node.outbox_size() == 0
    (share,) = node.shares()
    assert share.state == "refused" and share.note.startswith("PERMISSION_DENIED")


def test_inbox_maps_matches_and_resumes(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    fake, address = coordinator
    member = make_identity("member", "alpha")
    node = _node(tmp_path / "a.db", member, address)
    node.add_report(make_report("R1"))
    rec = node.share("R1", tlp="GREEN")
    node.sync(timeout=0.3)
    fake.push("alpha", pb.MatchEvent(record_id=rec.record_id, cluster_id="c1", other_members=1,
                                     matched_kinds=["phone"], score=12.5, change=pb.MATCH_CHANGE_NEW))
    fake.push("beta", pb.MatchEvent(record_id="r-other", cluster_id="c1", other_members=1))
    assert node.sync(timeout=0.5).new_events == 1
    (match,) = node.matches()
    assert (match.report_id, match.other_members, match.matched_kinds) == ("R1", 1, ("phone",))
    node.close()
    fake.push("alpha", pb.AlertEvent(alert_id="a1", summary="Gangmaster active", region="TLK",
                                     own_record_id=rec.record_id, tlp=pb.TLP_GREEN))
    again = _node(tmp_path / "a.db", member, address, create=False)
    assert again.store.cursor() == 1
    assert again.sync(timeout=0.5).new_events == 1  # only the event after the stored cursor
    (alert,) = again.alerts()
    assert alert.own_report_id == "R1" and alert.tlp is Tlp.GREEN
    assert len(again.matches()) == 1
    again.close()


def test_background_threads_deliver_and_receive(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    fake, address = coordinator
    with _node(tmp_path / "a.db", make_identity("member", "alpha"), address) as node:
        node._backoff = type(node._backoff)(base=0.1, cap=0.5)
        node.start()
        node.add_report(make_report("R1"))
        rec = node.share("R1", tlp="GREEN")
        fake.push("alpha", pb.MatchEvent(record_id=rec.record_id, cluster_id="c", other_members=2))
        deadline = time.time() + 10
        while (node.outbox_size() or not node.matches()) and time.time() < deadline:
            time.sleep(0.05)
        assert node.outbox_size() == 0 and node.matches()[0].report_id == "R1"


def test_withdraw(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    fake, address = coordinator
    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), address)
    node.add_report(make_report("R1"))
    rec = node.share("R1", tlp="GREEN")
    node.sync(timeout=0.2)
    assert rec.record_id in fake.records
    node.withdraw("R1")
    assert node.shares()[0].state == "withdrawing"
    node.sync(timeout=0.2)
    assert rec.record_id not in fake.records and node.shares()[0].state == "withdrawn"
    with pytest.raises(ValidationError, match="not shared"):
        node.withdraw("R1")
    again = node.share("R1", tlp="GREEN")  # may be shared again, under a new record id
    assert again.record_id != rec.record_id


def test_withdraw_before_delivery_drops_the_submission(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    fake, address = coordinator
    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), address)
    node.add_report(make_report("R1"))
    node.share("R1", tlp="GREEN")
    node.withdraw("R1")
    node.sync(timeout=0.2)
    assert fake.records == {} and node.outbox_size() == 0


def test_find_by_identifier(tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]) -> None:
    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), "unused:1")
    node.add_report(make_report("R1"))
    assert node.find(Phone("+447700900123")) == ["R1"]
    assert isinstance(node.report("R1").mentions[0].identifiers()[0], Identifier)


def test_tokens_are_sent_in_an_order_that_tells_nothing(
    tmp_path: Path, coordinator: tuple[FakeCoordinator, str], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    """STTG reading the order of a record's tokens (the coordinator stores them as sent).
    Made in order, a phone's ``phone_near`` run is its deletions position by position,
    with random fillers where a deletion repeats: two records of one phone share every
    token of the run but the fillers, which sat at the repeated digits (``77``, ``00`` of
    07700 ...), and two phones one digit apart share the deletion at that digit. Sent
    shuffled, the order is not the order made, and two shares of one report differ."""
    from msin_fed.token_inputs import inputs_for_mention

    node = _node(tmp_path / "a.db", make_identity("member", "alpha"), coordinator[1])
    orders = []
    for rid in ("R1", "R2"):
        node.add_report(make_report(rid))
        record = node.share(rid, tlp="AMBER", handling="C")
        orders.append([(t.kind, t.value) for t in record.tokens])
    node.close()
    report = make_report("R1")
    made: list[bytes] = []
    for mention in report.mentions:
        made += [i.data for i in inputs_for_mention(mention) if i.data not in made]
    made_order = list(LocalTokenizer(SK).tokenize(made))
    assert len(orders[0]) == len(made_order) > 30
    assert [v for _k, v in orders[0] if v in set(made_order)] != [v for v in made_order if v in {x for _k, x in orders[0]}]
    near = [[v for k, v in order if k == "phone_near"] for order in orders]
    shared = set(near[0]) & set(near[1])  # the phone's real deletions (fillers differ)
    assert [near[0].index(v) for v in sorted(shared)] != [near[1].index(v) for v in sorted(shared)]
