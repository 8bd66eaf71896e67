"""The analyst console's calls to the coordinator and key holders, as the person signed in.

Every call goes over mutual TLS with the console's own analyst certificate, so the
coordinator applies its policy to it as to any analyst; the signed-in person's account
name travels as the ``msin-person`` metadata, which the coordinator writes into its audit
entry (``sttg-analyst/alice``). Nothing here decides what an analyst may see.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from msin_fed import pki
from msin_fed.analyst import AnalystClient
from msin_fed.cases_client import AnalystCases
from msin_fed.clients import PERSON_METADATA, person_metadata
from msin_fed.errors import RemoteError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

__all__ = ["PERSON_METADATA", "AnalystCalls", "CallRefused"]


@dataclass(frozen=True)
class CallRefused(Exception):
    """The coordinator refused a call: its status name and its (data-free) reason."""

    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class AnalystCalls:
    """One channel to the coordinator with the analyst identity; thread-safe."""

    def __init__(self, address: str, name: str, identity: pki.Identity, *,
                 holders: Sequence[tuple[str, str]] = (), timeout: float = 15.0) -> None:
        if identity.role != "analyst":
            raise ValueError("the analyst console needs an analyst certificate")
        self.address, self.name, self.identity = address, name, identity
        self.holders = list(holders)
        self.timeout = timeout
        self._channel = pki.secure_channel(address, identity, role="coordinator", name=name)
        self._stub = pb_grpc.CoordinatorStub(self._channel)  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()
        # cli-surface's client (ListAlerts, ListActions, GetAudit), on a channel of its own.
        self._client = AnalystClient(address, identity, name, timeout=timeout)
        self._cases = AnalystCases(self._channel, identity, timeout=timeout)

    def close(self) -> None:
        """Close the channels."""
        self._channel.close()
        self._client.close()

    def client(self, person: str) -> AnalystClient:
        """:class:`~msin_fed.analyst.AnalystClient` whose calls name ``person`` (shares one channel)."""
        return self._client.with_person(person)

    def _call(self, method: str, request: Any, person: str) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout,
                                               metadata=person_metadata(person))
        except grpc.RpcError as exc:
            code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
            details = exc.details() if hasattr(exc, "details") else ""
            raise CallRefused(code, str(details or "")) from None

    def cases(self, person: str) -> AnalystCases:
        """The cases API (:class:`~msin_fed.cases_client.AnalystCases`) over this channel, each
        call naming ``person``; messages are sealed and opened with the console's analyst key."""
        return self._cases.with_person(person)

    def clusters(self, person: str, limit: int = 500) -> list[pb.Cluster]:
        """Every cluster, largest first (ListClusters)."""
        return list(self._call("ListClusters", pb.ListClustersRequest(limit=limit), person).clusters)

    def raise_alert(self, person: str, record_id: str, summary: str) -> str:
        """Raise an alert on a shared record; the alert id (CallRefused with the coordinator's reason)."""
        reply = self._call("RaiseAlert", pb.RaiseAlertRequest(record_id=record_id, summary=summary), person)
        return str(reply.alert_id)

    def usage_totals(self) -> dict[str, Any]:
        """Each key holder's usage totals today (or the RemoteError of that holder)."""
        from msin_fed.keyholder.usage_client import usage_totals
        from msin_fed.tokenizer import HolderEndpoint

        answers: dict[str, Any] = dict(usage_totals([HolderEndpoint(n, a) for n, a in self.holders], self.identity))
        return {k: v for k, v in answers.items() if not isinstance(v, RemoteError)} | {
            k: v for k, v in answers.items() if isinstance(v, RemoteError)}
