"""RFC 9497 oblivious PRFs over ristretto255-SHA512: the primitive under blind tokens.

A token is ``evaluate(k, input)`` for the network key ``k`` of an epoch. Nodes obtain
it without revealing ``input`` (``blind`` -> key holders' ``blind_evaluate_batch`` ->
``finalize_batch``), and key holders prove each evaluation (VOPRF mode, batched DLEQ
proofs ``generate_proof``/``verify_proof``). Tokens are VOPRF-mode outputs, the default
``mode`` of every function here; OPRF mode exists for completeness and the RFC vectors.

This is the hazardous layer: byte strings in, byte strings out, validated. The recipes
built on it are :mod:`msin_fed.tokenizer` (nodes) and :mod:`msin_fed.keyholder`.
"""

from __future__ import annotations

from msin_fed.oprf._group import (
    ELEMENT_SIZE,
    GENERATOR,
    ORDER,
    SCALAR_SIZE,
    deserialize_element,
    deserialize_scalar,
)
from msin_fed.oprf._protocol import (
    MAX_BATCH,
    OUTPUT_SIZE,
    PROOF_SIZE,
    SUITE_ID,
    Mode,
    blind,
    blind_evaluate,
    blind_evaluate_batch,
    compute_composites,
    compute_composites_fast,
    derive_key_pair,
    evaluate,
    finalize,
    finalize_batch,
    finalize_unblinded,
    generate_proof,
    public_key,
    verify_proof,
)

__all__ = [
    "ELEMENT_SIZE",
    "GENERATOR",
    "MAX_BATCH",
    "ORDER",
    "OUTPUT_SIZE",
    "PROOF_SIZE",
    "SCALAR_SIZE",
    "SUITE_ID",
    "Mode",
    "blind",
    "blind_evaluate",
    "blind_evaluate_batch",
    "compute_composites",
    "compute_composites_fast",
    "derive_key_pair",
    "deserialize_element",
    "deserialize_scalar",
    "evaluate",
    "finalize",
    "finalize_batch",
    "finalize_unblinded",
    "generate_proof",
    "public_key",
    "verify_proof",
]
