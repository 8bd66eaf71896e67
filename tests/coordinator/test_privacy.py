"""What a thief gets from the coordinator: its database and logs hold none of the nodes' identifiers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import oprf, pki
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, make_config, record, signed_batch, submission

IDENTIFIERS = {
    "phone": "+447700900123",
    "email": "jan.kowalski@example.com",
    "vehicle": "AB12CDE",
    "name_dob": "jan kowalski|1984-02-29",
}
RAW = (
    "Jan Kowalski (born 29/02/1984) drives AB12CDE and collects workers from the farm; "
    "call him on 07700 900123 or write to jan.kowalski@example.com."
)


@pytest.fixture(scope="session")
def redactor() -> object:
    from msin_fed.redaction import Redactor

    return Redactor()


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "coordinator.log"
    handler = logging.FileHandler(path)
    logger = logging.getLogger("msin_fed")
    old = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield path
    logger.removeHandler(handler)
    logger.setLevel(old)
    handler.close()


def test_database_and_logs_hold_no_plaintext_identifiers(
    tmp_path: Path,
    coordinator_identity: pki.Identity,
    make_identity: Callable[[str, str], pki.Identity],
    redactor: object,
    log_file: Path,
) -> None:
    from msin_fed.redaction import Redactor

    assert isinstance(redactor, Redactor)
    sk, _pk = oprf.derive_key_pair(b"\x07" * 32, b"msin test epoch 1")

    def tokens_for(member_salt: str) -> tuple[object, ...]:
        from msin_fed.model import Token

        return tuple(Token(k, oprf.evaluate(sk, f"{k}:{v}".encode()), 1) for k, v in IDENTIFIERS.items())

    narrative = redactor.redact_verified(RAW, list(IDENTIFIERS.values())[:3]).text
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    # Records are checked (and narratives re-verified) in a worker process, as deployed.
    config = make_config(tmp_path, coordinator_identity, intake_workers=1)
    with CoordinatorServer(config, verifier=redactor) as server:
        live = Live(server)
        for ident, rid in ((alpha, "pa"), (beta, "pb")):
            rec = record(ident.name, rid, tokens_for(ident.name), narrative=narrative, time_sensitive=True)  # type: ignore[arg-type]
            live.stub(ident).SubmitBatch(
                signed_batch(ident, submission(rec)), timeout=20
            )
        # A leaky narrative is refused; its text must not reach the logs either.
        leaky = record("alpha", "leak", narrative=RAW)
        with pytest.raises(grpc.RpcError) as refused:
            live.stub(alpha).SubmitBatch(
                signed_batch(alpha, submission(leaky)), timeout=20
            )
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]
        assert "residue" in refused.value.details()  # type: ignore[attr-defined]
        live.stub(alpha).RaiseAlert(
            pb.RaiseAlertRequest(record_id="pa", summary="Workers at the farm may be moved tonight."),
            timeout=20,
        )
        assert len(live.stub(alpha).ListMatches(pb.ListMatchesRequest(), timeout=5).matches) == 1
        live.close()

    dumps = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert dumps, "nothing was written"
    needles = [*IDENTIFIERS.values(), "Kowalski", "07700 900123", "7700900123", "AB12CDE", "29/02/1984"]
    for needle in needles:
        for form in {needle, needle.lower(), needle.upper()}:
            assert form.encode() not in dumps, "a plaintext identifier reached the coordinator's files"
