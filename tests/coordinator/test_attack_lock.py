"""Attacks on intake storing its rows before the PostgreSQL write lock (the lock held only
for the match step, events and audit), on a real PostgreSQL.

Each "process" is its own SharedStore (its own connection pool, so its own database
sessions) and match engine, as separate processes build them; the test drives their
transactions step by step from one thread, so hypothesis chooses the interleaving:
which transaction stages its rows when, which takes the lock, which commits or rolls
back, when a process starts (its key filter built from the table while others' rows are
uncommitted) and when a committed record is withdrawn. Whatever the interleaving, pairs,
clusters and every match change each transaction reports must equal one engine running
the committed transactions one after the other in commit order: a pair missed (a filter
that skipped a stored key, a lookup that ran before another's commit), doubled, or made
with a rolled-back record fails.
"""

from __future__ import annotations

import json
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.checkpoints import KIND as CHECKPOINT
from msin_fed.coordinator.matching import MatchChange, MatchEngine, prepare_tokens
from msin_fed.coordinator.service import Caller, CoordinatorService, Submission
from msin_fed.coordinator.store import SharedStore, metadata
from msin_fed.coordinator.store import postings as P
from msin_fed.coordinator.store.codec import record_values
from msin_fed.coordinator.store.engine import WRITE_LOCK
from msin_fed.coordinator.store.shared import WriteStats

from msin_fed import pki
from msin_fed.checkpoint import Checkpoint
from msin_fed.errors import ValidationError
from msin_fed.model import SharedRecord
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import event_body_from_bytes, record_from_bytes, record_parts_from_bytes, sign_batch

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
from .test_multi_process import Coordinator

pytestmark = pytest.mark.postgres

PROCESSES = 3
#: Few values per kind, so that most records of a run share a token with another.
POOL = {"phone": 8, "email": 6, "vehicle": 5}


@pytest.fixture
def stores() -> Iterator[list[SharedStore]]:
    """The processes' stores, kept across a test's examples (each example empties the
    tables and starts new engines, so every filter is built afresh)."""
    url = require_postgres()
    drop_postgres_store(url)
    made = [SharedStore(url) for _ in range(PROCESSES)]
    yield made
    for store in made:
        store.close()
    drop_postgres_store(url)


def _empty(store: SharedStore) -> None:
    with store.write() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)}")


def _key(change: MatchChange) -> tuple[Any, ...]:
    v = change.view
    return (change.change, v.record_id, v.member_id, tuple(sorted(v.other_members)), tuple(sorted(v.kinds)), round(v.score, 6))


def _state(store: SharedStore) -> tuple[dict[tuple[str, str], float], set[frozenset[str]]]:
    with store.read() as conn:
        pairs = {(a, b): round(s, 6) for a, b, s in P.all_pairs(conn)}
    return pairs, {frozenset(c.record_ids) for c in store.clusters()}


@dataclass
class Tx:
    """One intake transaction of one process, driven a step at a time."""

    proc: int
    batch: list[SharedRecord]
    stack: ExitStack = field(default_factory=ExitStack)
    conn: Any = None
    state: str = "new"  # new, staged, locked, committed, rolled back
    changes: list[MatchChange] = field(default_factory=list)


class Run:
    """Three processes' stores and engines; engines start on a process's first write."""

    def __init__(self, stores: list[SharedStore]) -> None:
        self.stores = stores
        self.engines: list[MatchEngine | None] = [None] * PROCESSES
        self.open: dict[int, Tx] = {}  # process -> its open transaction
        self.locked: Tx | None = None
        #: What committed, in order: ("ingest", batch, changes) or ("withdraw", id, changes)
        self.log: list[tuple[str, Any, list[MatchChange]]] = []

    def engine(self, proc: int) -> MatchEngine:
        found = self.engines[proc]
        if found is None:
            found = self.engines[proc] = MatchEngine(self.stores[proc])
        return found

    def stage(self, tx: Tx) -> None:
        store = self.stores[tx.proc]
        tx.conn = tx.stack.enter_context(store.write(serial=False))
        store.insert_record_rows(tx.conn, sorted(record_values(r) for r in tx.batch))
        self.engine(tx.proc).stage_rows(tx.conn, self._prepared(tx))
        tx.state = "staged"
        self.open[tx.proc] = tx

    def match(self, tx: Tx) -> None:
        tx.changes = self.engine(tx.proc).match_rows(tx.conn, self._prepared(tx))
        tx.state = "locked"
        self.locked = tx

    def end(self, tx: Tx, commit: bool) -> None:
        if commit:
            tx.stack.close()
            tx.state = "committed"
            self.log.append(("ingest", tx.batch, tx.changes))
        else:
            tx.stack.__exit__(RuntimeError, RuntimeError("rolled back"), None)
            tx.state = "rolled back"
        del self.open[tx.proc]
        if self.locked is tx:
            self.locked = None

    def withdraw(self, proc: int, record_id: str) -> None:
        changes = self.engine(proc).withdraw(record_id)
        self.log.append(("withdraw", record_id, changes))

    @staticmethod
    def _prepared(tx: Tx) -> dict[str, Any]:
        return {r.record_id: prepare_tokens(r.record_id, r.member_id, r.tokens, 1) for r in tx.batch}

    def close(self) -> None:
        for tx in list(self.open.values()):
            tx.stack.__exit__(RuntimeError, RuntimeError("abandoned"), None)


