"""The node console: the member's nominated users' pages over the :class:`~msin_fed.node.Node` API.

It runs beside (in) the node process: it opens the node's secure store with the node's
configuration and, unless told not to, delivers the outbox and receives events in the
background as ``msin node run`` does. Pages:

* reports: list, search (a POSTed form, so no search term is ever in a URL or a log),
  detail (the member's own data in full), a new report form, CSV/JSON upload with every
  bad row shown by line, field and reason;
* share: a preview of exactly what would leave (the redacted narrative with its
  placeholders marked, the kinds of token, the grade and TLP chosen on the page), then
  share; withdraw;
* matches on our records, the alerts inbox, the outbox with each share's delivery state
  and why it is waiting;
* the staff intake form, which needs no account: a suspicion lands in the review queue
  (boxed in the secure store, never sent anywhere) with only what the staff member
  chose to give; the review queue turns one into a report or dismisses it.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from msin_fed import canonical
from msin_fed.config_file import read_toml
from msin_fed.errors import (
    ImportValidationError,
    MsinError,
    RedactionRefused,
    RemoteError,
    StoreError,
    TokenError,
    ValidationError,
)
from msin_fed.model import ExploitationType, Indicator, IntelligenceReport, Region, Sector, Tlp
from msin_fed.model.report import check_id

from .accounts import AccountStore
from .app import TEMPLATES, Console, NavItem, in_thread
from .security import SessionStore, SignInLimiter
from .settings import ConsoleSettings, console_settings

if TYPE_CHECKING:
    from msin_fed.node import Node, NodeConfig

__all__ = ["NodeConsole", "build_node_console", "node_console_settings"]

log = logging.getLogger("msin_fed.web.node")

#: Share state -> (words, tag colour).
STATES: dict[str, tuple[str, str]] = {
    "": ("Not shared", "govuk-tag--grey"),
    "pending": ("Waiting to send", "govuk-tag--yellow"),
    "acknowledged": ("Shared", "govuk-tag--green"),
    "withdrawing": ("Withdrawing", "govuk-tag--orange"),
    "withdrawn": ("Withdrawn", "govuk-tag--grey"),
    "refused": ("Refused by the coordinator", "govuk-tag--red"),
    "withdraw_refused": ("Withdrawal refused", "govuk-tag--red"),
}

#: Mention fields offered on the new report form (one person or organisation).
MENTION_FIELDS: tuple[tuple[str, str], ...] = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth (YYYY-MM-DD)"),
    ("phone", "Phone number"),
    ("email", "Email address"),
    ("vehicle_registration", "Vehicle registration"),
    ("bank_account", "Bank account (sort code and account number, or IBAN)"),
    ("company_name", "Company name"),
    ("company_number", "Company number"),
    ("site_name", "Site or farm name"),
    ("street_address", "Street address"),
    ("postcode", "Postcode"),
)
_INTAKE_FIELDS = ("what", "where", "when", "contact")
#: What staff see in the header: the concern form, not the console.
_STAFF: dict[str, Any] = {"service_name": "Report a concern", "service_url": "/intake"}
_MAX_UPLOAD = 16 * 1024 * 1024


def node_console_settings(config_path: Path, *, listen: str | None = None) -> ConsoleSettings:
    """The ``[console]`` table of a node configuration (accounts file beside it by default)."""
    data = read_toml(config_path)
    return console_settings(data.get("console"), config_path.parent, str(config_path), listen=listen)


@dataclass
class ShareJob:
    """A bulk share running in the background: which reports, how far, what failed and why."""

    job_id: str
    report_ids: list[str]
    tlp: str
    handling: str
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    finished: bool = False

    @property
    def count(self) -> int:
        return len(self.done) + len(self.failed)

    def status(self) -> dict[str, Any]:
        """What the progress page's script polls (no narrative, no identifier)."""
        return {"total": len(self.report_ids), "done": len(self.done), "failed": len(self.failed),
                "finished": self.finished}


def _share_failure(exc: Exception) -> str:
    if isinstance(exc, RedactionRefused):
        kinds = sorted({f.entity_type for f in exc.findings})
        return f"the check after redaction still finds {', '.join(kinds)}; edit the narrative"
    if isinstance(exc, ValidationError):
        return exc.problem
    if isinstance(exc, TokenError | RemoteError):
        return f"the key holders could not make the tokens ({type(exc).__name__}); try again later"
    return f"failed ({type(exc).__name__})"


