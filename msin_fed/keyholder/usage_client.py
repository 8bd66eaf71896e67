"""Asking key holders how much has been used: a member its own budget, STTG the totals.

Each call goes to every holder given, over mutual TLS; a holder that refuses or is down
is reported by name with its :class:`~msin_fed.errors.RemoteError` and does not hide the
others' answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import grpc

from msin_fed import pki
from msin_fed.errors import RemoteError
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.tokenizer import HolderEndpoint

__all__ = ["member_usage", "usage_totals"]

T = TypeVar("T")


def _ask_each(
    endpoints: Sequence[HolderEndpoint],
    identity: pki.Identity,
    call: Callable[[keyholder_pb2_grpc.KeyHolderStub], T],
) -> dict[str, T | RemoteError]:
    answers: dict[str, T | RemoteError] = {}
    for endpoint in endpoints:
        channel = pki.secure_channel(endpoint.target, identity, role="keyholder", name=endpoint.name)
        try:
            answers[endpoint.name] = call(keyholder_pb2_grpc.KeyHolderStub(channel))  # type: ignore[no-untyped-call]
        except grpc.RpcError as exc:
            code = exc.code().name if hasattr(exc, "code") else ""
            details = exc.details() if hasattr(exc, "details") else ""
            answers[endpoint.name] = RemoteError(details or "call failed", code)
        finally:
            channel.close()
    return answers


def member_usage(
    endpoints: Sequence[HolderEndpoint], identity: pki.Identity, *, timeout: float = 10.0
) -> dict[str, keyholder_pb2.MemberUsage | RemoteError]:
    """The calling member's own use of each key holder today, by holder name."""
    return _ask_each(endpoints, identity, lambda s: s.GetUsage(keyholder_pb2.GetUsageRequest(), timeout=timeout))


def usage_totals(
    endpoints: Sequence[HolderEndpoint], identity: pki.Identity, *, timeout: float = 10.0
) -> dict[str, keyholder_pb2.UsageTotals | RemoteError]:
    """Every member's use of each key holder today, summed (analyst, advisory or admin)."""
    return _ask_each(
        endpoints, identity, lambda s: s.GetUsageTotals(keyholder_pb2.GetUsageTotalsRequest(), timeout=timeout)
    )