def _serial(log: Sequence[tuple[str, Any, list[MatchChange]]]) -> tuple[list[list[tuple[Any, ...]]], Any]:
    """Each committed step's changes and the final state, of one engine running them in order."""
    store = SharedStore("sqlite://")
    try:
        engine = MatchEngine(store)
        out = []
        for kind, what, _changes in log:
            if kind == "ingest":
                changes = engine.ingest([(r.record_id, r.member_id, r.tokens) for r in what])
            else:
                changes = engine.withdraw(what)
            out.append(sorted(map(_key, changes)))
        return out, _state(store)
    finally:
        store.close()


@st.composite
def batches(draw: st.DrawFn) -> list[tuple[int, list[SharedRecord]]]:
    """(process, batch) of two or three members' records sharing tokens within and across batches."""
    out = []
    n = 0
    for b in range(draw(st.integers(2, 6))):
        proc = draw(st.integers(0, PROCESSES - 1))
        batch = []
        for _ in range(draw(st.integers(1, 4))):
            member = draw(st.sampled_from(["alpha", "beta", "gamma"]))
            kinds = draw(st.lists(st.sampled_from(sorted(POOL)), min_size=1, max_size=2, unique=True))
            toks = tuple(tok(k, f"{k}-{draw(st.integers(0, POOL[k] - 1))}") for k in kinds)
            batch.append(record(member, f"{member}-{b}-{n:02d}", toks))
            n += 1
        out.append((proc, batch))
    return out


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=batches(), data=st.data())
def test_any_interleaving_of_staged_intakes_matches_as_one_process_in_commit_order(
    stores: list[SharedStore], plan: list[tuple[int, list[SharedRecord]]], data: st.DataObject
) -> None:
    _empty(stores[0])
    run = Run(stores)
    try:
        txs = [Tx(proc, batch) for proc, batch in plan]
        withdrawn: set[str] = set()
        while any(tx.state in ("new", "staged", "locked") for tx in txs):
            steps: list[tuple[str, Any]] = []
            for tx in txs:
                if tx.state == "new" and tx.proc not in run.open:
                    # Staging weighs most: the races need rows staged while others match.
                    steps += [("stage", tx)] * 4
                elif tx.state == "staged" and run.locked is None:
                    steps += [("match", tx), ("rollback", tx)]
                elif tx.state == "locked":
                    steps += [("commit", tx), ("commit", tx), ("commit", tx), ("rollback", tx)]
            if run.locked is None:
                held = [r.record_id for kind, b, _c in run.log if kind == "ingest" for r in b]
                idle = [p for p in range(PROCESSES) if p not in run.open]
                for rid in held:
                    if rid not in withdrawn and idle:
                        steps.append(("withdraw", rid))
            assert steps, "the schedule is stuck"  # cannot happen: a staged tx can always match
            what, arg = data.draw(st.sampled_from(steps))
            if what == "stage":
                run.stage(arg)
            elif what == "match":
                run.match(arg)
            elif what in ("commit", "rollback"):
                run.end(arg, what == "commit")
            else:
                proc = data.draw(st.sampled_from([p for p in range(PROCESSES) if p not in run.open]))
                run.withdraw(proc, arg)
                withdrawn.add(arg)
        expected_changes, expected_state = _serial(run.log)
        assert [sorted(map(_key, c)) for _k, _w, c in run.log] == expected_changes
        assert _state(run.stores[0]) == expected_state
        # Nothing of a rolled-back transaction is left: no record, no token row, no pair.
        gone = {r.record_id for tx in txs if tx.state == "rolled back" for r in tx.batch}
        if gone:
            with run.stores[0].read() as conn:
                for table in ("records", "tokens", "record_tokens", "cluster_of"):
                    left = conn.execute(
                        sa.text(f"SELECT count(*) FROM {table} WHERE record_id = ANY(:ids)"), {"ids": sorted(gone)}
                    ).scalar()
                    assert left == 0, table
    finally:
        run.close()


