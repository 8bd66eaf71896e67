"""Thin gRPC servicer of msin.v1.Cases: protobuf in, :class:`.case_service.CaseService` call, protobuf out.

Errors map to status codes with the coordinator servicer's table (:data:`.servicer.STATUS_OF`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import grpc

from msin_fed.errors import MsinError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import case_view_to_pb, recommendation_to_pb, sealed_message_to_pb

from .case_service import CaseService
from .service import Caller, CoordinatorService
from .servicer import _abort, _caller

__all__ = ["CASE_POLICY", "CasesServicer"]

_ANALYST = frozenset({"analyst"})
_MEMBER = frozenset({"member"})
_PARTIES = frozenset({"analyst", "member"})
_ALL = frozenset({"analyst", "member", "advisory"})

#: Roles allowed per method, checked by :class:`msin_fed.pki.AuthInterceptor`.
CASE_POLICY: dict[str, frozenset[str]] = {
    "OpenCase": _ANALYST,
    "ListCases": _ALL,
    "GetCase": _ALL,
    "PostMessage": _PARTIES,
    "ListMessages": _PARTIES,
    "Broker": _ANALYST,
    "Consent": _MEMBER,
    "Decline": _MEMBER,
    "Reveal": _MEMBER,
    "Refer": _PARTIES,
    "AddNote": frozenset({"advisory"}),
    "Recommend": frozenset({"advisory"}),
    "Escalate": _ANALYST,
    "GetCaseStix": _ANALYST,
    "RecordCaseAction": _MEMBER,
    "CloseCase": _ANALYST,
}

_R = TypeVar("_R")


class CasesServicer(pb_grpc.CasesServicer):
    """The msin.v1.Cases service over a :class:`CaseService`."""

    def __init__(self, cases: CaseService, service: CoordinatorService) -> None:
        self.cases = cases
        self.service = service

    def _call(self, context: grpc.ServicerContext, fn: Callable[[Caller], _R]) -> _R:
        try:
            # The same caller as the Coordinator service's: an analyst console's msin-person
            # metadata names the person in the audit log ("sttg-analyst/ann"), validated there.
            caller = _caller(context)
            self.service.admit(caller)
            self.cases.note_key(caller)
            return fn(caller)
        except (MsinError, PermissionError) as exc:
            _abort(context, exc)

    def OpenCase(self, request: pb.OpenCaseRequest, context: grpc.ServicerContext) -> pb.CaseView:
        view = self._call(
            context,
            lambda c: self.cases.open_case(c, cluster_id=request.cluster_id, record_id=request.record_id, title=request.title),
        )
        return case_view_to_pb(view)

    def ListCases(self, request: pb.ListCasesRequest, context: grpc.ServicerContext) -> pb.ListCasesResponse:
        views = self._call(context, self.cases.list_cases)
        return pb.ListCasesResponse(cases=[case_view_to_pb(v) for v in views])

    def GetCase(self, request: pb.GetCaseRequest, context: grpc.ServicerContext) -> pb.CaseView:
        return case_view_to_pb(self._call(context, lambda c: self.cases.view(c, request.case_id)))

    def PostMessage(self, request: pb.PostMessageRequest, context: grpc.ServicerContext) -> pb.PostMessageResponse:
        message_id = self._call(
            context, lambda c: self.cases.post_message(c, request.case_id, request.sealed, request.to_member)
        )
        return pb.PostMessageResponse(message_id=message_id)

    def ListMessages(self, request: pb.ListMessagesRequest, context: grpc.ServicerContext) -> pb.ListMessagesResponse:
        messages = self._call(context, lambda c: self.cases.messages(c, request.case_id))
        return pb.ListMessagesResponse(messages=[sealed_message_to_pb(m) for m in messages])

    def Broker(self, request: pb.BrokerRequest, context: grpc.ServicerContext) -> pb.BrokerResponse:
        proposal_id = self._call(
            context, lambda c: self.cases.broker(c, request.case_id, request.member_a, request.member_b, request.note)
        )
        return pb.BrokerResponse(proposal_id=proposal_id)

    def Consent(self, request: pb.ConsentRequest, context: grpc.ServicerContext) -> pb.ConsentResponse:
        peer = self._call(context, lambda c: self.cases.consent(c, request.proposal_id, request.self_sealed))
        return pb.ConsentResponse(agreed=peer is not None, peer_key=peer or b"")

    def Decline(self, request: pb.DeclineRequest, context: grpc.ServicerContext) -> pb.DeclineResponse:
        self._call(context, lambda c: self.cases.decline(c, request.proposal_id))
        return pb.DeclineResponse()

    def Reveal(self, request: pb.RevealRequest, context: grpc.ServicerContext) -> pb.RevealResponse:
        self._call(context, lambda c: self.cases.reveal(c, request.proposal_id, request.sealed))
        return pb.RevealResponse()

    def Refer(self, request: pb.ReferRequest, context: grpc.ServicerContext) -> pb.ReferResponse:
        self._call(context, lambda c: self.cases.refer(c, request.case_id, request.position))
        return pb.ReferResponse()

    def AddNote(self, request: pb.AddNoteRequest, context: grpc.ServicerContext) -> pb.AddNoteResponse:
        self._call(context, lambda c: self.cases.add_note(c, request.case_id, request.text))
        return pb.AddNoteResponse()

    def Recommend(self, request: pb.RecommendRequest, context: grpc.ServicerContext) -> pb.RecommendResponse:
        rec = self._call(
            context,
            lambda c: self.cases.recommend(
                c, request.case_id, text=request.text, recommendation_id=request.recommendation_id
            ),
        )
        return pb.RecommendResponse(recommendation=recommendation_to_pb(rec), quorum=self.cases.config.quorum)

    def Escalate(self, request: pb.EscalateRequest, context: grpc.ServicerContext) -> pb.EscalateResponse:
        bundle = self._call(
            context, lambda c: self.cases.escalate(c, request.case_id, request.reason, request.note, request.agency)
        )
        return pb.EscalateResponse(stix_bundle=json.dumps(bundle, sort_keys=True))

    def GetCaseStix(self, request: pb.GetCaseStixRequest, context: grpc.ServicerContext) -> pb.GetCaseStixResponse:
        bundle = self._call(context, lambda c: self.cases.stix(c, request.case_id))
        return pb.GetCaseStixResponse(stix_bundle=json.dumps(bundle, sort_keys=True))

    def RecordCaseAction(
        self, request: pb.RecordCaseActionRequest, context: grpc.ServicerContext
    ) -> pb.RecordCaseActionResponse:
        action_id = self._call(
            context,
            lambda c: self.cases.record_action(
                c, request.case_id, request.kind, request.outcome, request.date, request.lessons
            ),
        )
        return pb.RecordCaseActionResponse(action_id=action_id)

    def CloseCase(self, request: pb.CloseCaseRequest, context: grpc.ServicerContext) -> pb.CaseView:
        return case_view_to_pb(self._call(context, lambda c: self.cases.close(c, request.case_id, request.outcome)))
