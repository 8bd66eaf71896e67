"""A node talks only to the coordinator it is configured for, by role and name, over real mutual TLS.

The impostors are real gRPC servers on loopback with certificates from the same network
CA: a member's certificate (named like the coordinator, the worst case), a key holder's,
and a coordinator certificate of another name. Each would take the node's TLP:RED
record and feed it a forged analyst alert; the node must refuse the handshake, so that
nothing is delivered, nothing is marked acknowledged, and no forged alert is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from msin_fed.node import Node, Passphrase

from msin_fed import pki
from msin_fed.oprf import derive_key_pair
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.tokenizer import LocalTokenizer

from .conftest import FAST_KDF, make_report
from .fakes import FakeCoordinator, ReplacingRedactor, serve

PASS = Passphrase("node passphrase for tests")
SK, _PK = derive_key_pair(b"\x07" * 32, b"msin test epoch 1")
MakeId = Callable[[str, str], pki.Identity]

FORGED = pb.AlertEvent(alert_id="forged", summary="Forged by an impostor: call this number now.")


def _node(path: Path, member: pki.Identity, port: int) -> Node:
    return Node.open(
        path,
        key=PASS,
        create=True,
        kdf=FAST_KDF,
        identity=member,
        redactor=ReplacingRedactor(),  # type: ignore[arg-type]
        tokenizer=LocalTokenizer(SK),
        coordinator=f"127.0.0.1:{port}",
        coordinator_name="sttg",
    )


@pytest.mark.parametrize(
    ("role", "name"),
    [("member", "sttg"), ("keyholder", "sttg"), ("analyst", "sttg"), ("coordinator", "staging")],
    ids=["member-cert", "keyholder-cert", "analyst-cert", "other-coordinator"],
)
def test_node_refuses_an_impostor_coordinator(
    tmp_path: Path, make_identity: MakeId, role: str, name: str
) -> None:
    impostor = FakeCoordinator()
    impostor.push("alpha", FORGED)
    with serve(impostor, make_identity(role, name)) as port:
        node = _node(tmp_path / "a.db", make_identity("member", "alpha"), port)
        node.add_report(make_report("R1"))
        node.share("R1", tlp="RED")
        report = node.deliver()
        assert report.acknowledged == 0 and report.failed == 1
        with pytest.raises(grpc.RpcError) as refused:
            node.receive(timeout=1.0)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE  # the handshake failed
        time.sleep(0.2)
        # Nothing reached the impostor, nothing is marked acknowledged, nothing forged stored.
        assert impostor.records == {} and impostor.calls == 0
        assert node.outbox_size() == 1
        assert [s.state for s in node.shares()] == ["pending"]
        assert node.alerts() == []
        node.close()


def test_node_delivers_to_the_configured_coordinator(tmp_path: Path, make_identity: MakeId) -> None:
    # The control: the same server with the coordinator's certificate gets the record.
    real = FakeCoordinator()
    real.push("alpha", FORGED)
    with serve(real, make_identity("coordinator", "sttg")) as port:
        node = _node(tmp_path / "a.db", make_identity("member", "alpha"), port)
        node.add_report(make_report("R1"))
        record = node.share("R1", tlp="RED")
        assert node.deliver().acknowledged == 1
        node.receive(timeout=1.0)
        assert record.record_id in real.records and node.outbox_size() == 0
        assert [a.alert_id for a in node.alerts()] == ["forged"]
        node.close()
