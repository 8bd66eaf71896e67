"""The analyst console: STTG's analysts' pages, a separate process calling the coordinator.

``msin coordinator console --config console.toml`` holds no data of its own: every page is
built from gRPC calls made with the console's analyst certificate
(:class:`~msin_fed.web.analyst_calls.AnalystCalls`), so it cannot see or do more than the
coordinator's policy lets an analyst, and each call names the signed-in person for the
coordinator's audit log. Pages: clusters with filters, cluster detail (redacted
narratives, members, grades, time line, a graph of records and the kinds of token joining
them, with a table of the same), raising an alert on a record (the coordinator enforces
the grading rule and checks the summary for personal data; its refusal is explained),
the alerts raised so far, the actions taken, the audit log with the chain's
verification (those three through :class:`~msin_fed.analyst.AnalystClient`), and the key
holders' budget totals. The case pages are :mod:`msin_fed.web.analyst_cases`, the insights
dashboard :mod:`msin_fed.web.analyst_insights`.

Configuration (TOML)::

    [console]
    listen = "127.0.0.1:8444"
    users = "analyst-users.db"

    [analyst]
    identity = "ids/sttg-analyst"        # analyst certificate, key (msin ca issue analyst ...)

    [coordinator]
    address = "127.0.0.1:50051"
    name = "sttg-coordinator"            # the name in the coordinator's certificate

    [key_holders]                        # optional: budget totals
    holders = [{ name = "kh1", address = "127.0.0.1:50061" }]
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from msin_fed import pki
from msin_fed.config_file import read_toml
from msin_fed.errors import ConfigError, RemoteError
from msin_fed.model import ExploitationType, Region, Sector
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import grade_from_pb, tlp_from_pb

from .accounts import AccountStore
from .analyst_calls import AnalystCalls, CallRefused
from .analyst_cases import AnalystCasePages
from .analyst_insights import InsightPages
from .app import Console, NavItem, in_thread
from .graph import GraphNode, cluster_svg
from .security import SessionStore
from .settings import ConsoleSettings, check_tables, console_settings, required_text

__all__ = ["AnalystConfig", "AnalystConsole", "build_analyst_console", "load_analyst_config"]

log = logging.getLogger("msin_fed.web.analyst")

_KNOWN = {
    "console": {"listen", "users", "session_idle_minutes", "session_hours"},
    "analyst": {"identity"},
    "coordinator": {"address", "name"},
    "key_holders": {"holders"},
}


@dataclass(frozen=True)
class AnalystConfig:
    """The analyst console's settings."""

    console: ConsoleSettings
    identity: Path
    coordinator: str
    coordinator_name: str
    holders: tuple[tuple[str, str], ...] = ()
    source: str = "<config>"


def load_analyst_config(path: Path, *, listen: str | None = None) -> AnalystConfig:
    """Read and check ``console.toml``; ConfigError(file, key, reason) when it is wrong."""
    source = str(path)
    data = read_toml(path)
    check_tables(data, _KNOWN, source)
    base = path.parent

    def text(section: str, key: str) -> str:
        return required_text(data, section, key, source)

    holders = []
    for i, item in enumerate(data.get("key_holders", {}).get("holders", []) or []):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("address"), str):
            raise ConfigError(source, f"key_holders.holders[{i}]", "must be a table with name and address")
        holders.append((item["name"], item["address"]))
    return AnalystConfig(
        console=console_settings(data.get("console"), base, source, listen=listen),
        identity=base / Path(text("analyst", "identity")).expanduser(),
        coordinator=text("coordinator", "address"),
        coordinator_name=text("coordinator", "name"),
        holders=tuple(holders),
        source=source,
    )


def _instant(text: str) -> Any:
    """An audit entry's ISO time as a datetime (the text itself if it is not one)."""
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return text


def _label(vocab: Any, code: str) -> str:
    try:
        return str(vocab(code).label)
    except ValueError:
        return code


def _record_view(r: pb.ClusterRecord) -> dict[str, Any]:
    grade = grade_from_pb(r.grade)
    return {
        "record_id": r.record_id, "member_id": r.member_id, "narrative": r.narrative,
        "region": _label(Region, r.region), "region_code": r.region, "sector": _label(Sector, r.sector),
        "sector_code": r.sector, "type": _label(ExploitationType, r.exploitation_type),
        "type_code": r.exploitation_type, "month": r.month, "grade": str(grade),
        "actionable": grade.actionable, "tlp": tlp_from_pb(r.tlp).value,
    }