# ------------------------------------------------------------------ real processes


def _sessions_waiting(url: str, advisory: int, on_rows: int = 0, timeout: float = 60) -> None:
    """Until ``advisory`` sessions wait for an advisory lock and ``on_rows`` for another
    transaction's rows (a unique key it stored, uncommitted)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                waits = lock_waits(conn)
            if waits.get("advisory", 0) >= advisory and waits.get("transactionid", 0) >= on_rows:
                return
            assert time.monotonic() < deadline, f"sessions never reached their waits: {waits}"
            time.sleep(0.05)
    finally:
        engine.dispose()


def _wait_until_checkpointed(url: str, timeout: float = 60) -> None:
    """Until a checkpoint covers the audit chain's head (no process has news to sign)."""
    store = SharedStore(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with store.read() as conn:
                body = SharedStore.last_event_body(conn, "*", CHECKPOINT)
            last = None if body is None else event_body_from_bytes(CHECKPOINT, body)
            assert last is None or isinstance(last, Checkpoint)
            done = 0 if last is None else int(last.entry_seq)
            if done >= store.audit_head_seq():
                return
            assert time.monotonic() < deadline, "no checkpoint covered the audit head"
            time.sleep(0.05)
    finally:
        store.close()


class _HeldWriteLock:
    """The test holding the write lock (as another process's serial part would), so that
    the intakes under test stop with their rows stored and uncommitted."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.conn: sa.Connection | None = self.engine.connect()
        self.conn.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK})")
        self.conn.commit()

    def release(self) -> None:
        if self.conn is not None:
            self.conn.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK})")
            self.conn.commit()
            self.conn.close()
            self.conn = None
            self.engine.dispose()


def test_a_process_killed_with_its_rows_staged_and_waiting_for_the_lock_loses_and_doubles_nothing(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Process 0 stores alpha's batch (records, submissions, token rows) and waits for the
    # lock, held here. The node's resend of the same batch reaches process 1, whose insert
    # waits on process 0's uncommitted ids. Process 0 is SIGKILLed there, between its
    # inserts and the lock. Then the lock goes: the dead session rolls back, process 1's
    # insert goes through, and the batch is stored once, acknowledged as new (not as a
    # duplicate of rows that never committed), matched with beta's earlier record,
    # audited once, and the chain verifies against the head file.
    url = require_postgres()
    drop_postgres_store(url)
    SharedStore(url).close()
    coordinator = make_identity("coordinator", "sttg")
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    early = record("beta", "b-early", (tok("phone", "07700 900777"), tok("email", "b@example.org")))
    batch = [record("alpha", "a-0", (tok("phone", "07700 900777"),))]
    batch += [record("alpha", f"a-{i}", (tok("phone", f"0770 {i}"), tok("email", "b@example.org"))) for i in (1, 2)]
    batch += [record("alpha", f"a-{i}", (tok("phone", f"0771 {i}"),)) for i in (3, 4, 5)]
    procs = [Coordinator(tmp_path, i, url, coordinator) for i in range(2)]
    held: _HeldWriteLock | None = None
    try:
        stubs = {
            (m, i): pb_grpc.CoordinatorStub(pki.secure_channel(p.address, ident, role="coordinator", name="sttg"))
            for m, ident in (("alpha", alpha), ("beta", beta))
            for i, p in enumerate(procs)
        }
        stubs["beta", 1].SubmitBatch(signed_batch(beta, submission(early)), timeout=30)
        request = signed_batch(alpha, *[submission(r) for r in batch])
        # Until beta's entry is checkpointed a checkpoint tick would wait for the lock
        # held below, and be taken for process 0's intake waiting there.
        _wait_until_checkpointed(url)
        held = _HeldWriteLock(url)
        outs: dict[int, Any] = {}

        def send(i: int) -> None:
            try:
                outs[i] = stubs["alpha", i].SubmitBatch(request, timeout=90)
            except grpc.RpcError as exc:
                outs[i] = exc

        first = threading.Thread(target=send, args=(0,))
        first.start()
        _sessions_waiting(url, advisory=1)
        second = threading.Thread(target=send, args=(1,))
        second.start()
        _sessions_waiting(url, advisory=1, on_rows=1)
        procs[0].kill()
        first.join(30)
        assert isinstance(outs[0], grpc.RpcError) and outs[0].code() == grpc.StatusCode.UNAVAILABLE
        held.release()
        second.join(90)
        reply = outs[1]
        assert not isinstance(reply, grpc.RpcError), f"{reply.code().name}: {reply.details()}"
        assert [(a.record_id, a.duplicate) for a in reply.acks] == [(r.record_id, False) for r in batch]
    finally:
        if held is not None:
            held.release()
        for p in procs:
            p.stop() if p.process.poll() is None else p.stderr.close()
    store = SharedStore(url)
    try:
        with store.read() as conn:
            for table, n in (("records", 7), ("submissions", 7), ("record_tokens", 7), ("tokens", 10)):
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == n, table
            pairs = {(a, b): round(s, 6) for a, b, s in P.all_pairs(conn)}
            details = conn.execute(sa.text("SELECT detail FROM audit WHERE action = 'intake' ORDER BY seq")).scalars()
            assert [json.loads(d)["records"] for d in details] == [1, 6]
        engine = MatchEngine(SharedStore("sqlite://"))
        engine.ingest([(early.record_id, early.member_id, early.tokens)])
        engine.ingest([(r.record_id, r.member_id, r.tokens) for r in batch])
        assert pairs == {(a, b): round(s, 6) for a, b, s in engine.pairs()}
        assert set(pairs) == {("a-0", "b-early"), ("a-1", "b-early"), ("a-2", "b-early")}
        report = AuditLog(store, tmp_path / "audit.head").verify([])
        assert report.ok, str(report)
    finally:
        store.close()
        drop_postgres_store(url)


# ------------------------------------------------------------------ hostile member


def _oversized(n_tokens: int, **fields: Any) -> bytes:
    values: dict[str, Any] = {
        "record_id": "r-big",
        "member_id": "tesco",
        "narrative": "<PERSON_1> drove the van.",
        "region": "TLK",
        "sector": "growing_picking",
        "exploitation_type": "labour_exploitation",
        "month": "2025-03",
        "grade": pb.Grade(source=1, assessment=pb.ASSESSMENT_A, handling=pb.HANDLING_P),
        "tlp": pb.TLP_AMBER,
    }
    values.update(fields)
    msg = pb.SharedRecord(**values)
    msg.tokens.extend(pb.Token(kind="phone", value=i.to_bytes(64, "big"), epoch=1) for i in range(n_tokens))
    return msg.SerializeToString()


def test_a_record_of_far_too_many_tokens_is_refused_without_holding_them_all() -> None:
    # A member may send one record of ~16 MiB: 230,000 tokens where 512 are allowed. It is
    # refused whatever else it holds, so checking it must not build a Python object per
    # token and keep them (the bulk path built the token tuples and then every Token,
    # twice the Python memory of the record-at-a-time checks: 98 MiB against 49 MiB).
    data = _oversized(230_000)
    assert len(data) > 15 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            record_parts_from_bytes(data)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (refused.value.field, refused.value.problem) == ("tokens", "too many tokens (at most 512)")
    assert peak < 4 * 2**20, f"{peak / 2**20:.0f} MiB of Python objects to refuse one record"


@pytest.mark.parametrize(
    ("n_tokens", "fields", "bad_token_at"),
    [
        (513, {}, None),
        (2000, {"record_id": ""}, None),  # the record's own fields come before the count
        (2000, {"month": "2025-13"}, None),  # and the count before the later fields
        (2000, {}, 0),  # a bad token before all of them
        (2000, {}, 1500),  # a bad token past the 513th
        (2000, {"record_id": ""}, 1999),
    ],
)
def test_an_oversized_record_is_refused_with_the_record_at_a_time_error(
    n_tokens: int, fields: dict[str, Any], bad_token_at: int | None
) -> None:
    data = _oversized(n_tokens, **fields)
    if bad_token_at is not None:
        msg = pb.SharedRecord.FromString(data)
        msg.tokens[bad_token_at].value = b"short"
        data = msg.SerializeToString()
    with pytest.raises(ValidationError) as whole:
        record_from_bytes(data)
    with pytest.raises(ValidationError) as parts:
        record_parts_from_bytes(data)
    assert (parts.value.field, parts.value.problem) == (whole.value.field, whole.value.problem)


def _blocked_by(url: str, pid: int, waiter: threading.Thread, timeout: float = 30) -> bool:
    """Until some session waits for a lock held by backend ``pid`` (True), or the thread
    that would wait has ended (False)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                n = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
                ).scalar()
            if n:
                return True
            if not waiter.is_alive():
                return False
            assert time.monotonic() < deadline, f"nothing ever waited on backend {pid}"
            time.sleep(0.02)
    finally:
        engine.dispose()


