"""Several `msin coordinator serve` processes on one PostgreSQL behave as one coordinator.

Two and three real coordinator processes share one database. Four members submit
concurrently, each through a FailoverStub over every address (starting at different
ones, so every process takes intake), while a member's subscriber follows its event
stream. One process is SIGKILLed mid-way. Afterwards: every acknowledged record is stored
exactly once and nothing unacknowledged is; resends are duplicates; pairs and clusters
equal a single-process run of the match engine over the same input; each subscriber
received every one of its events once, in cursor order, and their final state agrees
with the single-process matches; the audit chain verifies against the head file and the
signed checkpoints. A process SIGKILLed while its batch's rows are stored but its
transaction waits for the write lock leaves nothing of that batch.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore, events, record_tokens, records, submissions
from msin_fed.coordinator.store import postings as P
from msin_fed.coordinator.store.engine import WRITE_LOCK

from msin_fed import pki
from msin_fed.checkpoint import Checkpoint
from msin_fed.failover import FailoverStub
from msin_fed.model import SharedRecord
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import drop_postgres_store, record, require_postgres, signed_batch, submission, tok

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MEMBERS = ("alpha", "beta", "gamma", "delta")
PER_MEMBER = 120
BATCH = 12


def _inputs(seed: int = 21) -> dict[str, list[SharedRecord]]:
    """Each member's records, with tokens drawn from small pools so that many records of
    different members share one, two or three of them (pairs, clusters, rescoring)."""
    rng = random.Random(seed)
    pools = {"phone": 160, "email": 160, "vehicle": 90}
    out: dict[str, list[SharedRecord]] = {}
    for m in MEMBERS:
        out[m] = []
        for i in range(PER_MEMBER):
            kinds = rng.sample(sorted(pools), rng.choice((1, 2, 2, 3)))
            toks = tuple(tok(k, f"{k}-{rng.randrange(pools[k])}") for k in kinds)
            out[m].append(record(m, f"{m}-{i:04d}", toks, month=f"2025-{1 + i % 12:02d}"))
    return out


def _reference(inputs: dict[str, list[SharedRecord]]) -> tuple[dict[tuple[str, str], float], set[frozenset[str]], SharedStore]:
    """Pairs, clusters (as record sets) of one process matching the same input."""
    store = SharedStore("sqlite://")
    engine = MatchEngine(store)
    everything = [r for m in MEMBERS for r in inputs[m]]
    random.Random(5).shuffle(everything)
    for i in range(0, len(everything), 37):
        engine.ingest([(r.record_id, r.member_id, r.tokens) for r in everything[i : i + 37]])
    pairs = {(a, b): round(s, 6) for a, b, s in engine.pairs()}
    clusters = {frozenset(c.record_ids) for c in engine.clusters()}
    return pairs, clusters, store


class Coordinator:
    """One `msin coordinator serve` process."""

    def __init__(
        self, directory: Path, index: int, url: str, identity: pki.Identity, store_settings: str = ""
    ) -> None:
        assert identity.directory is not None
        self.config = directory / f"coordinator-{index}.toml"
        self.config.write_text(
            "[server]\n"
            'listen = "127.0.0.1:0"\n'
            f'identity_dir = "{identity.directory}"\n'
            f'crl = "{identity.directory / "crl.pem"}"\n'
            f'crl_number_file = "{directory / f"crl-{index}.number"}"\n'
            "intake_workers = 0\n"
            "workers = 24\n"
            "member_calls_per_second = 200\n"
            "grace_seconds = 5\n"
            f'[store]\nurl = "{url}"\n{store_settings}'
            "[tokens]\nepoch = 1\n"
            "[redaction]\nverify = false\n"
            # One head file for every process on this host, one checkpoint key for all.
            f'[audit]\nhead_file = "{directory / "audit.head"}"\n'
            f'checkpoint_key = "{directory / "checkpoint.key"}"\n'
            "checkpoint_every = 25\ncheckpoint_seconds = 1\n"
        )
        self.stderr = (directory / f"coordinator-{index}.err").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"listening on port (\d+)", line)
        assert found, f"coordinator {index} did not start: {line!r} {self._err()}"
        self.address = f"127.0.0.1:{found.group(1)}"

    def _err(self) -> str:
        self.stderr.flush()
        return Path(self.stderr.name).read_text()[-2000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                assert self.process.wait(60) == 0, self._err()
            finally:
                if self.process.poll() is None:
                    self.process.kill()
        self.stderr.close()


def _retrying(call: Callable[[], pb.SubmitBatchResponse], deadline: float) -> pb.SubmitBatchResponse:
    """As a node's outbox: unavailable or busy means try again (the same batch)."""
    while True:
        try:
            return call()
        except grpc.RpcError as exc:
            transient = exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)
            if not transient or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = require_postgres()
    drop_postgres_store(url)
    yield url
    drop_postgres_store(url)


