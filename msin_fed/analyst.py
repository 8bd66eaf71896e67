"""STTG's analyst client: clusters, alerts, actions and the audit log over mutual TLS.

::

    from msin_fed.analyst import AnalystClient

    with AnalystClient.from_config("analyst.toml") as analyst:
        for cluster in analyst.clusters(region="South West", min_members=2):
            print(cluster.cluster_id, cluster.members, cluster.matched_kinds)
        detail = analyst.cluster(cluster.cluster_id)
        for step in detail.timeline:
            print(step.at, step.what, step.by, step.text)
        analyst.raise_alert(detail.cluster.records[0].record_id, "Workers at risk this week.")
        analyst.record_action("referred_to_glaa", record_id=detail.cluster.records[0].record_id)
        print(analyst.audit_status())
        ins = analyst.insights("2026-10")  # suppressed aggregates, as the report publishes

The client presents an **analyst** certificate from the network CA (``msin ca issue
--role analyst``); the coordinator reads the role from it, never from a request, and
allows clusters, alerts, the audit log, insights and actions to analysts only. The channel talks
only to a coordinator-role certificate of the configured name. Every method returns the
plain dataclasses of :mod:`msin_fed.views` (insights: the report's own
:class:`msin_fed.coordinator.insights.Insights`); a failed call raises
:class:`~msin_fed.errors.RemoteError` naming the coordinator's address and the status.
A console acting for several people calls ``analyst.with_person("ann")`` for a client on
the same channel whose calls name the person for the coordinator's audit log.

Configuration (TOML; relative paths from the file's folder)::

    [analyst]
    identity_dir = "ids/sttg-analyst"  # certificate, key (msin ca issue --role analyst)
    timeout = 15                       # seconds per call (optional)

    [coordinator]
    address = "coordinator.sttg.example:50051"
    name = "sttg-coordinator"          # the name in the coordinator's certificate
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msin_fed import pki
from msin_fed.clients import ChannelClient, Metadata
from msin_fed.config_file import read_toml
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.model import ExploitationType, Region, Sector
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.views import (
    ActionInfo,
    ActionOutcome,
    AlertInfo,
    AuditPage,
    AuditStatus,
    Cluster,
    ClusterDetail,
    call,
)

if TYPE_CHECKING:
    from msin_fed.coordinator.insights import Insights

__all__ = ["AnalystClient", "AnalystConfig", "load_analyst_config"]

_KNOWN = {"analyst": {"identity_dir", "timeout"}, "coordinator": {"address", "name"}}


@dataclass(frozen=True)
class AnalystConfig:
    """Where the analyst's certificate is and which coordinator to call."""

    identity_dir: Path
    coordinator: str
    coordinator_name: str
    timeout: float = 15.0
    source: str = "<config>"


