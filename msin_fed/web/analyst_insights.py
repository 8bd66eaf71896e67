"""The analyst console's insights dashboard: the insights report's charts and tables, per month.

One ``GetInsights`` call (:meth:`msin_fed.analyst.AnalystClient.insights`, naming the
signed-in person) per page: the coordinator computes and suppresses, the console only
draws. Charts are PNGs drawn here with the report's own matplotlib code
(:func:`~msin_fed.coordinator.insights.chart_png`) from the suppressed tables, kept in
this process's memory under an unguessable key for the person who asked and served from
the console's own origin (``img-src 'self'``: no script, no inline style, no external
asset). Each chart has the same figures as a table under it. The month's STIX 2.1 bundle
of the aggregates (:func:`~msin_fed.coordinator.insights.stix_bundle`) is a download.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import secrets
import threading
from collections import OrderedDict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from msin_fed.coordinator.insights import CHART_FILES, Insights, chart_png, report_tlp, stix_bundle
from msin_fed.errors import RemoteError, ValidationError

from .analyst_calls import AnalystCalls
from .app import Console, in_thread

__all__ = ["InsightPages", "month_choices"]

log = logging.getLogger("msin_fed.web.analyst")

#: Windows offered on the page (months of trend ending with the chosen month); 0: the coordinator's.
WINDOWS = (0, 3, 6, 12, 24, 36)
#: Chart sets kept in memory (a page view makes one; older ones are dropped).
_KEEP = 32
#: One matplotlib figure at a time: its font cache and Agg state are shared.
_DRAWING = threading.Lock()


def month_choices(today: _dt.date, count: int = 36) -> list[str]:
    """The ``count`` months ending with ``today``'s, newest first ("YYYY-MM")."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out


def _charts(ins: Insights) -> dict[str, bytes]:
    with _DRAWING:
        return {name: chart_png(ins, name) for name in CHART_FILES}


def _query(request: Request) -> tuple[str, int, list[dict[str, str]]]:
    """The month and window asked for, and what is wrong with them (field errors)."""
    today = _dt.datetime.now(_dt.UTC).date()
    month = request.query_params.get("month", "") or month_choices(today, 1)[0]
    raw = request.query_params.get("window", "0") or "0"
    errors = []
    window = int(raw) if raw.isdigit() else -1
    if window not in WINDOWS:
        errors.append({"href": "#window", "text": "Window: choose one of the periods offered"})
        window = 0
    return month, window, errors


class InsightPages:
    """``/insights``, its charts and its STIX download over :class:`AnalystCalls`."""

    def __init__(self, calls: AnalystCalls, console: Console) -> None:
        self.calls = calls
        self.console = console
        self._charts: OrderedDict[str, tuple[str, dict[str, bytes]]] = OrderedDict()
        self._lock = threading.Lock()


    async def _insights(self, person: str, month: str, window: int) -> Insights:
        """GetInsights as ``person``; ValidationError for the coordinator's refusal of the input."""
        try:
            ins: Insights = await in_thread(lambda: self.calls.client(person).insights(month, window))
        except RemoteError as exc:
            if exc.code == "INVALID_ARGUMENT":
                # The coordinator's reason names the field and never quotes stored data.
                field, _, problem = exc.details.rpartition(" failed: ")[2].partition(": ")
                raise ValidationError(field or "month", problem or exc.details) from None
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}).") from None
        return ins

    async def page(self, request: Request) -> Response:
        person = self.console.user(request)
        month, window, errors = _query(request)
        today = _dt.datetime.now(_dt.UTC).date()
        context: dict[str, Any] = {
            "months": month_choices(today), "windows": WINDOWS, "month": month, "window": window,
            "ins": None, "charts": None, "tlp": None,
        }
        if not errors:
            try:
                ins = await self._insights(person, month, window)
            except ValidationError as exc:
                errors.append({"href": f"#{'window' if exc.field == 'window_months' else 'month'}",
                               "text": f"{'Window' if exc.field == 'window_months' else 'Month'}: {exc.problem}"})
            else:
                charts = await in_thread(lambda: _charts(ins))
                key = secrets.token_urlsafe(18)
                with self._lock:
                    self._charts[key] = (person, charts)
                    while len(self._charts) > _KEEP:
                        self._charts.popitem(last=False)
                if ins.month not in context["months"]:  # asked for by address: offer it too
                    context["months"] = sorted({*context["months"], ins.month}, reverse=True)
                context.update(ins=ins, charts=key, tlp=report_tlp(ins))
                log.info("insights shown: %d tables, %d suppressed values", len(ins.tables),
                         sum(t.suppressed for t in ins.tables.values()))
        return self.console.render(request, "analyst/insights.html", status=400 if errors else 200,
                                   title="Insights", errors=errors, **context)

    async def chart(self, request: Request) -> Response:
        person = self.console.user(request)
        key, name = request.path_params["key"], request.path_params["name"]
        with self._lock:
            found = self._charts.get(key)
        if found is None or found[0] != person or name not in found[1]:
            raise HTTPException(404)
        return Response(found[1][name], media_type="image/png")

    async def stix(self, request: Request) -> Response:
        person = self.console.user(request)
        month, window, errors = _query(request)
        if errors:
            raise HTTPException(404)
        try:
            ins = await self._insights(person, month, window)
        except ValidationError:
            raise HTTPException(404) from None
        data = json.dumps(stix_bundle(ins), indent=2, sort_keys=True).encode("utf-8")
        log.info("insights STIX bundle downloaded")
        return Response(data, media_type="application/stix+json", headers={
            "Content-Disposition": f'attachment; filename="insights-{ins.month}-stix.json"'})

    def routes(self) -> list[BaseRoute]:
        """The insights pages."""
        return [
            Route("/insights", self.page, methods=["GET"]),
            Route("/insights/stix.json", self.stix, methods=["GET"]),
            Route("/insights/charts/{key}/{name}.png", self.chart, methods=["GET"]),
        ]
