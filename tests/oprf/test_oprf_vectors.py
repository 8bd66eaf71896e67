"""RFC 9497 Appendix A.1 vectors (ristretto255-SHA512, OPRF and VOPRF modes) as data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from msin_fed import oprf
from msin_fed.oprf import _protocol

VECTORS = json.loads(
    (Path(__file__).parent.parent / "data" / "rfc9497_ristretto255.json").read_text()
)


def _cases() -> list[Any]:
    cases = []
    for suite in VECTORS["suites"]:
        for n, vector in enumerate(suite["vectors"], 1):
            batch = len(vector["Input"])
            cases.append(
                pytest.param(suite, vector, id=f"{suite['mode']}-vector{n}-batch{batch}")
            )
    return cases


def _h(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


@pytest.mark.parametrize(("suite", "vector"), _cases())
def test_rfc9497_vector(suite: dict[str, Any], vector: dict[str, Any]) -> None:
    mode = oprf.Mode[suite["mode"]]
    sk, pk = oprf.derive_key_pair(
        bytes.fromhex(suite["seed"]), bytes.fromhex(suite["key_info"]), mode
    )
    assert sk.hex() == suite["skSm"]
    if "pkSm" in suite:
        assert pk.hex() == suite["pkSm"]

    inputs, blinds = _h(vector["Input"]), _h(vector["Blind"])
    blinded = [_protocol._blind_with(x, r, mode)[1] for x, r in zip(inputs, blinds)]
    assert [b.hex() for b in blinded] == vector["BlindedElement"]

    if mode is oprf.Mode.OPRF:
        evaluated = [oprf.blind_evaluate(sk, b) for b in blinded]
        outputs = [oprf.finalize(x, r, e) for x, r, e in zip(inputs, blinds, evaluated)]
    else:
        evaluated, proof = _protocol._blind_evaluate_batch_with(
            sk, pk, blinded, bytes.fromhex(vector["ProofRandomScalar"]), mode
        )
        assert proof.hex() == vector["Proof"]
        assert oprf.verify_proof(oprf.GENERATOR, pk, blinded, evaluated, proof, mode)
        outputs = oprf.finalize_batch(inputs, blinds, evaluated, blinded, pk, proof, mode)
    assert [e.hex() for e in evaluated] == vector["EvaluationElement"]
    assert [o.hex() for o in outputs] == vector["Output"]
    assert [oprf.evaluate(sk, x, mode).hex() for x in inputs] == vector["Output"]
