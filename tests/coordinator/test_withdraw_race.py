"""A withdraw racing its own record's submission, each on another coordinator process.

Two `msin coordinator serve` processes share one PostgreSQL. A member submits a record
through one while withdrawing it through the other at the same moment or a little later, thirty times.
Whichever wins, the store must say what the member was told: withdrawn means no row, no
tokens, no pair and, for the other member, a last event REMOVED (if any); not withdrawn means the whole record, its pair
with the other member's record, and a last event that is not REMOVED.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.store import SharedStore, record_tokens, records
from msin_fed.coordinator.store import postings as P

from msin_fed import pki
from msin_fed.failover import FailoverStub
from msin_fed.model.events import MatchChange
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import record, signed_batch, submission, tok
from .test_multi_process import Coordinator, pg_url  # noqa: F401  (pg_url is a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROUNDS = 30


def test_a_withdraw_racing_its_submission_on_another_process_leaves_a_consistent_store(
    pg_url: str, tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]  # noqa: F811
) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    sttg = make_identity("coordinator", "sttg")
    procs = [Coordinator(tmp_path, i, pg_url, sttg) for i in range(2)]
    try:
        via = [FailoverStub([c.address], alpha, role="coordinator", name="sttg") for c in procs]
        anchor = FailoverStub([procs[0].address], beta, role="coordinator", name="sttg")
        anchor.SubmitBatch(
            signed_batch(beta, *[submission(record("beta", f"b-{i}", (tok("phone", f"race-{i}"),))) for i in range(ROUNDS)]),
            timeout=30,
        )
        told: dict[str, bool] = {}
        for i in range(ROUNDS):
            rid = f"w-{i}"
            start = threading.Barrier(2)
            delay = (i % 10) * 0.012
            request = signed_batch(alpha, submission(record("alpha", rid, (tok("phone", f"race-{i}"),))))

            def send() -> None:
                start.wait()
                via[i % 2].SubmitBatch(request, timeout=30)

            def withdraw() -> None:
                start.wait()
                time.sleep(delay)  # from at once to after the submission's commit
                told[rid] = via[(i + 1) % 2].Withdraw(pb.WithdrawRequest(record_id=rid), timeout=30).withdrawn

            threads = [threading.Thread(target=send), threading.Thread(target=withdraw)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert rid in told
        for stub in [*via, anchor]:
            stub.close()
    finally:
        for c in procs:
            c.stop()

    store = SharedStore(pg_url)
    try:
        with store.read() as conn:
            present = set(conn.execute(sa.select(records.c.record_id)).scalars())
            with_tokens = set(conn.execute(sa.select(record_tokens.c.record_id)).scalars())
            paired = {a for a, b, _s in P.all_pairs(conn)} | {b for a, b, _s in P.all_pairs(conn)}
        last: dict[str, int] = {}
        for stored in store.events_after("beta", 0, limit=1_000_000):
            body = stored.event.body
            rid = getattr(body, "record_id", None)
            if rid is not None and hasattr(body, "change"):
                last[rid] = body.change
        for i in range(ROUNDS):
            rid = f"w-{i}"
            if told[rid]:
                assert rid not in present and rid not in with_tokens and rid not in paired, rid
                assert f"b-{i}" not in paired, rid
                # Beta was told the match went, if it was ever told of it.
                assert last.get(f"b-{i}", MatchChange.REMOVED) == MatchChange.REMOVED, rid
            else:
                assert rid in present and rid in with_tokens and rid in paired, rid
                assert last[f"b-{i}"] != MatchChange.REMOVED, rid
        # Both orders happened, so both branches above were checked.
        assert 0 < sum(told.values()) < ROUNDS, told
    finally:
        store.close()