@pytest.mark.parametrize(
    ("processes", "intake_transactions"),
    # 2: each process keeps two intake transactions in flight (docs/coordinator.md);
    # "auto", the default: one each once a process counts the others.
    [(2, 1), (3, "auto"), (2, 2)],
)
def test_coordinator_processes_on_one_postgres_behave_as_one(
    processes: int,
    intake_transactions: int | str,
    pg_url: str,
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    inputs = _inputs()
    ref_pairs, ref_clusters, ref_store = _reference(inputs)
    assert len(ref_pairs) > 100 and any(len(c) >= 3 for c in ref_clusters)  # the input exercises matching
    coordinator_identity = make_identity("coordinator", "sttg")
    identities = {m: make_identity("member", m) for m in MEMBERS}
    settings = f"intake_transactions = {json.dumps(intake_transactions)}\n"
    started = [Coordinator(tmp_path, i, pg_url, coordinator_identity, settings) for i in range(processes)]
    addresses = [c.address for c in started]
    total_batches = len(MEMBERS) * (PER_MEMBER // BATCH)
    acked: dict[str, dict[str, str]] = {m: {} for m in MEMBERS}
    done_batches = [0]
    lock = threading.Lock()
    errors: list[BaseException] = []
    deadline = time.monotonic() + 240
    received: dict[str, list[pb.Event]] = {m: [] for m in MEMBERS[:2]}
    stop_subscribers = threading.Event()

    def submit(member: str, start: int) -> None:
        try:
            # Each member starts at another process, so that all of them take intake.
            order = addresses[start:] + addresses[:start]
            stub = FailoverStub(order, identities[member], role="coordinator", name="sttg")
            recs = inputs[member]
            for i in range(0, len(recs), BATCH):
                request = signed_batch(identities[member], *[submission(r) for r in recs[i : i + BATCH]])
                response = _retrying(lambda: stub.SubmitBatch(request, timeout=30), deadline)
                with lock:
                    for ack in response.acks:
                        acked[member][ack.submission_id] = ack.record_id
                    done_batches[0] += 1
            # A node resending its first batch (its acknowledgement lost): duplicates only.
            again = _retrying(
                lambda: stub.SubmitBatch(signed_batch(identities[member], *[submission(r) for r in recs[:BATCH]]), timeout=30),
                deadline,
            )
            assert [a.duplicate for a in again.acks] == [True] * BATCH
            stub.close()
        except BaseException as exc:
            errors.append(exc)

    def subscribe(member: str) -> None:
        # Follows the member's events through the last process (never the one killed),
        # resuming from the last cursor it got, as a node does.
        stub = FailoverStub(addresses[::-1], identities[member], role="coordinator", name="sttg")
        cursor = 0
        try:
            while True:
                final = stop_subscribers.is_set()
                stream = stub.Subscribe(pb.SubscribeRequest(after_cursor=cursor), timeout=1.5)
                try:
                    for event in stream:
                        received[member].append(event)
                        cursor = event.cursor
                except grpc.RpcError as exc:
                    if exc.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
                        raise
                if final:
                    return
        except BaseException as exc:
            errors.append(exc)
        finally:
            stub.close()

    subscribers = [threading.Thread(target=subscribe, args=(m,)) for m in received]
    senders = [threading.Thread(target=submit, args=(m, i % processes)) for i, m in enumerate(MEMBERS)]
    try:
        for t in subscribers + senders:
            t.start()
        while done_batches[0] < total_batches // 3 and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
        started[0].kill()  # mid-way: batches in flight on it fail over to the others
        killed_at = done_batches[0]
        for t in senders:
            t.join(300)
        stop_subscribers.set()
        for t in subscribers:
            t.join(60)
        assert not errors, errors
        assert killed_at < total_batches  # the kill really was in the middle
    finally:
        for c in started:
            c.stop() if c.process.poll() is None else c.stderr.close()

    store = SharedStore(pg_url)
    try:
        # No acknowledged record lost, none stored twice, nothing stored unacknowledged.
        expected = {r.record_id: r for m in MEMBERS for r in inputs[m]}
        assert {rid for m in MEMBERS for rid in acked[m].values()} == set(expected)
        with store.read() as conn:
            stored = conn.execute(sa.select(records.c.record_id, records.c.member_id)).all()
            assert sorted(r for r, _m in stored) == sorted(expected)
            assert {r: m for r, m in stored} == {r: rec.member_id for r, rec in expected.items()}
            assert conn.execute(sa.select(sa.func.count()).select_from(submissions)).scalar() == len(expected)
            assert conn.execute(sa.select(sa.func.count()).select_from(record_tokens)).scalar() == len(expected)
            n_tokens = conn.execute(sa.text("SELECT COUNT(*) FROM tokens")).scalar()
            assert n_tokens == sum(len(r.tokens) for r in expected.values())
            # Pairs and clusters as one process computes them from the same input.
            pairs = {(a, b): round(s, 6) for a, b, s in P.all_pairs(conn)}
        assert pairs == ref_pairs
        assert {frozenset(c.record_ids) for c in store.clusters()} == ref_clusters

        # Each subscriber got all of its events, once each, in cursor order, and what they
        # say is where the single-process matching ended.
        for member, got in received.items():
            in_db = store.events_after(member, 0, limit=1_000_000)
            assert [e.cursor for e in got] == [s.event.cursor for s in in_db[: len(got)]]
            # Later only the checkpoints the survivors signed as they shut down.
            assert all(isinstance(s.event.body, Checkpoint) for s in in_db[len(got) :])
            last: dict[str, pb.MatchEvent] = {}
            for e in got:
                if e.WhichOneof("body") == "match":
                    last[e.match.record_id] = e.match
            views = MatchEngine(ref_store).views([r.record_id for r in inputs[member]])
            for rid, view in views.items():
                assert last[rid].change != pb.MATCH_CHANGE_REMOVED
                assert last[rid].other_members == len(view.other_members)
                assert sorted(last[rid].matched_kinds) == sorted(view.kinds)
                assert last[rid].score == pytest.approx(view.score)
            assert all(m.change == pb.MATCH_CHANGE_REMOVED for rid, m in last.items() if rid not in views)

        # One audit chain: it verifies against the shared head file and every signed
        # checkpoint, numbered once each; its intake entries count every record once.
        with store.read() as conn:
            bodies = conn.execute(
                sa.select(events.c.body).where(events.c.kind == "checkpoint").order_by(events.c.cursor)
            ).scalars().all()
        checkpoints = [Checkpoint.from_pb(pb.AuditCheckpoint.FromString(bytes(b))) for b in bodies]
        assert [c.number for c in checkpoints] == list(range(1, len(checkpoints) + 1))
        assert len(checkpoints) >= 2
        report = AuditLog(store, tmp_path / "audit.head").verify(checkpoints)
        assert report.ok, str(report)
        with store.read() as conn:
            details = conn.execute(sa.text("SELECT detail FROM audit WHERE action = 'intake'")).scalars().all()
        assert sum(json.loads(d)["records"] for d in details) == len(expected)
    finally:
        store.close()
        ref_store.close()


def test_a_process_killed_between_storing_a_batch_and_the_lock_keeps_nothing_of_it(
    pg_url: str, tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    # Intake stores a batch's rows before it takes the write lock. The test holds the lock
    # (as another process's serial part would), so the first process's transaction waits
    # there with its rows stored, and is SIGKILLed. PostgreSQL rolls it back: nothing of it
    # is kept, nothing was acknowledged, and the node's resend to the other process stores
    # the batch as new, not as a duplicate of rows that never committed.
    coordinator_identity = make_identity("coordinator", "sttg")
    alpha = make_identity("member", "alpha")
    first, second = (Coordinator(tmp_path, i, pg_url, coordinator_identity) for i in range(2))
    recs = [record("alpha", f"k-{i}", (tok("phone", f"k-{i}"),)) for i in range(BATCH)]
    request = signed_batch(alpha, *[submission(r) for r in recs])
    lock = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    store = SharedStore(pg_url)
    try:
        with lock.connect() as held:
            held.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK})")
            held.commit()
            stub = FailoverStub([first.address], alpha, role="coordinator", name="sttg")
            sender = ThreadPoolExecutor(1)
            call = sender.submit(lambda: stub.SubmitBatch(request, timeout=60))
            deadline = time.monotonic() + 30
            while True:  # its transaction has stored the rows and waits for the lock
                with store.read() as conn:
                    waiting = conn.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                    ).scalar()
                if waiting:
                    break
                assert time.monotonic() < deadline, "the intake never reached the write lock"
                time.sleep(0.02)
            first.kill()
            with pytest.raises(grpc.RpcError):
                call.result(60)
            sender.shutdown()
            stub.close()
            held.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK})")
            held.commit()
        with store.read() as conn:
            for table in (records, submissions, record_tokens):
                assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM tokens").scalar() == 0
        again = FailoverStub([second.address], alpha, role="coordinator", name="sttg")
        response = _retrying(lambda: again.SubmitBatch(request, timeout=30), time.monotonic() + 60)
        again.close()
        assert [a.duplicate for a in response.acks] == [False] * BATCH
        assert store.count_records() == BATCH
    finally:
        store.close()
        lock.dispose()
        for c in (first, second):
            c.stop() if c.process.poll() is None else c.stderr.close()