def test_a_member_racing_its_own_ids_through_other_processes_cannot_fail_an_honest_batch_stored_with_its_own(
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    # Intake inserts before the lock, so another process may commit one of a group's ids
    # while the group's insert waits on it: the insert fails and the group is written
    # again. A member (mallory) can line up one such commit after another: its batch, in
    # one process's group with alpha's, holds ids its other batches hold, uncommitted, at
    # other processes (here: sessions of the test) that commit one by one as the group
    # waits on each. Alpha did nothing wrong: its batch must be stored and acknowledged,
    # and mallory's acknowledged too (the ids stored elsewhere as duplicates), however
    # many of its ids come in late, not the whole group failed UNAVAILABLE after three
    # tries (which had alpha's node back off and resend, as often as mallory liked).
    url = require_postgres()
    drop_postgres_store(url)
    store = SharedStore(url)
    service = CoordinatorService(store)
    alpha, mallory = make_identity("member", "alpha"), make_identity("member", "mallory")
    callers = {
        m: Caller("member", m, bytes(ident.signing_key.verify_key))
        for m, ident in (("alpha", alpha), ("mallory", mallory))
    }
    late = [f"s-{i}" for i in range(4)]  # mallory's ids its "other processes" hold
    m_recs = [record("mallory", f"m-{i}", (tok("phone", f"m{i}"),)) for i in range(6)]
    m_subs = [Submission(late[i] if i < len(late) else f"s-m{i}", submission(r).record) for i, r in enumerate(m_recs)]
    a_recs = [record("alpha", f"a-{i}", (tok("phone", f"a{i}"),)) for i in range(3)]
    a_subs = [Submission(f"t-a{i}", submission(r).record) for i, r in enumerate(a_recs)]
    first_subs = [Submission("u-first", submission(record("alpha", "a-first")).record)]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    others = [engine.connect() for _ in late]
    held: _HeldWriteLock | None = None
    try:
        for conn, sid in zip(others, late, strict=True):  # uncommitted, as another process's staged batch
            conn.exec_driver_sql(
                "INSERT INTO submissions (submission_id, member_id, record_id) VALUES (%s, 'mallory', %s)",
                (sid, f"m-{late.index(sid)}"),
            )
        pids = [int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()) for c in others]
        held = _HeldWriteLock(url)
        # A first batch takes the writer and waits for the lock, so that alpha's and
        # mallory's batches queue behind it and are written as one group.
        first, first_out = in_thread(lambda: service.submit_batch(callers["alpha"], first_subs, sign_batch(first_subs, alpha.signing_key)))
        _sessions_waiting(url, advisory=1)
        a_thread, a_out = in_thread(lambda: service.submit_batch(callers["alpha"], a_subs, sign_batch(a_subs, alpha.signing_key)))
        m_thread, m_out = in_thread(lambda: service.submit_batch(callers["mallory"], m_subs, sign_batch(m_subs, mallory.signing_key)))
        deadline = time.monotonic() + 30
        while len(service._intake_queue) < 2:  # both queued behind the first
            assert time.monotonic() < deadline, "the batches never queued"
            time.sleep(0.01)
        held.release()
        first.join(30)
        assert not isinstance(first_out[0], BaseException), first_out
        for conn, pid in zip(others, pids, strict=True):
            if not _blocked_by(url, pid, a_thread):  # the group's insert waits on this id...
                break  # (the group gave up)
            conn.commit()  # ...which "the other process" commits: the insert fails
        a_thread.join(60)
        m_thread.join(60)
        assert not isinstance(a_out[0], BaseException), a_out
        assert [(a.record_id, a.duplicate) for a in a_out[0]] == [(r.record_id, False) for r in a_recs]
        assert not isinstance(m_out[0], BaseException), m_out
        assert [a.duplicate for a in m_out[0]] == [True] * len(late) + [False] * (len(m_recs) - len(late))
        assert store.owner_of("a-2") == "alpha" and store.owner_of("m-5") == "mallory"
    finally:
        if held is not None:
            held.release()
        for conn in others:
            conn.close()
        engine.dispose()
        store.close()
        drop_postgres_store(url)



