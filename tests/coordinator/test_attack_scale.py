"""Attacks on packed tokens stored before the write lock and numbered by the storing
transaction's id (``record_tokens.xact``), each process's key filter caught up from a
statement's snapshot, and the PostgreSQL session limits, on a real PostgreSQL.

The interleaving test drives three "processes" (each its own SharedStore and match
engine, as in test_attack_lock.py) a step at a time from one thread, and adds what the
transaction-id numbering opens: transaction ids taken in one order and committed in
another, other sessions holding transaction ids (and the snapshot horizon) open for a
long time and then committing or rolling back, and processes restarting, their filter
built from the table while others' rows are uncommitted. After every match step, with
the write lock held (so nothing else commits), the matching process's filter must hold
every key committed so far: a key missed there is a pair missed whenever a later record
shares it. Pairs, clusters and every change must equal one engine running the committed
transactions one after the other.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.matching import MatchBudgetExceeded, MatchEngine, prepare_tokens
from msin_fed.coordinator.service import Caller, CoordinatorService, Submission
from msin_fed.coordinator.store import SharedStore, records, submissions
from msin_fed.coordinator.store.engine import WRITE_LOCK, SessionTimeouts
from msin_fed.coordinator.store.postings import PAIR_COLUMNS
from msin_fed.coordinator.store.schema import pairs
from msin_fed.coordinator.store.sql import bulk_insert

from msin_fed import pki
from msin_fed.errors import StoreError
from msin_fed.model import SharedRecord
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import sign_batch

from .conftest import (
    drop_postgres_store,
    in_thread,
    lock_waits,
    record,
    require_postgres,
    signed_batch,
    submission,
    tok,
)
from .test_attack_lock import PROCESSES, Run, Tx, _empty, _key, _serial, _state, batches
from .test_multi_process import Coordinator, _reference
from .test_multi_process import _inputs as _mp_inputs

pytestmark = pytest.mark.postgres


@pytest.fixture
def stores() -> Iterator[list[SharedStore]]:
    url = require_postgres()
    drop_postgres_store(url)
    made = [SharedStore(url) for _ in range(PROCESSES)]
    yield made
    for store in made:
        store.close()
    drop_postgres_store(url)


class Foreign:
    """A session of someone else (another process's withdrawal, a report, a stuck client)
    holding a transaction id, and so the snapshot horizon, open until ended."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.conn = self.engine.connect()
        self.xid = int(self.conn.exec_driver_sql("SELECT pg_current_xact_id()::text::bigint").scalar_one())

    def end(self, commit: bool) -> None:
        if commit:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.close()
        self.engine.dispose()


def _committed_keys(url_engine: sa.Engine) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Every token key committed so far, as another session sees it."""
    with url_engine.connect() as conn:
        keys = [int(k) for (k,) in conn.exec_driver_sql("SELECT DISTINCT key FROM tokens")]
    return np.array(keys, dtype=np.int64)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=batches(), data=st.data())
def test_ids_committed_out_of_order_foreign_open_transactions_and_restarts_miss_no_key_and_no_pair(
    stores: list[SharedStore], plan: list[tuple[int, list[SharedRecord]]], data: st.DataObject
) -> None:
    _empty(stores[0])
    url = require_postgres()
    observer = sa.create_engine(url, poolclass=sa.pool.NullPool)
    run = Run(stores)
    foreign: list[Foreign] = []
    try:
        txs = [Tx(proc, batch) for proc, batch in plan]
        while any(tx.state in ("new", "staged", "locked") for tx in txs):
            steps: list[tuple[str, Any]] = []
            for tx in txs:
                if tx.state == "new" and tx.proc not in run.open:
                    steps += [("stage", tx)] * 3
                elif tx.state == "staged" and run.locked is None:
                    steps += [("match", tx), ("match", tx), ("rollback", tx)]
                elif tx.state == "locked":
                    steps += [("commit", tx)] * 3 + [("rollback", tx)]
            if len(foreign) < 2:
                steps.append(("foreign", None))
            steps += [("end-foreign", f) for f in foreign]
            # A process with nothing open restarts: its new engine builds its filter from
            # the table while other processes' rows are staged or locked.
            steps += [("restart", p) for p in range(PROCESSES) if p not in run.open and run.engines[p] is not None]
            what, arg = data.draw(st.sampled_from(steps))
            if what == "stage":
                run.stage(arg)
            elif what == "match":
                run.match(arg)
                engine = run.engines[arg.proc]
                assert engine is not None and engine._stored_keys is not None
                seen = engine._stored_keys.seen
                assert seen is not None
                committed = _committed_keys(observer)
                missing = committed[~seen.may_contain(committed)]
                assert len(missing) == 0, f"process {arg.proc}'s filter misses {len(missing)} committed key(s)"
            elif what in ("commit", "rollback"):
                run.end(arg, what == "commit")
            elif what == "foreign":
                foreign.append(Foreign(url))
            elif what == "end-foreign":
                foreign.remove(arg)
                arg.end(data.draw(st.booleans()))
            else:
                run.engines[arg] = None
        expected_changes, expected_state = _serial(run.log)
        assert [sorted(map(_key, c)) for _k, _w, c in run.log] == expected_changes
        assert _state(run.stores[0]) == expected_state
    finally:
        run.close()
        for f in foreign:
            f.end(False)
        observer.dispose()


def test_a_transaction_holding_the_horizon_back_for_many_batches_neither_stalls_nor_grows_the_catch_up(
    stores: list[SharedStore],
) -> None:
    # One session takes a transaction id and stays open (a stuck report, a forgotten psql)
    # while two processes take in 60 batches sharing tokens. Every catch-up keeps that one
    # id pending; the horizon must not grow with the batches committed meanwhile (a list
    # of every id since the oldest open one would), intake must not wait for it, and every
    # pair must still be made once.
    url = require_postgres()
    first, second = MatchEngine(stores[0]), MatchEngine(stores[1])
    held = Foreign(url)
    try:
        serial = []
        for b in range(60):
            engine = (first, second)[b % 2]
            member = ("alpha", "beta")[b % 2]
            batch = [record(member, f"{member}-{b:02d}-{i}", (tok("phone", f"p{(b + i) % 7}"),)) for i in range(3)]
            serial.append(batch)
            began = time.monotonic()
            engine.ingest([(r.record_id, r.member_id, r.tokens) for r in batch])
            assert time.monotonic() - began < 20, "intake waited for the open transaction"
        for engine in (first, second):
            assert engine._stored_keys is not None
            since = engine._stored_keys._since
            assert since is not None
            assert held.xid in since.pending
            assert len(since.pending) <= 3 and len(since.mine) <= 1, since
        expected = _serial([("ingest", batch, []) for batch in serial])[1]
        assert _state(stores[0]) == expected
    finally:
        held.end(True)


# ------------------------------------------------------------------ session limits


def _service(url: str, idle: float) -> CoordinatorService:
    return CoordinatorService(SharedStore(url, timeouts=SessionTimeouts(idle_in_transaction=idle)))


def _close(service: CoordinatorService) -> None:
    service.close()
    service.store.close()


def _submit(service: CoordinatorService, member: pki.Identity, recs: list[SharedRecord]) -> Any:
    subs = [Submission(m.submission_id, m.record) for m in (submission(r) for r in recs)]
    caller = Caller("member", member.name, bytes(member.signing_key.verify_key))
    return service.submit_batch(caller, subs, sign_batch(subs, member.signing_key))


def _counts(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()) for t in (records, submissions)
            )
    finally:
        engine.dispose()


def test_an_honest_batch_waiting_for_the_lock_longer_than_the_idle_limit_is_not_killed(
    stores: list[SharedStore], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Waiting for the write lock is a statement running, not a session idle in its
    # transaction: a batch queued behind a long serial part (another process's large
    # withdrawal, a checkpoint) for longer than idle_in_transaction_timeout must commit
    # when the lock comes free, not be rolled back and lost.
    url = require_postgres()
    alpha = make_identity("member", "alpha")
    service = _service(url, idle=1.0)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK})")
            holder.commit()
            recs = [record("alpha", f"slow-{i}", (tok("phone", f"s{i}"),)) for i in range(3)]
            thread, out = in_thread(lambda: _submit(service, alpha, recs))
            deadline = time.monotonic() + 30
            while True:
                with engine.connect() as conn:
                    if lock_waits(conn).get("advisory", 0) >= 1:
                        break
                assert time.monotonic() < deadline, "the intake never reached the write lock"
                time.sleep(0.05)
            time.sleep(3.0)  # three idle limits
            holder.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK})")
            holder.commit()
            thread.join(30)
        assert not thread.is_alive()
        assert not isinstance(out[0], BaseException), repr(out[0])
        assert [a.duplicate for a in out[0]] == [False, False, False]
        assert _counts(url) == (3, 3)
    finally:
        engine.dispose()
        _close(service)


def test_a_batch_whose_process_stalls_mid_transaction_is_rolled_back_whole_refused_retryably_and_stored_on_resend(
    stores: list[SharedStore], monkeypatch: pytest.MonkeyPatch, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # A process that stops between two statements of an intake transaction (a long GC, a
    # SIGSTOP, its host swapping) for longer than the idle limit loses its session: the
    # server rolls the transaction back. The caller must hear a retryable refusal (a
    # StoreError: UNAVAILABLE on the wire, which nodes resend) and nothing of the batch
    # may be kept (no record without its tokens, no acknowledged submission); the
    # process must then serve the resend on a fresh session, and store it.
    url = require_postgres()
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    service = _service(url, idle=1.0)
    real = MatchEngine.stage_rows
    stall = threading.Event()
    stall.set()

    def stalling(self: MatchEngine, conn: sa.Connection, by_record: Any) -> None:
        real(self, conn, by_record)
        if stall.is_set():
            time.sleep(2.5)  # between statements: idle in transaction

    monkeypatch.setattr(MatchEngine, "stage_rows", stalling)
    recs = [record("alpha", f"stall-{i}", (tok("phone", f"x{i}"), tok("email", "shared"))) for i in range(3)]
    other = [record("beta", "beta-0", (tok("email", "shared"),))]
    try:
        with pytest.raises(sa.exc.DBAPIError) as failed:
            _submit(service, alpha, recs)
        # What the servicer sends: UNAVAILABLE naming the store (nodes resend on it).
        assert type(service.store.failure(failed.value)) is StoreError
        assert _counts(url) == (0, 0)
        stall.clear()
        _submit(service, beta, other)
        acks = _submit(service, alpha, recs)  # the node's resend
        assert [a.duplicate for a in acks] == [False, False, False]
        assert _counts(url) == (4, 4)
        pairs, clusters = _state(service.store)
        assert (pairs, clusters) == _serial([("ingest", other, []), ("ingest", recs, [])])[1]
        assert len(pairs) == 3  # beta-0 with each alpha record
    finally:
        _close(service)


# ------------------------------------------------------------------ real processes


class _Serving(Coordinator):
    """A `msin coordinator serve` process whose sessions idle at most ``idle`` seconds in a
    transaction (the [store] setting under attack)."""

    def __init__(self, directory: Path, index: int, url: str, identity: pki.Identity, idle: float) -> None:
        # Its sessions are named, so that the test can tell which process holds the lock.
        super().__init__(directory, index, f"{url}?application_name=coord-{index}", identity,
                         store_settings=f"idle_in_transaction_timeout = {idle}\n")


TRANSIENT = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED)


@pytest.mark.slow
def test_three_processes_with_the_horizon_held_back_a_stopped_process_and_duplicates_raced_store_each_record_once(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Three real processes on one PostgreSQL, sessions limited to 2 s idle in a
    # transaction. For the whole run a foreign session holds a transaction id open (the
    # snapshot horizon held back). Four members send batches sharing tokens, each to a
    # random process, a quarter of them to two processes at once (a resend raced with
    # the original); a call that fails transiently or times out is resent, as a node's
    # outbox does, to another process. Mid-way one process is SIGSTOPped for 6 s (its
    # open transaction, if idle, is ended by the server), then continued. Afterwards:
    # every record stored once, every acknowledgement names it, pairs and clusters equal
    # one process matching the same input, the audit chain verifies, and every process
    # still shuts down cleanly.
    url = require_postgres()
    drop_postgres_store(url)
    inputs = {m: recs[:60] for m, recs in _mp_inputs().items()}
    ref_pairs, ref_clusters, ref_store = _reference(inputs)
    ref_store.close()
    identity = make_identity("coordinator", "sttg")
    members = {m: make_identity("member", m) for m in inputs}
    started: list[_Serving] = []
    held: Foreign | None = None
    acked: dict[str, str] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    progress = [0]
    try:
        for i in range(3):
            started.append(_Serving(tmp_path, i, url, identity, idle=2))
        held = Foreign(url)
        channels = {
            (m, c.address): pki.secure_channel(c.address, members[m], role="coordinator", name="sttg")
            for m in inputs
            for c in started
        }
        deadline = time.monotonic() + 240

        def send(member: str, request: pb.SubmitBatchRequest, rng: random.Random) -> pb.SubmitBatchResponse:
            while True:
                address = rng.choice(started).address
                try:
                    return pb_grpc.CoordinatorStub(channels[(member, address)]).SubmitBatch(request, timeout=4)
                except grpc.RpcError as exc:
                    if exc.code() not in TRANSIENT or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

        def member_run(member: str, seed: int) -> None:
            rng = random.Random(seed)
            try:
                recs = inputs[member]
                for i in range(0, len(recs), 6):
                    request = signed_batch(members[member], *[submission(r) for r in recs[i : i + 6]])
                    if rng.random() < 0.25:
                        with ThreadPoolExecutor(2) as pool:
                            replies = list(pool.map(lambda _x: send(member, request, random.Random(rng.random())), range(2)))
                        # Both acknowledge every submission with the same record; at most
                        # one of the two stored any of them.
                        assert [a.record_id for a in replies[0].acks] == [a.record_id for a in replies[1].acks]
                        assert not any(not a.duplicate and not b.duplicate for a, b in zip(replies[0].acks, replies[1].acks))
                    else:
                        replies = [send(member, request, rng)]
                    with lock:
                        for ack in replies[0].acks:
                            acked[ack.submission_id] = ack.record_id
                        progress[0] += 1
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=member_run, args=(m, n)) for n, m in enumerate(inputs)]
        for t in threads:
            t.start()
        while progress[0] < 4 and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
        # Stopped while it holds the write lock (or, failing that, any time).
        watcher = sa.create_engine(url, poolclass=sa.pool.NullPool)
        caught = False
        with watcher.connect() as conn:
            until = time.monotonic() + 20
            while not caught and time.monotonic() < until:
                caught = bool(conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                    f" WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'coord-0'"
                    " AND a.datname = current_database()"
                    f" AND (l.classid::bigint << 32) + l.objid::bigint = {WRITE_LOCK}"
                ).scalar())
                conn.rollback()
                if caught:
                    started[0].process.send_signal(signal.SIGSTOP)
        if not caught:
            started[0].process.send_signal(signal.SIGSTOP)
        watcher.dispose()
        at_stop = progress[0]
        time.sleep(6)
        during_stop = progress[0] - at_stop
        started[0].process.send_signal(signal.SIGCONT)
        for t in threads:
            t.join(300)
        assert not errors, errors
        # The others went on while it was stopped: its lock did not stay held.
        assert during_stop > 0, f"no batch stored in 6 s while a process was stopped (caught holding the lock: {caught})"
        for channel in channels.values():
            channel.close()
    finally:
        if held is not None:
            held.end(True)
        for c in started:
            if c.process.poll() is None:
                c.process.send_signal(signal.SIGCONT)
            c.stop()

    expected = {r.record_id: r for recs in inputs.values() for r in recs}
    assert acked == {f"sub-{rid}": rid for rid in expected}
    store = SharedStore(url)
    try:
        with store.read() as conn:
            stored = [r for (r,) in conn.execute(sa.select(records.c.record_id))]
            assert sorted(stored) == sorted(expected)
            assert conn.execute(sa.select(sa.func.count()).select_from(submissions)).scalar() == len(expected)
            assert conn.execute(sa.text("SELECT count(*) FROM record_tokens")).scalar() == len(expected)
            assert conn.execute(sa.text("SELECT count(*) FROM tokens")).scalar() == sum(len(r.tokens) for r in expected.values())
        assert _state(store) == (ref_pairs, ref_clusters)
        report = AuditLog(store, tmp_path / "audit.head").verify()
        assert report.ok, str(report)
    finally:
        store.close()
        drop_postgres_store(url)


class _StallingRows(list[tuple[Any, ...]]):
    """Rows whose iteration stops for ``pause`` seconds after the first (the writer
    stalled mid-COPY: a stopped process, a long pause of the host)."""

    def __init__(self, rows: list[tuple[Any, ...]], pause: float) -> None:
        super().__init__(rows)
        self.pause = pause

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for i, row in enumerate(list.__iter__(self)):
            if i == 1:
                time.sleep(self.pause)
            yield row


def _lock_held(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                f" AND (classid::bigint << 32) + objid::bigint = {WRITE_LOCK}"
            ).scalar()
        )


def test_a_writer_stalled_in_the_middle_of_a_copy_under_the_write_lock_loses_the_lock(stores: list[SharedStore]) -> None:
    # In the middle of a COPY the server waits for the client's data: the session is
    # active, not idle in its transaction, the server acts on no statement timeout while
    # it waits for the client, and a stopped process's kernel still answers keepalive
    # probes, so no session limit ends it (before the watchdog, the lock stayed held for
    # the whole 6 s stall, and would for as long as the process stayed stopped). Another
    # serving process ends the stalled session about the idle limit after its statement
    # began: the lock comes free, the others go on, and the stalled writer's rows are
    # rolled back and it hears a store failure (UNAVAILABLE: its caller resends).
    url = require_postgres()
    store = SharedStore(url, timeouts=SessionTimeouts(idle_in_transaction=1.0))
    watching = SharedStore(url, serving=True, timeouts=SessionTimeouts(idle_in_transaction=1.0))
    observer = sa.create_engine(url, poolclass=sa.pool.NullPool)
    rows = _StallingRows([(f"ra-{i}", f"rb-{i}", "alpha", "beta", 1.0, "phone") for i in range(3)], pause=6.0)

    def stalled_write() -> None:
        with store.write() as conn:  # a withdrawal's or a checkpoint's: the lock first
            bulk_insert(conn, pairs, PAIR_COLUMNS, rows)

    try:
        thread, out = in_thread(stalled_write)
        deadline = time.monotonic() + 10
        while not _lock_held(observer):
            assert time.monotonic() < deadline, "the writer never took the lock"
            time.sleep(0.02)
        began = time.monotonic()
        while _lock_held(observer) and time.monotonic() - began < 5.0:
            time.sleep(0.05)
        freed_after = time.monotonic() - began
        assert freed_after < 4.0, f"a writer stalled mid-COPY kept the write lock {freed_after:.1f} s"
        with watching.write() as conn:  # another process's serial part proceeds
            conn.exec_driver_sql("SELECT 1")
        thread.join(30)
        assert isinstance(out[0], sa.exc.DBAPIError), out
        assert type(store.failure(out[0])) is StoreError
        with observer.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM pairs").scalar() == 0
    finally:
        observer.dispose()
        watching.close()
        store.close()



def _grouped_batch(member: str, n: int, per: int, group: int) -> list[SharedRecord]:
    """``n`` records of ``per`` tokens each; token j groups the records by a permutation of
    its own into groups of ``group``, so each token is held by few records (it keeps its
    weight) and each record shares tokens with many different others."""
    perms = [random.Random(j).sample(range(n), n) for j in range(per)]
    return [
        record(member, f"{member}-{i:05d}", tuple(tok(("email", "phone")[j % 2], f"g{j}-{perms[j][i] // group}") for j in range(per)))
        for i in range(n)
    ]


def test_a_batch_whose_match_step_computes_longer_than_the_idle_limit_is_still_stored(
    stores: list[SharedStore], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Two members' batches of 400 ordinary records (16 tokens each, every token held by
    # 19 records of each member): the second one's candidate pairs with the first (tens
    # of thousands) are scored under the write lock, seconds of Python between two
    # statements on this machine. A limit meant for stopped processes must not end a
    # process that is working: the batch must be stored, on the first try or a resend.
    url = require_postgres()
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    service = _service(url, idle=1.0)
    try:
        _submit(service, alpha, _grouped_batch("alpha", 400, 16, 19))
        second = _grouped_batch("beta", 400, 16, 19)
        for _attempt in range(2):  # the node's resend after UNAVAILABLE
            try:
                acks = _submit(service, beta, second)
                break
            except sa.exc.DBAPIError as exc:
                assert type(service.store.failure(exc)) is StoreError
        else:
            pytest.fail("the batch was refused on every try")
        assert len(acks) == 400
    finally:
        _close(service)


# ------------------------------------------------------------------ the match step's budget


def _dense(member: str, prefix: str, n: int, labels: list[str]) -> list[SharedRecord]:
    """``n`` records of ``member`` each holding every token of ``labels``."""
    return [record(member, f"{prefix}-{i}", tuple(tok("phone", label) for label in labels)) for i in range(n)]


def _waiting_for_lock(engine: sa.Engine, n: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        with engine.connect() as conn:
            if lock_waits(conn).get("advisory", 0) >= n:
                return
        assert time.monotonic() < deadline, "the intake never reached the write lock"
        time.sleep(0.02)


def test_a_hostile_batch_over_the_match_budget_is_refused_without_the_write_lock_and_honest_batches_go_on(
    stores: list[SharedStore], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # A member's batch of records holding many tokens that many stored records share
    # makes the match step score every pair of their holders, under the write lock, while
    # every other member's intake waits (seconds, for a batch far larger than this test's
    # scaled-down budget). Over the budget it is refused (RESOURCE_EXHAUSTED naming
    # submissions, nothing stored) before the lock: refused while another session holds
    # the lock, and an honest batch grouped into one transaction with it is stored.
    url = require_postgres()
    beta, mallory, gamma = (make_identity("member", m) for m in ("beta", "mallory", "gamma"))
    service = _service(url, idle=60.0)
    service.engine.max_batch_pairs = 500
    # 15 tokens, each held by 40 records of beta (one token each: no pairs among them).
    for half in range(2):
        _submit(service, beta, [
            record("beta", f"b{j}-{i}", (tok("phone", f"t{j}"),)) for j in range(15) for i in range(40) if i % 2 == half
        ])
    hostile = [record("mallory", "m-0", tuple(tok("phone", f"t{j}") for j in range(15)))]  # 600 candidate pairs
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK})")
            holder.commit()
            with pytest.raises(MatchBudgetExceeded) as refused:
                _submit(service, mallory, hostile)  # while the lock is held by someone else
            # An honest batch waits for the lock; a hostile and an honest one queue behind
            # it and are grouped into the next transaction.
            first, first_out = in_thread(lambda: _submit(service, gamma, [record("gamma", "g1", (tok("phone", "t0"),))]))
            _waiting_for_lock(engine, 1)
            bad, bad_out = in_thread(lambda: _submit(service, mallory, hostile))
            second, second_out = in_thread(lambda: _submit(service, gamma, [record("gamma", "g2", (tok("phone", "t1"),))]))
            deadline = time.monotonic() + 30
            while len(service._intake_queue) < 2:
                assert time.monotonic() < deadline, "the batches never queued"
                time.sleep(0.02)
            holder.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK})")
            holder.commit()
            for thread in (first, bad, second):
                thread.join(60)
                assert not thread.is_alive()
        assert str(refused.value).startswith("submissions: "), str(refused.value)
        assert "600 candidate pairs" in str(refused.value)
        assert isinstance(bad_out[0], MatchBudgetExceeded), repr(bad_out[0])
        for out in (first_out, second_out):
            assert not isinstance(out[0], BaseException), repr(out[0])
            assert [a.duplicate for a in out[0]] == [False]
        assert service.store.get_record("m-0") is None
        assert _counts(url) == (602, 602)
        matched = {(a, b) for a, b, _s in service.engine.pairs()}
        assert not any("m-0" in pair for pair in matched)
        assert service.store.get_record("g1") is not None and service.store.get_record("g2") is not None
    finally:
        engine.dispose()
        _close(service)


def test_holders_committed_after_the_budget_check_are_bounded_under_the_lock(stores: list[SharedStore]) -> None:
    # The check before the lock counts the holders committed then; holders committed
    # between it and the lock (another process's batch) are counted again under the lock,
    # before any pair is scored: the batch is refused, and rolled back whole.
    require_postgres()
    hostile_engine = MatchEngine(stores[0], max_batch_pairs=2_000)
    other_engine = MatchEngine(stores[1], max_batch_pairs=2_000)
    hostile = {"m-0": prepare_tokens("m-0", "mallory", [tok("phone", f"late{j}") for j in range(40)], 1)}
    # 40 tokens, each held by 10 records of 10 members: 40 * C(10, 2) = 1,800 pairs, and
    # with the hostile record 40 * 10 more.
    others = [(f"o{j}-{i}", f"member{i}", [tok("phone", f"late{j}")]) for j in range(40) for i in range(10)]
    with pytest.raises(MatchBudgetExceeded) as refused:
        with stores[0].write(serial=False) as conn:
            hostile_engine.stage_rows(conn, hostile)
            hostile_engine.check_budget(conn, hostile, [hostile.keys()])  # nothing stored yet: passes
            other_engine.ingest(others)
            hostile_engine.match_rows(conn, hostile)
    assert "2200 candidate pairs" in str(refused.value)
    with stores[2].read() as conn:
        held = {rid for (rid,) in conn.exec_driver_sql("SELECT DISTINCT record_id FROM tokens")}
    assert held == {rid for rid, _m, _t in others}
