"""The node console's case pages: a member's side of the cases STTG opened on its records.

Built on :attr:`Node.cases <msin_fed.node.Node.cases>` (:class:`~msin_fed.node.cases.MemberCases`):
the list of the member's cases, a case with its state, time line and the member's own
records, the sealed thread with STTG (opened here with the node's key), consent or
decline to a contact proposal (with what would be revealed, to whom, said plainly), the
other member's contact once both agreed, referral to the Advisory Group and the actions
the member took. The console's background sync (the node process) delivers the reveal
as soon as the other member agrees.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from msin_fed.errors import RemoteError, ValidationError
from msin_fed.model.cases import ACTION_KINDS, ACTION_OUTCOMES

from .analyst_cases import STATE_WORDS, refusal, words
from .app import Console, in_thread

if TYPE_CHECKING:
    from msin_fed.node import Node

__all__ = ["NodeCasePages"]

log = logging.getLogger("msin_fed.web.node")


def _refusal(exc: Exception) -> str:
    if isinstance(exc, RemoteError) and exc.unreachable:
        return "The coordinator cannot be reached just now; nothing was sent. Try again later."
    return refusal(exc)


class NodeCasePages:
    """Routes of the member's case pages over one open node."""

    def __init__(self, node: Node, console: Console) -> None:
        self.node = node
        self.console = console


    async def list_page(self, request: Request) -> Response:
        self.console.user(request)
        try:
            found = await in_thread(self.node.cases.list)
        except RemoteError as exc:
            raise HTTPException(503, _refusal(exc)) from None
        found.sort(key=lambda c: c.opened_at, reverse=True)
        return self.console.render(request, "node/cases.html", title="Cases", cases=found, states=STATE_WORDS)

    async def detail(self, request: Request) -> Response:
        return await self._detail(request, errors=[], values={})

    async def _detail(self, request: Request, *, errors: list[dict[str, str]], values: dict[str, str],
                      status: int = 200) -> Response:
        self.console.user(request)
        case_id = request.path_params["case_id"]
        cases = self.node.cases
        try:
            view = await in_thread(cases.show, case_id)
            messages = await in_thread(cases.messages, case_id)
        except RemoteError as exc:
            if exc.code == "NOT_FOUND":
                raise HTTPException(404) from None
            raise HTTPException(503, _refusal(exc)) from None
        except ValidationError:
            raise HTTPException(404) from None
        contacts = [c for c in await in_thread(cases.contacts) if c.case_id == case_id]
        return self.console.render(
            request, "node/case.html", status=status, title=f"Case {view.title or view.case_id[:12]}",
            case=view, messages=messages, contacts=contacts, member_id=self.node.member_id,
            states=STATE_WORDS, words=words, errors=errors, values=values,
            kinds=ACTION_KINDS, outcomes=ACTION_OUTCOMES, today=_dt.date.today().isoformat(),
        )

    async def _act(self, request: Request, field: str, what: Callable[[dict[str, str]], Any], done: str,
                   check: Callable[[dict[str, str]], list[dict[str, str]]] | None = None) -> Response:
        self.console.user(request)
        form = await self.console.form(request)
        case_id = request.path_params["case_id"]
        values = {k: str(v).replace("\r\n", "\n") for k, v in form.items() if k != "csrf_token"}
        errors = check(values) if check else []
        if not errors:
            try:
                await in_thread(what, values)
            except (RemoteError, ValidationError) as exc:
                if isinstance(exc, RemoteError) and exc.code == "NOT_FOUND":
                    raise HTTPException(404) from None
                errors = [{"href": f"#{field}", "text": _refusal(exc)}]
            else:
                self.console.flash(request, "success", done)
                return RedirectResponse(f"/cases/{case_id}", status_code=303)
        return await self._detail(request, errors=errors, values=values, status=400)

    async def message(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            return [] if v.get("text", "").strip() else [{"href": "#text", "text": "Write the message"}]

        return await self._act(request, "text", lambda v: self.node.cases.message(case_id, v["text"].strip()),
                               "Message sealed to STTG and sent.", check)

    async def consent(self, request: Request) -> Response:
        proposal_id = request.path_params["proposal_id"]
        field = f"contact-{proposal_id[:12]}"

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            if not v.get("contact", "").strip():
                return [{"href": f"#{field}", "text": "Enter a contact point: a name, desk, phone or e-mail to be reached at"}]
            return []

        def run(v: dict[str, str]) -> None:
            agreed = self.node.cases.consent(proposal_id, v["contact"])
            v["agreed"] = "yes" if agreed else ""

        return await self._act(
            request, field, run,
            "You agreed. The other member learns who you are and your contact point only if it agrees too.", check)

    async def decline(self, request: Request) -> Response:
        proposal_id = request.path_params["proposal_id"]
        return await self._act(request, f"contact-{proposal_id[:12]}", lambda v: self.node.cases.decline(proposal_id),
                               "You declined. Nothing about you was revealed.")

    async def refer(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            return [] if v.get("position", "").strip() else [{"href": "#position", "text": "State your position"}]

        return await self._act(request, "position", lambda v: self.node.cases.refer(case_id, v["position"].strip()),
                               "Referred to the Advisory Group.", check)

    async def action(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            out = []
            if v.get("kind") not in ACTION_KINDS:
                out.append({"href": "#kind", "text": "Choose what you did"})
            if v.get("outcome") not in ACTION_OUTCOMES:
                out.append({"href": "#outcome", "text": "Choose the outcome"})
            if not v.get("date", "").strip():
                out.append({"href": "#date", "text": "Enter the date"})
            return out

        return await self._act(
            request, "kind",
            lambda v: self.node.cases.record_action(case_id, v["kind"], v["outcome"], v["date"].strip(),
                                                    v.get("lessons", "").strip()),
            "Action recorded on the case.", check)

    def routes(self) -> list[BaseRoute]:
        """The case pages."""
        return [
            Route("/cases", self.list_page, methods=["GET"]),
            Route("/cases/{case_id}", self.detail, methods=["GET"]),
            Route("/cases/{case_id}/message", self.message, methods=["POST"]),
            Route("/cases/{case_id}/proposals/{proposal_id}/consent", self.consent, methods=["POST"]),
            Route("/cases/{case_id}/proposals/{proposal_id}/decline", self.decline, methods=["POST"]),
            Route("/cases/{case_id}/refer", self.refer, methods=["POST"]),
            Route("/cases/{case_id}/action", self.action, methods=["POST"]),
        ]