@dataclass
class _Upload:
    name: str
    data: bytes


class NodeConsole:
    """The node console's routes over one open :class:`~msin_fed.node.Node`."""

    def __init__(self, node: Node, console: Console, *, coordinator: str | None = None) -> None:
        self.node = node
        self.console = console
        self.coordinator = coordinator
        self.intake_limiter = SignInLimiter(attempts=30, window=3600)
        self.jobs: dict[str, ShareJob] = {}
        self._jobs_lock = threading.Lock()

    # ------------------------------------------------------------------ helpers


    def _states(self) -> dict[str, Any]:
        """Each report's latest share."""
        latest: dict[str, Any] = {}
        for share in self.node.shares():
            prev = latest.get(share.report_id)
            if prev is None or share.updated >= prev.updated:
                latest[share.report_id] = share
        return latest

    def _report(self, report_id: str) -> IntelligenceReport:
        try:
            report: IntelligenceReport = self.node.report(report_id)
            return report
        except (StoreError, ValidationError, KeyError):
            raise HTTPException(404) from None

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        return self.console.render(request, template, status=status, states=STATES, **context)

    # ------------------------------------------------------------------ home

    async def home(self, request: Request) -> Response:
        self.console.user(request)
        reports = await in_thread(self.node.reports)
        states = self._states()
        counts = {
            "reports": len(reports),
            "shared": sum(1 for s in states.values() if s.state == "acknowledged"),
            "outbox": self.node.outbox_size(),
            "matches": len(self.node.matches()),
            "alerts": len(self.node.alerts()),
            "intake": len(self.node.store.intake()),
        }
        intake_url = f"{request.url.scheme}://{request.url.netloc}/intake"
        return self.render(request, "node/home.html", title="Overview", counts=counts, intake_url=intake_url)

    # ------------------------------------------------------------------ reports

    def _rows(self, reports: list[IntelligenceReport]) -> list[dict[str, Any]]:
        states = self._states()
        return [
            {"report": r, "state": states[r.report_id].state if r.report_id in states else ""}
            for r in sorted(reports, key=lambda r: r.report_id)
        ]

    async def reports(self, request: Request) -> Response:
        self.console.user(request)
        reports = await in_thread(self.node.reports)
        return self.render(request, "node/reports.html", title="Reports", rows=self._rows(reports), query="",
                           total=len(reports))

    async def search(self, request: Request) -> Response:
        self.console.user(request)
        form = await self.console.form(request)
        query = str(form.get("q", "")).strip()
        reports = await in_thread(self.node.reports)
        found = reports
        if query:
            needle = query.casefold()

            def hit(r: IntelligenceReport) -> bool:
                texts = [r.report_id, r.narrative, r.reporter, *(i.value for i in r.identifiers())]
                return any(needle in t.casefold() for t in texts)

            found = [r for r in reports if hit(r)]
        return self.render(request, "node/reports.html", title="Reports", rows=self._rows(found), query=query,
                           total=len(reports))

    async def detail(self, request: Request) -> Response:
        self.console.user(request)
        report = self._report(request.path_params["report_id"])
        shares = [s for s in self.node.shares() if s.report_id == report.report_id]
        matches = [m for m in self.node.matches() if m.report_id == report.report_id]
        active = self.node.store.active_share(report.report_id)
        return self.render(request, "node/report.html", title=f"Report {report.report_id}", report=report,
                           shares=shares, matches=matches, active=active)

    # ------------------------------------------------------------------ new report

    def _form_context(self, values: dict[str, str], errors: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
        return {
            "values": values, "errors": errors, "regions": list(Region), "sectors": list(Sector),
            "types": list(ExploitationType), "indicators": list(Indicator), "mention_fields": MENTION_FIELDS,
            "error_of": {e["href"][1:]: e["text"] for e in errors}, **extra,
        }

    async def new_report_page(self, request: Request) -> Response:
        self.console.user(request)
        values: dict[str, str] = {"month": time.strftime("%Y-%m"), "source_evaluation": "2", "assessment": "B",
                                  "handling": "P"}
        intake_id = request.query_params.get("intake", "")
        if intake_id:
            item = self._intake_item(intake_id)
            values["narrative"] = "\n\n".join(
                f"{label}: {item[key]}" if key != "what" else item[key]
                for key, label in (("what", ""), ("where", "Where"), ("when", "When"))
                if item.get(key)
            )
            values["reporter"] = item.get("contact", "") or "Staff member (anonymous, intake form)"
            values["intake_id"] = intake_id
        return self.render(request, "node/new_report.html", title="New report",
                           **self._form_context(values, []))

    async def new_report(self, request: Request) -> Response:
        self.console.user(request)
        form = await self.console.form(request)
        values = {k: _lines(str(v)) for k, v in form.items() if k not in ("csrf_token", "indicators")}
        chosen = [str(v) for v in form.getlist("indicators")]
        values["time_sensitive"] = "true" if form.get("time_sensitive") else "false"
        row = {k: values.get(k, "") for k in canonical.REPORT_COLUMNS if k != "grade"}
        row["indicators"] = ";".join(chosen)
        report_id = values.get("report_id", "").strip()
        errors: list[dict[str, str]] = []
        mention_row = {k: values.get(k, "").strip() for k, _ in MENTION_FIELDS}
        mentions = []
        if any(mention_row.values()):
            mention, problems = canonical.mention_from_row(mention_row, record_id=report_id or "unknown")
            errors += [{"href": f"#{fld.split('.')[-1]}", "text": f"{_label(fld)}: {problem}"} for fld, problem in problems]
            if mention is not None:
                mentions.append(mention)
        report, problems = canonical.report_from_row(row, mentions, default_region=None)
        if not any(fld == "report_id" for fld, _ in problems):
            try:
                check_id("report_id", report_id)
            except ValidationError as exc:
                problems.insert(0, ("report_id", exc.problem))
        errors = [{"href": f"#{_field_id(fld)}", "text": _message(fld, problem)} for fld, problem in problems] + errors
        if report is not None and not errors and self.node.store.has_report(report.report_id):
            errors.append({"href": "#report_id", "text": "Report id: a report with this id is already stored"})
        if errors or report is None:
            values["indicators"] = ";".join(chosen)
            return self.render(request, "node/new_report.html", status=400, title="New report",
                               **self._form_context(values, errors))
        await in_thread(self.node.add_report, report)
        intake_id = values.get("intake_id", "")
        if intake_id:
            self.node.store.remove_intake(intake_id)
        log.info("report added from the console (%d mention(s))", len(report.mentions))
        self.console.flash(request, "success", f"Report {report.report_id} saved. It has not been shared.")
        return RedirectResponse(f"/reports/{report.report_id}", status_code=303)

    # ------------------------------------------------------------------ upload

    async def upload_page(self, request: Request) -> Response:
        self.console.user(request)
        return self.render(request, "node/upload.html", title="Upload reports", errors=[], rows=[])

    async def upload(self, request: Request) -> Response:
        self.console.user(request)
        form = await self.console.form(request, max_part_size=_MAX_UPLOAD)
        uploads: dict[str, _Upload] = {}
        for key in ("reports", "mentions"):
            item = form.get(key)
            if item is not None and not isinstance(item, str) and item.filename:
                uploads[key] = _Upload(Path(item.filename).name, await item.read())
        errors: list[dict[str, str]] = []
        if "reports" not in uploads:
            errors.append({"href": "#reports", "text": "Choose a reports file (CSV or JSON)"})
        elif not uploads["reports"].name.lower().endswith((".csv", ".json")):
            errors.append({"href": "#reports", "text": "The reports file must be a .csv or .json file"})
        if "mentions" in uploads and not uploads["mentions"].name.lower().endswith(".csv"):
            errors.append({"href": "#mentions", "text": "The mentions file must be a .csv file"})
        if errors:
            return self.render(request, "node/upload.html", status=400, title="Upload reports", errors=errors, rows=[])
        rows: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory(prefix="msin-upload-") as tmp:
            names: dict[str, str] = {}
            paths: dict[str, Path] = {}
            for key, up in uploads.items():
                suffix = ".json" if up.name.lower().endswith(".json") else ".csv"
                path = Path(tmp) / f"{key}{suffix}"
                path.write_bytes(up.data)
                paths[key], names[str(path)] = path, up.name
            try:
                result = await in_thread(self.node.import_file, paths["reports"], paths.get("mentions"))
            except ImportValidationError as exc:
                rows = [{"file": names.get(e.source, Path(e.source).name if e.source else uploads["reports"].name),
                         "line": e.line, "field": e.field, "problem": e.problem} for e in exc.errors]
            except ValidationError as exc:
                rows = [{"file": uploads["reports"].name, "line": "", "field": exc.field, "problem": exc.problem}]
        if rows:
            log.info("upload refused: %d bad field(s)", len(rows))
            errors = [{"href": "#bad-rows",
                       "text": f"{len(rows)} bad field(s) found; nothing was imported. Correct the file and upload it again."}]
            return self.render(request, "node/upload.html", status=400, title="Upload reports", errors=errors, rows=rows)
        self.console.flash(request, "success", f"Imported {len(result.report_ids)} report(s). None has been shared yet.")
        if result.warnings:
            # Identifier values that failed validation are kept with their report, never tokenized.
            where = "; ".join(f"line {w.line}, {w.field}" for w in result.warnings[:10])
            more = f" and {len(result.warnings) - 10} more" if len(result.warnings) > 10 else ""
            self.console.flash(request, "info", f"{len(result.warnings)} identifier value(s) could not be read and are "
                                                f"kept only as text, never tokenized or shared: {where}{more}.")
        return RedirectResponse("/reports", status_code=303)

    # ------------------------------------------------------------------ share and withdraw

    async def share_page(self, request: Request) -> Response:
        self.console.user(request)
        report = self._report(request.path_params["report_id"])
        tlp = request.query_params.get("tlp", "") or None
        handling = request.query_params.get("handling", "P")
        errors: list[dict[str, str]] = []
        if tlp is not None and tlp not in Tlp._value2member_map_:
            errors.append({"href": "#tlp", "text": "Choose a TLP marking"})
            tlp = None
        if handling not in ("P", "C"):
            errors.append({"href": "#handling", "text": "Choose a handling code"})
            handling = "P"
        return await self._share_view(request, report, tlp, handling, errors)

    async def _share_view(self, request: Request, report: IntelligenceReport, tlp: str | None, handling: str,
                          errors: list[dict[str, str]], status: int = 200) -> Response:
        preview = await in_thread(self.node.preview_share, report.report_id, tlp=tlp, handling=handling)
        active = self.node.store.active_share(report.report_id)
        return self.render(request, "node/share.html", status=status, title=f"Share report {report.report_id}",
                           report=report, preview=preview, tlp=tlp or "", handling=handling, errors=errors,
                           tlps=list(Tlp), active=active)

    async def share(self, request: Request) -> Response:
        self.console.user(request)
        report = self._report(request.path_params["report_id"])
        form = await self.console.form(request)
        tlp = str(form.get("tlp", ""))
        handling = str(form.get("handling", "P"))
        errors: list[dict[str, str]] = []
        if tlp not in Tlp._value2member_map_:
            errors.append({"href": "#tlp", "text": "Choose a TLP marking before sharing"})
        if handling not in ("P", "C"):
            errors.append({"href": "#handling", "text": "Choose a handling code"})
        if errors:
            return await self._share_view(request, report, None, "P" if handling not in ("P", "C") else handling,
                                          errors, status=400)
        try:
            record = await in_thread(self.node.share, report.report_id, tlp=tlp, handling=handling)
        except RedactionRefused as exc:
            kinds = sorted({f.entity_type for f in exc.findings})
            errors = [{"href": "#narrative",
                       "text": "Not shared: the check after redaction still finds "
                               f"{', '.join(kinds)} in the narrative. Edit the report's narrative and try again."}]
        except ValidationError as exc:
            errors = [{"href": "#tlp", "text": f"Not shared: {exc.problem}"}]
        except (TokenError, RemoteError) as exc:
            errors = [{"href": "#tlp", "text": f"Not shared: the key holders could not make the tokens ({type(exc).__name__}). "
                                              "Nothing was queued; try again later."}]
        if errors:
            return await self._share_view(request, report, tlp, handling, errors, status=400)
        log.info("share queued from the console: %d token(s)", len(record.tokens))
        self.console.flash(request, "success",
                           f"Report {report.report_id} is queued to share as TLP:{record.tlp.value} ({len(record.tokens)} "
                           "tokens). The outbox shows when the coordinator has it.")
        return RedirectResponse(f"/reports/{report.report_id}", status_code=303)

    async def withdraw_page(self, request: Request) -> Response:
        self.console.user(request)
        report = self._report(request.path_params["report_id"])
        active = self.node.store.active_share(report.report_id)
        if active is None:
            self.console.flash(request, "info", f"Report {report.report_id} is not shared, so there is nothing to withdraw.")
            return RedirectResponse(f"/reports/{report.report_id}", status_code=303)
        return self.render(request, "node/withdraw.html", title=f"Withdraw report {report.report_id}", report=report,
                           active=active)

    async def withdraw(self, request: Request) -> Response:
        self.console.user(request)
        report = self._report(request.path_params["report_id"])
        await self.console.form(request)
        try:
            await in_thread(self.node.withdraw, report.report_id)
        except (ValidationError, StoreError) as exc:
            self.console.flash(request, "info", f"Not withdrawn: {exc}")
            return RedirectResponse(f"/reports/{report.report_id}", status_code=303)
        log.info("withdrawal queued from the console")
        self.console.flash(request, "success",
                           f"Withdrawal of report {report.report_id} is queued. The coordinator deletes the shared record "
                           "and its tokens when it receives it.")
        return RedirectResponse(f"/reports/{report.report_id}", status_code=303)

    # ------------------------------------------------------------------ bulk share

    async def share_many_page(self, request: Request) -> Response:
        self.console.user(request)
        reports = await in_thread(self.node.reports)
        active = {s.report_id for s in self.node.shares() if s.state in ("pending", "acknowledged", "withdrawing")}
        rows = [r for r in sorted(reports, key=lambda r: r.report_id) if r.report_id not in active]
        return self.render(request, "node/share_many.html", title="Share many reports", rows=rows, tlps=list(Tlp),
                           errors=[], chosen=[], tlp="", handling="P")

    async def share_many(self, request: Request) -> Response:
        self.console.user(request)
        form = await self.console.form(request)
        chosen = [str(v) for v in form.getlist("report_ids")]
        tlp, handling = str(form.get("tlp", "")), str(form.get("handling", "P"))
        errors: list[dict[str, str]] = []
        if not chosen:
            errors.append({"href": "#report_ids", "text": "Choose at least one report to share"})
        if tlp not in Tlp._value2member_map_:
            errors.append({"href": "#tlp", "text": "Choose a TLP marking"})
        if handling not in ("P", "C"):
            errors.append({"href": "#handling", "text": "Choose a handling code"})
        known = {r.report_id for r in await in_thread(self.node.reports)}
        if any(c not in known for c in chosen):
            errors.append({"href": "#report_ids", "text": "A report chosen is no longer held"})
        if errors:
            reports = await in_thread(self.node.reports)
            active = {s.report_id for s in self.node.shares() if s.state in ("pending", "acknowledged", "withdrawing")}
            rows = [r for r in sorted(reports, key=lambda r: r.report_id) if r.report_id not in active]
            return self.render(request, "node/share_many.html", status=400, title="Share many reports", rows=rows,
                               tlps=list(Tlp), errors=errors, chosen=chosen, tlp=tlp, handling=handling)
        job = ShareJob(secrets.token_hex(8), chosen, tlp, handling)
        with self._jobs_lock:
            self.jobs[job.job_id] = job
        threading.Thread(target=self._run_job, args=(job,), name="bulk-share", daemon=True).start()
        log.info("bulk share started: %d report(s)", len(chosen))
        return RedirectResponse(f"/share-many/{job.job_id}", status_code=303)

    def _run_job(self, job: ShareJob) -> None:
        for report_id in job.report_ids:
            try:
                self.node.share(report_id, tlp=job.tlp, handling=job.handling)
            except Exception as exc:  # every report gets its answer; the job goes on
                job.failed.append((report_id, _share_failure(exc)))
            else:
                job.done.append(report_id)
        job.finished = True
        log.info("bulk share finished: %d queued, %d not shared", len(job.done), len(job.failed))

    def _job(self, request: Request) -> ShareJob:
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            raise HTTPException(404)
        return job

    async def share_many_progress(self, request: Request) -> Response:
        self.console.user(request)
        job = self._job(request)
        return self.render(request, "node/share_many_progress.html", title="Sharing reports", job=job)

    async def share_many_status(self, request: Request) -> Response:
        self.console.user(request)
        return JSONResponse(self._job(request).status())

    # ------------------------------------------------------------------ inbox and outbox

    async def matches(self, request: Request) -> Response:
        self.console.user(request)
        found = await in_thread(self.node.matches)
        return self.render(request, "node/matches.html", title="Matches", matches=found)

    async def alerts(self, request: Request) -> Response:
        self.console.user(request)
        found = await in_thread(self.node.alerts)
        return self.render(request, "node/alerts.html", title="Alerts", alerts=list(reversed(found)))

    async def outbox(self, request: Request) -> Response:
        self.console.user(request)
        waiting = {item.record_id: item for item in self.node.outbox()}
        rows = []
        for share in sorted(self.node.shares(), key=lambda s: s.updated, reverse=True):
            item = waiting.get(share.record_id)
            # The node's own words: "coordinator unreachable at HOST:PORT since HH:MM", or the
            # coordinator's status and reason (never data).
            reason = (item.last_error or "not tried yet") if item is not None else ""
            rows.append({"share": share, "item": item, "reason": reason})
        return self.render(request, "node/outbox.html", title="Outbox", rows=rows, pending=len(waiting),
                           coordinator=self.coordinator)

    # ------------------------------------------------------------------ staff intake and review

    async def intake_page(self, request: Request) -> Response:
        return self.render(request, "node/intake.html", title="Tell us about a concern", values={}, errors=[],
                           **_STAFF)

    async def intake(self, request: Request) -> Response:
        form = await self.console.form(request)
        values = {k: _lines(str(form.get(k, ""))).strip() for k in _INTAKE_FIELDS}
        errors: list[dict[str, str]] = []
        if not values["what"]:
            errors.append({"href": "#what", "text": "Describe what you saw or heard"})
        for key, limit in (("what", 20_000), ("where", 500), ("when", 200), ("contact", 500)):
            if len(values[key]) > limit:
                errors.append({"href": f"#{key}", "text": f"This answer is too long (at most {limit} characters)"})
        # Limited per address only to stop a flood; the address is not stored with the concern.
        client = request.client.host if request.client else "unknown"
        if self.intake_limiter.blocked([client]) > 0:
            errors = [{"href": "#what", "text": "Too many concerns were sent from here in the last hour. Try again later."}]
        if errors:
            return self.render(request, "node/intake.html", status=400, title="Tell us about a concern",
                               values=values, errors=errors, **_STAFF)
        self.intake_limiter.failed([client])
        data = json.dumps({k: v for k, v in values.items() if v}, ensure_ascii=False).encode()
        await in_thread(self.node.store.add_intake, data)
        log.info("staff intake: one concern queued for review")
        return self.render(request, "node/intake_done.html", title="Concern sent", **_STAFF)

    def _intake_item(self, item_id: str) -> dict[str, str]:
        for iid, received, data in self.node.store.intake():
            if iid == item_id:
                item: dict[str, str] = json.loads(data)
                item["id"], item["received"] = iid, str(received)
                return item
        raise HTTPException(404)

    async def review(self, request: Request) -> Response:
        self.console.user(request)
        items = []
        for iid, received, data in self.node.store.intake():
            item = json.loads(data)
            items.append({"id": iid, "received": received, "what": item.get("what", ""),
                          "contact": bool(item.get("contact"))})
        return self.render(request, "node/review.html", title="Review queue", items=items)

    async def review_item(self, request: Request) -> Response:
        self.console.user(request)
        item = self._intake_item(request.path_params["item_id"])
        return self.render(request, "node/review_item.html", title="Concern from a staff member", item=item)

    async def dismiss(self, request: Request) -> Response:
        self.console.user(request)
        await self.console.form(request)
        if not self.node.store.remove_intake(request.path_params["item_id"]):
            raise HTTPException(404)
        self.console.flash(request, "success", "The concern was dismissed and deleted.")
        return RedirectResponse("/review", status_code=303)

    # ------------------------------------------------------------------ routes

    def routes(self) -> list[BaseRoute]:
        """Every page of the node console (sign-in and assets come from :class:`Console`)."""
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/reports", self.reports, methods=["GET"]),
            Route("/reports/search", self.search, methods=["POST"]),
            Route("/reports/new", self.new_report_page, methods=["GET"]),
            Route("/reports/new", self.new_report, methods=["POST"]),
            Route("/reports/upload", self.upload_page, methods=["GET"]),
            Route("/reports/upload", self.upload, methods=["POST"]),
            Route("/reports/{report_id}", self.detail, methods=["GET"]),
            Route("/reports/{report_id}/share", self.share_page, methods=["GET"]),
            Route("/reports/{report_id}/share", self.share, methods=["POST"]),
            Route("/reports/{report_id}/withdraw", self.withdraw_page, methods=["GET"]),
            Route("/reports/{report_id}/withdraw", self.withdraw, methods=["POST"]),
            Route("/share-many", self.share_many_page, methods=["GET"]),
            Route("/share-many", self.share_many, methods=["POST"]),
            Route("/share-many/{job_id}", self.share_many_progress, methods=["GET"]),
            Route("/share-many/{job_id}/status", self.share_many_status, methods=["GET"]),
            Route("/matches", self.matches, methods=["GET"]),
            Route("/alerts", self.alerts, methods=["GET"]),
            Route("/outbox", self.outbox, methods=["GET"]),
            Route("/intake", self.intake_page, methods=["GET"]),
            Route("/intake", self.intake, methods=["POST"]),
            Route("/review", self.review, methods=["GET"]),
            Route("/review/{item_id}", self.review_item, methods=["GET"]),
            Route("/review/{item_id}/dismiss", self.dismiss, methods=["POST"]),
        ]


