"""Python API of cases for analysts (STTG) and the Advisory Group, over msin.v1.Cases.

::

    with AnalystCases.connect("coordinator:50051", pki.load_identity("analyst"), "coordinator") as cases:
        case = cases.open(cluster_id=cluster.cluster_id, title="Packhouse labour provider")
        cases.message(case.case_id, "beta", "Can you tell us more about the site?")
        for m in cases.messages(case.case_id):
            print(m.member, m.from_role, m.text)

Messages are sealed here, with the caller's own key (``sealing.key`` beside its
certificate), to the recipient's key; the coordinator only ever sees ciphertext. The
member side lives in :mod:`msin_fed.node.cases`.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import json
from dataclasses import dataclass
from typing import Any, Self

import grpc

from msin_fed import pki
from msin_fed.clients import ChannelClient, Metadata
from msin_fed.errors import RemoteError, ValidationError
from msin_fed.model.cases import CaseView, Recommendation
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.sealing import SealError, open_message, seal_message
from msin_fed.wire import case_view_from_pb, recommendation_from_pb, sealed_message_from_pb

__all__ = ["AdvisoryCases", "AnalystCases", "CasesClient", "OpenedMessage"]


@dataclass(frozen=True)
class OpenedMessage:
    """A message of a case thread, opened with the caller's key.

    ``sender`` is "you", "STTG" or "member" (the other party of the thread); ``member``
    names the thread's member for analysts (empty for members); ``text`` is None when
    the message could not be opened with the caller's key (another analyst's thread).
    """

    message_id: str
    sender: str
    member: str
    text: str | None
    at: _dt.datetime


class CasesClient(ChannelClient):
    """What every party does with cases: list, show, read its messages.

    ``metadata`` is sent with every call (a console names the signed-in person with
    :meth:`with_person`); ``own`` closes ``channel`` with the client.
    """

    def __init__(self, channel: grpc.Channel, identity: pki.Identity, *, timeout: float = 30.0, own: bool = False,
                 metadata: Metadata = ()) -> None:
        super().__init__(channel, own=own, metadata=metadata)
        self._stub = pb_grpc.CasesStub(channel)  # type: ignore[no-untyped-call]
        self.identity = identity
        self.timeout = timeout

    @classmethod
    def connect(cls, address: str, identity: pki.Identity, coordinator_name: str, *, timeout: float = 30.0) -> Self:
        """A client over a new mutual-TLS channel to the coordinator ``coordinator_name``."""
        channel = pki.secure_channel(address, identity, role="coordinator", name=coordinator_name)
        return cls(channel, identity, timeout=timeout, own=True)

    def _rpc(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            details = str(exc.details() if hasattr(exc, "details") else "") or "call failed"
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise ValidationError("request", details) from None
            raise RemoteError(details, code.name if code is not None else "") from None

    def list(self) -> builtins.list[CaseView]:
        """The cases the caller takes part in (without records, time line or messages)."""
        reply = self._rpc("ListCases", pb.ListCasesRequest())
        return [case_view_from_pb(c) for c in reply.cases]

    def show(self, case_id: str) -> CaseView:
        """One case as the caller may see it."""
        return case_view_from_pb(self._rpc("GetCase", pb.GetCaseRequest(case_id=case_id)))

    def messages(self, case_id: str) -> builtins.list[OpenedMessage]:
        """The caller's thread(s) on a case, opened with its sealing key, oldest first."""
        own = self.identity.sealing_key
        mine = bytes(own.public_key)
        reply = self._rpc("ListMessages", pb.ListMessagesRequest(case_id=case_id))
        out = []
        for msg in reply.messages:
            m = sealed_message_from_pb(msg)
            other = m.recipient_key if m.sender_key == mine else m.sender_key
            try:
                text: str | None = open_message(m.sealed, own, other)
            except SealError:
                text = None
            if m.sender_key == mine:
                sender = "you"
            else:
                sender = "STTG" if m.from_role == "analyst" else "member"
            out.append(OpenedMessage(m.message_id, sender, m.member, text, m.at))
        return out


class AnalystCases(CasesClient):
    """STTG's side: open cases, talk with each member, broker contact, refer, escalate, close."""

    def open(self, *, cluster_id: str = "", record_id: str = "", title: str = "") -> CaseView:
        """Open a case from a cluster (or from one record)."""
        reply = self._rpc("OpenCase", pb.OpenCaseRequest(cluster_id=cluster_id, record_id=record_id, title=title))
        return case_view_from_pb(reply)

    def message(self, case_id: str, member: str, text: str) -> str:
        """Seal ``text`` to ``member``'s key and post it on the case; the message id."""
        key = self.show(case_id).member_keys.get(member)
        if key is None:
            raise ValidationError("member", "is not a member of the case, or has not connected with a sealing key yet")
        sealed = seal_message(text, self.identity.sealing_key, key)
        reply = self._rpc("PostMessage", pb.PostMessageRequest(case_id=case_id, to_member=member, sealed=sealed))
        return str(reply.message_id)

    def broker(self, case_id: str, member_a: str, member_b: str, note: str = "") -> str:
        """Propose that two members of the case speak directly; the proposal id."""
        reply = self._rpc(
            "Broker", pb.BrokerRequest(case_id=case_id, member_a=member_a, member_b=member_b, note=note)
        )
        return str(reply.proposal_id)

    def refer(self, case_id: str, position: str) -> None:
        """Refer the case to the Advisory Group, stating STTG's position."""
        self._rpc("Refer", pb.ReferRequest(case_id=case_id, position=position))

    def escalate(self, case_id: str, reason: str, agency: str, note: str = "") -> dict[str, Any]:
        """Record that the case reached the threshold for law enforcement; its STIX 2.1 bundle."""
        reply = self._rpc("Escalate", pb.EscalateRequest(case_id=case_id, reason=reason, note=note, agency=agency))
        bundle: dict[str, Any] = json.loads(reply.stix_bundle)
        return bundle

    def stix(self, case_id: str) -> dict[str, Any]:
        """The STIX 2.1 bundle of an escalated case again (the same ids as :meth:`escalate`
        gave); RemoteError FAILED_PRECONDITION when the case was not escalated."""
        reply = self._rpc("GetCaseStix", pb.GetCaseStixRequest(case_id=case_id))
        bundle: dict[str, Any] = json.loads(reply.stix_bundle)
        return bundle

    def close_case(self, case_id: str, outcome: str) -> CaseView:
        """Close the case with an outcome."""
        return case_view_from_pb(self._rpc("CloseCase", pb.CloseCaseRequest(case_id=case_id, outcome=outcome)))


class AdvisoryCases(CasesClient):
    """The Advisory Group's side: read referred cases, add notes, recommend with a quorum."""

    def note(self, case_id: str, text: str) -> None:
        """Add a note to a referred case."""
        self._rpc("AddNote", pb.AddNoteRequest(case_id=case_id, text=text))

    def recommend(self, case_id: str, text: str) -> tuple[Recommendation, int]:
        """Propose a recommendation (the caller agrees to it); it and the quorum."""
        reply = self._rpc("Recommend", pb.RecommendRequest(case_id=case_id, text=text))
        return recommendation_from_pb(reply.recommendation), int(reply.quorum)

    def agree(self, case_id: str, recommendation_id: str) -> tuple[Recommendation, int]:
        """Agree to a recommendation; recorded once a quorum agreed."""
        reply = self._rpc("Recommend", pb.RecommendRequest(case_id=case_id, recommendation_id=recommendation_id))
        return recommendation_from_pb(reply.recommendation), int(reply.quorum)