def load_analyst_config(path: str | os.PathLike[str]) -> AnalystConfig:
    """Read and validate an analyst configuration; ConfigError(file, key, reason) when invalid."""
    file = Path(path)
    source = str(file)
    data = read_toml(file)
    for section, table in data.items():
        if section not in _KNOWN:
            raise ConfigError(source, section, f"unknown section (expected {', '.join(sorted(_KNOWN))})")
        if not isinstance(table, dict):
            raise ConfigError(source, section, "must be a table")
        for key in table:
            if key not in _KNOWN[section]:
                raise ConfigError(source, f"{section}.{key}", "unknown key")

    def text(section: str, key: str) -> str:
        value = data.get(section, {}).get(key)
        if value is None:
            raise ConfigError(source, f"{section}.{key}", "is required")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(source, f"{section}.{key}", f"must be a non-empty string, not {value!r}")
        return value

    timeout = data.get("analyst", {}).get("timeout", 15.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(source, "analyst.timeout", f"must be a positive number of seconds, not {timeout!r}")
    return AnalystConfig(
        identity_dir=file.parent / Path(text("analyst", "identity_dir")).expanduser(),
        coordinator=text("coordinator", "address"),
        coordinator_name=text("coordinator", "name"),
        timeout=float(timeout),
        source=source,
    )


def _code(kind: Any, value: str | None, field: str) -> str:
    return "" if not value else str(kind.parse(value, field).value)


class AnalystClient(ChannelClient):
    """Calls the coordinator as an analyst. Close it (or use ``with``) when done.

    ``metadata`` is sent with every call; a console uses :meth:`with_person` instead, so
    that each signed-in person's calls are audited under their account name.
    """

    def __init__(
        self, address: str, identity: pki.Identity, coordinator_name: str, *, timeout: float = 15.0,
        metadata: Metadata = (),
    ) -> None:
        if identity.role != "analyst":
            raise ConfigError(
                "identity", "role", f"the analyst client needs an analyst certificate, not a {identity.role!r} one"
            )
        self.address = address
        self.identity = identity
        self.timeout = timeout
        super().__init__(pki.secure_channel(address, identity, role="coordinator", name=coordinator_name),
                         own=True, metadata=metadata)
        self._stub = pb_grpc.CoordinatorStub(self._channel)  # type: ignore[no-untyped-call]

    @classmethod
    def from_config(cls, config: AnalystConfig | str | os.PathLike[str]) -> AnalystClient:
        """A client from an :class:`AnalystConfig` or the path of its TOML file."""
        if not isinstance(config, AnalystConfig):
            config = load_analyst_config(config)
        try:
            identity = pki.load_identity(config.identity_dir)
        except (OSError, ValueError) as exc:
            raise ConfigError(config.source, "analyst.identity_dir", f"cannot load the identity in {config.identity_dir}: {exc}") from None
        return cls(config.coordinator, identity, config.coordinator_name, timeout=config.timeout)

    # ------------------------------------------------------------------ clusters

    def clusters(
        self,
        limit: int = 100,
        *,
        kind: str | None = None,
        region: str | None = None,
        sector: str | None = None,
        exploitation_type: str | None = None,
        min_members: int = 0,
        since_month: str | None = None,
        matched_kind: str | None = None,
    ) -> list[Cluster]:
        """Clusters, largest first, with their records' redacted narratives.

        Filters (all that are given must hold): ``kind`` "perpetrator" or "site";
        ``region``, ``sector``, ``exploitation_type`` (a code or name, such as "South
        West" or "TLK") held by at least one record; at least ``min_members`` members;
        latest record in ``since_month`` ("YYYY-MM") or later; linked on ``matched_kind``
        (a token kind such as "phone"). ``limit`` applies after filtering.
        """
        if limit < 0:
            raise ValidationError("limit", "must be 0 or more")
        if min_members < 0:
            raise ValidationError("min_members", "must be 0 or more")
        request = pb.ListClustersRequest(
            limit=limit,
            kind=kind or "",
            region=_code(Region, region, "region"),
            sector=_code(Sector, sector, "sector"),
            exploitation_type=_code(ExploitationType, exploitation_type, "exploitation_type"),
            min_members=min_members,
            since_month=since_month or "",
            matched_kind=matched_kind or "",
        )
        reply = call(self.address, "listing clusters",
                     lambda: self._stub.ListClusters(request, timeout=self.timeout, metadata=self._metadata))
        return [Cluster.from_pb(c) for c in reply.clusters]

    def cluster(self, cluster_id: str) -> ClusterDetail:
        """One cluster with its records, the alerts on them, the actions and a time line.

        RemoteError with code NOT_FOUND when no cluster has that id (records withdrawn
        or re-clustered since it was listed).
        """
        if not cluster_id:
            raise ValidationError("cluster_id", "is empty")
        request = pb.GetClusterRequest(cluster_id=cluster_id)
        reply = call(self.address, "reading a cluster",
                     lambda: self._stub.GetCluster(request, timeout=self.timeout, metadata=self._metadata))
        return ClusterDetail.from_pb(reply)

    # ------------------------------------------------------------------ alerts

    def alerts(self, limit: int = 100, *, record_id: str | None = None) -> list[AlertInfo]:
        """Alerts raised on the network, newest first (only those on ``record_id`` when given)."""
        request = pb.ListAlertsRequest(limit=limit, record_id=record_id or "")
        reply = call(self.address, "listing alerts",
                     lambda: self._stub.ListAlerts(request, timeout=self.timeout, metadata=self._metadata))
        return [AlertInfo.from_pb(a) for a in reply.alerts]

    def raise_alert(self, record_id: str, summary: str) -> str:
        """Raise an alert to every member about a shared record graded actionable and
        time-sensitive; the alert id. The summary is checked for personal data like a
        narrative (RemoteError FAILED_PRECONDITION naming the types found)."""
        if not record_id:
            raise ValidationError("record_id", "is empty")
        if not summary.strip():
            raise ValidationError("summary", "is empty")
        request = pb.RaiseAlertRequest(record_id=record_id, summary=summary)
        reply = call(self.address, "raising an alert",
                     lambda: self._stub.RaiseAlert(request, timeout=self.timeout, metadata=self._metadata))
        return str(reply.alert_id)

    # ------------------------------------------------------------------ actions

    def actions(
        self, limit: int = 100, *, record_id: str | None = None, alert_id: str | None = None
    ) -> list[ActionInfo]:
        """Recorded actions of every member and analyst, newest first, optionally about
        one record or one alert."""
        request = pb.ListActionsRequest(limit=limit, record_id=record_id or "", alert_id=alert_id or "")
        reply = call(self.address, "listing actions",
                     lambda: self._stub.ListActions(request, timeout=self.timeout, metadata=self._metadata))
        return [ActionInfo.from_pb(a) for a in reply.actions]

    def record_action(
        self,
        outcome: ActionOutcome | str,
        *,
        record_id: str | None = None,
        alert_id: str | None = None,
        date: _dt.date | str | None = None,
    ) -> str:
        """Record what STTG did about a shared record or an alert (exactly one); the action id.

        ``date`` defaults to today (UTC); a string must be ``YYYY-MM-DD``.
        """
        return record_action(self._stub, self.address, self.timeout, outcome, record_id, alert_id, date,
                             metadata=self._metadata)

    # ------------------------------------------------------------------ audit

    def audit(self, after_seq: int = 0, limit: int = 100) -> AuditPage:
        """Audit entries after ``after_seq`` (oldest first, at most ``limit``, 1000 at most)
        and the coordinator's verification of the whole chain."""
        if after_seq < 0:
            raise ValidationError("after_seq", "must be 0 or more")
        request = pb.GetAuditRequest(after_seq=after_seq, limit=limit)
        reply = call(self.address, "reading the audit log",
                     lambda: self._stub.GetAudit(request, timeout=self.timeout, metadata=self._metadata))
        return AuditPage.from_pb(reply)

    def audit_status(self) -> AuditStatus:
        """The coordinator's verification of its whole audit chain (see :class:`AuditStatus`)."""
        return self.audit(limit=1).status


    # ------------------------------------------------------------------ insights

    def insights(self, month: str, window_months: int = 0, *, timeout: float | None = None) -> Insights:
        """The insights report's suppressed aggregates for ``month`` ("YYYY-MM") and the
        ``window_months`` before it (0: the coordinator's configured window).

        The same tables, clusters, actions, alerts and lessons ``msin coordinator report``
        publishes; a suppressed value is ``None`` (the coordinator never sends it).
        RemoteError INVALID_ARGUMENT naming the field for a bad month or window.
        The coordinator reads every record for it (about 9 s per 100,000 records), so the
        call waits ``timeout`` seconds, by default the client's timeout but at least 120.
        """
        from msin_fed.coordinator.insights.wire import insights_from_pb

        if not 0 <= window_months <= 120:
            raise ValidationError("window_months", "must be 0 (the configured window) to 120")
        request = pb.GetInsightsRequest(month=month, window_months=window_months)
        wait = timeout if timeout is not None else max(self.timeout, 120.0)
        reply = call(self.address, "reading insights", lambda: self._stub.GetInsights(request, timeout=wait, metadata=self._metadata))
        return insights_from_pb(reply)


def record_action(
    stub: pb_grpc.CoordinatorStub,
    address: str,
    timeout: float,
    outcome: ActionOutcome | str,
    record_id: str | None,
    alert_id: str | None,
    date: _dt.date | str | None,
    *,
    metadata: Metadata = (),
) -> str:
    """RecordAction with checked arguments (shared by :class:`AnalystClient` and the node)."""
    if bool(record_id) == bool(alert_id):
        raise ValidationError("record_id", "give exactly one of a record and an alert")
    chosen = ActionOutcome.parse(outcome)
    if date is None:
        day = _dt.datetime.now(_dt.UTC).date()
    elif isinstance(date, _dt.date):
        day = date
    else:
        try:
            day = _dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError("date", f"{date!r} is not a date (expected YYYY-MM-DD)") from None
    request = pb.RecordActionRequest(
        record_id=record_id or "",
        alert_id=alert_id or "",
        outcome=chosen.to_pb(),  # type: ignore[arg-type]
        date=day.isoformat(),
    )
    reply = call(address, "recording an action", lambda: stub.RecordAction(request, timeout=timeout, metadata=metadata))
    return str(reply.action_id)
