"""Wire-level fuzzing of a real key holder over loopback mutual TLS: Evaluate requests with
mutated epochs and blinded elements (valid blinded points, near misses, random bytes), and
raw bytes in place of whole requests.

For every case: an answer within the deadline, a clear status with a reason when refused
(never UNKNOWN or INTERNAL), a refused request charges nothing to the member's budget,
and an answered one carries one verifiable evaluation per element.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from keyholder_net import EPOCH, roster_of, signed, write_config

from msin_fed import oprf, pki, threshold
from msin_fed.keyholder import load_config, running
from msin_fed.keyholder.service import SERVICE_NAME
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc

pytestmark = pytest.mark.slow

REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.PERMISSION_DENIED}
RAW = ("Exception", "Traceback", "sqlite", "Error:", "DecodeError")

FUZZ = settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

#: Blinded elements of real inputs (what an honest node sends), made once.
VALID = [oprf.blind(f"phone:+4477009001{i:02d}".encode())[1] for i in range(8)]


class Holder:
    def __init__(self, port: int, member: pki.Identity, public: threshold.PublicDealing) -> None:
        self.public = public
        self.channel = pki.secure_channel(f"127.0.0.1:{port}", member, role="keyholder", name="kh1")
        self.stub = keyholder_pb2_grpc.KeyHolderStub(self.channel)

    def used(self) -> int:
        return int(self.stub.GetUsage(keyholder_pb2.GetUsageRequest(), timeout=10).used)


@pytest.fixture(scope="module")
def holder(tmp_path_factory: pytest.TempPathFactory, dealing_dir: Any, make_identity: Any) -> Iterator[Holder]:
    directory = tmp_path_factory.mktemp("fuzz-kh1")
    identity = make_identity("keyholder", "kh1")
    member = make_identity("member", "grower-a")
    roster = signed(roster_of([member], budget=100_000_000))
    config = load_config(write_config(directory, identity.directory, dealing_dir / "holder-1.share.json", roster=roster))
    with running(config, grace=0) as server:
        h = Holder(server.port, member, threshold.load_public(dealing_dir / "public.json"))
        yield h
        h.channel.close()


def _refused(exc: grpc.RpcError) -> None:
    code, details = exc.code(), exc.details() or ""
    event(f"{code.name} {details.split(':', 1)[0].rstrip('0123456789')[:40]}")
    assert code in REFUSALS, f"{code.name}: {details}"
    assert details.strip() and not any(r in details for r in RAW), details
    field = details.split(":", 1)[0]
    assert field in ("request", "epoch") or field.startswith("blinded_elements"), f"no field named: {details}"


@st.composite
def element(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["valid"] * 12 + ["flipped", "random", "short", "long", "zero"]))
    base = draw(st.sampled_from(VALID))
    if kind == "valid":
        return base
    if kind == "flipped":
        at = draw(st.integers(0, len(base) - 1))
        return base[:at] + bytes([base[at] ^ draw(st.integers(1, 255))]) + base[at + 1 :]
    if kind == "random":
        return draw(st.binary(min_size=32, max_size=32))
    if kind == "short":
        return base[: draw(st.integers(0, 31))]
    if kind == "long":
        return base + draw(st.binary(min_size=1, max_size=8))
    return bytes(32)  # the identity element


@FUZZ
@given(
    epoch=st.one_of(st.just(EPOCH), st.just(EPOCH), st.just(EPOCH), st.integers(0, 2**32 - 1)),
    elements=st.lists(element(), max_size=6),
)
def test_mutated_evaluate_requests(holder: Holder, epoch: int, elements: list[bytes]) -> None:
    before = holder.used()
    try:
        reply = holder.stub.Evaluate(keyholder_pb2.EvaluateRequest(epoch=epoch, blinded_elements=elements), timeout=10)
    except grpc.RpcError as exc:
        _refused(exc)
        assert holder.used() == before, "a refused request was charged to the member's budget"
        return
    event("evaluated")
    assert len(reply.evaluated_elements) == len(elements)
    assert holder.used() == before + len(elements)
    share = holder.public.public_shares[reply.share_index]
    assert oprf.verify_proof(oprf.GENERATOR, share, elements, list(reply.evaluated_elements), reply.proof)


@settings(FUZZ, max_examples=300)
@given(
    method=st.sampled_from(["Evaluate", "GetPublicKey", "GetUsage"]),
    payload=st.binary(max_size=200),
)
def test_raw_bytes_in_place_of_requests(holder: Holder, method: str, payload: bytes) -> None:
    before = holder.used()
    try:
        holder.channel.unary_unary(f"/{SERVICE_NAME}/{method}")(payload, timeout=10)
    except grpc.RpcError as exc:
        _refused(exc)
        assert holder.used() == before
    else:
        event(f"answered {method}")


def test_the_holder_still_serves_after_the_fuzzing(holder: Holder) -> None:
    reply = holder.stub.Evaluate(keyholder_pb2.EvaluateRequest(epoch=EPOCH, blinded_elements=VALID[:2]), timeout=10)
    assert len(reply.evaluated_elements) == 2
