"""The analyst console names the signed-in person with ``msin-person`` metadata: the
coordinator writes it into the audit entry for analyst certificates, refuses a malformed
one, and ignores it from any other role (a member cannot put a name in the log)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

from .conftest import Live, record, signed_batch, submission

MakeId = Callable[[str, str], pki.Identity]


def _actors(tmp_path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(f"file:{tmp_path / 'coordinator.db'}?mode=ro", uri=True)
    try:
        return [(str(r), str(a), str(b)) for r, a, b in conn.execute("select actor_role, actor, action from audit")]
    finally:
        conn.close()


def test_the_person_reaches_the_audit_entry_of_an_analyst_call(live: Live, make_identity: MakeId,
                                                                tmp_path: Path) -> None:
    analyst = live.stub(make_identity("analyst", "sttg-analyst"))
    analyst.ListClusters(pb.ListClustersRequest(), timeout=5, metadata=(("msin-person", "ann"),))
    analyst.ListClusters(pb.ListClustersRequest(), timeout=5)
    clusters = [(role, actor) for role, actor, action in _actors(tmp_path) if action == "disclose_clusters"]
    assert clusters == [("analyst", "sttg-analyst/ann"), ("analyst", "sttg-analyst")]


@pytest.mark.parametrize("person", ["Ann Smith", "ann/root", "x" * 60, "-ann"])
def test_a_malformed_person_is_refused(live: Live, make_identity: MakeId, person: str) -> None:
    analyst = live.stub(make_identity("analyst", "sttg-analyst"))
    with pytest.raises(grpc.RpcError) as excinfo:
        analyst.ListClusters(pb.ListClustersRequest(), timeout=5, metadata=(("msin-person", person),))
    assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "msin-person" in str(excinfo.value.details())


def test_a_member_cannot_name_a_person(live: Live, make_identity: MakeId, tmp_path: Path) -> None:
    member = make_identity("member", "tesco")
    stub = live.stub(member)
    stub.SubmitBatch(signed_batch(member, submission(record("tesco", "r-person-1"))), timeout=10,
                     metadata=(("msin-person", "ann"),))
    intake = [actor for _role, actor, action in _actors(tmp_path) if action == "intake"]
    assert intake == ["tesco"]


def test_the_cases_service_checks_the_person_too(live: Live, make_identity: MakeId) -> None:
    analyst = make_identity("analyst", "sttg-analyst")
    channel = pki.secure_channel(f"127.0.0.1:{live.port}", analyst, role="coordinator", name="sttg")
    try:
        cases = pb_grpc.CasesStub(channel)
        assert list(cases.ListCases(pb.ListCasesRequest(), timeout=5, metadata=(("msin-person", "ann"),)).cases) == []
        with pytest.raises(grpc.RpcError) as excinfo:
            cases.ListCases(pb.ListCasesRequest(), timeout=5, metadata=(("msin-person", "Ann Smith"),))
        assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "msin-person" in str(excinfo.value.details())
    finally:
        channel.close()


def test_the_clients_name_the_person_through_with_person(live: Live, make_identity: MakeId, tmp_path: Path) -> None:
    # The public way a console names its signed-in person: a client sharing the channel.
    from msin_fed.analyst import AnalystClient
    from msin_fed.cases_client import AnalystCases

    identity = make_identity("analyst", "sttg-analyst")
    with AnalystClient(f"127.0.0.1:{live.port}", identity, "sttg") as base:
        with base.with_person("ann") as ann:
            assert ann.alerts() == []
        # Leaving the person's client left the shared channel open.
        assert base.alerts() == []
        cases = AnalystCases.connect(f"127.0.0.1:{live.port}", identity, "sttg")
        with cases.with_person("bob") as bob:
            assert bob.list() == []
        assert cases.list() == []
        cases.close()
        with pytest.raises(ValueError, match="person"):
            base.with_person("")
    alerts = [actor for _role, actor, action in _actors(tmp_path) if action == "disclose_alerts"]
    assert alerts == ["sttg-analyst/ann", "sttg-analyst"]
