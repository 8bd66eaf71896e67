"""Intake stores its rows before taking the PostgreSQL write lock, and holds the lock only
for the match step, events and audit: the races that opens, played out on a real server.

Each "process" here is its own SharedStore (its own connection pool, so its own database
sessions) and match engine or service, as separate processes build them;
tests/coordinator/test_multi_process.py runs real processes. Interleavings are forced
rather than hoped for: transactions are driven step by step, or the test holds the write
lock itself while the intakes under test reach it, and watches ``pg_stat_activity`` to
know each is waiting where the race needs it.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

import numpy as np
import pytest
import sqlalchemy as sa
from msin_fed.coordinator.matching import MatchEngine, RecordTokens, prepare_tokens
from msin_fed.coordinator.service import Caller, CoordinatorService, Submission
from msin_fed.coordinator.store import SharedStore, record_tokens, records, submissions
from msin_fed.coordinator.store import postings as P
from msin_fed.coordinator.store.codec import record_values, token_key
from msin_fed.coordinator.store.engine import WRITE_LOCK

from msin_fed import pki
from msin_fed.model import SharedRecord, Token
from msin_fed.wire import sign_batch

from .conftest import drop_postgres_store, in_thread, lock_waits, record, require_postgres, submission, tok

pytestmark = pytest.mark.postgres


@pytest.fixture
def url() -> Iterator[str]:
    url = require_postgres()
    drop_postgres_store(url)
    yield url
    drop_postgres_store(url)


def _prepared(recs: Sequence[SharedRecord]) -> dict[str, RecordTokens]:
    return {r.record_id: prepare_tokens(r.record_id, r.member_id, r.tokens, 1) for r in recs}


def _state(store: SharedStore) -> tuple[dict[tuple[str, str], float], set[frozenset[str]]]:
    with store.read() as conn:
        pairs = {(a, b): round(s, 6) for a, b, s in P.all_pairs(conn)}
    return pairs, {frozenset(c.record_ids) for c in store.clusters()}


def _serial(batches: Sequence[Sequence[SharedRecord]]) -> tuple[dict[tuple[str, str], float], set[frozenset[str]]]:
    """Pairs and clusters of one engine taking the batches one after the other."""
    store = SharedStore("sqlite://")
    try:
        engine = MatchEngine(store)
        for batch in batches:
            engine.ingest([(r.record_id, r.member_id, r.tokens) for r in batch])
        return _state(store)
    finally:
        store.close()


def _batches(seed: int, n_batches: int, size: int, pool: int = 12) -> list[list[SharedRecord]]:
    """Batches of two members whose records share tokens across batches and within them."""
    rng = random.Random(seed)
    out = []
    for b in range(n_batches):
        member = ("alpha", "beta")[b % 2]
        batch = []
        for i in range(size):
            kinds = rng.sample(["phone", "email", "vehicle"], rng.choice((1, 2, 2, 3)))
            toks = tuple(tok(k, f"{k}-{rng.randrange(pool)}") for k in kinds)
            batch.append(record(member, f"{member}-{seed}-{b:02d}-{i:02d}", toks))
        out.append(batch)
    return out


class Staged:
    """An intake transaction as the coordinator writes it, driven step by step: opened with
    its records and token rows stored (no write lock yet), then :meth:`match` (the serial
    part, under the lock), then :meth:`commit`."""

    def __init__(self, store: SharedStore, engine: MatchEngine, batch: Sequence[SharedRecord]) -> None:
        self.engine = engine
        self.by_record = _prepared(batch)
        self._tx = ExitStack()
        self.conn = self._tx.enter_context(store.write(serial=False))
        store.insert_record_rows(self.conn, sorted(record_values(r) for r in batch))
        engine.stage_rows(self.conn, self.by_record)

    def match(self) -> None:
        self.engine.match_rows(self.conn, self.by_record)

    def commit(self) -> None:
        self._tx.close()

    def abandon(self) -> None:
        """Roll back, if still open (a failed test must not leave its session behind)."""
        error = RuntimeError("abandoned")
        self._tx.__exit__(RuntimeError, error, None)


def _holds_lock(store: SharedStore) -> bool:
    """Whether some session of the database holds the write lock."""
    with store.read() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                f" AND (classid::bigint << 32) + objid::bigint = {WRITE_LOCK}"
            ).scalar()
        )


@pytest.mark.parametrize("first", ["a", "b"])
def test_two_transactions_staged_at_once_find_each_shared_pair_exactly_once(url: str, first: str) -> None:
    # Both batches' rows are in the table, uncommitted, before either matches. Whichever
    # takes the lock second finds the first's rows (committed by then) and makes every pair
    # across the two batches; the first cannot see the second's and makes none of them.
    # Together: the serial run's pairs and clusters, none missing, none twice.
    one, two = SharedStore(url), SharedStore(url)
    try:
        engines = MatchEngine(one), MatchEngine(two)
        warm = _batches(1, 2, 10)  # stored first, so that both filters hold keys already
        for engine, batch in zip(engines, warm, strict=True):
            engine.ingest([(r.record_id, r.member_id, r.tokens) for r in batch])
        a, b = _batches(2, 2, 15)
        staged = {"a": Staged(one, engines[0], a), "b": Staged(two, engines[1], b)}
        try:
            assert not _holds_lock(one)  # staging took no lock
            order = [first, "b" if first == "a" else "a"]
            for name in order:
                staged[name].match()
                staged[name].commit()
        finally:
            for st in staged.values():
                st.abandon()
        assert _state(one) == _serial([*warm, *({"a": a, "b": b}[n] for n in order)])
        assert len(_state(one)[0]) > 20  # across the batches, within them and with the warm ones
    finally:
        one.close()
        two.close()


def test_keys_committed_between_staging_and_the_lock_are_looked_up(url: str) -> None:
    # The first process sifts its batch's keys against its filter before the lock. A token
    # the second process commits after that sifting, but before the first takes the lock,
    # is caught up on under the lock and looked up: the pair is made, not missed.
    one, two = SharedStore(url), SharedStore(url)
    try:
        first, second = MatchEngine(one), MatchEngine(two)
        first.ingest([("a0", "alpha", [tok("email", "a0")])])
        second.ingest([("b0", "beta", [tok("email", "b0")])])
        staged = Staged(one, first, [record("alpha", "a1", (tok("phone", "shared"),))])
        try:
            second.ingest([("b1", "beta", [tok("phone", "shared")])])  # commits meanwhile
            staged.match()
            staged.commit()
        finally:
            staged.abandon()
        assert [(x, y) for x, y, _s in first.pairs()] == [("a1", "b1")]
    finally:
        one.close()
        two.close()


def test_a_transaction_with_a_smaller_id_committing_after_a_catch_up_is_not_missed(url: str) -> None:
    # Transaction ids are taken in one order and committed in another. The first process
    # stores a token (the smaller id) and stays open; the second stores and commits one
    # (a larger id); the third catches its filter up in between, reading the larger id's
    # rows. When the first then commits, the third's next catching up must still read its
    # token: skip it and the third would take the token for never stored, not look it up
    # and miss the pair.
    one, two, three = SharedStore(url), SharedStore(url), SharedStore(url)
    try:
        first, second, third = MatchEngine(one), MatchEngine(two), MatchEngine(three)
        third.ingest([("c0", "gamma", [tok("email", "c0")])])  # its filter is built
        staged = Staged(one, first, [record("alpha", "a1", (tok("phone", "early"),))])
        try:
            second.ingest([("b1", "beta", [tok("phone", "late")])])  # larger id, committed
            third.ingest([("c1", "gamma", [tok("email", "c1")])])  # catches up: b1's row read
            staged.match()
            staged.commit()
        finally:
            staged.abandon()
        seen = third._stored_keys.seen if third._stored_keys else None
        assert seen is not None
        early = np.array([token_key(tok("phone", "early").value)], dtype=np.int64)
        assert not seen.may_contain(early).any()  # not read while it was in progress
        third.ingest([("c2", "gamma", [tok("phone", "early")])])
        assert [(x, y) for x, y, _s in third.pairs()] == [("a1", "c2")]
        assert seen.may_contain(early).all()
    finally:
        for store in (one, two, three):
            store.close()


def test_a_rolled_back_transactions_keys_are_never_added_to_another_processes_filter(url: str) -> None:
    # A batch stored and rolled back (a SIGKILL or a failure before the commit leaves the
    # same) is never read by another process's catching up: its filter counts exactly the
    # keys that committed, and a token only the rolled-back batch held matches nothing.
    one, two = SharedStore(url), SharedStore(url)
    try:
        first, second = MatchEngine(one), MatchEngine(two)
        second.ingest([("b0", "beta", [tok("email", "b0")])])
        seen = second._stored_keys.seen if second._stored_keys else None
        assert seen is not None
        before = seen.count
        staged = Staged(one, first, [record("alpha", "a1", (tok("phone", "gone"), tok("email", "gone")))])
        second.ingest([("b1", "beta", [tok("vehicle", "b1")])])  # catches up while it is open
        staged.abandon()
        second.ingest([("b2", "beta", [tok("vehicle", "b2")])])  # and after its rollback
        assert seen.count == before + 2  # b1's and b2's own keys, nothing of a1's
        with one.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(record_tokens)).scalar() == 3
        first.ingest([("a2", "alpha", [tok("phone", "gone")])])
        assert list(second.pairs()) == []
    finally:
        one.close()
        two.close()


def test_many_concurrent_batches_of_two_processes_match_as_one_process(url: str) -> None:
    # Real concurrency rather than a forced order: two threads, each a process's store and
    # engine, ingest batches sharing tokens as fast as they can. Commit order is whatever
    # the lock decides; pairs and clusters must equal the serial run in that order.
    one, two = SharedStore(url), SharedStore(url)
    batches = _batches(3, 16, 12, pool=90)
    committed: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    try:
        engines = MatchEngine(one), MatchEngine(two)

        def run(k: int) -> None:
            store, engine = (one, two)[k], engines[k]
            try:
                for i in range(k, len(batches), 2):
                    with store.write(serial=False) as conn:
                        engine.ingest_rows(_prepared(batches[i]), conn)
                        # Under the lock until the commit: the order of commits.
                        with lock:
                            committed.append(i)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not failures, failures
        assert sorted(committed) == list(range(len(batches)))
        pairs, clusters = _state(one)
        assert (pairs, clusters) == _serial([batches[i] for i in committed])
        # Each pair once: the table's primary key would refuse a second copy, and every
        # one of the serial run's pairs is there.
        assert len(pairs) > 50 and any(len(c) >= 3 for c in clusters)
    finally:
        one.close()
        two.close()


# ---------------------------------------------------------------------- services


@contextmanager
def _write_lock_held(url: str) -> Iterator[None]:
    """The test holds the write lock (a session lock: intakes queue behind it as behind
    another process's serial part) until the block ends."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK})")
                conn.commit()
    finally:
        engine.dispose()


def _wait_until_waiting(store: SharedStore, *, advisory: int, on_rows: int = 0) -> None:
    """Until ``advisory`` sessions wait for the write lock and ``on_rows`` for another
    transaction's rows (a unique key it stored and has not committed)."""
    deadline = time.monotonic() + 30
    while True:
        with store.read() as conn:
            waits = lock_waits(conn)
        if waits.get("advisory", 0) >= advisory and waits.get("transactionid", 0) >= on_rows:
            return
        assert time.monotonic() < deadline, f"sessions never reached their waits: {waits}"
        time.sleep(0.02)



def _signed(identity: pki.Identity, recs: Sequence[SharedRecord]) -> tuple[list[Submission], bytes]:
    subs = [Submission(m.submission_id, m.record) for m in (submission(r) for r in recs)]
    return subs, sign_batch(subs, identity.signing_key)


def test_a_duplicate_sent_to_two_processes_at_once_is_stored_once_and_both_acknowledge(
    url: str, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Both processes store the batch's rows before the lock: the first's wait for the lock
    # (held here, as by a third process), the second's insert waits on the first's
    # uncommitted submission and record ids. Once the first commits, the second's insert
    # fails, it reads which ids are stored and acknowledges every submission as a duplicate.
    stores = [SharedStore(url), SharedStore(url)]
    services = [CoordinatorService(s) for s in stores]
    alpha = make_identity("member", "alpha")
    caller = Caller("member", "alpha", bytes(alpha.signing_key.verify_key))
    subs, signature = _signed(alpha, [record("alpha", f"d{i}", (tok("phone", f"d{i}"),)) for i in range(10)])
    try:
        with _write_lock_held(url):
            first, first_out = in_thread(lambda: services[0].submit_batch(caller, subs, signature))
            _wait_until_waiting(stores[0], advisory=1)
            second, second_out = in_thread(lambda: services[1].submit_batch(caller, subs, signature))
            _wait_until_waiting(stores[0], advisory=1, on_rows=1)
        first.join(30)
        second.join(30)
        assert [a.duplicate for a in first_out[0]] == [False] * 10, first_out
        assert [a.duplicate for a in second_out[0]] == [True] * 10, second_out
        assert [a.record_id for a in second_out[0]] == [f"d{i}" for i in range(10)]
        with stores[0].read() as conn:
            for table in (records, submissions, record_tokens):
                assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 10
            assert conn.exec_driver_sql("SELECT count(*) FROM tokens").scalar() == 10
            intake = conn.execute(sa.text("SELECT detail FROM audit WHERE action = 'intake' ORDER BY seq")).scalars()
            assert [json.loads(d)["records"] for d in intake] == [10, 0]
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize("withdrawal_first", [False, True])
def test_a_withdrawal_racing_the_intake_of_a_matching_record(
    url: str, withdrawal_first: bool, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Beta's record matching alpha's is stored (not yet matched) by one process while
    # another withdraws alpha's record; both wait for the lock, held here, and go in the
    # order they asked for it. Either order ends as a serial run in that order would: no
    # pair left with the withdrawn record, beta's record stored, and beta told of the
    # match only if the intake came first (and then told it is gone).
    stores = [SharedStore(url), SharedStore(url)]
    services = [CoordinatorService(s) for s in stores]
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    shared: tuple[Token, ...] = (tok("phone", "07700 900123"), tok("email", "x@example.org"))
    a_subs, a_sig = _signed(alpha, [record("alpha", "a-1", shared)])
    b_subs, b_sig = _signed(beta, [record("beta", "b-1", shared)])
    alpha_caller = Caller("member", "alpha", bytes(alpha.signing_key.verify_key))
    beta_caller = Caller("member", "beta", bytes(beta.signing_key.verify_key))
    try:
        services[0].submit_batch(alpha_caller, a_subs, a_sig)
        with _write_lock_held(url):
            withdraw = lambda: services[0].withdraw(alpha_caller, "a-1")  # noqa: E731
            intake = lambda: services[1].submit_batch(beta_caller, b_subs, b_sig)  # noqa: E731
            first, first_out = in_thread(withdraw if withdrawal_first else intake)
            _wait_until_waiting(stores[0], advisory=1)
            second, second_out = in_thread(intake if withdrawal_first else withdraw)
            _wait_until_waiting(stores[0], advisory=2)
        first.join(30)
        second.join(30)
        withdrawn, acks = (first_out[0], second_out[0]) if withdrawal_first else (second_out[0], first_out[0])
        assert withdrawn is True, withdrawn
        assert [a.duplicate for a in acks] == [False], acks
        with stores[0].read() as conn:
            actions = list(conn.execute(sa.text("SELECT action FROM audit ORDER BY seq")).scalars())
        assert actions == ["intake", "withdraw", "intake"] if withdrawal_first else ["intake", "intake", "withdraw"]
        assert _state(stores[0]) == ({}, set())
        assert stores[0].owner_of("a-1") is None and stores[0].owner_of("b-1") == "beta"
        assert MatchEngine(stores[0]).views(["b-1"]) == {}
        with stores[0].read() as conn:
            assert conn.execute(sa.select(record_tokens.c.record_id)).scalars().all() == ["b-1"]
            assert conn.exec_driver_sql("SELECT DISTINCT record_id FROM tokens").scalars().all() == ["b-1"]
        told = [(s.event.body.record_id, s.event.body.change.value) for s in stores[0].events_after("beta", 0)]
        assert told == ([] if withdrawal_first else [("b-1", "new"), ("b-1", "removed")])
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize("setting", [2, "auto"])
def test_one_process_stores_a_batch_while_its_previous_batch_waits_for_the_lock_and_misses_no_pair(
    url: str, make_identity: Callable[[str, str], pki.Identity], setting: int | str
) -> None:
    # With intake_transactions = 2 (or "auto" in the one process serving the database)
    # a process has two intake transactions in flight: the second group stores its rows
    # while the first waits for (or holds) the write lock; a third waits in the queue. The
    # second shares every token with the first, and neither batch's keys were in the
    # process's filter when it sifted them. Catching up never reads a transaction of the
    # process's own back, so the one that takes the lock second must test its keys again
    # against the filter, which by then holds the first's: otherwise its pairs are missed.
    store = SharedStore(url, serving=True)
    service = CoordinatorService(store, intake_transactions=setting)  # type: ignore[arg-type]
    ids = {m: make_identity("member", m) for m in ("alpha", "beta", "gamma")}
    callers = {m: Caller("member", m, bytes(i.signing_key.verify_key)) for m, i in ids.items()}

    def batch(member: str, labels: Sequence[str]) -> tuple[list[Submission], bytes]:
        recs = [record(member, f"{member}-{x}", (tok("phone", x), tok("email", x))) for x in labels]
        return _signed(ids[member], recs)

    shared = [f"s{i}" for i in range(8)]
    try:
        service.submit_batch(callers["gamma"], *batch("gamma", ["warm"]))  # the filter exists
        with _write_lock_held(url):
            first, first_out = in_thread(lambda: service.submit_batch(callers["alpha"], *batch("alpha", shared)))
            _wait_until_waiting(store, advisory=1)
            second, second_out = in_thread(lambda: service.submit_batch(callers["beta"], *batch("beta", shared)))
            _wait_until_waiting(store, advisory=2)  # stored its rows while the first waits
            third, third_out = in_thread(lambda: service.submit_batch(callers["gamma"], *batch("gamma", ["late"])))
            deadline = time.monotonic() + 30
            while len(service._intake_queue) < 1:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            with store.read() as conn:
                assert lock_waits(conn).get("advisory", 0) == 2  # two in flight, not three
        for thread in (first, second, third):
            thread.join(30)
        for out in (first_out, second_out, third_out):
            assert out and not isinstance(out[0], BaseException), out
        assert {(a, b) for a, b, _s in service.engine.pairs()} == {(f"alpha-{x}", f"beta-{x}") for x in shared}
        assert store.count_records() == 1 + 8 + 8 + 1
    finally:
        store.close()
