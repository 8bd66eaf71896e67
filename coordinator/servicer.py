"""Thin gRPC servicer: protobuf in, :class:`.service.CoordinatorService` call, protobuf out.

Errors map to status codes here and nowhere else (:data:`STATUS_OF`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NoReturn, TypeVar

import grpc

from msin_fed import pki
from msin_fed.errors import MsinError, RedactionRefused, StoreError, ValidationError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import event_to_pb, grade_to_pb, match_event_to_pb, tlp_to_pb

from .service import AccessDenied, Busy, Caller, CoordinatorService, NotFound, Refused

__all__ = ["POLICY", "STATUS_OF", "CoordinatorServicer", "status_of"]

#: Roles allowed per method, checked by :class:`msin_fed.pki.AuthInterceptor`.
POLICY: dict[str, frozenset[str]] = {
    "SubmitBatch": frozenset({"member"}),
    "Withdraw": frozenset({"member", "admin"}),
    "Subscribe": frozenset({"member", "analyst", "advisory"}),
    "RaiseAlert": frozenset({"member", "analyst"}),
    "ListMatches": frozenset({"member"}),
    "ListClusters": frozenset({"analyst"}),
    "RecordAction": frozenset({"member"}),
}

#: Error class -> status code, most specific first.
STATUS_OF: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (AccessDenied, grpc.StatusCode.PERMISSION_DENIED),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Busy, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Refused, grpc.StatusCode.FAILED_PRECONDITION),
    (RedactionRefused, grpc.StatusCode.FAILED_PRECONDITION),
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (StoreError, grpc.StatusCode.UNAVAILABLE),
    (PermissionError, grpc.StatusCode.UNAUTHENTICATED),
    (MsinError, grpc.StatusCode.INTERNAL),
)


def status_of(exc: BaseException) -> grpc.StatusCode | None:
    """The status code an error maps to (None: not ours, let gRPC report INTERNAL)."""
    for kind, code in STATUS_OF:
        if isinstance(exc, kind):
            return code
    return None


def _abort(context: grpc.ServicerContext, exc: BaseException) -> NoReturn:
    code = status_of(exc)
    if code is None:
        raise exc
    context.abort(code, str(exc))


_R = TypeVar("_R")


def _caller(context: grpc.ServicerContext) -> Caller:
    peer = pki.peer_of(context)
    return Caller(peer.role, peer.name, peer.signing_public_key, peer.sealing_public_key)


class CoordinatorServicer(pb_grpc.CoordinatorServicer):
    """The msin.v1.Coordinator service over a :class:`CoordinatorService`."""

    def __init__(self, service: CoordinatorService) -> None:
        self.service = service

    def _call(self, context: grpc.ServicerContext, fn: Callable[[Caller], _R]) -> _R:
        """Run ``fn`` for the caller, after its call-rate check; errors become statuses."""
        try:
            caller = _caller(context)
            self.service.admit(caller)
            return fn(caller)
        except (MsinError, PermissionError) as exc:
            _abort(context, exc)

    def SubmitBatch(
        self, request: pb.SubmitBatchRequest, context: grpc.ServicerContext
    ) -> pb.SubmitBatchResponse:
        acks = self._call(context, lambda c: self.service.submit_batch(c, request.submissions, request.signature))
        return pb.SubmitBatchResponse(
            acks=[
                pb.Ack(submission_id=a.submission_id, record_id=a.record_id, duplicate=a.duplicate)
                for a in acks
            ]
        )

    def Withdraw(self, request: pb.WithdrawRequest, context: grpc.ServicerContext) -> pb.WithdrawResponse:
        done = self._call(context, lambda c: self.service.withdraw(c, request.record_id))
        return pb.WithdrawResponse(withdrawn=done)

    def Subscribe(self, request: pb.SubscribeRequest, context: grpc.ServicerContext) -> Iterator[pb.Event]:
        stream = self._call(context, lambda c: self.service.events(c, request.after_cursor, context.is_active))
        try:
            for event in stream:
                yield event_to_pb(event)
        except (MsinError, PermissionError) as exc:
            _abort(context, exc)

    def RaiseAlert(
        self, request: pb.RaiseAlertRequest, context: grpc.ServicerContext
    ) -> pb.RaiseAlertResponse:
        alert_id = self._call(context, lambda c: self.service.raise_alert(c, request.record_id, request.summary))
        return pb.RaiseAlertResponse(alert_id=alert_id)

    def ListMatches(
        self, request: pb.ListMatchesRequest, context: grpc.ServicerContext
    ) -> pb.ListMatchesResponse:
        matches = self._call(context, lambda c: self.service.list_matches(c, request.record_id))
        return pb.ListMatchesResponse(matches=[match_event_to_pb(m) for m in matches])

    def ListClusters(
        self, request: pb.ListClustersRequest, context: grpc.ServicerContext
    ) -> pb.ListClustersResponse:
        clusters, records = self._call(context, lambda c: self.service.list_clusters(c, request.limit))
        out = []
        for cl in clusters:
            recs = []
            for rid in cl.record_ids:
                r = records.get(rid)
                if r is None:
                    continue
                recs.append(
                    pb.ClusterRecord(
                        record_id=r.record_id,
                        member_id=r.member_id,
                        narrative=r.narrative,
                        region=r.region.value,
                        sector=r.sector.value,
                        exploitation_type=r.exploitation_type.value,
                        month=r.month,
                        grade=grade_to_pb(r.grade),
                        tlp=tlp_to_pb(r.tlp),  # type: ignore[arg-type]
                    )
                )
            out.append(
                pb.Cluster(
                    cluster_id=cl.cluster_id,
                    kind=cl.kind,
                    records=recs,
                    matched_kinds=list(cl.matched_kinds),
                    members=len(cl.members),
                    first_month=cl.first_month,
                    last_month=cl.last_month,
                )
            )
        return pb.ListClustersResponse(clusters=out)

    def RecordAction(
        self, request: pb.RecordActionRequest, context: grpc.ServicerContext
    ) -> pb.RecordActionResponse:
        outcome = (
            pb.ActionOutcome.Name(request.outcome) if request.outcome in pb.ActionOutcome.values() else ""
        )
        action_id = self._call(
            context,
            lambda c: self.service.record_action(
                c, request.record_id, request.alert_id, outcome, request.date
            ),
        )
        return pb.RecordActionResponse(action_id=action_id)
