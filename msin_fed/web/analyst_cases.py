"""The analyst console's case pages: open a case, talk with each member, broker, refer, escalate, close.

Every call goes through :class:`~msin_fed.cases_client.AnalystCases` on the console's
channel with the signed-in person named (``msin-person``), so the coordinator's audit log
reads ``sttg-analyst/ann`` for each action and its policy alone decides what is allowed.
Messages are sealed and opened here with the console's analyst key; the coordinator only
stores ciphertext. The STIX bundle of an escalated case is a download from the case page:
each download asks the coordinator for it again (``GetCaseStix``, audited), so nothing is
kept in the console and the link works after a restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from msin_fed.cases_client import AnalystCases
from msin_fed.errors import RemoteError, ValidationError
from msin_fed.model.cases import AGENCIES, CLOSE_OUTCOMES, ESCALATION_REASONS, CaseView

from .analyst_calls import AnalystCalls
from .app import Console, in_thread

__all__ = ["STATE_WORDS", "AnalystCasePages", "refusal", "words"]

log = logging.getLogger("msin_fed.web.analyst")

#: Case states in words.
STATE_WORDS: dict[str, tuple[str, str]] = {
    "open": ("Open", "govuk-tag--blue"),
    "in_discussion": ("In discussion", "govuk-tag--turquoise"),
    "with_advisory_group": ("With the Advisory Group", "govuk-tag--purple"),
    "referred": ("Referred to law enforcement", "govuk-tag--red"),
    "closed": ("Closed", "govuk-tag--grey"),
}


def words(code: str) -> str:
    """A vocabulary code as words ("suspicion_of_serious_offence" -> "Suspicion of serious offence")."""
    special = {"glaa": "GLAA (Gangmasters and Labour Abuse Authority)", "nca": "NCA (National Crime Agency)"}
    return special.get(code, code.replace("_", " ").capitalize())


def refusal(exc: Exception) -> str:
    """A case call's refusal in words: the field and problem, or the coordinator's status and reason."""
    if isinstance(exc, ValidationError):
        return f"{words(exc.field)}: {exc.problem}"
    if isinstance(exc, RemoteError):
        return f"The coordinator refused this ({exc.code}: {exc.details})."
    return str(exc)


class AnalystCasePages:
    """Routes of the case pages over :class:`AnalystCalls`."""

    def __init__(self, calls: AnalystCalls, console: Console) -> None:
        self.calls = calls
        self.console = console


    def _cases(self, request: Request) -> AnalystCases:
        return self.calls.cases(self.console.user(request))

    async def _view(self, cases: AnalystCases, case_id: str) -> CaseView:
        try:
            view: CaseView = await in_thread(cases.show, case_id)
        except (RemoteError, ValidationError) as exc:
            if isinstance(exc, RemoteError) and exc.code == "NOT_FOUND":
                raise HTTPException(404) from None
            raise HTTPException(503, f"The coordinator could not be asked ({refusal(exc)}).") from None
        return view

    # ------------------------------------------------------------------ pages

    async def list_page(self, request: Request) -> Response:
        cases = self._cases(request)
        try:
            found = await in_thread(cases.list)
        except RemoteError as exc:
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}).") from None
        found.sort(key=lambda c: c.opened_at, reverse=True)
        return self.console.render(request, "analyst/cases.html", title="Cases", cases=found, states=STATE_WORDS)

    async def open_case(self, request: Request) -> Response:
        cases = self._cases(request)
        form = await self.console.form(request)
        cluster_id = str(form.get("cluster_id", "")).strip()
        record_id = str(form.get("record_id", "")).strip()
        title = str(form.get("title", "")).strip()
        back = f"/clusters/{cluster_id}" if cluster_id else "/clusters"
        try:
            view = await in_thread(lambda: cases.open(cluster_id=cluster_id, record_id=record_id, title=title))
        except (RemoteError, ValidationError) as exc:
            self.console.flash(request, "info", f"The case was not opened. {refusal(exc)}")
            return RedirectResponse(back, status_code=303)
        log.info("case opened from the analyst console")
        self.console.flash(request, "success", "Case opened. Its members are told and can talk with you here.")
        return RedirectResponse(f"/cases/{view.case_id}", status_code=303)

    async def detail(self, request: Request) -> Response:
        return await self._detail(request, errors=[], values={})

    async def _detail(self, request: Request, *, errors: list[dict[str, str]], values: dict[str, str],
                      status: int = 200) -> Response:
        cases = self._cases(request)
        case_id = request.path_params["case_id"]
        view = await self._view(cases, case_id)
        try:
            messages = await in_thread(cases.messages, case_id)
        except RemoteError as exc:
            raise HTTPException(503, f"The coordinator could not be asked ({exc.code}).") from None
        # Participants as the coordinator lists them for analysts: "STTG", the member ids,
        # then "Advisory Group" once referred.
        members = [p for p in view.participants if p not in ("STTG", "Advisory Group")]
        threads = {m: [msg for msg in messages if msg.member == m] for m in members}
        has_bundle = view.escalation is not None
        return self.console.render(
            request, "analyst/case.html", status=status, title=f"Case {view.title or view.case_id[:12]}",
            case=view, members=members, threads=threads, states=STATE_WORDS, words=words, errors=errors, values=values,
            reasons=ESCALATION_REASONS, agencies=AGENCIES, outcomes=CLOSE_OUTCOMES, has_bundle=has_bundle,
        )

    async def _act(self, request: Request, field: str, what: Callable[[AnalystCases, Any], Any],
                   done: str, check: Callable[[Any], list[dict[str, str]]] | None = None) -> Response:
        """Run one action from a form; back to the case with ``done``, or the page with the refusal."""
        cases = self._cases(request)
        form = await self.console.form(request)
        case_id = request.path_params["case_id"]
        values = {k: str(v).replace("\r\n", "\n") for k, v in form.items() if k != "csrf_token"}
        errors = check(values) if check else []
        if not errors:
            try:
                await in_thread(what, cases, values)
            except (RemoteError, ValidationError) as exc:
                if isinstance(exc, RemoteError) and exc.code == "NOT_FOUND":
                    raise HTTPException(404) from None
                errors = [{"href": f"#{field}", "text": refusal(exc)}]
            else:
                self.console.flash(request, "success", done)
                return RedirectResponse(f"/cases/{case_id}", status_code=303)
        return await self._detail(request, errors=errors, values=values, status=400)

    async def message(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            out = []
            if not v.get("member"):
                out.append({"href": "#member", "text": "Choose the member to write to"})
            if not v.get("text", "").strip():
                out.append({"href": "#text", "text": "Write the message"})
            return out

        return await self._act(request, "text", lambda c, v: c.message(case_id, v["member"], v["text"].strip()),
                               "Message sealed to the member and sent.", check)

    async def broker(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            if not v.get("member_a") or not v.get("member_b"):
                return [{"href": "#member_a", "text": "Choose the two members who should speak"}]
            if v["member_a"] == v["member_b"]:
                return [{"href": "#member_b", "text": "Choose two different members"}]
            return []

        return await self._act(
            request, "member_a",
            lambda c, v: c.broker(case_id, v["member_a"], v["member_b"], v.get("note", "").strip()),
            "Contact proposed. Each member is asked; nothing is revealed unless both agree.", check)

    async def refer(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            return [] if v.get("position", "").strip() else [{"href": "#position", "text": "State STTG's position"}]

        return await self._act(request, "position", lambda c, v: c.refer(case_id, v["position"].strip()),
                               "Referred to the Advisory Group.", check)

    async def escalate(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            out = []
            if v.get("reason") not in ESCALATION_REASONS:
                out.append({"href": "#reason", "text": "Choose why the case reached the threshold"})
            if v.get("agency") not in AGENCIES:
                out.append({"href": "#agency", "text": "Choose the agency"})
            return out

        def run(c: AnalystCases, v: dict[str, str]) -> None:
            # The bundle is fetched again at download (GetCaseStix): nothing kept here.
            c.escalate(case_id, v["reason"], v["agency"], v.get("note", "").strip())

        return await self._act(request, "reason", run,
                               "Escalation recorded; every member of the case is told. Download the STIX bundle below.",
                               check)

    async def close(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            return [] if v.get("outcome") in CLOSE_OUTCOMES else [{"href": "#outcome", "text": "Choose the outcome"}]

        return await self._act(request, "outcome", lambda c, v: c.close_case(case_id, v["outcome"]),
                               "Case closed.", check)

    async def stix(self, request: Request) -> Response:
        cases = self._cases(request)
        case_id = request.path_params["case_id"]
        try:
            bundle = await in_thread(cases.stix, case_id)
        except (RemoteError, ValidationError) as exc:
            if isinstance(exc, ValidationError) or exc.code in ("NOT_FOUND", "FAILED_PRECONDITION"):
                raise HTTPException(404) from None  # not a case id, no such case, or not escalated
            raise HTTPException(503, f"The coordinator could not be asked ({refusal(exc)}).") from None
        log.info("case STIX bundle downloaded")
        # The file name carries the case id's first characters only (an opaque id, no personal data).
        return Response(json.dumps(bundle, indent=2, sort_keys=True).encode("utf-8"), media_type="application/stix+json",
                        headers={"Content-Disposition": f'attachment; filename="case-{case_id[:12]}-stix.json"'})

    def routes(self) -> list[BaseRoute]:
        """The case pages."""
        return [
            Route("/cases", self.list_page, methods=["GET"]),
            Route("/cases/open", self.open_case, methods=["POST"]),
            Route("/cases/{case_id}", self.detail, methods=["GET"]),
            Route("/cases/{case_id}/message", self.message, methods=["POST"]),
            Route("/cases/{case_id}/broker", self.broker, methods=["POST"]),
            Route("/cases/{case_id}/refer", self.refer, methods=["POST"]),
            Route("/cases/{case_id}/escalate", self.escalate, methods=["POST"]),
            Route("/cases/{case_id}/close", self.close, methods=["POST"]),
            Route("/cases/{case_id}/stix.json", self.stix, methods=["GET"]),
        ]