def _refusal(exc: CallRefused) -> str:
    """What the coordinator's refusal of an alert means, in words."""
    reason = exc.reason
    if exc.code == "FAILED_PRECONDITION" and "actionable" in reason:
        return ("The coordinator refused the alert: an alert may be raised only on a record graded actionable "
                "(source 1 or 2, assessment A or B) and marked time-sensitive by its member.")
    if exc.code == "FAILED_PRECONDITION" and "residue" in reason:
        return ("The coordinator refused the alert because its check found personal data in the summary "
                f"({reason}). Alerts go to every member, so describe the pattern without names, numbers or addresses.")
    return f"The coordinator refused the alert ({exc.code}: {reason})."


class AnalystConsole:
    """The analyst console's routes over :class:`AnalystCalls`."""

    def __init__(self, calls: AnalystCalls, console: Console) -> None:
        self.calls = calls
        self.console = console


    async def _clusters(self, person: str) -> list[pb.Cluster]:
        try:
            found: list[pb.Cluster] = await in_thread(self.calls.clusters, person)
        except CallRefused as exc:
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}). Try again later.") from None
        return found

    # ------------------------------------------------------------------ clusters

    async def clusters(self, request: Request) -> Response:
        person = self.console.user(request)
        q = request.query_params
        filters = {k: q.get(k, "") for k in ("region", "sector", "type", "kind", "token", "since", "until", "size")}
        clusters = await self._clusters(person)
        kinds = sorted({k for c in clusters for k in c.matched_kinds})
        rows = []
        for c in clusters:
            records = [_record_view(r) for r in c.records]
            if filters["region"] and all(r["region_code"] != filters["region"] for r in records):
                continue
            if filters["sector"] and all(r["sector_code"] != filters["sector"] for r in records):
                continue
            if filters["type"] and all(r["type_code"] != filters["type"] for r in records):
                continue
            if filters["kind"] and c.kind != filters["kind"]:
                continue
            if filters["token"] and filters["token"] not in c.matched_kinds:
                continue
            if filters["since"] and c.last_month < filters["since"]:
                continue
            if filters["until"] and c.first_month > filters["until"]:
                continue
            if filters["size"].isdigit() and c.members < int(filters["size"]):
                continue
            rows.append({"cluster": c, "records": records,
                         "regions": sorted({r["region"] for r in records}),
                         "sectors": sorted({r["sector"] for r in records})})
        return self.console.render(request, "analyst/clusters.html", title="Clusters", rows=rows, total=len(clusters),
                                   filters=filters, regions=list(Region), sectors=list(Sector),
                                   types=list(ExploitationType), kinds=kinds)

    async def cluster(self, request: Request) -> Response:
        person = self.console.user(request)
        wanted = request.path_params["cluster_id"]
        found = next((c for c in await self._clusters(person) if c.cluster_id == wanted), None)
        if found is None:
            raise HTTPException(404)
        return self._cluster_page(request, found, errors=[], values={})

    def _cluster_page(self, request: Request, c: pb.Cluster, *, errors: list[dict[str, str]],
                      values: dict[str, str], status: int = 200) -> Response:
        records = sorted((_record_view(r) for r in c.records), key=lambda r: (r["month"], r["member_id"]))
        svg = cluster_svg([GraphNode(f"{r['member_id']}, {r['month']}") for r in records], list(c.matched_kinds),
                          title=f"{len(records)} records of {c.members} members joined by "
                                f"{', '.join(c.matched_kinds) or 'no kind'}")
        timeline = sorted(Counter(r["month"] for r in records).items())
        return self.console.render(request, "analyst/cluster.html", status=status, title=f"Cluster {c.cluster_id[:12]}",
                                   cluster=c, records=records, svg=svg, timeline=timeline, errors=errors,
                                   values=values)

    async def raise_alert(self, request: Request) -> Response:
        person = self.console.user(request)
        form = await self.console.form(request)
        wanted = request.path_params["cluster_id"]
        c = next((c for c in await self._clusters(person) if c.cluster_id == wanted), None)
        if c is None:
            raise HTTPException(404)
        record_id = str(form.get("record_id", ""))
        summary = str(form.get("summary", "")).replace("\r\n", "\n").strip()
        values = {"record_id": record_id, "summary": summary}
        errors: list[dict[str, str]] = []
        if record_id not in {r.record_id for r in c.records}:
            errors.append({"href": "#record_id", "text": "Choose the record the alert is about"})
        if not summary:
            errors.append({"href": "#summary", "text": "Write a summary for every member"})
        if not errors:
            try:
                alert_id = await in_thread(self.calls.raise_alert, person, record_id, summary)
            except CallRefused as exc:
                errors.append({"href": "#summary", "text": _refusal(exc)})
            else:
                log.info("alert raised from the analyst console")
                self.console.flash(request, "success", f"Alert {alert_id[:12]} raised; every member receives it.")
                return RedirectResponse("/alerts", status_code=303)
        return self._cluster_page(request, c, errors=errors, values=values, status=400)

    # ------------------------------------------------------------------ alerts and budgets

    async def alerts(self, request: Request) -> Response:
        person = self.console.user(request)
        try:
            found = await in_thread(lambda: self.calls.client(person).alerts(limit=500))
        except RemoteError as exc:
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}).") from None
        alerts = [{"id": a.alert_id, "summary": a.summary, "region": _label(Region, a.region) if a.region else "withdrawn",
                   "sector": _label(Sector, a.sector) if a.sector else "", "type": _label(ExploitationType, a.exploitation_type)
                   if a.exploitation_type else "", "grade": str(a.grade) if a.grade else "",
                   "tlp": a.tlp.value if a.tlp else "", "by": a.raised_by_role, "at": a.created_at}
                  for a in found]
        return self.console.render(request, "analyst/alerts.html", title="Alerts", alerts=alerts)

    async def actions(self, request: Request) -> Response:
        person = self.console.user(request)
        try:
            found = await in_thread(lambda: self.calls.client(person).actions(limit=500))
        except RemoteError as exc:
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}).") from None
        return self.console.render(request, "analyst/actions.html", title="Actions taken", actions=found)

    async def audit(self, request: Request) -> Response:
        person = self.console.user(request)
        after = request.query_params.get("after", "")
        try:
            client = self.calls.client(person)
            status = await in_thread(client.audit_status)
            # The newest page by default; "after" pages on from an entry.
            start = int(after) if after.isdigit() else max(0, status.entries - 100)
            page = await in_thread(lambda: client.audit(after_seq=start, limit=100))
        except RemoteError as exc:
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}).") from None
        entries = [{"entry": e, "at": _instant(e.at)} for e in sorted(page.entries, key=lambda e: e.seq, reverse=True)]
        return self.console.render(request, "analyst/audit.html", title="Audit log", chain=page.status,
                                   entries=entries, start=start, head=page.head_seq)

    async def budgets(self, request: Request) -> Response:
        self.console.user(request)
        answers = await in_thread(self.calls.usage_totals)
        rows = [{"holder": name, "answer": answer, "failed": not hasattr(answer, "elements")}
                for name, answer in sorted(answers.items())]
        return self.console.render(request, "analyst/budgets.html", title="Key-holder budgets", rows=rows)

    async def home(self, request: Request) -> Response:
        self.console.user(request)
        return RedirectResponse("/clusters", status_code=303)

    def routes(self) -> list[BaseRoute]:
        """Every page of the analyst console."""
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/clusters", self.clusters, methods=["GET"]),
            Route("/clusters/{cluster_id}", self.cluster, methods=["GET"]),
            Route("/clusters/{cluster_id}/alert", self.raise_alert, methods=["POST"]),
            Route("/alerts", self.alerts, methods=["GET"]),
            Route("/actions", self.actions, methods=["GET"]),
            Route("/audit", self.audit, methods=["GET"]),
            Route("/budgets", self.budgets, methods=["GET"]),
        ]


