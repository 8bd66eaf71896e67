"""msin-fed: federated, privacy-preserving intelligence sharing for the MSIN.

The library every process embeds. Submodules, lowest layer first:

- ``msin_fed.errors``: the one error tree.
- ``msin_fed.model``: validated domain types (reports, identifiers, grades, TLP, tokens).
- ``msin_fed.canonical``: the CSV/JSON layout members import, and its validator.
- ``msin_fed.proto``: generated gRPC/protobuf code for ``protos/msin/v1`` (never edited).
- ``msin_fed.wire``: conversion between protobuf messages and domain types.
- ``msin_fed.pki``: the network CA, certificates carrying role and member id, mTLS.
- ``msin_fed.node`` (from ``node/``) and ``msin_fed.coordinator`` (from ``coordinator/``).
"""

from msin_fed.errors import MsinError, ValidationError

__version__ = "0.1.0"

__all__ = ["MsinError", "ValidationError", "__version__"]
