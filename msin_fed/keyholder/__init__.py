"""The key holder: one Shamir share of the token key, served over mutual TLS.

``msin keyholder serve --config FILE`` runs :func:`running` on a
:class:`~msin_fed.keyholder.config.KeyHolderConfig`; ``msin keyholder deal`` splits a
fresh key for an epoch (:func:`msin_fed.threshold.deal`).
"""

from __future__ import annotations

from msin_fed.keyholder.config import KeyHolderConfig, load_config
from msin_fed.keyholder.limits import MemberLimits, Refusal
from msin_fed.keyholder.service import KeyHolderServicer, RunningServer, load_shares, running

__all__ = [
    "KeyHolderConfig",
    "KeyHolderServicer",
    "MemberLimits",
    "Refusal",
    "RunningServer",
    "load_config",
    "load_shares",
    "running",
]
