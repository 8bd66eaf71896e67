"""The tokenizer talks only to key holders by role and name, over real mutual TLS on loopback.

The impostor evaluates honestly with a real share, so only the certificate can give it
away: a member's certificate named like the holder, or another holder's certificate.
Either would learn how many inputs a node blinds, when, and (with t-1 real holders)
could refuse or stall it; the node must not send it a single blinded element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest

from msin_fed import oprf, pki
from msin_fed.errors import KeyHoldersUnavailable
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.threshold import KeyShare, load_share
from msin_fed.tokenizer import HolderEndpoint, Tokenizer

MakeId = Callable[[str, str], pki.Identity]


class CountingHolder(keyholder_pb2_grpc.KeyHolderServicer):
    """An honest evaluator that records every call it gets."""

    def __init__(self, share: KeyShare) -> None:
        self.share = share
        self.calls: list[str] = []

    def GetPublicKey(
        self, request: keyholder_pb2.GetPublicKeyRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.PublicKeyInfo:
        self.calls.append("GetPublicKey")
        s = self.share
        return keyholder_pb2.PublicKeyInfo(
            epoch=s.epoch, share_index=s.index, public_share=s.public_share,
            threshold=s.public.threshold, holders=s.public.holders,
        )

    def Evaluate(
        self, request: keyholder_pb2.EvaluateRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.EvaluateResponse:
        self.calls.append("Evaluate")
        evaluated, proof = oprf.blind_evaluate_batch(
            self.share.secret, self.share.public_share, list(request.blinded_elements)
        )
        return keyholder_pb2.EvaluateResponse(
            epoch=self.share.epoch, share_index=self.share.index, evaluated_elements=evaluated, proof=proof
        )


@contextmanager
def _serve(servicer: CountingHolder, identity: pki.Identity) -> Iterator[int]:
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    keyholder_pb2_grpc.add_KeyHolderServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    port = server.add_secure_port("127.0.0.1:0", pki.server_credentials(identity))
    server.start()
    try:
        yield port
    finally:
        server.stop(0).wait()


@contextmanager
def _kh1_slot_and_real_kh2(
    dealing_dir: Path, make_identity: MakeId, role: str, name: str
) -> Iterator[tuple[CountingHolder, list[HolderEndpoint]]]:
    """A 2-of-3 network: the slot the node calls kh1 served under ``role``/``name``, and kh2."""
    kh1 = CountingHolder(load_share(dealing_dir / "holder-1.share.json"))
    kh2 = CountingHolder(load_share(dealing_dir / "holder-2.share.json"))
    with _serve(kh1, make_identity(role, name)) as p1, _serve(kh2, make_identity("keyholder", "kh2")) as p2:
        yield kh1, [HolderEndpoint("kh1", f"127.0.0.1:{p1}"), HolderEndpoint("kh2", f"127.0.0.1:{p2}")]


def _tokenize(endpoints: list[HolderEndpoint], member: pki.Identity) -> list[bytes]:
    tokenizer = Tokenizer(endpoints, 2, member, timeout=5)
    try:
        return tokenizer.tokenize([b"phone:+447700900123"])
    finally:
        tokenizer.close()


@pytest.mark.parametrize(
    ("role", "name"), [("member", "kh1"), ("keyholder", "kh2"), ("coordinator", "kh1")],
    ids=["member-cert", "other-holder", "coordinator-cert"],
)
def test_tokenizer_refuses_an_impostor_key_holder(
    dealing_dir: Path, make_identity: MakeId, role: str, name: str
) -> None:
    with _kh1_slot_and_real_kh2(dealing_dir, make_identity, role, name) as (impostor, endpoints):
        with pytest.raises(KeyHoldersUnavailable):
            _tokenize(endpoints, make_identity("member", "alpha"))
    assert impostor.calls == []  # the handshake failed before any request


def test_tokenizer_uses_the_named_key_holder(dealing_dir: Path, make_identity: MakeId) -> None:
    # The control: the same honest server with kh1's keyholder certificate is used.
    with _kh1_slot_and_real_kh2(dealing_dir, make_identity, "keyholder", "kh1") as (holder, endpoints):
        assert len(_tokenize(endpoints, make_identity("member", "alpha"))) == 1
    assert "Evaluate" in holder.calls
