"""Thin gRPC servicer: protobuf in, :class:`.service.CoordinatorService` call, protobuf out.

Errors map to status codes here and nowhere else (:data:`STATUS_OF`).
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import grpc

from msin_fed import pki
from msin_fed.clients import PERSON_METADATA
from msin_fed.errors import MsinError, RedactionRefused, StoreError, StoreFull, ValidationError
from msin_fed.model import SharedRecord
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import event_to_pb, grade_to_pb, match_event_to_pb, tlp_to_pb

from .insights.wire import insights_to_pb
from .service import AccessDenied, Busy, Caller, CoordinatorService, NotFound, Refused
from .store import ActionRow, AlertRow, ClusterInfo
from .views import ClusterFilter

__all__ = ["POLICY", "STATUS_OF", "CoordinatorServicer", "status_of"]

log = logging.getLogger("msin_fed.coordinator")

#: Roles allowed per method, checked by :class:`msin_fed.pki.AuthInterceptor`.
POLICY: dict[str, frozenset[str]] = {
    "SubmitBatch": frozenset({"member"}),
    "Withdraw": frozenset({"member", "admin"}),
    "Subscribe": frozenset({"member", "analyst", "advisory"}),
    "RaiseAlert": frozenset({"member", "analyst"}),
    "ListMatches": frozenset({"member"}),
    "ListClusters": frozenset({"analyst"}),
    "RecordAction": frozenset({"member", "analyst"}),
    "GetCluster": frozenset({"analyst"}),
    "ListAlerts": frozenset({"analyst"}),
    "ListActions": frozenset({"member", "analyst"}),
    "GetAudit": frozenset({"analyst"}),
    "GetInsights": frozenset({"analyst"}),
}

#: Error class -> status code, most specific first.
STATUS_OF: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (AccessDenied, grpc.StatusCode.PERMISSION_DENIED),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Busy, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (StoreFull, grpc.StatusCode.RESOURCE_EXHAUSTED),
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


_PERSON = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def _caller(context: grpc.ServicerContext) -> Caller:
    peer = pki.peer_of(context)
    name = peer.name
    person = ""
    if peer.role in ("analyst", "advisory"):
        # The certificate decides what may be done; the person only names who did it, so
        # that the audit entry reads "sttg-analyst/alice" or "advisory-1/jo". Other roles
        # cannot set it.
        person = next((str(v) for k, v in context.invocation_metadata() if k == PERSON_METADATA), "")
        # The audit table's actor column holds 64 characters.
        if person and (not _PERSON.fullmatch(person) or len(f"{peer.name}/{person}") > 64):
            raise ValidationError(PERSON_METADATA, "must be a console account name (with the certificate's, 64 characters at most)")
    if peer.role == "analyst" and person:
        return Caller(peer.role, f"{peer.name}/{person}", peer.signing_public_key, peer.sealing_public_key)
    # An adviser's certificate name alone is its Advisory Group membership and its vote.
    return Caller(peer.role, name, peer.signing_public_key, peer.sealing_public_key, person=person)


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
        except Exception as exc:
            self._fail(context, exc)

    def _fail(self, context: grpc.ServicerContext, exc: Exception) -> NoReturn:
        """Abort with the status of ``exc``: ours as mapped, the database's as the store
        reads it, anything else INTERNAL with its type only (never a library's text)."""
        if isinstance(exc, (MsinError, PermissionError)):
            _abort(context, exc)
        failure = self.service.store.failure(exc)
        if failure is not None:
            log.warning("store failure: %s", type(failure).__name__)
            _abort(context, failure)
        # Type and place only: an unexpected error's text may quote what was sent.
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
        log.error("internal error: %s at %s", type(exc).__name__, where)
        context.abort(grpc.StatusCode.INTERNAL, f"internal error ({type(exc).__name__}); see the coordinator's log")

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
        except Exception as exc:
            self._fail(context, exc)

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
        filters = ClusterFilter(
            kind=request.kind,
            region=request.region,
            sector=request.sector,
            exploitation_type=request.exploitation_type,
            min_members=request.min_members,
            since_month=request.since_month,
            matched_kind=request.matched_kind,
        )
        clusters, records = self._call(context, lambda c: self.service.list_clusters(c, request.limit, filters))
        return pb.ListClustersResponse(clusters=[_cluster_pb(cl, records, {}) for cl in clusters])

    def GetCluster(self, request: pb.GetClusterRequest, context: grpc.ServicerContext) -> pb.GetClusterResponse:
        detail = self._call(context, lambda c: self.service.get_cluster(c, request.cluster_id))
        return pb.GetClusterResponse(
            cluster=_cluster_pb(detail.cluster, detail.records, detail.received_at),
            alerts=[_alert_pb(a, detail.records.get(a.record_id)) for a in detail.alerts],
            actions=[_action_pb(a) for a in detail.actions],
        )

    def ListAlerts(self, request: pb.ListAlertsRequest, context: grpc.ServicerContext) -> pb.ListAlertsResponse:
        found = self._call(context, lambda c: self.service.list_alerts(c, request.limit, request.record_id))
        return pb.ListAlertsResponse(alerts=[_alert_pb(a, r) for a, r in found])

    def ListActions(self, request: pb.ListActionsRequest, context: grpc.ServicerContext) -> pb.ListActionsResponse:
        found = self._call(
            context, lambda c: self.service.list_actions(c, request.limit, request.record_id, request.alert_id)
        )
        return pb.ListActionsResponse(actions=[_action_pb(a) for a in found])

    def GetAudit(self, request: pb.GetAuditRequest, context: grpc.ServicerContext) -> pb.GetAuditResponse:
        entries, report, head = self._call(
            context, lambda c: self.service.audit_view(c, request.after_seq, request.limit)
        )
        return pb.GetAuditResponse(
            entries=[
                pb.AuditEntry(
                    seq=int(e.seq), at=e.at, actor_role=e.actor_role, actor=e.actor,
                    action=e.action, detail=e.detail, hash=e.hash,
                )
                for e in entries
            ],
            verification=pb.AuditVerification(
                ok=report.ok, entries=report.entries, problem=report.problem,
                seq=report.seq or 0, anchors=report.anchors,
            ),
            head_seq=head,
        )

    def GetInsights(self, request: pb.GetInsightsRequest, context: grpc.ServicerContext) -> pb.GetInsightsResponse:
        ins = self._call(context, lambda c: self.service.insights(c, request.month, request.window_months))
        return insights_to_pb(ins)

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


def _timestamp(msg: Any, value: _dt.datetime | None) -> None:
    if value is not None:
        msg.FromDatetime(value.astimezone(_dt.UTC))


def _record_pb(r: SharedRecord, received: _dt.datetime | None) -> pb.ClusterRecord:
    msg = pb.ClusterRecord(
        record_id=r.record_id,
        member_id=r.member_id,
        narrative=r.narrative,
        region=r.region.value,
        sector=r.sector.value,
        exploitation_type=r.exploitation_type.value,
        month=r.month,
        grade=grade_to_pb(r.grade),
        tlp=tlp_to_pb(r.tlp),  # type: ignore[arg-type]
        time_sensitive=r.time_sensitive,
        indicators=[i.value for i in r.indicators],
        victims_band=r.victims_band,
    )
    _timestamp(msg.shared_at, r.shared_at)
    _timestamp(msg.received_at, received)
    return msg


def _cluster_pb(
    cl: ClusterInfo, records: dict[str, SharedRecord], received: dict[str, _dt.datetime]
) -> pb.Cluster:
    return pb.Cluster(
        cluster_id=cl.cluster_id,
        kind=cl.kind,
        records=[_record_pb(records[rid], received.get(rid)) for rid in cl.record_ids if rid in records],
        matched_kinds=list(cl.matched_kinds),
        members=len(cl.members),
        first_month=cl.first_month,
        last_month=cl.last_month,
    )


def _alert_pb(a: AlertRow, record: SharedRecord | None) -> pb.AlertInfo:
    msg = pb.AlertInfo(alert_id=a.alert_id, record_id=a.record_id, summary=a.summary, raised_by_role=a.raised_by_role)
    _timestamp(msg.created_at, a.created_at)
    if record is not None:
        msg.region = record.region.value
        msg.sector = record.sector.value
        msg.exploitation_type = record.exploitation_type.value
        msg.grade.CopyFrom(grade_to_pb(record.grade))
        msg.tlp = tlp_to_pb(record.tlp)  # type: ignore[assignment]
    return msg


def _action_pb(a: ActionRow) -> pb.ActionInfo:
    msg = pb.ActionInfo(
        action_id=a.action_id,
        recorded_by=a.member_id,
        record_id=a.record_id or "",
        alert_id=a.alert_id or "",
        outcome=pb.ActionOutcome.Value(a.outcome) if a.outcome in pb.ActionOutcome.keys() else 0,  # type: ignore[arg-type]
        date=a.date,
    )
    _timestamp(msg.recorded_at, a.created_at)
    return msg
