"""The key-holder service over real gRPC and mutual TLS on loopback, with the node client."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from keyholder_net import EPOCH, SK, Network

from msin_fed import oprf, pki, threshold
from msin_fed.errors import InvalidProof, KeyHoldersUnavailable, RemoteError
from msin_fed.keyholder import KeyHolderServicer
from msin_fed.oprf import _group as G
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.tokenizer import HolderEndpoint, MemoryTokenCache, Tokenizer

INPUTS = [b"phone:+447700900123", b"email:a@example.org", b"plate:AB12CDE", b"", b"x" * 300]


class LyingServicer(KeyHolderServicer):
    """Answers with one evaluation replaced, keeping an honest-looking proof."""

    def Evaluate(self, request: Any, context: Any) -> Any:
        response = super().Evaluate(request, context)
        evaluated = list(response.evaluated_elements)
        evaluated[-1] = G.scalar_mult(G.int_to_scalar(2), evaluated[-1])
        del response.evaluated_elements[:]
        response.evaluated_elements.extend(evaluated)
        return response


def _stub(net: Network, identity: pki.Identity, i: int = 0) -> Any:
    channel = pki.secure_channel(
        net.endpoints[i].target, identity, role="keyholder", name=net.endpoints[i].name
    )
    return keyholder_pb2_grpc.KeyHolderStub(channel)


def test_two_of_three_over_mtls_equals_single_key_evaluate(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network()
    member = make_identity("member", "grower-a")
    expected = [oprf.evaluate(SK, x) for x in INPUTS]
    for pair in itertools.combinations(net.endpoints, 2):
        with Tokenizer(list(pair), 2, member, public=net.public) as tok:
            assert tok.epoch == EPOCH
            assert tok.tokenize(INPUTS) == expected
    # Holders' own public keys (not pinned) give the same tokens, in small batches.
    with Tokenizer(net.endpoints, 2, member, batch_size=2) as tok:
        assert tok.tokenize(INPUTS + INPUTS[:2]) == expected + expected[:2]


def test_a_holder_down_changes_nothing(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(names=("kh1", "kh2"))
    down = HolderEndpoint("kh-down", "127.0.0.1:1")
    member = make_identity("member", "grower-a")
    with Tokenizer([down, *net.endpoints], 2, member, public=net.public, timeout=5) as tok:
        assert tok.tokenize(INPUTS) == [oprf.evaluate(SK, x) for x in INPUTS]


def test_wrong_evaluation_is_caught_named_and_routed_around(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(servicers={"kh1": LyingServicer})
    member = make_identity("member", "grower-a")
    cache = MemoryTokenCache()
    with Tokenizer(net.endpoints, 2, member, public=net.public, cache=cache) as tok:
        assert tok.tokenize(INPUTS) == [oprf.evaluate(SK, x) for x in INPUTS]
        assert isinstance(tok.last_errors["kh1"], InvalidProof)
        assert tok.last_errors["kh1"].holder == "kh1"
        assert tok.failures["kh1"] == 1
        # Next time the failing holder is asked last: no new failure.
        assert tok.tokenize([b"new:1", b"new:2"]) == [oprf.evaluate(SK, b"new:1"),
                                                      oprf.evaluate(SK, b"new:2")]
        assert tok.failures["kh1"] == 1
        assert len(cache) == len(INPUTS) + 2


def test_two_liars_leave_too_few_holders(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(servicers={"kh1": LyingServicer, "kh3": LyingServicer})
    member = make_identity("member", "grower-a")
    with Tokenizer(net.endpoints, 2, member, public=net.public) as tok:
        with pytest.raises(KeyHoldersUnavailable, match=r"kh1.*fails its proof|kh3.*fails its proof"):
            tok.tokenize(INPUTS)


def test_member_over_budget_is_refused(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(budget=6)
    member = make_identity("member", "grower-a")
    stub = _stub(net, member)
    elements = [oprf.blind(x)[1] for x in INPUTS]
    stub.Evaluate(keyholder_pb2.EvaluateRequest(epoch=EPOCH, blinded_elements=elements))
    with pytest.raises(grpc.RpcError) as exc:
        stub.Evaluate(keyholder_pb2.EvaluateRequest(epoch=EPOCH, blinded_elements=elements))
    assert exc.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "daily budget of 6 elements" in exc.value.details()
    assert "resets at " in exc.value.details()
    # Another member has its own budget.
    other = _stub(net, make_identity("member", "retailer-b"))
    other.Evaluate(keyholder_pb2.EvaluateRequest(epoch=0, blinded_elements=elements))
    # The node client routes around the refusing holder, then runs out of holders.
    with Tokenizer(net.endpoints, 2, member, public=net.public) as tok:
        assert tok.tokenize([b"one more", *INPUTS]) == [
            oprf.evaluate(SK, x) for x in [b"one more", *INPUTS]
        ]
        refused = tok.last_errors["kh1"]
        assert isinstance(refused, RemoteError) and refused.code == "RESOURCE_EXHAUSTED"
        with pytest.raises(KeyHoldersUnavailable, match="RESOURCE_EXHAUSTED"):
            tok.tokenize([b"yet another"])
    log = (net.dirs[0] / "keyholder.log").read_text()
    assert "member=grower-a elements=5" in log and "refused member=grower-a" in log
    for element in elements:
        assert element.hex() not in log
    for x in INPUTS[:3]:
        assert x.decode() not in log


def test_member_over_rate_limit_is_refused(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(rate=0.01, burst=5)
    stub = _stub(net, make_identity("member", "grower-a"))
    elements = [oprf.blind(x)[1] for x in INPUTS]
    stub.Evaluate(keyholder_pb2.EvaluateRequest(blinded_elements=elements))
    with pytest.raises(grpc.RpcError) as exc:
        stub.Evaluate(keyholder_pb2.EvaluateRequest(blinded_elements=elements[:1]))
    assert exc.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "rate limit" in exc.value.details()


@pytest.mark.parametrize(
    ("elements", "message"),
    [
        ([], "empty batch"),
        ([b"\x01" * 31], "blinded_elements[0]: must be 32 bytes, got 31"),
        ([b"\x01" * 33], "must be 32 bytes, got 33"),
        ([None, bytes(32)], "blinded_elements[1]: is the identity element"),
        ([b"\xff" * 32], "not a valid ristretto255 element"),
    ],
    ids=["empty", "short", "long", "identity", "not-a-point"],
)
def test_malformed_requests_get_invalid_argument(
    start_network: Callable[..., Network],
    make_identity: Callable[[str, str], pki.Identity],
    elements: list[bytes | None],
    message: str,
) -> None:
    net = start_network(names=("kh1",))
    stub = _stub(net, make_identity("member", "grower-a"))
    batch = [e if e is not None else oprf.blind(b"ok")[1] for e in elements]
    with pytest.raises(grpc.RpcError) as exc:
        stub.Evaluate(keyholder_pb2.EvaluateRequest(blinded_elements=batch))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in exc.value.details()


def test_unknown_epoch_and_wrong_role_are_refused(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(names=("kh1",))
    elements = [oprf.blind(b"x")[1]]
    stub = _stub(net, make_identity("member", "grower-a"))
    with pytest.raises(grpc.RpcError) as exc:
        stub.Evaluate(keyholder_pb2.EvaluateRequest(epoch=EPOCH + 1, blinded_elements=elements))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "unknown key epoch" in exc.value.details()
    analyst = _stub(net, make_identity("analyst", "sttg-analyst"))
    with pytest.raises(grpc.RpcError) as exc:
        analyst.Evaluate(keyholder_pb2.EvaluateRequest(blinded_elements=elements))
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    info = analyst.GetPublicKey(keyholder_pb2.GetPublicKeyRequest())
    assert (info.epoch, info.share_index, info.threshold, info.holders) == (EPOCH, 1, 2, 3)
    assert info.public_share == net.public.public_shares[1]


def test_holder_serving_another_dealing_is_not_trusted(
    start_network: Callable[..., Network],
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    net = start_network()
    member = make_identity("member", "grower-a")
    other = threshold.deal(2, 3, EPOCH)
    with Tokenizer(net.endpoints, 2, member, public=other.public) as tok:
        with pytest.raises(KeyHoldersUnavailable):
            tok.tokenize(INPUTS)
        assert all(isinstance(tok.last_errors[e.name], InvalidProof) for e in net.endpoints)


def test_public_surfaces_are_honest() -> None:
    import msin_fed.keyholder as keyholder
    import msin_fed.tokenizer as tokenizer

    for module in (keyholder, tokenizer, threshold):
        assert set(module.__all__) <= set(dir(module))


def test_cached_tokens_need_no_key_holder(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network()
    cache = MemoryTokenCache()
    with Tokenizer(net.endpoints, 2, make_identity("member", "grower-a"), cache=cache) as tok:
        first = tok.tokenize(INPUTS)
        logs = [(d / "keyholder.log").read_text().count("evaluated") for d in net.dirs]
        assert tok.tokenize(list(reversed(INPUTS))) == list(reversed(first))
        assert [(d / "keyholder.log").read_text().count("evaluated") for d in net.dirs] == logs
        assert tok.tokenize([]) == []