def test_a_subscriber_reading_while_two_processes_commit_never_misses_an_event_and_the_chain_has_one_head(
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    # Two processes' services take matching batches of two members as fast as they can
    # (their rows going in while the other holds the lock); a subscriber polls alpha's
    # events meanwhile, resuming from the last cursor it read, as a stream does. A cursor
    # taken before the lock, or a commit out of cursor order, would let it read past an
    # event that commits later: it must end with every event of the store, once, in
    # order. The audit chain must be one chain: sequence numbers without a gap or a
    # repeat, each entry following the one before.
    url = require_postgres()
    drop_postgres_store(url)
    stores = [SharedStore(url), SharedStore(url)]
    services = [CoordinatorService(s) for s in stores]
    idents = {m: make_identity("member", m) for m in ("alpha", "beta")}
    callers = {m: Caller("member", m, bytes(i.signing_key.verify_key)) for m, i in idents.items()}
    failures: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    def submit(k: int) -> None:
        member = ("alpha", "beta")[k]
        try:
            for b in range(12):
                recs = [record(member, f"{member}-{b}-{i}", (tok("phone", f"p{(b * 3 + i) % 7}"),)) for i in range(4)]
                subs = [Submission(f"s-{member}-{b}-{i}", submission(r).record) for i, r in enumerate(recs)]
                services[k].submit_batch(callers[member], subs, sign_batch(subs, idents[member].signing_key))
        except BaseException as exc:
            failures.append(exc)

    def follow() -> None:
        reader = SharedStore(url)
        try:
            cursor = 0
            while True:
                final = stop.is_set()
                for ev in reader.events_after("alpha", cursor):
                    seen.append(ev.event.cursor)
                    cursor = ev.event.cursor
                if final:
                    return
        except BaseException as exc:
            failures.append(exc)
        finally:
            reader.close()

    threads = [threading.Thread(target=submit, args=(k,)) for k in (0, 1)]
    follower = threading.Thread(target=follow)
    try:
        follower.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        stop.set()
        follower.join(60)
        assert not failures, failures
        everything = [ev.event.cursor for ev in stores[0].events_after("alpha", 0, limit=1_000_000)]
        assert len(everything) > 20  # the batches matched each other
        assert seen == everything
        with stores[0].read() as conn:
            chain = conn.execute(sa.text("SELECT seq, prev_hash, hash FROM audit ORDER BY seq")).all()
        assert [seq for seq, _p, _h in chain] == list(range(1, len(chain) + 1))
        assert all(prev == before for (_s, prev, _h), (_s2, _p2, before) in zip(chain[1:], chain, strict=False))
        assert len(chain) >= 24
    finally:
        stop.set()
        for s in stores:
            s.close()
        drop_postgres_store(url)


def _event(record_id: str) -> Any:
    from msin_fed.model.events import MatchChange as Change
    from msin_fed.model.events import MatchEvent

    return MatchEvent(record_id, "c-1", 1, ("phone",), 12.0, Change.NEW)


def test_an_intake_appending_events_while_another_holds_uncommitted_ones_waits_so_no_cursor_is_read_past() -> None:
    # Two intake transactions (serial=False: their rows went in without the lock) append
    # match events for alpha. The first has taken its cursor and not committed. If the
    # second could take a higher cursor and commit first, a subscriber reading then would
    # resume past the first's cursor and never get its event. So the second waits (for
    # the write lock) until the first commits, and the subscriber reads both, in order.
    url = require_postgres()
    drop_postgres_store(url)
    one, two = SharedStore(url), SharedStore(url)
    try:
        with ExitStack() as first:
            conn = first.enter_context(one.write(serial=False))
            one.append_events(conn, [("alpha", None, _event("a-1"))])

            def second() -> None:
                with two.write(serial=False) as c:
                    two.append_events(c, [("alpha", None, _event("a-2"))])

            thread, out = in_thread(second)
            deadline = time.monotonic() + 30
            while thread.is_alive():
                with one.read() as r:
                    waiting = r.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'"
                        " AND datname = current_database()"
                    ).scalar()
                if waiting:
                    break
                assert time.monotonic() < deadline
                time.sleep(0.02)
            read_meanwhile = [e.event.body.record_id for e in one.events_after("alpha", 0)]
            assert read_meanwhile == [], "the second committed before the first"
        thread.join(30)
        assert out == [None], out
        read = one.events_after("alpha", 0)
        assert [e.event.body.record_id for e in read] == ["a-1", "a-2"]
        assert read[0].event.cursor < read[1].event.cursor
    finally:
        one.close()
        two.close()
        drop_postgres_store(url)


