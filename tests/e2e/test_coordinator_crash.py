"""The coordinator killed with SIGKILL in the middle of a stream of submissions.

A member keeps submitting signed records in small batches, re-sending a batch until it
is acknowledged (what a node's outbox does). The coordinator process is SIGKILLed after
some acknowledgements and restarted. Afterwards every acknowledged submission is in the
shared database exactly once, nothing is stored twice, and re-sending everything is
acknowledged as duplicates.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from e2e_net import eventually, fresh_postgres_database, new_submission, query, signed_batch

from msin_fed import pki
from msin_fed.demo.network import COORDINATOR_NAME, LocalNetwork
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

pytestmark = pytest.mark.slow

TOTAL = 40
BATCH = 2


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def coordinator_network(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalNetwork]:
    """A coordinator process on SQLite, and on PostgreSQL (a fresh database) as STTG runs it."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database()) if request.param == "postgres" else None
        net = LocalNetwork(tmp_path / "net", members=["alpha", "beta"], store_url=url)
        stack.callback(net.stop)
        net.create_pki()
        net.start_coordinator(timeout=60)
        yield net


def _db(net: LocalNetwork) -> Path | str:
    return net.store_url or net.root / "coordinator" / "shared.db"


def _stub(net: LocalNetwork, identity: pki.Identity) -> tuple[grpc.Channel, pb_grpc.CoordinatorStub]:
    channel = pki.secure_channel(net.coordinator_address, identity, role="coordinator", name=COORDINATOR_NAME)
    return channel, pb_grpc.CoordinatorStub(channel)


def test_sigkill_mid_stream_loses_nothing_and_stores_nothing_twice(coordinator_network: LocalNetwork) -> None:
    net = coordinator_network
    alpha = net.identity("alpha")
    submissions = [new_submission(alpha) for _ in range(TOTAL)]
    record_of = {s.submission_id: pb.SharedRecord.FromString(s.record).record_id for s in submissions}
    acked: dict[str, str] = {}
    failures: list[str] = []
    done = threading.Event()

    def sender() -> None:
        channel, stub = _stub(net, alpha)
        i = 0
        deadline = time.monotonic() + 120
        while i < TOTAL and time.monotonic() < deadline:
            batch = submissions[i : i + BATCH]
            try:
                reply = stub.SubmitBatch(signed_batch(alpha, batch), timeout=5)
            except grpc.RpcError as exc:
                failures.append(exc.code().name)
                time.sleep(0.2)  # the outbox's backoff: re-send the same batch
                continue
            for ack in reply.acks:
                acked[ack.submission_id] = ack.record_id
            i += BATCH
            time.sleep(0.02)
        channel.close()
        done.set()

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    eventually(lambda: len(acked) >= 10, 60, "the first acknowledgements")
    assert net.coordinator_process is not None
    net.coordinator_process.kill()
    acked_before_kill = dict(acked)
    assert len(acked_before_kill) < TOTAL, "the stream finished before the kill; nothing was tested"
    time.sleep(1.0)
    net.start_coordinator(timeout=60)
    assert done.wait(120), "the sender never finished"
    assert failures, "no call failed while the coordinator was down"

    # Every submission acknowledged, each with its own record id.
    assert set(acked) == set(record_of)
    assert all(acked[s] == record_of[s] for s in acked)

    # Re-sending everything is acknowledged again, as duplicates, and stores nothing new.
    channel, stub = _stub(net, alpha)
    try:
        reply = stub.SubmitBatch(signed_batch(alpha, submissions), timeout=30)
    finally:
        channel.close()
    assert [a.submission_id for a in reply.acks] == [s.submission_id for s in submissions]
    assert all(a.duplicate for a in reply.acks)

    net.coordinator_process.stop()
    db = _db(net)
    stored = [r[0] for r in query(db, "select record_id from records")]
    assert sorted(stored) == sorted(record_of.values())  # nothing lost, nothing twice
    subs = [r[0] for r in query(db, "select submission_id from submissions")]
    assert sorted(subs) == sorted(record_of)
    tokens = query(db, "select count(*) from tokens")[0][0]
    assert tokens == TOTAL


def test_a_revoked_member_is_refused_by_the_coordinator(coordinator_network: LocalNetwork) -> None:
    from msin_fed.cli import main

    net = coordinator_network
    beta = net.identity("beta")
    channel, stub = _stub(net, beta)
    try:
        reply = stub.SubmitBatch(signed_batch(beta, [new_submission(beta)]), timeout=15)
        assert len(reply.acks) == 1
        assert main(["ca", "revoke", str(net.ca_dir), "--cert", str(net.identity_dir("beta") / "cert.pem")]) == 0
        with pytest.raises(grpc.RpcError) as refused:
            stub.SubmitBatch(signed_batch(beta, [new_submission(beta)]), timeout=15)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        channel.close()
    channel, stub = _stub(net, net.identity("alpha"))
    try:
        assert stub.SubmitBatch(signed_batch(net.identity("alpha"), [new_submission(net.identity("alpha"))]),
                                timeout=15).acks
    finally:
        channel.close()
