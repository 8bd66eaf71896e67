"""State that several coordinator processes on one database share: checkpoint numbering,
the audit head file, event cursors. Each process's objects are built separately here, as
separate processes build them; tests/coordinator/test_multi_process.py runs real ones."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.audit import AuditLog, _write_head
from msin_fed.coordinator.checkpoints import Checkpointer
from msin_fed.coordinator.fairness import Busy, SharedCallRates
from msin_fed.coordinator.service import Caller, CoordinatorService, Submission
from msin_fed.coordinator.store import SharedStore, events
from nacl.signing import SigningKey

from msin_fed import pki
from msin_fed.checkpoint import Checkpoint, CheckpointKey
from msin_fed.model.events import MatchChange, MatchEvent
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import sign_batch

from .conftest import drop_postgres_store, record, require_postgres, submission, tok

KEY = SigningKey(bytes(range(32)))


def _match(record_id: str) -> MatchEvent:
    return MatchEvent(record_id, "", 1, ("phone",), 1.0, MatchChange.NEW)


def _held(store: SharedStore) -> list[Checkpoint]:
    with store.read() as conn:
        bodies = conn.execute(
            sa.select(events.c.body).where(events.c.kind == "checkpoint").order_by(events.c.cursor)
        ).scalars().all()
    return [Checkpoint.from_pb(pb.AuditCheckpoint.FromString(bytes(b))) for b in bodies]


def test_two_checkpointers_on_one_store_number_once_every_n_entries(store: SharedStore, tmp_path: Path) -> None:
    # Two processes' checkpointers and logs on one database, appending in turn: each one's
    # memory of the last checkpoint falls behind the other's, yet checkpoints come every 3
    # entries with consecutive numbers, never one per entry.
    other = SharedStore(store.url)
    try:
        head = tmp_path / "audit.head"
        logs = []
        for s in (store, other):
            cp = Checkpointer(s, KEY, every=3, seconds=3600)
            logs.append((s, AuditLog(s, head, cp), cp))
        for i in range(12):
            s, log, _cp = logs[i % 2]
            with s.write() as conn:
                log.append(conn, "member", "alpha", "intake", {"records": 1})
        held = _held(store)
        assert [(c.number, c.entry_seq) for c in held] == [(1, 3), (2, 6), (3, 9), (4, 12)]
        for c in held:
            c.verify(CheckpointKey(bytes(KEY.verify_key)))
        assert logs[0][1].verify(held).ok
        assert head.read_text().split()[0] == "12"
    finally:
        other.close()


def test_the_head_file_only_moves_forward(tmp_path: Path) -> None:
    head = tmp_path / "audit.head"
    _write_head(head, 5, "5" * 64)
    _write_head(head, 4, "4" * 64)  # another process's commit, reported late
    assert head.read_text().split() == ["5", "5" * 64]
    _write_head(head, 6, "6" * 64)
    assert head.read_text().split() == ["6", "6" * 64]


@pytest.mark.parametrize("serial", [True, False])
def test_concurrent_writers_commit_cursors_in_order(store: SharedStore, serial: bool) -> None:
    # Two stores (two processes' pools) appending events from many threads: every reader
    # sees cursors only ever grow, with no later commit slipping in below one already read.
    # ``serial=False`` (intake's transactions) takes the write lock only when the events
    # are appended: the cursors must still commit in order.
    other = SharedStore(store.url)
    seen: list[int] = []
    stop = threading.Event()

    def write(s: SharedStore, n: int) -> None:
        for _ in range(n):
            with s.write(serial=serial) as conn:
                s.append_events(conn, [("m", None, _match("x")), ("m", None, _match("y"))])

    def read() -> None:
        cursor = 0
        while not stop.is_set():
            for stored in store.events_after("m", cursor):
                seen.append(stored.event.cursor)
                cursor = stored.event.cursor

    try:
        reader = threading.Thread(target=read)
        reader.start()
        writers = [threading.Thread(target=write, args=(s, 40)) for s in (store, other, store, other)]
        for w in writers:
            w.start()
        for w in writers:
            w.join(60)
        stop.set()
        reader.join(30)
        rest = [e.event.cursor for e in store.events_after("m", seen[-1] if seen else 0, limit=10_000)]
        everything = seen + rest
        assert len(everything) == len(set(everything)) == 4 * 40 * 2
        assert everything == sorted(everything)
    finally:
        other.close()


@pytest.mark.postgres
def test_a_members_call_rate_is_one_budget_across_processes(tmp_path: Path) -> None:
    url = require_postgres()
    drop_postgres_store(url)
    stores = [SharedStore(url), SharedStore(url)]
    try:
        rates = [SharedCallRates(s, rate=4.0, burst=3) for s in stores]
        for i in range(3):  # the burst, spent through both processes in turn
            rates[i % 2].take("alpha")
        with pytest.raises(Busy, match=r"retry in 0\.\d\d s"):
            rates[1].take("alpha")
        with pytest.raises(Busy):
            rates[0].take("alpha")  # the other process sees the same empty bucket
        rates[0].take("beta")  # another member's bucket is its own
        time.sleep(0.3)  # 4 calls a second: one more is due
        rates[1].take("alpha")
        with pytest.raises(Busy):
            rates[0].take("alpha")
    finally:
        for s in stores:
            s.close()
        drop_postgres_store(url)


@pytest.mark.postgres
def test_a_stream_in_one_process_wakes_on_events_another_commits(tmp_path: Path) -> None:
    url = require_postgres()
    drop_postgres_store(url)
    here, there = SharedStore(url), SharedStore(url)
    service = CoordinatorService(here)
    listener = here.listen_events(service.notify)
    try:
        assert listener is not None and listener.wait_ready(10)
        got: list[float] = []
        stop = threading.Event()

        def follow() -> None:
            # A poll of a minute: only the notification can wake it within the test.
            for _event in service.events(Caller("member", "alpha"), 0, lambda: not stop.is_set(), poll=60):
                got.append(time.monotonic())
                return

        reader = threading.Thread(target=follow)
        reader.start()
        time.sleep(0.5)  # the stream is waiting
        sent = time.monotonic()
        with there.write() as conn:  # another process's commit
            there.append_events(conn, [("alpha", None, _match("r1"))])
        reader.join(10)
        assert got and got[0] - sent < 5
    finally:
        stop.set()
        service.close()
        if listener is not None:
            listener.close()
        here.close()
        there.close()
        drop_postgres_store(url)


@pytest.mark.postgres
def test_one_batch_sent_to_two_processes_at_once_is_stored_once(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # A node failing over resends a batch the first process may still be storing: both
    # answer, one stores it and the other acknowledges duplicates, whichever wins the lock.
    url = require_postgres()
    drop_postgres_store(url)
    stores = [SharedStore(url), SharedStore(url)]
    services = [CoordinatorService(s) for s in stores]
    alpha = make_identity("member", "alpha")
    caller = Caller("member", "alpha", bytes(alpha.signing_key.verify_key))
    try:
        for n in range(8):
            msgs = [submission(record("alpha", f"r{n}-{i}", (tok("phone", f"p{n}-{i}"),))) for i in range(20)]
            subs = [Submission(m.submission_id, m.record) for m in msgs]
            signature = sign_batch(subs, alpha.signing_key)
            start = threading.Barrier(2)
            results: list[list[bool]] = []
            failures: list[BaseException] = []

            def send(service: CoordinatorService, subs: list[Submission] = subs, signature: bytes = signature) -> None:
                try:
                    start.wait(10)
                    results.append([a.duplicate for a in service.submit_batch(caller, subs, signature)])
                except BaseException as exc:
                    failures.append(exc)

            threads = [threading.Thread(target=send, args=(s,)) for s in services]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not failures, failures
            assert sorted(results) == [[False] * 20, [True] * 20]
        assert stores[0].count_records() == 8 * 20
        with stores[0].read() as conn:
            intake = conn.execute(sa.text("SELECT detail FROM audit WHERE action = 'intake'")).scalars().all()
        assert sorted(json.loads(d)["records"] for d in intake) == [0] * 8 + [20] * 8
    finally:
        for s in stores:
            s.close()
        drop_postgres_store(url)