@st.composite
def resends(draw: st.DrawFn) -> tuple[list[SharedRecord], list[list[list[int]]]]:
    """Records of alpha and beta sharing tokens, and per process the batches it is sent:
    subsets of the records (so of their submission ids), overlapping across processes."""
    n = draw(st.integers(4, 14))
    recs = [
        record(("alpha", "beta")[i % 2], f"{('alpha', 'beta')[i % 2]}-{i:02d}", (tok("phone", f"p{draw(st.integers(0, 4))}"),))
        for i in range(n)
    ]
    plans = []
    for _ in range(PROCESSES):
        batches = []
        for _b in range(draw(st.integers(1, 3))):
            member = draw(st.integers(0, 1))
            mine = [i for i in range(n) if i % 2 == member]
            batches.append(draw(st.lists(st.sampled_from(mine), min_size=1, max_size=len(mine), unique=True)))
        plans.append(batches)
    return recs, plans


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=resends())
def test_overlapping_resends_to_three_processes_at_once_store_each_once_and_every_call_acknowledges(
    stores: list[SharedStore], make_identity: Callable[[str, str], pki.Identity], case: tuple[list[SharedRecord], list[list[list[int]]]]
) -> None:
    # Nodes resend what they have not seen acknowledged, to whichever process answers:
    # the same submission ids reach several processes at once, in batches that overlap
    # in any way. Every call must be acknowledged (no error, no retry needed), every
    # submission with its record id, stored by exactly one call (duplicate=False there,
    # True in every other), and the store must hold each record once, matched as one
    # process would.
    recs, plans = case
    _empty(stores[0])
    services = [CoordinatorService(s) for s in stores]
    idents = {m: make_identity("member", m) for m in ("alpha", "beta")}
    callers = {m: Caller("member", m, bytes(i.signing_key.verify_key)) for m, i in idents.items()}
    subs = [Submission(f"s-{r.record_id}", submission(r).record) for r in recs]
    results: list[tuple[list[int], Any]] = []
    for s in stores:
        s.write_stats.setdefault("intake", WriteStats())
    rolled_before = sum(s.write_stats["intake"].transactions - s.write_stats["intake"].committed for s in stores)

    def send(k: int) -> None:
        for batch in plans[k]:
            member = recs[batch[0]].member_id
            chosen = [subs[i] for i in batch]
            try:
                acks: Any = services[k].submit_batch(callers[member], chosen, sign_batch(chosen, idents[member].signing_key))
            except BaseException as exc:
                acks = exc
            results.append((batch, acks))

    threads = [threading.Thread(target=send, args=(k,)) for k in range(PROCESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    failed = [acks for _b, acks in results if isinstance(acks, BaseException)]
    assert not failed, failed
    retried = sum(s.write_stats["intake"].transactions - s.write_stats["intake"].committed for s in stores) - rolled_before
    event(f"intake transactions rolled back and written again: {min(retried, 3)}{'+' if retried > 3 else ''}")
    stored_by: dict[int, int] = {}
    for batch, acks in results:
        assert [a.record_id for a in acks] == [recs[i].record_id for i in batch]
        for i, ack in zip(batch, acks, strict=True):
            if not ack.duplicate:
                stored_by[i] = stored_by.get(i, 0) + 1
    sent = {i for batch, _a in results for i in batch}
    assert stored_by == dict.fromkeys(sent, 1)
    with stores[0].read() as conn:
        for table in ("records", "submissions", "record_tokens", "tokens"):
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == len(sent), table
    serial = SharedStore("sqlite://")
    try:
        MatchEngine(serial).ingest([(recs[i].record_id, recs[i].member_id, recs[i].tokens) for i in sorted(sent)])
        assert _state(stores[0]) == _state(serial)
    finally:
        serial.close()
