"""The Advisory Group console: one adviser's pages on the cases referred to the group.

``msin advisory console --config advisory.toml`` is a separate process, like the analyst
console, holding no data: every page is a call of
:class:`~msin_fed.cases_client.AdvisoryCases` made with **this adviser's own advisory
certificate**, so the coordinator alone decides what may be seen and done (a certificate
not in its ``[cases] advisory_members`` is refused on every call; notes and
recommendations only from configured advisers; recommendations only while the case is
with the group) and each call names the signed-in person (``msin-person``), audited as
``advisory-1/jo``.

One console per adviser certificate, run by (or for) that adviser: the quorum counts
certificates, so a console holding several advisers' keys would let whoever runs it vote
for all of them, and the Advisory Group mediates between STTG and the members. Two
accounts on one console are one vote.

Pages: the cases referred to the group, and each case's summary as the coordinator gives
it to advisers (records' redacted narratives and grades under case-local aliases, the
positions of those who referred it, notes, recommendations with who agreed, the time
line), with forms to add a note, propose a recommendation and agree to one.

Configuration (TOML)::

    [console]
    listen = "127.0.0.1:8445"
    users = "advisory-users.db"

    [advisory]
    identity = "ids/advisory-1"          # msin ca issue ... --role advisory --name advisory-1

    [coordinator]
    address = "127.0.0.1:50051"
    name = "sttg-coordinator"
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from msin_fed import pki
from msin_fed.cases_client import AdvisoryCases
from msin_fed.config_file import read_toml
from msin_fed.errors import ConfigError, RemoteError, ValidationError
from msin_fed.model import ExploitationType, Region, Sector
from msin_fed.model.cases import CaseView

from .accounts import AccountStore
from .analyst_cases import STATE_WORDS, refusal, words
from .app import Console, NavItem, in_thread
from .security import SessionStore
from .settings import ConsoleSettings, check_tables, console_settings, required_text

__all__ = ["AdvisoryConfig", "AdvisoryConsole", "build_advisory_console", "load_advisory_config"]

log = logging.getLogger("msin_fed.web.advisory")

_KNOWN = {
    "console": {"listen", "users", "session_idle_minutes", "session_hours"},
    "advisory": {"identity"},
    "coordinator": {"address", "name"},
}

#: The issuer shown in authenticator apps for this console's accounts.
ISSUER = "msin-fed advisory"


@dataclass(frozen=True)
class AdvisoryConfig:
    """The Advisory Group console's settings."""

    console: ConsoleSettings
    identity: Path
    coordinator: str
    coordinator_name: str
    source: str = "<config>"


def load_advisory_config(path: Path, *, listen: str | None = None) -> AdvisoryConfig:
    """Read and check ``advisory.toml``; ConfigError(file, key, reason) when it is wrong."""
    source = str(path)
    data = read_toml(path)
    check_tables(data, _KNOWN, source)
    return AdvisoryConfig(
        console=console_settings(data.get("console"), path.parent, source, listen=listen),
        identity=path.parent / Path(required_text(data, "advisory", "identity", source)).expanduser(),
        coordinator=required_text(data, "coordinator", "address", source),
        coordinator_name=required_text(data, "coordinator", "name", source),
        source=source,
    )


def _label(vocab: Any, code: str) -> str:
    try:
        return str(vocab(code).label)
    except ValueError:
        return code


def _refusal(exc: Exception) -> str:
    if isinstance(exc, RemoteError) and exc.code == "PERMISSION_DENIED":
        return ("The coordinator refused this console's certificate: it is not one of the Advisory Group "
                "members it is configured with.")
    if isinstance(exc, RemoteError) and exc.code == "FAILED_PRECONDITION" and "residue" in exc.details:
        return ("The coordinator's check found personal data in the text "
                f"({exc.details}). Describe the case without names, numbers or addresses.")
    return refusal(exc)


