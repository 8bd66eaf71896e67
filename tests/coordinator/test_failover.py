"""FailoverStub against real servers, and the node configuration that lists several
coordinator addresses."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from msin_fed.node import load_config

from msin_fed import pki
from msin_fed.errors import ConfigError
from msin_fed.failover import FailoverStub
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, record, signed_batch, submission, tok


def _dead_address() -> str:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def test_calls_move_past_an_unavailable_address_and_stay_on_the_live_one(
    live: Live, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    alpha = make_identity("member", "alpha")
    live_address = f"127.0.0.1:{live.port}"
    stub = FailoverStub([_dead_address(), live_address], alpha, role="coordinator", name="sttg")
    try:
        rec = record("alpha", "f1", (tok("phone", "p"),))
        response = stub.SubmitBatch(signed_batch(alpha, submission(rec)), timeout=10)
        assert [a.record_id for a in response.acks] == ["f1"]
        assert stub.current == live_address  # the next call goes straight there
        # A stream that cannot open at one address opens at the next one.
        beta = make_identity("member", "beta")
        live.stub(beta).SubmitBatch(signed_batch(beta, submission(record("beta", "g1", (tok("phone", "p"),)))), timeout=10)
        stub2 = FailoverStub([_dead_address(), live_address], alpha, role="coordinator", name="sttg")
        stream = stub2.Subscribe(pb.SubscribeRequest(), timeout=10)
        event = next(iter(stream))
        assert event.match.record_id == "f1" and event.match.other_members == 1
        stream.cancel()
        stub2.close()
        # Refusals other than UNAVAILABLE are the caller's, not a reason to move on.
        with pytest.raises(grpc.RpcError) as refused:
            stub.SubmitBatch(pb.SubmitBatchRequest(), timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert stub.current == live_address
    finally:
        stub.close()


def test_when_every_address_is_down_the_caller_hears_unavailable(
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    stub = FailoverStub([_dead_address(), _dead_address()], make_identity("member", "alpha"), role="coordinator", name="sttg")
    try:
        with pytest.raises(grpc.RpcError) as down:
            stub.ListMatches(pb.ListMatchesRequest(), timeout=5)
        assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        stub.close()


def _node_config(tmp_path: Path, coordinator: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(f'[node]\nstore = "node.db"\nkey_file = "node.key"\n[coordinator]\nname = "sttg"\n{coordinator}\n')
    return path


def test_node_config_takes_one_address_or_several(tmp_path: Path) -> None:
    one = load_config(_node_config(tmp_path, 'address = "a:1"'))
    assert (one.coordinator, one.coordinator_addresses) == ("a:1", ("a:1",))
    several = load_config(_node_config(tmp_path, 'addresses = ["a:1", "b:2", "c:3"]'))
    assert (several.coordinator, several.coordinator_addresses) == ("a:1", ("a:1", "b:2", "c:3"))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('address = "a:1"\naddresses = ["b:2"]', "not both"),
        ("addresses = []", "non-empty list"),
        ('addresses = ["a:1", 5]', "non-empty list"),
        ('addresses = ["a:1", "a:1"]', "twice"),
        ('addresses = "a:1"', "must be a list"),
    ],
)
def test_node_config_refuses_bad_address_lists(tmp_path: Path, line: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=r"coordinator\.addresses") as bad:
        load_config(_node_config(tmp_path, line))
    assert problem in str(bad.value)