_LABELS = {
    "report_id": "Report id", "narrative": "What happened", "region": "Region", "sector": "Sector",
    "exploitation_type": "Type of exploitation", "month": "Month", "indicators": "Indicators",
    "victims_count": "Number of people affected", "grade": "Grade", "source_evaluation": "Source evaluation",
    "assessment": "Intelligence assessment", "handling": "Handling code", "time_sensitive": "Time-sensitive",
    "reporter": "Who told you", "received": "Date received", "mention": "Person or organisation",
    **dict(MENTION_FIELDS),
}


def _lines(text: str) -> str:
    """Form text with the browser's CRLF line ends as LF (a stray CR stays, and is shown as a mark)."""
    return text.replace("\r\n", "\n")


def _field_id(fld: str) -> str:
    fld = fld.split(".")[-1]
    return "source_evaluation" if fld == "grade" else fld


#: What to ask for when a required field of the form is empty.
_EMPTY = {
    "report_id": "Enter a report id", "narrative": "Describe what happened", "region": "Choose a region",
    "sector": "Choose a sector", "exploitation_type": "Choose a type of exploitation",
    "month": "Enter the month the intelligence relates to",
}


def _message(fld: str, problem: str) -> str:
    """The error summary's words for one problem of the new report form."""
    key = fld.split(".")[-1]
    if problem.startswith("is empty") and key in _EMPTY:
        return _EMPTY[key]
    return f"{_label(fld)}: {problem}"


