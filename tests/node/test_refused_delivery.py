"""A record the coordinator can never accept is kept on the node as refused, with the
coordinator's reason, and delivery goes on with the others; a transient failure is retried."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from coordinator.conftest import (  # tests/coordinator (pytest puts tests/ on the path)
    make_config,
    require_postgres,
)
from google.protobuf.timestamp_pb2 import Timestamp
from msin_fed.coordinator.server import CoordinatorServer
from msin_fed.coordinator.store import SharedStore, metadata
from msin_fed.node.delivery import Backoff, deliver_due
from msin_fed.node.keys import write_key_file
from msin_fed.node.store import SecureStore

from msin_fed import pki
from msin_fed.cli import main
from msin_fed.model import ExploitationType, Grade, Region, Sector, SharedRecord, Tlp
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import record_to_pb

MakeId = Callable[[str, str], pki.Identity]


def _submission(record_id: str, *, narrative: str | None = None, shared_at: int | None = None) -> bytes:
    msg = record_to_pb(
        SharedRecord(
            record_id=record_id,
            member_id="tesco",
            narrative="<PERSON_1> moved workers between farms.",
            tokens=(),
            region=Region.WALES,
            sector=Sector.PACKHOUSE,
            exploitation_type=ExploitationType.LABOUR_EXPLOITATION,
            month="2025-01",
            grade=Grade.parse("2BP"),
            tlp=Tlp.AMBER,
        )
    )
    if narrative is not None:
        msg.narrative = narrative  # a node of another build, or a bug, could send this
    if shared_at is not None:
        msg.shared_at.CopyFrom(Timestamp(seconds=shared_at))
    return pb.Submission(submission_id=f"sub-{record_id}", record=msg.SerializeToString()).SerializeToString()


@pytest.fixture
def node_store(tmp_path: Path) -> Iterator[SecureStore]:
    store = SecureStore.create(tmp_path / "node.db", write_key_file(tmp_path / "node.key"))
    yield store
    store.close()  # a second close is harmless


@pytest.fixture
def coordinator(tmp_path: Path, make_identity: MakeId) -> Iterator[CoordinatorServer]:
    """A coordinator on the real PostgreSQL server (NUL in text is its failure)."""
    shared = SharedStore(require_postgres())
    metadata.drop_all(shared.engine)
    metadata.create_all(shared.engine)
    with CoordinatorServer(make_config(tmp_path, make_identity("coordinator", "sttg")), store=shared) as server:
        yield server
    metadata.drop_all(shared.engine)
    shared.close()


@pytest.mark.postgres
def test_a_record_never_acceptable_is_refused_and_the_others_go_through(
    node_store: SecureStore, coordinator: CoordinatorServer, make_identity: MakeId,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    member = make_identity("member", "tesco")
    for rid, kwargs in (
        ("r-1", {}),
        ("r-nul", {"narrative": "cash\x00 wages"}),
        ("r-2", {}),
        ("r-when", {"shared_at": 2**62}),
        ("r-3", {}),
    ):
        node_store.enqueue_share(f"report-{rid}", rid, f"sub-{rid}", "AMBER", _submission(rid, **kwargs))
    channel = pki.secure_channel(f"127.0.0.1:{coordinator.port}", member, role="coordinator", name="sttg")
    with channel:
        report = deliver_due(node_store, pb_grpc.CoordinatorStub(channel), signing_key=member.signing_key, timeout=10)
    assert (report.acknowledged, report.refused, report.remaining) == (3, 2, 0)
    shares = {s.record_id: s for s in node_store.shares()}
    assert {r: s.state for r, s in shares.items()} == {
        "r-1": "acknowledged", "r-nul": "refused", "r-2": "acknowledged", "r-when": "refused", "r-3": "acknowledged",
    }
    assert shares["r-nul"].note.startswith("INVALID_ARGUMENT: submissions[0].record.narrative:")
    assert shares["r-when"].note.startswith("INVALID_ARGUMENT: submissions[0].record.shared_at:")

    # and the member sees it in the node's listing, with the reason
    node_store.close()
    config = tmp_path / "node.toml"
    config.write_text('[node]\nstore = "node.db"\nkey_file = "node.key"\n')
    assert main(["node", "shares", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "report-r-nul (record r-nul, TLP:AMBER): refused: INVALID_ARGUMENT: submissions[0].record.narrative:" in out
    assert "report-r-1 (record r-1, TLP:AMBER): acknowledged\n" in out


def test_a_coordinator_that_is_down_is_retried_not_refused(node_store: SecureStore, make_identity: MakeId) -> None:
    member = make_identity("member", "tesco")
    node_store.enqueue_share("report-r-1", "r-1", "sub-r-1", "AMBER", _submission("r-1"))
    channel = pki.secure_channel("127.0.0.1:1", member, role="coordinator", name="sttg")
    with channel:
        report = deliver_due(
            node_store, pb_grpc.CoordinatorStub(channel), signing_key=member.signing_key, timeout=2,
            backoff=Backoff(base=0.01),
        )
    assert (report.acknowledged, report.refused, report.failed, report.remaining) == (0, 0, 1, 1)
    assert [s.state for s in node_store.shares()] == ["pending"]


def _with_tokens(record_id: str, values: list[bytes]) -> bytes:
    msg = pb.SharedRecord.FromString(pb.Submission.FromString(_submission(record_id)).record)
    msg.tokens.extend(pb.Token(kind="phone", value=v, epoch=1) for v in values)
    return pb.Submission(submission_id=f"sub-{record_id}", record=msg.SerializeToString()).SerializeToString()


@pytest.mark.postgres
def test_a_batch_over_the_match_budget_does_not_stop_the_members_other_records(
    node_store: SecureStore, coordinator: CoordinatorServer, make_identity: MakeId
) -> None:
    """A hostile member (two, colluding) plants records sharing the values one of an honest
    member's records holds, so that the honest batch gives the match step more candidate
    pairs than its budget: the batch is refused RESOURCE_EXHAUSTED naming submissions.
    Retried whole, as a transient refusal was, it stopped every later record of that
    member for as long as the planted records stayed; now its records are sent singly,
    and only the one over the budget waits."""
    from msin_fed.coordinator.matching import MatchEngine

    engine = coordinator.service.engine
    engine.max_batch_pairs = 8  # the budget, scaled down with the planted records
    planted = [bytes([7]) * 64, bytes([8]) * 64]
    MatchEngine(coordinator.service.store).ingest(
        [(f"{m}-{i}", m, [("phone", v) for v in planted]) for m in ("h1", "h2") for i in range(3)]
    )  # 9 pairs between them, each rescored when another record holds one of the values
    member = make_identity("member", "tesco")
    for rid in ("r-1", "r-hit", "r-2", "r-3"):
        data = _with_tokens(rid, planted if rid == "r-hit" else [bytes([ord(rid[-1])]) * 64])
        node_store.enqueue_share(f"report-{rid}", rid, f"sub-{rid}", "AMBER", data)
    channel = pki.secure_channel(f"127.0.0.1:{coordinator.port}", member, role="coordinator", name="sttg")
    with channel:
        report = deliver_due(node_store, pb_grpc.CoordinatorStub(channel), signing_key=member.signing_key, timeout=10)
    assert (report.acknowledged, report.refused, report.remaining) == (3, 0, 1)
    shares = {s.record_id: s.state for s in node_store.shares()}
    assert shares == {"r-1": "acknowledged", "r-hit": "pending", "r-2": "acknowledged", "r-3": "acknowledged"}
