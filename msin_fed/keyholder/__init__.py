"""The key holder: one Shamir share of the token key, served over mutual TLS.

``msin keyholder serve --config FILE`` runs :func:`running` on a
:class:`~msin_fed.keyholder.config.KeyHolderConfig`; ``msin keyholder deal`` splits a
fresh key for an epoch (:func:`msin_fed.threshold.deal`). A holder evaluates only for
members on the membership roster a quorum of key holders signed
(:mod:`~msin_fed.keyholder.roster`, ``msin keyholder roster ...``), within each member's
durable daily budget (:mod:`~msin_fed.keyholder.usage`).
"""

from __future__ import annotations

from msin_fed.keyholder.config import KeyHolderConfig, RosterConfig, load_config
from msin_fed.keyholder.limits import MemberLimits, Refusal
from msin_fed.keyholder.membership import Membership, install_roster
from msin_fed.keyholder.roster import (
    Roster,
    RosterMember,
    RosterRefused,
    SignedRoster,
    guesses_per_day,
    spki_fingerprint,
)
from msin_fed.keyholder.service import KeyHolderServicer, RunningServer, load_shares, running
from msin_fed.keyholder.usage import MemberUsage, UsageStore, UsageTotals

__all__ = [
    "KeyHolderConfig",
    "KeyHolderServicer",
    "MemberLimits",
    "MemberUsage",
    "Membership",
    "Refusal",
    "Roster",
    "RosterConfig",
    "RosterMember",
    "RosterRefused",
    "RunningServer",
    "SignedRoster",
    "UsageStore",
    "UsageTotals",
    "guesses_per_day",
    "install_roster",
    "load_config",
    "load_shares",
    "running",
    "spki_fingerprint",
]
