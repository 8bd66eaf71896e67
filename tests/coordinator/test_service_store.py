"""The coordinator's rules over each store backend (SQLite and PostgreSQL), without gRPC."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.config import config_from_mapping
from msin_fed.coordinator.intake_flight import IntakeFlight
from msin_fed.coordinator.service import AccessDenied, Ack, Caller, CoordinatorService, Refused, Submission
from msin_fed.coordinator.store import SharedStore, audit

from msin_fed import pki
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.model.events import MatchChange, MatchEvent
from msin_fed.wire import sign_batch

from .conftest import drop_postgres_store, record, require_postgres, submission, tok

MakeId = Callable[[str, str], pki.Identity]


def _caller(identity: pki.Identity) -> Caller:
    return Caller("member", identity.name, bytes(identity.signing_key.verify_key))


def _sub(identity: pki.Identity, rid: str, *tokens: str) -> Submission:
    msg = submission(record(identity.name, rid, tuple(tok("phone", t) for t in tokens)))
    return Submission(msg.submission_id, msg.record)


def _submit(service: CoordinatorService, identity: pki.Identity, subs: list[Submission]) -> list[Ack]:
    signature = sign_batch(subs, identity.signing_key)
    return service.submit_batch(_caller(identity), subs, signature)


def test_intake_replay_atomicity_events_withdraw_and_audit(
    store: SharedStore, make_identity: MakeId, tmp_path: Path
) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    # verify refuses a chain with nothing outside the database to check it against
    service = CoordinatorService(store, audit=AuditLog(store, tmp_path / "audit.head"))
    acks = _submit(service, alpha, [_sub(alpha, "a1", "p"), _sub(alpha, "a2", "q")])
    assert [a.duplicate for a in acks] == [False, False]
    assert [a.duplicate for a in _submit(service, alpha, [_sub(alpha, "a1", "p")])] == [True]

    bad = _sub(beta, "b2", "q")
    bad = Submission(bad.submission_id, b"\xff\x01 not a record")
    with pytest.raises(ValidationError):
        _submit(service, beta, [_sub(beta, "b1", "p"), bad])
    assert store.count_records() == 2

    _submit(service, beta, [_sub(beta, "b1", "p")])
    with store.read() as conn:
        last = conn.execute(sa.select(audit.c.detail).order_by(audit.c.seq.desc()).limit(1)).scalar_one()
    assert json.loads(last)["match_events"] == 2  # b1's new match and a1's, one batch alone
    stream = service.events(_caller(alpha), 0, is_active=lambda: True, poll=0.01)
    first = next(stream)
    stream.close()
    assert isinstance(first.body, MatchEvent)  # a domain value: the service speaks no protobuf
    assert first.body.record_id == "a1" and first.body.change == MatchChange.NEW

    with pytest.raises(AccessDenied):
        service.withdraw(_caller(alpha), "b1")
    assert service.withdraw(_caller(beta), "b1")
    assert [m.record_id for m in service.list_matches(_caller(alpha))] == []
    report = service.audit.verify()
    assert report.ok and report.entries >= 5


def test_batches_waiting_for_the_writer_are_stored_together_each_on_its_own_terms(
    store: SharedStore, make_identity: MakeId, tmp_path: Path
) -> None:
    alpha, beta, gamma, delta = (make_identity("member", n) for n in ("alpha", "beta", "gamma", "delta"))
    head = tmp_path / "audit.head"
    service = CoordinatorService(store, audit=AuditLog(store, head))
    first = [_sub(alpha, "a1", "shared")]
    outcomes: dict[str, object] = {}

    def send(name: str, identity: pki.Identity, subs: list[Submission]) -> None:
        try:
            outcomes[name] = [(a.record_id, a.duplicate) for a in _submit(service, identity, subs)]
        except Exception as exc:
            outcomes[name] = exc

    def started(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, "the batch never reached the writer"
            time.sleep(0.01)

    threads = []
    with store.write():  # hold the writer: the first batch takes it, the rest queue
        threads.append(threading.Thread(target=send, args=("first", alpha, first)))
        threads[-1].start()
        started(lambda: service._writers > 0)
        for name, identity, subs in (
            ("beta", beta, [_sub(beta, "b1", "shared"), _sub(beta, "b2", "other")]),
            ("gamma clashes with beta's record id", gamma, [Submission("gamma-1", _sub(gamma, "b2", "x").record)]),
            ("delta reuses beta's submission id", delta, [_sub(delta, "b2", "y")]),
            ("alpha resends", alpha, first),
        ):
            threads.append(threading.Thread(target=send, args=(name, identity, subs)))
            threads[-1].start()
            started(lambda n=len(threads) - 1: len(service._intake_queue) == n)
    for t in threads:
        t.join(30)

    assert outcomes["first"] == [("a1", False)]
    assert outcomes["beta"] == [("b1", False), ("b2", False)]
    assert isinstance(outcomes["gamma clashes with beta's record id"], Refused)
    assert isinstance(outcomes["delta reuses beta's submission id"], AccessDenied)
    assert outcomes["alpha resends"] == [("a1", True)]
    assert store.count_records() == 3
    assert [(a, b) for a, b, _s in service.engine.pairs()] == [("a1", "b1")]
    with store.read() as conn:
        rows = conn.execute(sa.select(audit.c.actor, audit.c.detail).where(audit.c.action == "intake").order_by(audit.c.seq)).all()
    details = [(actor, json.loads(detail)) for actor, detail in rows]
    assert [(actor, d.get("batches_in_transaction", 1)) for actor, d in details] == [
        ("alpha", 1), ("beta", 2), ("alpha", 2)
    ]
    assert head.read_text().split()[0] == "3"  # the head names the transaction's last entry
    # b1 matching a1 changes both: beta's entry counts its own record, and both entries of
    # the transaction name its total (a1's change belongs to no batch of it).
    assert [(d["match_events"], d.get("match_events_in_transaction")) for _a, d in details] == [
        (0, None), (1, 2), (0, 2)
    ]
    assert service.audit.verify().ok


def test_ids_stored_after_a_batch_was_looked_up_are_found_when_it_is_written(
    store: SharedStore, make_identity: MakeId, tmp_path: Path
) -> None:
    # Intake writes on what each batch's own lookup found; the database's keys catch what
    # was stored since (or shared before), and the group is written again after a re-read.
    alpha = make_identity("member", "alpha")
    service = CoordinatorService(store, audit=AuditLog(store, tmp_path / "audit.head"))
    batch = [_sub(alpha, "a1", "p"), _sub(alpha, "a2", "q")]
    outcomes: dict[str, object] = {}

    def send(name: str) -> None:
        outcomes[name] = [(a.record_id, a.duplicate) for a in _submit(service, alpha, batch)]

    with store.write():  # the first send waits to write; the resend looks up meanwhile
        first = threading.Thread(target=send, args=("first",))
        first.start()
        deadline = time.monotonic() + 10
        while not service._writers:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        resend = threading.Thread(target=send, args=("resend",))
        resend.start()
        while len(service._intake_queue) != 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    first.join(30)
    resend.join(30)
    assert outcomes == {"first": [("a1", False), ("a2", False)], "resend": [("a1", True), ("a2", True)]}
    assert store.count_records() == 2

    # A record shared again under a new submission id, without a withdrawal: refused whole.
    again = _sub(alpha, "a1", "p")
    fresh = _sub(alpha, "a3", "r")
    with pytest.raises(Refused, match=r"submissions\[1\]\.record\.record_id is already shared"):
        _submit(service, alpha, [fresh, Submission("new-id-for-a1", again.record)])
    assert store.count_records() == 2
    assert service.audit.verify().ok


def test_intake_transactions_in_flight_are_configured_and_sqlite_keeps_one(store: SharedStore) -> None:
    # store.intake_transactions = 2 lets a PostgreSQL process store a group's rows while its
    # previous group holds the write lock; SQLite writes on one connection: always one.
    def parsed(value: object) -> int:
        return config_from_mapping(
            {"server": {"identity_dir": "id"}, "store": {"url": "x.db", "intake_transactions": value}}, Path("/tmp")
        ).intake_transactions

    assert parsed(2) == 2
    assert parsed("auto") == "auto"
    default = config_from_mapping({"server": {"identity_dir": "id"}, "store": {"url": "x.db"}}, Path("/tmp"))
    assert default.intake_transactions == 1
    for bad in (0, 3, "2", "Auto", True):
        with pytest.raises(ConfigError, match=r"store\.intake_transactions"):
            parsed(bad)
    service = CoordinatorService(store, intake_transactions=2)
    assert service.intake_flight.allowed() == (1 if store.is_sqlite else 2)
    # "auto" on SQLite: one (a file has one writer); on PostgreSQL it counts the processes
    # serving the database (test_auto_intake_transactions_follow_the_serving_processes).
    if store.is_sqlite:
        assert IntakeFlight(store, "auto").allowed() == 1
    with pytest.raises(ValueError, match="intake_transactions"):
        IntakeFlight(store, 3)


@pytest.mark.postgres
def test_auto_intake_transactions_follow_the_serving_processes(tmp_path: Path) -> None:
    # "auto" keeps two intake transactions in flight while this process serves the
    # database alone, one while another process serves it too; a store opened only to
    # read (audit verify, reports) does not count as serving.
    url = require_postgres()
    drop_postgres_store(url)
    serving = SharedStore(url, serving=True)
    other: subprocess.Popen[str] | None = None
    try:
        flight = IntakeFlight(serving, "auto", recheck=0)
        assert serving.serving_processes() == 1
        assert flight.allowed() == 2
        reader = SharedStore(url)
        try:
            assert reader.serving_processes() == 1 and flight.allowed() == 2
        finally:
            reader.close()
        script = (
            "import sys\n"
            "from msin_fed.coordinator.store import SharedStore\n"
            "store = SharedStore(sys.argv[1], serving=True)\n"
            "print(store.serving_processes(), flush=True)\n"
            # Its pooled sessions closed: it is still counted (the session held from open).
            "store.engine.dispose()\n"
            "print('idle', flush=True)\n"
            "sys.stdin.read()\n"
        )
        other = subprocess.Popen(
            [sys.executable, "-c", script, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "2"  # it counts this process too
        assert other.stdout.readline().strip() == "idle"
        assert flight.allowed() == 1
        flight.recheck = 3600
        other.kill()
        other.wait(30)
        deadline = time.monotonic() + 30
        while serving.serving_processes() > 1:  # the server notices the closed sockets
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert flight.allowed() == 1  # not recounted before ``recheck`` has passed
        flight.recount()
        assert flight.allowed() == 2
    finally:
        if other is not None and other.poll() is None:
            other.kill()
            other.wait(30)
        serving.close()
        drop_postgres_store(url)
