"""A dishonest key holder for the fault tests: the real service, lying in Evaluate.

Run as ``python rogue_keyholder.py CONFIG``. It serves exactly like ``msin keyholder
serve`` (same configuration, certificate, share and public key) except that every
evaluated element is shifted by the generator, so its answers are wrong while looking
well formed. Nodes must catch that with the DLEQ proof, name this holder and route
around it.
"""

from __future__ import annotations

import signal
import sys
import threading

import grpc

from msin_fed.keyholder import load_config
from msin_fed.keyholder.service import KeyHolderServicer, running
from msin_fed.oprf import _group as G
from msin_fed.proto import keyholder_pb2


class LyingServicer(KeyHolderServicer):
    """Evaluates correctly, then tampers with every element before answering."""

    def Evaluate(
        self, request: keyholder_pb2.EvaluateRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.EvaluateResponse:
        honest = super().Evaluate(request, context)
        tampered = [G.add(bytes(d), G.GENERATOR) for d in honest.evaluated_elements]
        return keyholder_pb2.EvaluateResponse(
            epoch=honest.epoch, share_index=honest.share_index,
            evaluated_elements=tampered, proof=honest.proof,
        )


def main() -> int:
    config = load_config(sys.argv[1])
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with running(config, servicer_class=LyingServicer) as srv:
        print(f"rogue key holder serving share {srv.share_index} on port {srv.port}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
