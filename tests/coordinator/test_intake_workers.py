"""Intake with records checked in worker processes (the default on multi-core hosts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, make_config, record, signed_batch, submission, tok

MakeId = Callable[[str, str], pki.Identity]


@pytest.fixture
def pooled(tmp_path: Path, coordinator_identity: pki.Identity) -> Iterator[Live]:
    with CoordinatorServer(make_config(tmp_path, coordinator_identity, intake_workers=2)) as server:
        assert server.intake_workers is not None and server.intake_workers.size == 2
        handle = Live(server)
        yield handle
        handle.close()


@pytest.fixture
def unpooled(tmp_path: Path, coordinator_identity: pki.Identity) -> Iterator[Live]:
    """The default without verification: no workers, every check in the server's process."""
    with CoordinatorServer(make_config(tmp_path, coordinator_identity, intake_workers=None)) as server:
        assert server.intake_workers is None
        handle = Live(server)
        yield handle
        handle.close()


def _code(exc: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    return exc.value.code()  # type: ignore[attr-defined,no-any-return]


def test_worker_checked_batches_store_match_and_replay_once(pooled: Live, make_identity: MakeId) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    subs = [submission(record("alpha", f"a{i}", (tok("phone", f"p{i}"),))) for i in range(20)]
    first = pooled.stub(alpha).SubmitBatch(signed_batch(alpha, *subs), timeout=30)
    assert [a.record_id for a in first.acks] == [f"a{i}" for i in range(20)]
    assert not any(a.duplicate for a in first.acks)
    again = pooled.stub(alpha).SubmitBatch(signed_batch(alpha, *subs), timeout=30)
    assert all(a.duplicate for a in again.acks)
    pooled.stub(beta).SubmitBatch(signed_batch(beta, submission(record("beta", "b1", (tok("phone", "p3"),)))), timeout=30)
    assert pooled.server.store.count_records() == 21
    assert pooled.server.store.get_record("a3") is not None
    assert [(a, b) for a, b, _s in pooled.server.service.engine.pairs()] == [("a3", "b1")]


@pytest.mark.parametrize("where", ["pooled", "unpooled"])
def test_refusals_name_the_field_and_store_nothing_in_workers_or_not(
    where: str, request: pytest.FixtureRequest, make_identity: MakeId
) -> None:
    pooled: Live = request.getfixturevalue(where)
    alpha = make_identity("member", "alpha")
    stub = pooled.stub(alpha)
    good = submission(record("alpha", "g1"))
    broken = submission(record("alpha", "g2"))
    broken.record = b"\xff\x01 not a record"
    cases = {
        "submissions[1].record": (grpc.StatusCode.INVALID_ARGUMENT, [good, broken]),
        "submissions[1].record.tokens": (
            grpc.StatusCode.INVALID_ARGUMENT,
            [good, submission(record("alpha", "e1", (tok("phone", "x", epoch=2),)))],
        ),
        "submissions[0].record.member_id": (grpc.StatusCode.PERMISSION_DENIED, [submission(record("beta", "x1")), good]),
    }
    for field, (code, subs) in cases.items():
        with pytest.raises(grpc.RpcError) as exc:
            stub.SubmitBatch(signed_batch(alpha, *subs), timeout=30)
        assert _code(exc) == code, field
        assert exc.value.details().startswith(field), exc.value.details()  # type: ignore[attr-defined]
    assert pooled.server.store.count_records() == 0


def test_verified_batches_split_over_workers_refuse_exactly_as_in_process(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    """With verification on, the workers get only the narratives (in chunks over every
    worker); the error a refused batch gets is still the in-process check's: the first
    problem in order, a refused narrative before a broken record and after it."""
    alpha = make_identity("member", "alpha")
    leak = "She was moved to a house in Leeds by a man called Radu Ionescu, phone 07700 900123."
    clean = "She was moved to a house in Leeds and paid £20 a day."
    broken = submission(record("alpha", "bad"))
    broken.record = b"\xff\x01 not a record"

    def subs(n: int, *, leak_at: int | None = None, broken_at: int | None = None) -> list[pb.Submission]:
        out = [
            submission(record("alpha", f"r{n}-{i}", (tok("phone", f"p{n}-{i}"),), narrative=leak if i == leak_at else clean))
            for i in range(n)
        ]
        if broken_at is not None:
            out[broken_at] = broken
        return out

    batches = {
        "leak in the last chunk": subs(200, leak_at=199),
        "leak in the first chunk": subs(200, leak_at=3),
        "leak before a broken record": subs(40, leak_at=5, broken_at=30),
        "broken record before a leak": subs(40, leak_at=30, broken_at=5),
        "clean": subs(150),
    }
    in_process: dict[str, tuple[str, str]] = {}
    pooled: dict[str, tuple[str, str]] = {}
    for workers, out in ((0, in_process), (2, pooled)):
        (tmp_path / f"w{workers}").mkdir()
        config = make_config(tmp_path / f"w{workers}", coordinator_identity, verify_redaction=True, intake_workers=workers)
        with CoordinatorServer(config) as server:
            assert (server.intake_workers is not None) == (workers > 0)
            live = Live(server)
            for name, batch in batches.items():
                try:
                    acks = live.stub(alpha).SubmitBatch(signed_batch(alpha, *batch), timeout=120).acks
                    out[name] = ("OK", str(len(acks)))
                except grpc.RpcError as exc:
                    out[name] = (exc.code().name, exc.details())  # type: ignore[attr-defined]
            assert server.store.count_records() == 150
            live.close()
    assert pooled == in_process
    assert in_process["clean"] == ("OK", "150")
    for name in ("leak in the last chunk", "leak in the first chunk", "leak before a broken record"):
        assert in_process[name][0] == "FAILED_PRECONDITION", name
    code, details = in_process["broken record before a leak"]
    assert code == "INVALID_ARGUMENT" and details.startswith("submissions[5].record"), details