def _label(fld: str) -> str:
    key = fld.split(".")[-1]
    return _LABELS.get(key, key.replace("_", " ").capitalize())


NAV = (
    NavItem("Overview", "/"),
    NavItem("Reports", "/reports", "/reports"),
    NavItem("Matches", "/matches"),
    NavItem("Cases", "/cases", "/cases"),
    NavItem("Alerts", "/alerts"),
    NavItem("Outbox", "/outbox"),
    NavItem("Review queue", "/review", "/review"),
)


def build_node_console(
    config: NodeConfig, settings: ConsoleSettings, *, node: Node | None = None, sync: bool = True,
) -> tuple[ASGIApp, NodeConsole]:
    """The node console's ASGI application over ``node`` (opened from ``config`` when not given).

    With ``sync`` the node's background delivery and inbox threads run too.
    """
    from msin_fed.node import Node

    opened = node or Node.open(config=config)
    accounts = AccountStore(settings.users, issuer=f"msin-fed node ({opened.member_id})")
    console = Console(
        service_name="Member node console", accounts=accounts, nav=NAV,
        sessions=SessionStore(idle=settings.session_idle, lifetime=settings.session_lifetime),
        template_dirs=[TEMPLATES],
    )
    nc = NodeConsole(opened, console, coordinator=config.coordinator)
    if sync:
        opened.start()
    # Load the redaction pipeline now rather than on the first preview.
    threading.Thread(target=_warm, args=(opened,), name="redactor-warm-up", daemon=True).start()
    from .node_cases import NodeCasePages

    return console.app([*nc.routes(), *NodeCasePages(opened, console).routes()], name="node-console"), nc


def _warm(node: Node) -> None:
    try:
        node._get_redactor()
    except MsinError:
        log.warning("the redactor could not be loaded; previews will fail until it can")