NAV = (
    NavItem("Clusters", "/clusters", "/clusters"),
    NavItem("Cases", "/cases", "/cases"),
    NavItem("Alerts", "/alerts"),
    NavItem("Actions", "/actions"),
    NavItem("Insights", "/insights", "/insights"),
    NavItem("Audit log", "/audit"),
    NavItem("Key-holder budgets", "/budgets"),
)


def build_analyst_console(config: AnalystConfig) -> tuple[ASGIApp, AnalystConsole]:
    """The analyst console's ASGI application (opens its coordinator channel)."""
    identity = pki.load_identity(config.identity)
    if identity.role != "analyst":
        raise ConfigError(config.source, "analyst.identity", "must be an analyst certificate")
    calls = AnalystCalls(config.coordinator, config.coordinator_name, identity, holders=config.holders)
    console = Console(
        service_name="STTG analyst console", accounts=AccountStore(config.console.users, issuer="msin-fed analyst"),
        nav=NAV, home="/clusters",
        sessions=SessionStore(idle=config.console.session_idle, lifetime=config.console.session_lifetime),
    )
    ac = AnalystConsole(calls, console)
    pages = AnalystCasePages(calls, console)
    insights = InsightPages(calls, console)
    return console.app([*ac.routes(), *pages.routes(), *insights.routes()], name="analyst-console"), ac