class AdvisoryConsole:
    """The Advisory Group console's routes over one adviser's :class:`AdvisoryCases`."""

    def __init__(self, cases: AdvisoryCases, console: Console) -> None:
        self.cases = cases
        self.console = console
        #: This console's certificate name: its Advisory Group membership and its vote.
        self.adviser = cases.identity.name


    def _as_person(self, request: Request) -> AdvisoryCases:
        return self.cases.with_person(self.console.user(request))

    def _unavailable(self, exc: RemoteError | ValidationError) -> HTTPException:
        if isinstance(exc, RemoteError) and exc.code == "NOT_FOUND":
            return HTTPException(404)
        if isinstance(exc, RemoteError) and exc.code == "PERMISSION_DENIED":
            return HTTPException(403, _refusal(exc))
        return HTTPException(503, f"The coordinator could not be asked ({_refusal(exc)}).")

    async def home(self, request: Request) -> Response:
        self.console.user(request)
        return RedirectResponse("/cases", status_code=303)

    async def list_page(self, request: Request) -> Response:
        cases = self._as_person(request)
        try:
            found: list[CaseView] = await in_thread(cases.list)
        except (RemoteError, ValidationError) as exc:
            raise self._unavailable(exc) from None
        # Those with the group first, then the rest, newest first within each.
        found.sort(key=lambda c: c.opened_at, reverse=True)
        found.sort(key=lambda c: c.state.value != "with_advisory_group")
        return self.console.render(request, "advisory/cases.html", title="Referred cases", cases=found,
                                   states=STATE_WORDS, adviser=self.adviser)

    async def detail(self, request: Request) -> Response:
        return await self._detail(request, errors=[], values={})

    async def _detail(self, request: Request, *, errors: list[dict[str, str]], values: dict[str, str],
                      status: int = 200) -> Response:
        cases = self._as_person(request)
        try:
            view: CaseView = await in_thread(cases.show, request.path_params["case_id"])
        except (RemoteError, ValidationError) as exc:
            raise self._unavailable(exc) from None
        members = [p for p in view.participants if p not in ("STTG", "Advisory Group")]
        records = [{"record": r, "region": _label(Region, r.region), "sector": _label(Sector, r.sector),
                    "type": _label(ExploitationType, r.exploitation_type)} for r in view.records]
        positions = [e for e in view.timeline if e.kind in ("position", "note")]
        return self.console.render(
            request, "advisory/case.html", status=status, title=f"Case {view.title or view.case_id[:12]}",
            case=view, members=members, records=records, positions=positions, states=STATE_WORDS, words=words,
            adviser=self.adviser, with_group=view.state.value == "with_advisory_group", errors=errors,
            values=values,
        )

    async def _act(self, request: Request, field: str, what: Callable[[AdvisoryCases, dict[str, str]], str],
                   check: Callable[[dict[str, str]], list[dict[str, str]]] | None = None) -> Response:
        """Run one action from a form; back to the case with what it did, or the page with the refusal."""
        cases = self._as_person(request)
        form = await self.console.form(request)
        case_id = request.path_params["case_id"]
        values = {k: str(v).replace("\r\n", "\n").strip() for k, v in form.items() if k != "csrf_token"}
        errors = check(values) if check else []
        if not errors:
            try:
                done = await in_thread(what, cases, values)
            except (RemoteError, ValidationError) as exc:
                if isinstance(exc, RemoteError) and exc.code == "NOT_FOUND":
                    raise HTTPException(404) from None
                errors = [{"href": f"#{field}", "text": _refusal(exc)}]
            else:
                log.info("advisory action from the console")
                self.console.flash(request, "success", done)
                return RedirectResponse(f"/cases/{case_id}", status_code=303)
        return await self._detail(request, errors=errors, values=values, status=400)

    async def note(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            return [] if v.get("note") else [{"href": "#note", "text": "Write the note"}]

        def run(c: AdvisoryCases, v: dict[str, str]) -> str:
            c.note(case_id, v["note"])
            return "Note added. STTG and the other advisers see it."

        return await self._act(request, "note", run, check)

    async def recommend(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]

        def check(v: dict[str, str]) -> list[dict[str, str]]:
            return [] if v.get("recommendation") else [{"href": "#recommendation", "text": "Write the recommendation"}]

        def run(c: AdvisoryCases, v: dict[str, str]) -> str:
            rec, quorum = c.recommend(case_id, v["recommendation"])
            return _agreed(rec.recorded, len(rec.agreed), quorum)

        return await self._act(request, "recommendation", run, check)

    async def agree(self, request: Request) -> Response:
        case_id, rec_id = request.path_params["case_id"], request.path_params["recommendation_id"]

        def run(c: AdvisoryCases, v: dict[str, str]) -> str:
            rec, quorum = c.agree(case_id, rec_id)
            return _agreed(rec.recorded, len(rec.agreed), quorum)

        return await self._act(request, "recommendations", run)

    def routes(self) -> list[BaseRoute]:
        """Every page of the Advisory Group console."""
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/cases", self.list_page, methods=["GET"]),
            Route("/cases/{case_id}", self.detail, methods=["GET"]),
            Route("/cases/{case_id}/note", self.note, methods=["POST"]),
            Route("/cases/{case_id}/recommend", self.recommend, methods=["POST"]),
            Route("/cases/{case_id}/recommendations/{recommendation_id}/agree", self.agree, methods=["POST"]),
        ]


def _agreed(recorded: bool, agreed: int, quorum: int) -> str:
    if recorded:
        return f"Recommendation recorded: {agreed} advisers agreed (the quorum is {quorum}). Every party of the case is told."
    return f"You agreed. {agreed} of the {quorum} advisers needed have agreed; it is recorded at {quorum}."


NAV = (NavItem("Referred cases", "/cases", "/cases"),)


def build_advisory_console(config: AdvisoryConfig) -> tuple[ASGIApp, AdvisoryConsole]:
    """The Advisory Group console's ASGI application (opens its coordinator channel)."""
    identity = pki.load_identity(config.identity)
    if identity.role != "advisory":
        raise ConfigError(config.source, "advisory.identity",
                          f"must be an Advisory Group (advisory) certificate, not a {identity.role!r} one")
    cases = AdvisoryCases.connect(config.coordinator, identity, config.coordinator_name)
    console = Console(
        service_name="MSIN Advisory Group console", accounts=AccountStore(config.console.users, issuer=ISSUER),
        nav=NAV, home="/cases",
        sessions=SessionStore(idle=config.console.session_idle, lifetime=config.console.session_lifetime),
    )
    pages = AdvisoryConsole(cases, console)
    return console.app(pages.routes(), name="advisory-console"), pages
